"""Slack as an AI app, end to end against the fake Slack: the assistant container (greeting,
suggested prompts, title, status, history), LLM answers streamed into their message (and the
chat.update fallback), the App Home, and an admin's shared link offered for ingest."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.ask import Asker
from bot.llm.factory import LLMAnswerer
from bot.slack import blocks
from bot.slack.core import ANSWER_EVENT, turn_from_metadata
from newsdesk.embeddings import Embedder
from newsdesk.index import Index
from newsdesk.settings import Settings
from tests import fake_slack
from tests.fake_slack import TEAM_ID, Call, FakeSlackAPI, FakeSocketMode
from tests.support.slack import (
    ADMIN,
    QUESTION,
    SIGNING_SECRET,
    RecordingAsker,
    all_text,
    article_page,
    button,
    click,
    fake_slack_servers,
    index_sample,
    post,
    posted_in,
    running_bot,
    send_event,
    signed,
    slack_settings,
    validate_blocks,
)

FOLLOW_UP = "How many of them are there?"


def holdings(settings: Settings) -> tuple[list[Any], int]:
    index = Index(settings)
    try:
        return index.articles(), index.stats().chunks
    finally:
        index.close()


def answer_in(api: FakeSlackAPI, channel: str, after: int = 0) -> Call:
    """The `after`-th (0: first) answer the bot posted in `channel` (a message with metadata)."""
    def is_answer(c: Call) -> bool:
        metadata = c.params.get("metadata") or {}
        return c.params.get("channel") == channel and metadata.get("event_type") == ANSWER_EVENT

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = [c for c in api.calls_to("chat.postMessage") if is_answer(c)]
        if len(found) > after:
            return found[after]
        time.sleep(0.05)
    raise AssertionError(f"no answer {after} in {channel}")


# -- 1. the assistant container ----------------------------------------------------------------


def test_an_assistant_thread_greets_suggests_titles_shows_status_and_follows_up(
    api: FakeSlackAPI, socket_server: FakeSocketMode, settings: Settings,
    asker: RecordingAsker, bot: Any,
) -> None:  # fmt: skip
    started = fake_slack.assistant_thread_started(channel="D_ASSIST")
    thread_ts = started["assistant_thread"]["thread_ts"]
    send_event(socket_server, started)
    greeting = posted_in(api, "D_ASSIST", thread_ts)
    records, passages = holdings(settings)
    assert f"{len(records)} article" in greeting.params["text"]
    prompts = api.wait_for("assistant.threads.setSuggestedPrompts",
                           lambda c: c.params.get("thread_ts") == thread_ts)  # fmt: skip
    assert prompts.params["channel_id"] == "D_ASSIST"
    assert prompts.params["prompts"] == blocks.suggested_prompts(records)
    assert prompts.params["prompts"][0]["title"] == blocks.plain(records[0].title, 60)
    assert 1 <= len(prompts.params["prompts"]) <= 4

    # the first question: the thread is titled after it, a status while searching, the answer
    send_event(socket_server, fake_slack.direct_message(QUESTION, channel="D_ASSIST",
                                                        thread_ts=thread_ts))  # fmt: skip
    first = answer_in(api, "D_ASSIST")
    assert first.params["thread_ts"] == thread_ts and "Kursk" in all_text(first.params["blocks"])
    validate_blocks(first.params["blocks"])
    title = api.wait_for("assistant.threads.setTitle")
    assert {k: title.params[k] for k in ("channel_id", "thread_ts", "title")} == {
        "channel_id": "D_ASSIST", "thread_ts": thread_ts, "title": QUESTION}
    status = api.wait_for("assistant.threads.setStatus",
                          lambda c: c.params.get("thread_ts") == thread_ts)  # fmt: skip
    assert status.params["status"] == f"Searching {passages:,} passages…"
    assert api.calls.index(title) < api.calls.index(status) < api.calls.index(first)

    # a follow-up in the thread gets the first answer's turn, as `chat` would
    send_event(socket_server, fake_slack.direct_message(FOLLOW_UP, channel="D_ASSIST",
                                                        thread_ts=thread_ts))  # fmt: skip
    answer_in(api, "D_ASSIST", after=1)
    question, history = asker.calls[-1]
    assert question == FOLLOW_UP
    assert history == (turn_from_metadata(first.params["metadata"]),)
    assert len(api.calls_to("assistant.threads.setTitle")) == 1  # titled once, by the first


def test_assistant_events_over_http_are_answered_the_same(
    api: FakeSlackAPI, settings: Settings, asker: RecordingAsker, e5: Embedder
) -> None:
    http_settings = slack_settings(settings.data_dir, api, SLACK_APP_TOKEN="",
                                   SLACK_SIGNING_SECRET=SIGNING_SECRET)  # fmt: skip
    with running_bot(http_settings, asker, e5, host="127.0.0.1", port=0) as running:
        url = f"http://127.0.0.1:{running.port}/slack/events"
        started = fake_slack.assistant_thread_started(channel="D_HTTP_ASSIST")
        body = json.dumps(fake_slack.event_callback(started))
        assert post(url, body, signed(body, SIGNING_SECRET)) == 200
        thread_ts = started["assistant_thread"]["thread_ts"]
        posted_in(api, "D_HTTP_ASSIST", thread_ts)
        api.wait_for("assistant.threads.setSuggestedPrompts",
                     lambda c: c.params.get("channel_id") == "D_HTTP_ASSIST")  # fmt: skip
        home = json.dumps(fake_slack.event_callback(fake_slack.app_home_opened(user="U_HTTP")))
        assert post(url, home, signed(home, SIGNING_SECRET)) == 200
        published = api.wait_for("views.publish", lambda c: c.params.get("user_id") == "U_HTTP")
        assert published.params["view"]["type"] == "home"


# -- 2. streaming ------------------------------------------------------------------------------


def scripted(*replies: str) -> Any:
    """A real LangChain chat model, local and deterministic: it streams `replies` in turn,
    word by word."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    return GenericFakeChatModel(messages=iter([AIMessage(r) for r in replies]), name="scripted")


@contextmanager
def llm_bot(tmp_path: Path, e5: Embedder) -> Iterator[tuple[FakeSlackAPI, FakeSocketMode]]:
    """A bot whose answers an LLM writes: the sample index, and a model that cites it."""
    from tests.answering_corpus import KURSK_WORDS

    with fake_slack_servers() as (api, socket_server):
        own = slack_settings(tmp_path / "data", api, llm="openai:test-model")
        index_sample(own, e5)
        asker = Asker(own, embedder=e5)
        try:
            # the model reads the passages the extractive answer cites, numbered as it cites them
            n = next(c.n for c in asker.ask(QUESTION).citations if KURSK_WORDS in c.quote)
            reply = (
                f'QUOTE: "{KURSK_WORDS}" [{n}]\nANSWER: According to an article of November '
                f"2024, about 8,000 North Korean soldiers are in Russia's Kursk region [{n}]. "
                f"The article says the 8,000 North Korean soldiers are in the Kursk region, in "
                f"Russia, according to the American secretary of state [{n}]. He expects the "
                f"8,000 North Korean soldiers to fight against Ukraine in the coming days [{n}]."
            )
            asker.llm = LLMAnswerer(scripted(reply, reply, reply), 30)
            with running_bot(own, asker, e5, socket_server):
                yield api, socket_server
        finally:
            asker.close()


def test_an_llm_answer_streams_into_its_message_then_becomes_the_checked_answer(
    tmp_path: Path, e5: Embedder
) -> None:
    with llm_bot(tmp_path, e5) as (api, socket_server):
        event = fake_slack.mention(QUESTION, channel="C_STREAM")
        send_event(socket_server, event)
        start = api.wait_for("chat.startStream")
        assert start.params["channel"] == "C_STREAM" and start.params["thread_ts"] == event["ts"]
        assert start.params["recipient_user_id"] == "U_ALICE"
        assert start.params["recipient_team_id"] == TEAM_ID
        ts = start.response["ts"]
        appended = api.wait_for("chat.appendStream")
        assert appended.params["ts"] == ts and appended.params["chunks"][0]["type"] == "markdown_text"
        stop = api.wait_for("chat.stopStream")
        final = api.wait_for("chat.update", lambda c: c.params.get("ts") == ts)
        assert api.calls.index(start) < api.calls.index(appended) < api.calls.index(stop)
        assert api.calls.index(stop) < api.calls.index(final)
        # the draft streamed (escaped) is replaced by the checked answer, with its sources
        streamed = "".join(c["text"] for call in (start, appended, stop)
                           for c in call.params.get("chunks") or [])  # fmt: skip
        assert streamed.startswith("According to an article")  # the ANSWER part only
        assert final.params["text"].startswith("According to an article of November 2024")
        validate_blocks(final.params["blocks"])
        assert "Kursk" in all_text(final.params["blocks"])
        assert turn_from_metadata(final.params["metadata"]) is not None
        stored = api.message("C_STREAM", ts)
        assert stored is not None and stored["text"] == final.params["text"]
        assert not [c for c in api.calls_to("chat.postMessage") if c.params["channel"] == "C_STREAM"]

        # in an assistant thread, the status says it is writing once the draft comes
        started = fake_slack.assistant_thread_started(channel="D_STREAM")
        thread_ts = started["assistant_thread"]["thread_ts"]
        send_event(socket_server, started)
        send_event(socket_server, fake_slack.direct_message(QUESTION, channel="D_STREAM",
                                                            thread_ts=thread_ts))  # fmt: skip
        api.wait_for("chat.update", lambda c: c.params.get("channel") == "D_STREAM")
        statuses = [c.params["status"] for c in api.calls_to("assistant.threads.setStatus")
                    if c.params["thread_ts"] == thread_ts]  # fmt: skip
        assert statuses[0].startswith("Searching") and statuses[-1] == "Writing the answer…"

        # Slack refusing the stream: the draft goes into a message updated in place instead
        api.fail["chat.startStream"] = "not_allowed"
        event = fake_slack.mention(QUESTION, channel="C_NOSTREAM")
        send_event(socket_server, event)
        draft = posted_in(api, "C_NOSTREAM", thread_ts=event["ts"])
        final = api.wait_for("chat.update", lambda c: c.params.get("channel") == "C_NOSTREAM"
                             and bool(c.params.get("blocks")))  # fmt: skip
        assert final.params["ts"] == draft.response["ts"]
        assert final.params["text"].startswith("According to an article of November 2024")


def test_an_extractive_answer_is_posted_at_once_without_a_stream(
    api: FakeSlackAPI, socket_server: FakeSocketMode, bot: Any
) -> None:
    event = fake_slack.mention(QUESTION, channel="C_EXTRACTIVE")
    send_event(socket_server, event)
    posted = posted_in(api, "C_EXTRACTIVE", thread_ts=event["ts"])
    assert "Kursk" in all_text(posted.params["blocks"]) and posted.params["metadata"]
    assert not [c for c in api.calls_to("chat.startStream")
                if c.params.get("channel") == "C_EXTRACTIVE"]  # fmt: skip


# -- 3. App Home; an admin's shared link --------------------------------------------------------


def test_the_app_home_shows_the_index_and_admin_buttons(
    api: FakeSlackAPI, socket_server: FakeSocketMode, settings: Settings, bot: Any
) -> None:
    records, _ = holdings(settings)
    send_event(socket_server, fake_slack.app_home_opened(user="U_READER"))
    view = api.wait_for("views.publish", lambda c: c.params.get("user_id") == "U_READER")
    home = view.params["view"]
    assert home["type"] == "home"
    validate_blocks(home["blocks"], limit=blocks.MODAL_BLOCKS)
    text = all_text(home["blocks"])
    assert "How to ask" in text and f"{len(records)} article" in text and "ro" in text
    assert blocks.human_date(max(r.published for r in records if r.published)) in text
    assert records[0].url in text or records[0].title in text
    assert '"actions"' not in text  # no admin buttons for a reader

    send_event(socket_server, fake_slack.app_home_opened(user=ADMIN))
    admin_home = api.wait_for("views.publish", lambda c: c.params.get("user_id") == ADMIN)
    admin_blocks = admin_home.params["view"]["blocks"]
    ingest = button(admin_blocks, blocks.HOME_INGEST)
    assert button(admin_blocks, blocks.HOME_FOLLOW)["text"]["text"] == "Follow a feed"
    click(api, socket_server, ingest, user=ADMIN)
    modal = api.wait_for("views.open", lambda c: c.params["view"].get("callback_id")
                         == blocks.INGEST_VIEW)  # fmt: skip
    assert modal.params["view"]["blocks"][0]["element"]["type"] == "url_text_input"


def test_an_admins_home_modal_ingests_the_link_and_refreshes_the_home(
    api: FakeSlackAPI, socket_server: FakeSocketMode, settings: Settings, bot: Any
) -> None:
    api.pages["/modal.html"] = article_page(
        "Snow closes the Transfagarasan road",
        "The Transfagarasan mountain road closed on Sunday after forty centimetres of snow fell "
        "overnight, the roads authority said, and it will stay closed until the spring thaw.",
        "Tourists were asked to use the Olt valley road instead.",
    )
    page = f"{api.root}/modal.html"
    empty = fake_slack.view_submission(blocks.INGEST_VIEW, {}, user=ADMIN)
    ack = socket_server.wait_ack(socket_server.send("interactive", empty))
    assert ack["payload"]["response_action"] == "errors"  # no link: the modal says so
    values = {blocks.URL_BLOCK: {blocks.URL_INPUT: {"type": "url_text_input", "value": page}}}
    published_before = len(api.calls_to("views.publish"))
    submitted = fake_slack.view_submission(blocks.INGEST_VIEW, values, user=ADMIN)
    socket_server.wait_ack(socket_server.send("interactive", submitted))
    report = api.wait_for("chat.postMessage", lambda c: c.params.get("channel") == ADMIN
                          and "Transfagarasan" in c.params.get("text", ""), timeout=120)  # fmt: skip
    assert "added" in report.params["text"]
    home = api.wait_for("views.publish", lambda c: c.params.get("user_id") == ADMIN
                        and api.calls.index(c) > api.calls.index(report))  # fmt: skip
    assert "Transfagarasan" in all_text(home.params["view"]["blocks"])
    assert len(api.calls_to("views.publish")) > published_before


def test_an_assistant_thread_whose_answer_fails_gets_an_apology(
    tmp_path: Path, e5: Embedder
) -> None:
    class Broken:
        embedder = e5

        def ask(self, question: str, history: Any = (), **kwargs: Any) -> Any:
            raise RuntimeError("the index exploded")

    with fake_slack_servers() as (api, socket_server):
        own = slack_settings(tmp_path / "data", api)
        with running_bot(own, Broken(), e5, socket_server):
            started = fake_slack.assistant_thread_started(channel="D_BROKEN")
            thread_ts = started["assistant_thread"]["thread_ts"]
            send_event(socket_server, started)
            send_event(socket_server, fake_slack.direct_message(QUESTION, channel="D_BROKEN",
                                                                thread_ts=thread_ts))  # fmt: skip
            apology = api.wait_for("chat.postMessage", lambda c: c.params.get("channel")
                                   == "D_BROKEN" and "Sorry" in c.params.get("text", ""))  # fmt: skip
            assert apology.params["thread_ts"] == thread_ts


def test_a_link_an_admin_sends_in_a_dm_is_offered_for_ingest(
    api: FakeSlackAPI, socket_server: FakeSocketMode, settings: Settings, bot: Any
) -> None:
    api.pages["/offered.html"] = article_page(
        "Floods close the Danube port of Galati",
        "The Danube port of Galati closed on Tuesday after floods raised the river two metres "
        "above its usual level, the port authority said, and barges were moored upstream until "
        "the water falls.",
        "Grain shipments will be delayed by at least a week, traders said.",
    )
    page = f"{api.root}/offered.html"
    send_event(socket_server, fake_slack.direct_message(f"<{page}>", user=ADMIN, channel="D_ADMIN"))
    offer = posted_in(api, "D_ADMIN")
    validate_blocks(offer.params["blocks"])
    url = click(api, socket_server, button(offer.params["blocks"], blocks.INGEST_OFFERED),
                user=ADMIN)  # fmt: skip
    done = ingested(api, url)
    assert "added" in done.params["text"] and "Galati" in done.params["text"]
    index = Index(settings)
    assert index.find_article(page) is not None
    index.close()
    # a reader's link is a question like any other, not an offer
    send_event(socket_server, fake_slack.direct_message(f"<{page}>", channel="D_READER"))
    reply = answer_in(api, "D_READER")
    assert blocks.INGEST_OFFERED not in json.dumps(reply.params["blocks"])


def ingested(api: FakeSlackAPI, url: str) -> Call:
    """The report of the ingest the button `url` started (after its "Fetching…")."""
    path = url.removeprefix(api.root)
    return api.wait_for("response_url", lambda c: c.path == path and "added" in
                        str(c.params.get("text")), timeout=120)  # fmt: skip

