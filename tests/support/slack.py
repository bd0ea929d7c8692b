"""Driving the real Slack bot against tests/fake_slack.py: its settings, sending events and
commands, waiting for what it posts, and checking the blocks it posts are valid."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from slack_sdk.models.blocks import Block

from bot.answers import Answer, Citation
from bot.runtime import Runtime
from bot.slack import blocks
from bot.slack.app import RunningBot, start
from newsdesk.embeddings import Embedder
from newsdesk.index import Index
from newsdesk.settings import Settings
from tests import fake_slack
from tests.fake_slack import Call, FakeSlackAPI, FakeSocketMode
from tests.support.paths import SAMPLE_ARTICLE
from tests.support.settings import make_settings

BOT_TOKEN = "xoxb-test-0000-bot-token-never-logged"
APP_TOKEN = "xapp-1-test-app-token-never-logged"
SIGNING_SECRET = "test-signing-secret-never-logged"
ADMIN = "U_ADMIN"
QUESTION = "Where are the North Korean troops?"


def slack_settings(data_dir: Path, api: FakeSlackAPI, **overrides: Any) -> Settings:
    """Socket Mode settings pointing at the fake Slack, with ADMIN as the one admin."""
    values: dict[str, Any] = {
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": api.base_url, "admins": [ADMIN], "allow_private_urls": True,
    }  # fmt: skip
    values.update(overrides)
    return make_settings(data_dir, **values)


def index_sample(settings: Settings, embedder: Embedder) -> None:
    """Put the sample article in the index through the ingest code."""
    from ingest.pipeline import ingest
    from ingest.sources import read_sources

    index = Index(settings, embedder)
    try:
        report = ingest(read_sources([str(SAMPLE_ARTICLE)], settings), index)
        assert report.count("added") == 1, report.items
    finally:
        index.close()


class RecordingAsker:
    """The real Asker, with the (question, history) of every call kept for assertions."""

    def __init__(self, asker: Any) -> None:
        self.asker = asker
        self.embedder = asker.embedder
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def ask(self, question: str, history: Any = (), **kwargs: Any) -> Answer:
        self.calls.append((question, tuple(history)))
        return self.asker.ask(question, history=history, **kwargs)


def validate_blocks(
    payload_blocks: list[dict[str, Any]], limit: int = blocks.MESSAGE_BLOCKS
) -> None:
    """Between one and `limit` blocks, each one Slack would accept."""
    assert 0 < len(payload_blocks) <= limit
    for block in payload_blocks:
        Block.parse(block).validate_json()  # type: ignore[union-attr]


def all_text(payload_blocks: list[dict[str, Any]]) -> str:
    return json.dumps(payload_blocks, ensure_ascii=False)


def posted_in(api: FakeSlackAPI, channel: str, thread_ts: str | None = None,
              timeout: float = 60) -> Call:  # fmt: skip
    """The first message the bot posted in `channel` (in the thread `thread_ts`)."""
    return api.wait_for(
        "chat.postMessage",
        lambda c: c.params.get("channel") == channel and c.params.get("thread_ts") == thread_ts,
        timeout=timeout,
    )


def posts_in(api: FakeSlackAPI, channel: str) -> list[Call]:
    """Every message the bot posted in `channel` so far."""
    return [c for c in api.calls_to("chat.postMessage") if c.params.get("channel") == channel]


def send_event(socket_server: FakeSocketMode, event: dict[str, Any], **kwargs: Any) -> str:
    """Deliver `event` over Socket Mode and wait for its acknowledgement; its event id."""
    payload = fake_slack.event_callback(event, kwargs.pop("event_id", None))
    socket_server.wait_ack(socket_server.send("events_api", payload, **kwargs))
    return payload["event_id"]


def responded(api: FakeSlackAPI, url: str, timeout: float = 60, **params: Any) -> Call:
    """The first POST to the response URL `url` whose parameters include `params`."""
    path = url.removeprefix(api.root)
    return api.wait_for(
        "response_url",
        lambda c: c.path == path and all(c.params.get(k) == v for k, v in params.items()),
        timeout=timeout,
    )


def slash(api: FakeSlackAPI, socket_server: FakeSocketMode, text: str, user: str
          ) -> tuple[dict[str, Any], str]:  # fmt: skip
    """Run `/news TEXT` as `user`: the acknowledgement's payload and the command's response URL."""
    url = api.response_url()
    command = fake_slack.slash_command(text, user=user, response_url=url)
    ack = socket_server.wait_ack(socket_server.send("slash_commands", command))
    return ack.get("payload") or {}, url


def article_page(title: str, *paragraphs: str) -> str:
    """A news page as the fake Slack's web server serves it: `title` as <title> and <h1>,
    then the paragraphs, inside <article>."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}"
            "</article></body></html>")  # fmt: skip


def click(api: FakeSlackAPI, socket_server: FakeSocketMode, element: dict[str, Any], user: str
          ) -> str:  # fmt: skip
    """Click the button `element` as `user` (acknowledged); the action's response URL."""
    url = api.response_url()
    action = fake_slack.block_action(element, user=user, response_url=url)
    socket_server.wait_ack(socket_server.send("interactive", action))
    return url


def button(payload_blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    """The button `action_id` among the blocks' actions."""
    return next(
        e for b in payload_blocks if b["type"] == "actions" for e in b["elements"]
        if e["action_id"] == action_id
    )  # fmt: skip


def citation(n: int, **overrides: Any) -> Citation:
    """A Romanian citation [n] of article `a{n}`, with any field replaced."""
    values: dict[str, Any] = {
        "n": n, "article_id": f"a{n}", "title": "Blinken: 8.000 de soldați",
        "source": "Agerpres", "url": "https://example.com/a?x=1&y=2", "published": "2024-11-04",
        "lang": "ro", "chunk_id": f"a{n}-h-0",
        "passage": "Before. Aproximativ 8.000 de soldați sunt în Kursk. After.",
        "quote": "Aproximativ 8.000 de soldați sunt în Kursk.",
    }  # fmt: skip
    values.update(overrides)
    return Citation(**values)


def signed(body: str, secret: str, timestamp: int | None = None,
           content_type: str = "application/json") -> dict[str, str]:  # fmt: skip
    """The headers Slack sends with an HTTP-mode request body signed with `secret`."""
    timestamp = timestamp or int(time.time())
    base = f"v0:{timestamp}:{body}".encode()
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature,
            "Content-Type": content_type}  # fmt: skip


def post(url: str, body: str, headers: dict[str, str]) -> int:
    """POST `body` to the bot's HTTP endpoint; the status code."""
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@contextmanager
def fake_slack_servers() -> Iterator[tuple[FakeSlackAPI, FakeSocketMode]]:
    """A fake Web API whose `apps.connections.open` hands out a fake Socket Mode server."""
    api, socket_server = FakeSlackAPI(), FakeSocketMode()
    api.socket_url = socket_server.url
    try:
        yield api, socket_server
    finally:
        api.close()
        socket_server.close()


@contextmanager
def running_bot(settings: Settings, asker: Any, embedder: Any,
                socket_server: FakeSocketMode | None = None, **kwargs: Any
                ) -> Iterator[RunningBot]:  # fmt: skip
    """The real bot started with `asker` (connected to `socket_server` if given), stopped after:
    `stop()` lets every answer in progress finish, so what it posted can be counted then."""
    opened = socket_server.opened if socket_server is not None else 0
    running = start(Runtime(settings, asker=asker, embedder=embedder), **kwargs)
    try:
        if socket_server is not None:  # this bot's own connection, not an earlier bot's
            socket_server.wait_connections(opened + 1)
        yield running
    finally:
        running.stop()
