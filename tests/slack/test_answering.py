"""Questions asked in Slack are answered, end to end over Socket Mode: mentions, DMs, threads,
`/news ask`, redeliveries, many at once, answers written by an LLM, failures, reconnects."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.answers import Answer
from newsdesk.embeddings import Embedder
from newsdesk.settings import Settings
from tests import fake_slack
from tests.fake_slack import BOT_USER_ID, FakeSlackAPI, FakeSocketMode
from tests.support.logs import collected
from tests.support.slack import (
    ADMIN,
    APP_TOKEN,
    BOT_TOKEN,
    QUESTION,
    RecordingAsker,
    all_text,
    button,
    click,
    fake_slack_servers,
    posted_in,
    posts_in,
    responded,
    running_bot,
    send_event,
    slack_settings,
    slash,
    validate_blocks,
)


def test_mention_is_answered_in_its_thread_with_the_kursk_citation(
    api: FakeSlackAPI, socket_server: FakeSocketMode, bot: Any
) -> None:
    # the Socket Mode connection was opened through SLACK_API_URL with the app token
    opened = api.calls_to("apps.connections.open")
    assert opened and all(c.token == APP_TOKEN for c in opened)
    event = fake_slack.mention(QUESTION, channel="C_NEWS")
    send_event(socket_server, event)

    call = posted_in(api, "C_NEWS", thread_ts=event["ts"])
    assert call.token == BOT_TOKEN
    payload_blocks = call.params["blocks"]
    validate_blocks(payload_blocks)
    text = all_text(payload_blocks)
    assert "[1]" in call.params["text"] and "Kursk" in text
    citation = next(b for b in payload_blocks if b.get("block_id") == "cite-1")
    assert "Kursk" in citation["text"]["text"]
    assert citation["accessory"]["action_id"] == "show_passage"
    assert "_original (ro):_" in citation["text"]["text"]  # asked in English, quoted in Romanian
    actions = next(b for b in payload_blocks if b.get("block_id") == "feedback")
    assert [e["action_id"] for e in actions["elements"]] == ["vote_up", "vote_down"]
    related = next(b for b in payload_blocks if b.get("block_id") == "related")
    assert [e["action_id"] for e in related["elements"]] == ["related_coverage_1"]
    # the thinking reaction went on the question and came off again
    added = api.wait_for("reactions.add", lambda c: c.params.get("timestamp") == event["ts"])
    removed = api.wait_for("reactions.remove", lambda c: c.params.get("timestamp") == event["ts"])
    assert added.params["name"] == removed.params["name"] == "hourglass_flowing_sand"
    assert api.calls.index(added) < api.calls.index(call) < api.calls.index(removed)


def test_a_redelivered_event_id_is_dropped_before_it_is_acknowledged(
    api: FakeSlackAPI, socket_server: FakeSocketMode, asker: RecordingAsker, bot: Any
) -> None:
    """The event-id guard alone: the redelivery carries the first delivery's event id but
    another message, so the per-message guard would let it through."""
    first = fake_slack.mention("How many North Korean soldiers are in Kursk?", channel="C_DUP")
    event_id = send_event(socket_server, first)
    posted_in(api, "C_DUP", thread_ts=first["ts"])
    other = fake_slack.mention("Who is the American secretary of state?", channel="C_DUP2")
    with collected(logging.INFO, ("newsdesk",)) as logs:
        send_event(socket_server, other, event_id=event_id, retry_attempt=1, retry_reason="timeout")
        # dropped by the middleware, before the acknowledgement that send_event waited for
        assert any(f"slack.redelivery_ignored event_id={event_id}" in line for line in logs.lines())
    assert "Who is the American secretary of state?" not in [q for q, _ in asker.calls]
    assert posts_in(api, "C_DUP2") == []


def test_the_same_message_as_another_event_is_answered_once(
    api: FakeSlackAPI, socket_server: FakeSocketMode, bot: Any
) -> None:
    """The per-message guard alone: one message delivered as two events with their own ids
    (e.g. as a mention and as a DM event)."""
    event = fake_slack.mention("How many North Korean soldiers are there?", channel="C_TWICE")
    with collected(logging.INFO, ("newsdesk",)) as logs:
        send_event(socket_server, event)
        posted_in(api, "C_TWICE", thread_ts=event["ts"])
        send_event(socket_server, event)
        logs.wait_for(f"slack.duplicate_message channel=C_TWICE ts={event['ts']}")
    assert len(posts_in(api, "C_TWICE")) == 1


def test_a_direct_message_is_answered_in_the_dm(
    api: FakeSlackAPI, socket_server: FakeSocketMode, bot: Any
) -> None:
    event = fake_slack.direct_message(QUESTION, channel="D_ALICE")
    send_event(socket_server, event)
    call = posted_in(api, "D_ALICE", thread_ts=None)
    validate_blocks(call.params["blocks"])
    assert "Kursk" in all_text(call.params["blocks"])


def test_bots_edits_and_own_messages_are_ignored(
    api: FakeSlackAPI, socket_server: FakeSocketMode, bot: Any
) -> None:
    ignored = [
        fake_slack.direct_message(QUESTION, channel="D_IGNORED", bot_id="B_OTHER"),
        fake_slack.direct_message(QUESTION, channel="D_IGNORED", user=BOT_USER_ID),
        fake_slack.direct_message(QUESTION, channel="D_IGNORED", subtype="message_changed"),
        fake_slack.direct_message(QUESTION, channel="D_IGNORED", subtype="channel_join"),
        {**fake_slack.direct_message(QUESTION, channel="C_IGNORED"), "channel_type": "channel"},
    ]
    for event in ignored:
        send_event(socket_server, event)
    time.sleep(1.5)
    channels = {c.params.get("channel") for c in api.calls_to("chat.postMessage")}
    assert not channels & {"D_IGNORED", "C_IGNORED"}


def test_slash_ask_is_private_with_a_share_button(
    api: FakeSlackAPI, socket_server: FakeSocketMode, bot: Any
) -> None:
    ack, url = slash(api, socket_server, f"ask {QUESTION}", user="U_BOB")
    assert "Looking" in ack["text"]
    reply = responded(api, url)
    assert reply.params["response_type"] == "ephemeral"
    validate_blocks(reply.params["blocks"])
    assert "Kursk" in all_text(reply.params["blocks"])
    url2 = click(api, socket_server, button(reply.params["blocks"], "share_answer"), user="U_BOB")
    shared = responded(api, url2, response_type="in_channel")
    validate_blocks(shared.params["blocks"])
    assert "Kursk" in all_text(shared.params["blocks"])
    responded(api, url2, delete_original=True)


def test_several_questions_at_once_are_all_answered_while_an_admin_ingests(
    api: FakeSlackAPI, socket_server: FakeSocketMode, settings: Settings, bot: Any
) -> None:
    for i in range(5):
        api.pages[f"/load{i}.html"] = (
            f"<html><head><title>Harbour report {i}</title></head><body><article>"
            f"<h1>Harbour report {i}</h1><p>The harbour authority of port number {i} said on "
            "Monday that cargo volumes rose by a tenth last year, helped by grain exports and a "
            "new container terminal.</p><p>Dock workers will vote on a new wage agreement next "
            "month, the union said.</p></article></body></html>"
        )
    links = " ".join(f"{api.root}/load{i}.html" for i in range(5))
    url = api.response_url()
    command = fake_slack.slash_command(f"ingest {links}", user=ADMIN, response_url=url)
    socket_server.send("slash_commands", command)
    events = [fake_slack.mention(QUESTION, channel=f"C_LOAD{i}") for i in range(8)]
    for event in events:
        socket_server.send("events_api", fake_slack.event_callback(event))
    for i, event in enumerate(events):
        call = posted_in(api, f"C_LOAD{i}", thread_ts=event["ts"], timeout=120)
        validate_blocks(call.params["blocks"])
        assert "Kursk" in all_text(call.params["blocks"])
    reply = responded(api, url, timeout=120)
    assert reply.params["text"].count("✅ added") == 5, reply.params["text"]


# -- bots of their own: an LLM's placeholder, a failing pipeline, a reconnect ------------------


class GatedAsker:
    """The real asker, held at the gate until the test opens it: whatever the bot does before
    its answer exists (acknowledge, post a placeholder) can be checked without timing."""

    def __init__(self, asker: RecordingAsker) -> None:
        self.asker, self.embedder = asker, asker.embedder
        self.asked, self.gate = threading.Event(), threading.Event()

    def ask(self, question: str, history: Any = (), **kwargs: Any) -> Answer:
        self.asked.set()
        if not self.gate.wait(120):
            raise TimeoutError("the test never opened the gate")
        return self.asker.ask(question, history=history, **kwargs)


@contextmanager
def gated_bot(asker: RecordingAsker, e5: Embedder, data_dir: Path, **settings: Any
              ) -> Iterator[tuple[FakeSlackAPI, FakeSocketMode, GatedAsker]]:  # fmt: skip
    """A bot of its own answering through a `GatedAsker`; the gate opens when the block ends."""
    gated = GatedAsker(asker)
    with fake_slack_servers() as (api, socket_server):
        own = slack_settings(data_dir, api, **settings)
        with running_bot(own, gated, e5, socket_server):
            try:
                yield api, socket_server, gated
            finally:
                gated.gate.set()


def test_an_event_is_acknowledged_before_it_is_answered(
    asker: RecordingAsker, e5: Embedder, settings: Settings
) -> None:
    with gated_bot(asker, e5, settings.data_dir) as (api, socket_server, gated):
        event = fake_slack.mention(QUESTION, channel="C_GATE")
        send_event(socket_server, event)  # fails if the ack waited for the (held) answer
        assert gated.asked.wait(60) and not posts_in(api, "C_GATE")
        gated.gate.set()
        assert "Kursk" in all_text(posted_in(api, "C_GATE", event["ts"]).params["blocks"])


def test_with_an_llm_a_dm_answer_replaces_a_placeholder(
    asker: RecordingAsker, e5: Embedder, settings: Settings
) -> None:
    """A direct message outside a thread cannot be streamed into (Slack streams replies only):
    a slow LLM answer replaces a "Looking…" message instead."""
    with gated_bot(asker, e5, settings.data_dir, llm="openai:test-model") as (api, socket, gated):
        event = fake_slack.direct_message(QUESTION, channel="C_LLM")
        send_event(socket, event)
        placeholder = posted_in(api, "C_LLM", thread_ts=None)  # while the answer is held
        assert "Looking" in placeholder.params["text"] and not api.calls_to("chat.update")
        gated.gate.set()
        update = api.wait_for("chat.update", lambda c: c.params.get("channel") == "C_LLM")
        assert update.params["ts"] == placeholder.response["ts"]
        validate_blocks(update.params["blocks"])
        assert "Kursk" in all_text(update.params["blocks"])
        assert len(api.calls_to("chat.postMessage")) == 1


class BrokenAsker:
    embedder = None

    def ask(self, question: str, history: Any = (), **kwargs: Any) -> Answer:
        raise RuntimeError(f"the index exploded (token {BOT_TOKEN})")


def test_a_pipeline_failure_apologises_removes_the_reaction_and_logs_no_token(
    tmp_path: Path, e5: Embedder
) -> None:
    with fake_slack_servers() as (api, socket_server), collected(logging.DEBUG) as logs:
        settings = slack_settings(tmp_path / "data", api)
        with running_bot(settings, BrokenAsker(), e5, socket_server):
            event = fake_slack.mention(QUESTION, channel="C_FAIL")
            send_event(socket_server, event)
            call = posted_in(api, "C_FAIL", thread_ts=event["ts"])
            assert call.params["text"].startswith("Sorry")
            api.wait_for("reactions.remove", lambda c: c.params.get("timestamp") == event["ts"])
    logged = "\n".join(logs.lines())
    assert "slack.answer_failed" in logged and "the index exploded" in logged
    for secret in (BOT_TOKEN, APP_TOKEN):
        assert secret not in logged


def test_socket_mode_reconnects_through_slack_api_url(
    asker: RecordingAsker, e5: Embedder, settings: Settings
) -> None:
    """Slack asks clients to reconnect now and then; the new URL comes from SLACK_API_URL too."""
    with fake_slack_servers() as (api, socket_server):
        own_settings = slack_settings(settings.data_dir, api)
        with running_bot(own_settings, asker, e5, socket_server):
            assert len(api.calls_to("apps.connections.open")) == 1
            socket_server.send_raw({"type": "disconnect", "reason": "refresh_requested"})
            socket_server.wait_connections(2, timeout=30)
            opened = api.calls_to("apps.connections.open")
            assert len(opened) == 2 and all(c.token == APP_TOKEN for c in opened)
            event = fake_slack.mention(QUESTION, channel="C_RECONNECT")
            send_event(socket_server, event)
            call = posted_in(api, "C_RECONNECT", thread_ts=event["ts"])
            assert "Kursk" in all_text(call.params["blocks"])
