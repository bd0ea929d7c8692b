"""`start` when Slack says no: a refused or unreachable bot token is found before the model
loads, and a failure after that closes what `start` had made (the asker and its index, the
executors, the Socket Mode client and its threads) before the one-line error goes up.

The real `start` against tests/fake_slack.py; what is observed is what a user's machine would
show: files in the data dir, SQLite's write-ahead log, the process's threads."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from bot.runtime import Runtime
from bot.slack.app import start
from newsdesk.errors import NewsdeskError
from tests.fake_slack import FakeSlackAPI
from tests.support.slack import fake_slack_servers, slack_settings


def threads_left(before: set[threading.Thread], within: float = 30.0) -> list[str]:
    """The threads started since `before` still running after `within` s (the fake Slack's
    request threads and the language model's warm-up end on their own well before)."""
    deadline = time.monotonic() + within
    while True:
        left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not left or time.monotonic() > deadline:
            return [t.name for t in left]
        time.sleep(0.1)


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/api/"  # nothing listens there


@pytest.mark.parametrize("slack", ["refuses the token", "is unreachable"])
def test_a_bad_bot_token_or_url_fails_before_the_model_loads(tmp_path: Path, slack: str) -> None:
    api = FakeSlackAPI(fail={"auth.test": "invalid_auth"})
    try:
        url = api.base_url if slack == "refuses the token" else closed_port_url()
        settings = slack_settings(tmp_path / "data", api, SLACK_API_URL=url)
        before = set(threading.enumerate())
        with pytest.raises(NewsdeskError) as error:
            start(Runtime(settings))  # no asker given: `start` would make its own
    finally:
        api.close()
    message = str(error.value)
    assert "\n" not in message
    if slack == "refuses the token":
        assert api.calls_to("auth.test")
        assert message == f"Slack at {url} refused SLACK_BOT_TOKEN (invalid_auth): check it"
    else:
        assert message.startswith(f"cannot reach Slack at {url}")
    # before: the embedder loaded and the index opened first (its catalog was created)
    assert not list((tmp_path / "data").rglob("catalog.sqlite*")), "the index was opened"
    assert threads_left(before) == []


def test_a_refused_app_token_closes_what_start_made(tmp_path: Path) -> None:
    api = FakeSlackAPI(fail={"apps.connections.open": "invalid_auth"})
    try:
        settings = slack_settings(tmp_path / "data", api)
        before = set(threading.enumerate())
        with pytest.raises(NewsdeskError) as error:
            start(Runtime(settings))  # its own asker: the embedder loads, the index opens
        assert str(error.value) == (
            f"Slack at {api.base_url} refused SLACK_APP_TOKEN (invalid_auth): check it"
        )
        catalog = tmp_path / "data" / "catalog.sqlite"
        assert catalog.exists(), "the asker was not made: nothing here to see closed"
        # SQLite removes the write-ahead log when the last connection to the catalog closes;
        # before, the asker's stayed open (as long as anything held the failed start's frames)
        assert not catalog.with_name("catalog.sqlite-wal").exists(), "the index was left open"
        # before: the Socket Mode client's threads (one polling every millisecond) ran on
        assert threads_left(before) == []
    finally:
        api.close()


def test_a_good_start_still_connects_and_stops_cleanly(tmp_path: Path) -> None:
    """The same `start` when Slack says yes: it connects, and `stop` leaves nothing running."""
    with fake_slack_servers() as (api, socket_server):
        settings = slack_settings(tmp_path / "data", api)
        before = set(threading.enumerate())
        running = start(Runtime(settings))
        try:
            socket_server.wait_connected(timeout=120)
            assert running.mode == "socket"
        finally:
            running.stop()
        assert threads_left(before) == []
        assert api.calls_to("apps.connections.open")
