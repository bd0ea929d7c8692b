"""Nothing stuck: DNS lookups, feeds and whole ingests end on time (issue 10, items 3 and 12).

Real servers on 127.0.0.1; waits synchronise on events the servers and resolvers signal, and
the only timeouts are guards that turn a hang into a failure.
"""

from __future__ import annotations

import io
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingest.fetch import FetchError, fetch
from ingest.pipeline import IngestReport, ingest
from ingest.sources import Failure, read_sources
from newsdesk.articles import Article
from newsdesk.embeddings import Embedder
from newsdesk.index import Index
from tests.helpers_http import Route, serve
from tests.support.paths import SAMPLE_ARTICLE
from tests.support.settings import make_settings

HANG_GUARD = 60  # seconds: only ever reached when the behaviour under test is broken


def test_a_resolver_that_never_answers_times_out_on_the_fetch_deadline(tmp_path: Path) -> None:
    asked, release = threading.Event(), threading.Event()

    def stuck_resolver(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        asked.set()
        release.wait(HANG_GUARD)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    settings = make_settings(tmp_path / "data", fetch_timeout=0.5)
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            fetch("http://slow-dns.example/story", settings, resolve=stuck_resolver)
        except BaseException as error:  # noqa: BLE001 - examined below
            outcome.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    try:
        assert asked.wait(HANG_GUARD)
        worker.join(HANG_GUARD / 2)  # the resolver is still stuck: only the deadline ends this
        assert not worker.is_alive(), "the fetch waited for the resolver past its deadline"
    finally:
        release.set()
    [error] = outcome
    assert isinstance(error, FetchError)
    assert str(error).startswith("timed out after 0.5 s fetching http://slow-dns.example/story")


# -- feeds that never end --------------------------------------------------------------------

ENTRY_TEXT = (
    "The regional council approved the new budget for public transport after a long debate, "
    "and the first new trams are expected to run on the northern line by the end of next year. "
) * 3  # over SUMMARY_ONLY characters: read from the feed, no page is fetched


def _feed(entries: int, prefix: str = "story") -> bytes:
    items = "".join(
        f"<item><title>Budget {n}</title><link>http://127.0.0.1/{prefix}/{n}</link>"
        f"<description>{ENTRY_TEXT} (number {n})</description></item>"
        for n in range(entries)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>City News</title>'
        f"{items}</channel></rss>"
    ).encode()


def test_a_feed_is_read_up_to_its_entry_cap_and_the_rest_is_reported(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", allow_private_urls=True, feed_max_entries=3)
    with serve({"/feed.rss": Route(_feed(5000), "application/rss+xml")}) as server:
        items = list(read_sources([server.url("/feed.rss")], settings))
    *articles, skipped = items
    titles = [a.title for a in articles]  # type: ignore[union-attr]
    assert titles == ["Budget 0", "Budget 1", "Budget 2"]
    assert isinstance(skipped, Failure) and skipped.skipped
    assert skipped.error.startswith("only the first 3 of its 5000 entries were read")
    assert [path for path, _host in server.requests] == ["/feed.rss"]


def test_reading_stops_when_the_ingest_has_spent_its_time(tmp_path: Path) -> None:
    """A budget no fetch fits in: the first source is read, nothing after it is fetched."""
    settings = make_settings(tmp_path / "data", allow_private_urls=True, ingest_timeout=0.001)
    routes = {"/a.rss": Route(_feed(3, "a"), "application/rss+xml"),
              "/b.rss": Route(_feed(3, "b"), "application/rss+xml")}  # fmt: skip
    with serve(routes) as server:
        items = list(read_sources([server.url("/a.rss"), server.url("/b.rss")], settings))
    assert [path for path, _host in server.requests] == ["/a.rss"]
    first, *skipped = items
    assert isinstance(first, Article)
    assert [(s.source, s.skipped) for s in skipped] == [  # type: ignore[union-attr]
        (server.url("/a.rss"), True), (server.url("/b.rss"), True)
    ]
    assert all("NEWSDESK_INGEST_TIMEOUT" in s.error for s in skipped)  # type: ignore[union-attr]


def test_a_source_whose_last_item_spends_the_budget_is_complete(tmp_path: Path) -> None:
    """Reading the one-entry feed spends the whole budget, and nothing of it is left."""
    settings = make_settings(tmp_path / "data", allow_private_urls=True, ingest_timeout=0.001)
    with serve({"/one.rss": Route(_feed(1), "application/rss+xml")}) as server:
        items = list(read_sources([server.url("/one.rss")], settings))
    assert [type(item) for item in items] == [Article]


def test_local_sources_are_read_whole_whatever_the_budget(tmp_path: Path) -> None:
    """The budget bounds fetching only: folders, files, JSONL and stdin are never cut off."""
    settings = make_settings(tmp_path / "data", ingest_timeout=1e-9)
    folder = tmp_path / "articles"
    folder.mkdir()
    for n in range(5):
        (folder / f"story-{n}.html").write_text(
            f"<html><head><title>Budget {n}</title></head><body><article><p>{ENTRY_TEXT} "
            f"(number {n})</p></article></body></html>",
            encoding="utf-8",
        )
    records = tmp_path / "records.jsonl"
    records.write_text(
        "".join(
            json.dumps({"title": f"Record {n}", "text": f"{ENTRY_TEXT} (record {n})"}) + "\n"
            for n in range(3)
        ),
        encoding="utf-8",
    )
    stdin = io.StringIO(f"Standard input. {ENTRY_TEXT}")
    items = list(read_sources([str(folder), str(records), "-"], settings, stdin=stdin))
    assert [item for item in items if isinstance(item, Failure)] == []
    assert len(items) == 5 + 3 + 1


def test_skipped_entries_are_in_the_ingest_report(tmp_path: Path, index: Index) -> None:
    settings = make_settings(index.settings.data_dir, allow_private_urls=True, feed_max_entries=2)
    with serve({"/feed.rss": Route(_feed(4), "application/rss+xml")}) as server:
        report = ingest(read_sources([server.url("/feed.rss")], settings), index)
    assert report.count("added") == 2 and not report.failed
    [skipped] = report.as_json()["skipped"]
    assert skipped == {
        "source": server.url("/feed.rss"),
        "reason": "only the first 2 of its 4 entries were read "
        "(NEWSDESK_FEED_MAX_ENTRIES sets the limit)",
    }
    assert "1 skipped" in report.summary()


def test_another_ingest_is_not_blocked_while_a_slow_feed_is_fetched(
    tmp_path: Path, e5: Embedder
) -> None:
    data_dir = tmp_path / "data"
    settings = make_settings(data_dir, allow_private_urls=True, fetch_timeout=HANG_GUARD * 2)
    sending, release = threading.Event(), threading.Event()

    def slow_feed() -> Iterator[bytes]:
        sending.set()  # the client is connected and waiting for the body
        release.wait(HANG_GUARD * 2)
        yield _feed(2)

    article = tmp_path / "kursk.txt"
    article.write_text(SAMPLE_ARTICLE.read_text(encoding="utf-8"), encoding="utf-8")
    reports: dict[str, IngestReport] = {}

    def run(name: str, source: str) -> None:
        index = Index(settings, e5)
        try:
            reports[name] = ingest(read_sources([source], settings), index)
        finally:
            index.close()

    with serve({"/slow.rss": Route(slow_feed, "application/rss+xml")}) as server:
        feed = threading.Thread(target=run, args=("feed", server.url("/slow.rss")), daemon=True)
        local = threading.Thread(target=run, args=("local", str(article)), daemon=True)
        try:
            feed.start()
            assert sending.wait(HANG_GUARD)
            local.start()
            local.join(HANG_GUARD)
            assert not local.is_alive(), "the local ingest waited for the feed being fetched"
            assert "feed" not in reports  # the feed was still being fetched all along
        finally:
            release.set()
        feed.join(HANG_GUARD)
    assert reports["local"].count("added") == 1
    assert reports["feed"].count("added") == 2
