"""HTTP mode under abuse (issue 10, item 4): the real bot's server on 127.0.0.1, with the real
asker over the sample article, against the fake Slack Web API.

Clients that send half a request are dropped after the read timeout, connections beyond the cap
are refused at once, malformed bodies get 400 without a traceback, and queued ingests never
hold the threads answers need."""

from __future__ import annotations

import contextlib
import json
import select
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from bot.runtime import Runtime
from bot.slack.app import RunningBot, start
from newsdesk.embeddings import Embedder
from newsdesk.index import Index
from newsdesk.settings import Settings
from tests import fake_slack
from tests.fake_slack import FakeSlackAPI
from tests.helpers_http import Route, serve
from tests.support.paths import SAMPLE_ARTICLE
from tests.support.settings import make_settings
from tests.support.slack import signed

SECRET = "http-mode-signing-secret"
ADMIN = "U_ADMIN"
READ_TIMEOUT = 3.0
MAX_CONNECTIONS = 20


@pytest.fixture(scope="module")
def api() -> Iterator[FakeSlackAPI]:
    with contextlib.closing(FakeSlackAPI()) as server:
        yield server


@pytest.fixture(scope="module")
def http_settings(tmp_path_factory: pytest.TempPathFactory, api: FakeSlackAPI) -> Settings:
    return make_settings(
        tmp_path_factory.mktemp("http") / "data", SLACK_BOT_TOKEN="xoxb-http-mode-test-token",
        SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=api.base_url, admins=[ADMIN],
        allow_private_urls=True, http_read_timeout=READ_TIMEOUT,
        http_max_connections=MAX_CONNECTIONS,
    )  # fmt: skip


@pytest.fixture(scope="module")
def bot(http_settings: Settings, e5: Embedder) -> Iterator[RunningBot]:
    from bot.ask import Asker
    from ingest.pipeline import ingest
    from ingest.sources import read_sources

    index = Index(http_settings, e5)
    try:
        assert ingest(read_sources([str(SAMPLE_ARTICLE)], http_settings), index).count("added") == 1
    finally:
        index.close()
    asker = Asker(http_settings, embedder=e5)
    running = start(Runtime(http_settings, asker=asker, embedder=e5), host="127.0.0.1", port=0)
    yield running
    running.stop()
    asker.close()


def url(bot: RunningBot, path: str = "/slack/events") -> str:
    return f"http://127.0.0.1:{bot.port}{path}"


def post(bot: RunningBot, body: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url(bot), data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def health(bot: RunningBot) -> int:
    with urllib.request.urlopen(url(bot, "/health"), timeout=30) as response:
        return int(response.status)


def half_sent(bot: RunningBot, count: int, body_too: bool = False) -> list[socket.socket]:
    """Connections that start a request and never finish it (headers, or the body)."""
    head = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
    sockets = []
    for _ in range(count):
        client = socket.create_connection(("127.0.0.1", int(bot.port or 0)), timeout=30)
        client.sendall(head + (b"\r\n" + b"{" * 10 if body_too else b""))
        sockets.append(client)
    return sockets


def outcome(client: socket.socket, wait: float) -> bytes | None:
    """What the server did with a half-sent request within `wait` s: its reply (b"" when it
    closed without one), or None when it still holds the connection."""
    client.settimeout(wait)
    try:
        reply = client.recv(200)
    except TimeoutError:
        return None
    except ConnectionResetError:
        return b""
    finally:
        client.close()
    return reply


def signed_mention(channel: str) -> tuple[dict[str, Any], str]:
    event = fake_slack.mention("Where are the North Korean troops?", channel=channel)
    return event, json.dumps(fake_slack.event_callback(event))


def test_half_sent_requests_are_dropped_and_never_block_answers(
    bot: RunningBot, api: FakeSlackAPI
) -> None:
    held = half_sent(bot, MAX_CONNECTIONS // 2) + half_sent(bot, 3, body_too=True)
    # below the cap, the bot answers while they hang
    assert health(bot) == 200
    event, body = signed_mention("C_HELD")
    assert post(bot, body, signed(body, SECRET)) == 200
    api.wait_for("chat.postMessage", lambda c: c.params.get("channel") == "C_HELD", timeout=120)
    # after the read timeout each is closed (a half-sent body gets 408); before: held forever
    outcomes = [outcome(client, wait=READ_TIMEOUT * 10) for client in held]
    assert None not in outcomes, "a half-sent request is still held open"
    assert all(reply.startswith(b"HTTP/1.1 408") for reply in outcomes[-3:])


def test_a_request_trickled_byte_by_byte_is_dropped_at_the_read_timeout(bot: RunningBot) -> None:
    """One header byte well inside each read's timeout: the request as a whole still has
    READ_TIMEOUT seconds. Before, every byte renewed the timeout, so the client kept its slot for
    as long as it kept trickling (hours, within the header limits)."""
    started, closed_after = time.monotonic(), None  # before the server's clock can start
    client = socket.create_connection(("127.0.0.1", int(bot.port or 0)), timeout=30)
    client.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nX-Padding: ")
    try:
        while (elapsed := time.monotonic() - started) < READ_TIMEOUT * 8:
            ready, _, _ = select.select([client], [], [], 0.3)
            if ready:  # the server closed it (said nothing, or a reset)
                with contextlib.suppress(OSError):
                    client.recv(200)
                closed_after = elapsed
                break
            try:
                client.sendall(b"a")
            except OSError:
                closed_after = elapsed
                break
        assert health(bot) == 200
    finally:
        client.close()
    assert closed_after is not None, f"still held after trickling for {READ_TIMEOUT * 8:.0f} s"
    assert closed_after >= READ_TIMEOUT * 0.9, "closed before its read timeout"


def answered_within(clients: list[socket.socket], seconds: float) -> dict[socket.socket, bytes]:
    """The connections the server answered or closed within `seconds`, with what it sent
    (b"" for a close or a reset); the others it still holds."""
    answered: dict[socket.socket, bytes] = {}
    deadline = time.monotonic() + seconds
    while len(answered) < len(clients) and (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([c for c in clients if c not in answered], [], [], left)
        for client in ready:
            try:
                answered[client] = client.recv(200)
            except ConnectionResetError:
                answered[client] = b""
    return answered


def test_connections_beyond_the_cap_are_refused_at_once_and_the_bot_recovers(
    bot: RunningBot, api: FakeSlackAPI
) -> None:
    clients = half_sent(bot, MAX_CONNECTIONS + 5)
    refused = answered_within(clients, READ_TIMEOUT / 2)  # before any read timeout
    assert len(refused) >= 5, "connections beyond the cap were held"  # before: all were
    # a 503, or a reset when the client was still sending as the server closed
    assert all(r == b"" or r.startswith(b"HTTP/1.1 503") for r in refused.values()), refused
    held = [client for client in clients if client not in refused]
    assert len(answered_within(held, READ_TIMEOUT * 10)) == len(held), "never dropped"
    for client in clients:
        client.close()
    assert health(bot) == 200  # the slots came back
    event, body = signed_mention("C_AFTER")
    assert post(bot, body, signed(body, SECRET)) == 200
    api.wait_for("chat.postMessage", lambda c: c.params.get("channel") == "C_AFTER", timeout=120)


def test_a_malformed_body_is_a_400_without_a_traceback(
    bot: RunningBot, capfd: pytest.CaptureFixture[str]
) -> None:
    for body in ('{"type": "event_callback", "event": ', "not json at all {"):
        assert post(bot, body, signed(body, SECRET)) == 400
        assert post(bot, body, {"Content-Type": "application/json"}) == 400
    form = "payload=" + urllib.parse.quote('{"type": "block_actions", ')
    form_headers = signed(form, SECRET, content_type="application/x-www-form-urlencoded")
    assert post(bot, form, form_headers) == 400
    assert health(bot) == 200
    assert "Traceback" not in capfd.readouterr().err


def test_queued_ingests_do_not_delay_an_answer(bot: RunningBot, api: FakeSlackAPI) -> None:
    """More admin ingests than there are listener threads, each fetching a slow page: the
    question asked after them is answered while they are still queued."""
    from bot.slack.app import LISTENER_THREADS

    page = "<html><head><title>Slow</title></head><body><p>{}</p></body></html>"
    ingests = LISTENER_THREADS + 4
    with serve() as pages:
        for n in range(ingests):
            text = f"Article number {n} says the river rose by {n} centimetres overnight. " * 5
            pages.routes[f"/slow{n}"] = Route(page.format(text), delay=1.5)
        urls = []
        for n in range(ingests):
            response_url = api.response_url()
            urls.append(response_url)
            command = fake_slack.slash_command(f"ingest {pages.url(f'/slow{n}')}", user=ADMIN,
                                               response_url=response_url)  # fmt: skip
            form = urllib.parse.urlencode(command)
            headers = signed(form, SECRET, content_type="application/x-www-form-urlencoded")
            assert post(bot, form, headers) == 200
        event, body = signed_mention("C_QUEUE")
        assert post(bot, body, signed(body, SECRET)) == 200
        api.wait_for("chat.postMessage", lambda c: c.params.get("channel") == "C_QUEUE",
                     timeout=120)  # fmt: skip
        done = [u for u in urls if any(c.path == urlparse_path(u) for c in api.calls)]
        # before: the answer waited for a listener thread, i.e. for five ingests to finish
        assert len(done) <= 2, f"{len(done)} ingests finished before the answer"


def urlparse_path(response_url: str) -> str:
    return urllib.parse.urlparse(response_url).path
