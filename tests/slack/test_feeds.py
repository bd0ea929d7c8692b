"""Followed feeds, end to end: `/news follow` reads a feed served on 127.0.0.1 at once; the
running bot polls it (conditional GETs: 304 while it is unchanged), ingests the item it gains,
announces it, and answers a question about it, with nobody running a command. Then
`newsdesk follow` lists and unfollows it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bot.runtime import Runtime
from ingest.follow import conditional_headers, seen_after
from newsdesk.cli import build_parser
from newsdesk.embeddings import Embedder
from newsdesk.index import FollowedFeed, Index
from tests import fake_slack
from tests.support.slack import (
    ADMIN,
    all_text,
    fake_slack_servers,
    posted_in,
    responded,
    running_bot,
    send_event,
    slack_settings,
    slash,
)

FIRST = ("Storm closes the port of Constanta", "storm", (
    "The Black Sea port of Constanta closed on Monday as a storm brought winds of 90 kilometres "
    "an hour, the port authority said. Ships waited at anchor outside the harbour while cranes "
    "were secured, and ferries to Istanbul were cancelled for the day. "
) * 3)
SECOND = ("Lighthouse keeper rescues seven fishermen near Mangalia", "rescue", (
    "A lighthouse keeper in Mangalia rescued seven fishermen whose boat capsized on Tuesday "
    "night, pulling them from the sea with a rope from the pier, the coast guard said. The "
    "fishermen were taken to the county hospital in Constanta with hypothermia. "
) * 3)


class FeedServer:
    """An RSS feed on 127.0.0.1 that answers conditional GETs as a careful site does: 304 when
    the client's If-None-Match is the current ETag. `requests` keeps each GET's headers."""

    def __init__(self) -> None:
        self.items = [FIRST]
        self.requests: list[tuple[int, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                etag = f'"v{len(server.items)}"'
                if self.headers.get("If-None-Match") == etag:
                    status, body = 304, b""
                else:
                    status, body = 200, server.xml().encode()
                server.requests.append((status, dict(self.headers)))
                self.send_response(status)
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", formatdate(usegmt=True))
                if status == 200:
                    self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/feed.rss"

    def xml(self) -> str:
        entries = "".join(
            f"<item><title>{title}</title><link>http://news.example/{slug}</link>"
            f"<guid>{slug}</guid><pubDate>Mon, 0{n} Dec 2025 08:00:00 GMT</pubDate>"
            f"<description>{text}</description></item>"
            for n, (title, slug, text) in enumerate(reversed(self.items), start=1)
        )
        return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Coast News</title>'
                f"<link>http://news.example/</link><language>en</language>{entries}</channel></rss>")

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def feed() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


def test_a_followed_feed_is_polled_and_its_new_item_answered_without_a_command(
    tmp_path: Path, feed: FeedServer, e5: Embedder
) -> None:
    from bot.ask import Asker

    with fake_slack_servers() as (api, socket_server):
        settings = slack_settings(tmp_path / "data", api, feed_poll_interval=1,
                                  announce_channel="C_ANNOUNCE")  # fmt: skip
        own = Asker(settings, embedder=e5)
        try:
            with running_bot(settings, own, e5, socket_server):
                ack, _ = slash(api, socket_server, f"follow {feed.url}", user="U_BOB")
                assert "only newsdesk admins" in ack["text"]
                ack, url = slash(api, socket_server, f"follow {feed.url}", user=ADMIN)
                reply = responded(api, url, timeout=120)
                assert "Following" in reply.params["text"] and "✅ added" in reply.params["text"]
                assert "Constanta" in reply.params["text"]
                # unchanged: the poller's conditional GETs get 304s
                deadline = time.monotonic() + 30
                while not any(status == 304 for status, _ in feed.requests):
                    assert time.monotonic() < deadline, feed.requests
                    time.sleep(0.2)
                status, headers = next(r for r in feed.requests if r[0] == 304)
                assert headers["If-None-Match"] == '"v1"' and headers["If-Modified-Since"]

                feed.items.append(SECOND)  # the feed gains an item; nobody runs a command
                announced = posted_in(api, "C_ANNOUNCE", timeout=120)
                assert "1 new article" in announced.params["text"]
                assert "Lighthouse keeper rescues seven fishermen" in announced.params["text"]
                assert "Constanta closed" not in announced.params["text"]

                event = fake_slack.mention("How many fishermen did the lighthouse keeper rescue?",
                                           channel="C_FEEDQ")  # fmt: skip
                send_event(socket_server, event)
                answer = posted_in(api, "C_FEEDQ", thread_ts=event["ts"])
                assert "Mangalia" in all_text(answer.params["blocks"])
                assert "Lighthouse keeper rescues seven fishermen" in all_text(
                    answer.params["blocks"])  # cited by its title

                ack, url = slash(api, socket_server, f"unfollow {feed.url}", user=ADMIN)
                assert "Stopped following" in responded(api, url).params["text"]
        finally:
            own.close()

    # the CLI sees the catalog's list, and follows and unfollows through it
    parser = build_parser()
    runtime = Runtime(settings, embedder=e5)

    def cli(*argv: str) -> int:
        args = parser.parse_args(list(argv))
        return int(args.run(args, runtime))

    assert cli("follow", feed.url) == 0
    index = Index(settings)
    (followed,) = index.followed_feeds()
    index.close()
    assert followed.url == feed.url and set(followed.seen) == {"http://news.example/storm",
                                                               "http://news.example/rescue"}
    assert cli("follow", "--unfollow", feed.url) == 0
    assert cli("follow", "--unfollow", feed.url) == 1
    runtime.close()


def test_conditional_headers_and_what_is_remembered() -> None:
    fresh = FollowedFeed("http://x.example/feed")
    assert conditional_headers(fresh) == {}
    polled = FollowedFeed("http://x.example/feed", etag='"a"', last_modified="Mon, 01 Dec 2025",
                          seen=("old",))  # fmt: skip
    assert conditional_headers(polled) == {"If-None-Match": '"a"',
                                           "If-Modified-Since": "Mon, 01 Dec 2025"}
    # an entry that failed is not remembered (the next poll tries it again)
    assert seen_after(polled, ["new", "broken", "old"], failed={"broken"}) == ("new", "old")
