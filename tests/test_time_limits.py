"""Nothing stuck: DNS lookups, feeds and whole ingests end on time (issue 10, items 3 and 12).

Real servers on 127.0.0.1; waits synchronise on events the servers and resolvers signal, and
the only timeouts are guards that turn a hang into a failure.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import Any

import pytest

from ingest.fetch import FetchError, fetch
from tests.conftest import make_settings

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
