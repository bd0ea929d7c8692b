"""One running Slack bot for the end-to-end tests of this package: the real `start` (slack-bolt,
slack_sdk's Socket Mode client) against tests/fake_slack.py, with a real index holding the
sample article and the real embedder."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from newsdesk.embeddings import Embedder
from newsdesk.settings import Settings
from tests.fake_slack import FakeSlackAPI, FakeSocketMode
from tests.support.slack import RecordingAsker, index_sample, running_bot, slack_settings


@pytest.fixture(scope="package")
def api() -> Iterator[FakeSlackAPI]:
    server = FakeSlackAPI()
    yield server
    server.close()


@pytest.fixture(scope="package")
def socket_server(api: FakeSlackAPI) -> Iterator[FakeSocketMode]:
    server = FakeSocketMode()
    api.socket_url = server.url
    yield server
    server.close()


@pytest.fixture(scope="package")
def settings(tmp_path_factory: pytest.TempPathFactory, api: FakeSlackAPI) -> Settings:
    """The shared bot's settings; its index holds the sample article (see `asker`)."""
    return slack_settings(tmp_path_factory.mktemp("slack") / "data", api)


@pytest.fixture(scope="package")
def asker(settings: Settings, e5: Embedder) -> Iterator[RecordingAsker]:
    from bot.ask import Asker

    index_sample(settings, e5)
    real = Asker(settings, embedder=e5)
    yield RecordingAsker(real)
    real.close()


@pytest.fixture(scope="package")
def bot(
    settings: Settings, asker: RecordingAsker, e5: Embedder, socket_server: FakeSocketMode
) -> Iterator[Any]:
    with running_bot(settings, asker, e5, socket_server) as running:
        yield running
