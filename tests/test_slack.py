"""The Slack bot end to end, offline: the real `serve` code (slack-bolt, slack_sdk's Socket Mode
client) against a fake Slack Web API and a local Socket Mode server, with a real index holding
the sample article and the real embedder."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.answers import Answer, Citation, Scope
from bot.slack import blocks
from bot.slack.app import RedactSecrets, start
from bot.slack.core import links_in, question_from_slack
from bot.slack.feedback import FeedbackStore, feedback_path
from newsdesk.embeddings import Embedder
from newsdesk.index import Index
from newsdesk.settings import Settings
from tests import fake_slack
from tests.conftest import SAMPLE_ARTICLE, make_settings
from tests.fake_slack import BOT_USER_ID, FakeSlackAPI, FakeSocketMode

BOT_TOKEN = "xoxb-test-0000-bot-token-never-logged"
APP_TOKEN = "xapp-1-test-app-token-never-logged"
SIGNING_SECRET = "test-signing-secret-never-logged"
ADMIN = "U_ADMIN"
QUESTION = "Where are the North Korean troops?"


# -- fixtures --------------------------------------------------------------------------------


def slack_settings(data_dir: Path, api: FakeSlackAPI, **overrides: Any) -> Settings:
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


def validate_blocks(payload_blocks: list[dict[str, Any]], limit: int = blocks.MESSAGE_BLOCKS) -> None:
    assert 0 < len(payload_blocks) <= limit
    for block in payload_blocks:
        Block.parse(block).validate_json()  # type: ignore[union-attr]


def all_text(payload_blocks: list[dict[str, Any]]) -> str:
    return json.dumps(payload_blocks, ensure_ascii=False)


@pytest.fixture(scope="module")
def api() -> Iterator[FakeSlackAPI]:
    server = FakeSlackAPI()
    yield server
    server.close()


@pytest.fixture(scope="module")
def socket_server(api: FakeSlackAPI) -> Iterator[FakeSocketMode]:
    server = FakeSocketMode()
    api.socket_url = server.url
    yield server
    server.close()


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, api: FakeSlackAPI) -> Settings:
    return slack_settings(tmp_path_factory.mktemp("slack") / "data", api)


class RecordingAsker:
    """The real Asker, with the (question, history) of every call kept for assertions."""

    def __init__(self, asker: Any) -> None:
        self.asker = asker
        self.embedder = asker.embedder
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def ask(self, question: str, history: Any = (), **kwargs: Any) -> Answer:
        self.calls.append((question, tuple(history)))
        return self.asker.ask(question, history=history, **kwargs)


@pytest.fixture(scope="module")
def asker(settings: Settings, e5: Embedder) -> Iterator[RecordingAsker]:
    from bot.ask import Asker

    index_sample(settings, e5)
    real = Asker(settings, embedder=e5)
    yield RecordingAsker(real)
    real.close()


@pytest.fixture(scope="module")
def bot(
    settings: Settings, asker: RecordingAsker, e5: Embedder, socket_server: FakeSocketMode
) -> Iterator[Any]:
    running = start(settings, asker=asker, embedder=e5)
    socket_server.wait_connected()
    yield running
    running.stop()


def posted_in(api: FakeSlackAPI, channel: str, thread_ts: str | None = None, timeout: float = 60) -> Any:
    return api.wait_for(
        "chat.postMessage",
        lambda c: c.params.get("channel") == channel and c.params.get("thread_ts") == thread_ts,
        timeout=timeout,
    )


def send_event(socket_server: FakeSocketMode, event: dict[str, Any], **kwargs: Any) -> str:
    payload = fake_slack.event_callback(event, kwargs.pop("event_id", None))
    envelope = socket_server.send("events_api", payload, **kwargs)
    started = time.monotonic()
    socket_server.wait_ack(envelope)
    # Slack wants the ack within 3 s; the bound here is looser so a loaded CI machine does not
    # fail it, while a listener that answered before acking (seconds of model work) still would.
    assert time.monotonic() - started < 10, "the acknowledgement waited for the answer"
    return payload["event_id"]


# -- Socket Mode, end to end -----------------------------------------------------------------


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
    assert "Kursk" in citation["text"]["text"] and citation["accessory"]["action_id"] == "show_passage"
    assert "_original (ro):_" in citation["text"]["text"]  # asked in English, quoted in Romanian
    actions = next(b for b in payload_blocks if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == ["vote_up", "vote_down"]
    # the thinking reaction went on the question and came off again
    added = api.wait_for("reactions.add", lambda c: c.params.get("timestamp") == event["ts"])
    removed = api.wait_for("reactions.remove", lambda c: c.params.get("timestamp") == event["ts"])
    assert added.params["name"] == removed.params["name"] == "hourglass_flowing_sand"
    assert api.calls.index(added) < api.calls.index(call) < api.calls.index(removed)


def test_a_redelivered_event_is_not_answered_twice(
    api: FakeSlackAPI, socket_server: FakeSocketMode, bot: Any
) -> None:
    event = fake_slack.mention("How many North Korean soldiers are in Kursk?", channel="C_DUP")
    event_id = send_event(socket_server, event)
    send_event(socket_server, event, event_id=event_id, retry_attempt=1, retry_reason="timeout")
    posted_in(api, "C_DUP", thread_ts=event["ts"])
    # the same message arriving as a new event (e.g. also as a DM event) is not answered either
    send_event(socket_server, event)
    time.sleep(1.5)
    answers = [c for c in api.calls_to("chat.postMessage") if c.params.get("channel") == "C_DUP"]
    assert len(answers) == 1


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
    url = api.response_url()
    envelope = socket_server.send(
        "slash_commands", fake_slack.slash_command(f"ask {QUESTION}", user="U_BOB", response_url=url)
    )
    ack = socket_server.wait_ack(envelope)
    assert "Looking" in ack["payload"]["text"]
    reply = api.wait_for("response_url", lambda c: c.path == url.removeprefix(api.root))
    assert reply.params["response_type"] == "ephemeral"
    validate_blocks(reply.params["blocks"])
    assert "Kursk" in all_text(reply.params["blocks"])
    share = next(
        e for b in reply.params["blocks"] if b["type"] == "actions" for e in b["elements"]
        if e["action_id"] == "share_answer"
    )  # fmt: skip
    url2 = api.response_url()
    envelope = socket_server.send(
        "interactive", fake_slack.block_action(share, user="U_BOB", response_url=url2)
    )
    socket_server.wait_ack(envelope)
    shared = api.wait_for(
        "response_url",
        lambda c: c.path == url2.removeprefix(api.root) and c.params.get("response_type") == "in_channel",
    )
    validate_blocks(shared.params["blocks"])
    assert "Kursk" in all_text(shared.params["blocks"])
    api.wait_for("response_url", lambda c: c.path == url2.removeprefix(api.root)
                 and c.params.get("delete_original") is True)  # fmt: skip


def test_show_passage_opens_a_modal_and_votes_are_stored(
    api: FakeSlackAPI, socket_server: FakeSocketMode, settings: Settings, bot: Any
) -> None:
    event = fake_slack.mention(QUESTION, channel="C_VOTE")
    send_event(socket_server, event)
    call = posted_in(api, "C_VOTE", thread_ts=event["ts"])
    citation = next(b for b in call.params["blocks"] if b.get("block_id") == "cite-1")
    button = citation["accessory"]
    envelope = socket_server.send(
        "interactive", fake_slack.block_action(button, user="U_BOB", response_url=api.response_url())
    )
    socket_server.wait_ack(envelope)
    opened = api.wait_for("views.open")
    view = opened.params["view"]
    View(**view).validate_json()
    assert len(view["blocks"]) <= blocks.MODAL_BLOCKS
    assert "Kursk" in all_text(view["blocks"])
    assert any(
        e.get("style", {}).get("bold") for b in view["blocks"] if b["type"] == "rich_text"
        for s in b["elements"] for e in s["elements"]
    ), "the quoted words are bold in the passage"  # fmt: skip

    vote = next(
        e for b in call.params["blocks"] if b["type"] == "actions" for e in b["elements"]
        if e["action_id"] == "vote_down"
    )  # fmt: skip
    url = api.response_url()
    envelope = socket_server.send(
        "interactive", fake_slack.block_action(vote, user="U_CAROL", response_url=url)
    )
    socket_server.wait_ack(envelope)
    api.wait_for("response_url", lambda c: c.path == url.removeprefix(api.root))
    votes = FeedbackStore(feedback_path(settings.data_dir)).votes()
    mine = [v for v in votes if v.user == "U_CAROL"]
    assert len(mine) == 1 and mine[0].vote == "down"
    assert mine[0].question == QUESTION and mine[0].chunk_ids
    assert button["value"].split("|")[0] in mine[0].chunk_ids


def test_a_non_admins_ingest_is_refused(
    api: FakeSlackAPI, socket_server: FakeSocketMode, settings: Settings, bot: Any
) -> None:
    api.pages["/refused.html"] = "<html><body><p>never fetched</p></body></html>"
    url = api.response_url()
    command = fake_slack.slash_command(
        f"ingest {api.root}/refused.html", user="U_MALLORY", response_url=url
    )
    ack = socket_server.wait_ack(socket_server.send("slash_commands", command))
    assert "only newsdesk admins" in ack["payload"]["text"]
    url2 = api.response_url()
    shortcut = fake_slack.message_shortcut(
        {"type": "message", "ts": fake_slack.new_ts(), "text": f"<{api.root}/refused.html>"},
        user="U_MALLORY", response_url=url2,
    )  # fmt: skip
    socket_server.wait_ack(socket_server.send("interactive", shortcut))
    refusal = api.wait_for("response_url", lambda c: c.path == url2.removeprefix(api.root))
    assert "only newsdesk admins" in refusal.params["text"]
    forget = fake_slack.slash_command("forget anything", user="U_MALLORY", response_url=url)
    ack = socket_server.wait_ack(socket_server.send("slash_commands", forget))
    assert "only newsdesk admins" in ack["payload"]["text"]
    index = Index(settings)
    assert index.find_article(f"{api.root}/refused.html") is None
    index.close()


HOSTILE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Volcanic ash closes Reykjavik airport</title>
<meta property="og:title" content="Volcanic ash closes Reykjavik airport">
<meta property="article:published_time" content="2025-03-02T08:00:00Z">
<meta property="og:site_name" content="The Test Herald"></head>
<body><article><h1>Volcanic ash closes Reykjavik airport</h1>
<p>Reykjavik's Keflavik airport closed on Sunday after a volcanic eruption on the Reykjanes
peninsula sent a plume of ash eight kilometres into the sky, the Icelandic Meteorological
Office said. &lt;!channel&gt; &lt;@U123&gt; Click &lt;http://evil.example|the official airport
page&gt; now.</p>
<p>Airlines cancelled more than 120 flights and about 9,000 passengers were stranded in the
terminal overnight, according to the airport operator Isavia.</p>
<p>Volcanologists expect the eruption to continue for several days, and the ash cloud is
drifting east towards Norway and Scotland.</p></article></body></html>"""


def test_an_admins_ingest_is_indexed_and_article_text_is_escaped(
    api: FakeSlackAPI, socket_server: FakeSocketMode, settings: Settings, bot: Any
) -> None:
    api.pages["/volcano.html"] = HOSTILE_PAGE  # its text says <!channel>, <@U123>, <http://…|…>
    page_url = f"{api.root}/volcano.html"
    url = api.response_url()
    command = fake_slack.slash_command(f"ingest {page_url} {api.root}/missing.html", user=ADMIN,
                                       response_url=url)  # fmt: skip
    ack = socket_server.wait_ack(socket_server.send("slash_commands", command))
    assert "Fetching 2 link" in ack["payload"]["text"]
    reply = api.wait_for("response_url", lambda c: c.path == url.removeprefix(api.root), timeout=120)
    text = reply.params["text"]
    assert "added" in text and "Reykjavik" in text, text
    assert "failed" in text and "missing.html" in text, text
    validate_blocks(reply.params["blocks"])
    index = Index(settings)
    record = index.find_article(page_url)
    index.close()
    assert record is not None and "<!channel>" in record.text

    # a question about it: everything from the article is shown escaped
    event = fake_slack.mention("Why was the Reykjavik airport closed?", channel="C_ESCAPE")
    send_event(socket_server, event)
    call = posted_in(api, "C_ESCAPE", thread_ts=event["ts"])
    validate_blocks(call.params["blocks"])
    rendered = all_text(call.params["blocks"]) + call.params["text"]
    assert "Reykjavik" in rendered
    for hostile in ("<!channel>", "<@U123>", "<http://evil.example"):
        assert hostile not in rendered
    assert "&lt;!channel&gt;" in rendered

    # sources lists it; an admin can forget it
    url = api.response_url()
    command = fake_slack.slash_command("sources reykjavik", user="U_BOB", response_url=url)
    socket_server.wait_ack(socket_server.send("slash_commands", command))
    listed = api.wait_for("response_url", lambda c: c.path == url.removeprefix(api.root))
    assert "Reykjavik" in listed.params["text"]
    url = api.response_url()
    command = fake_slack.slash_command(f"forget {record.article_id}", user=ADMIN, response_url=url)
    socket_server.wait_ack(socket_server.send("slash_commands", command))
    forgot = api.wait_for("response_url", lambda c: c.path == url.removeprefix(api.root))
    assert "Forgot" in forgot.params["text"]
    index = Index(settings)
    assert index.find_article(page_url) is None
    index.close()


def test_an_admins_message_shortcut_ingests_the_messages_links(
    api: FakeSlackAPI, socket_server: FakeSocketMode, settings: Settings, bot: Any
) -> None:
    api.pages["/eclipse.html"] = (
        "<html><head><title>Total solar eclipse crosses Spain</title></head><body><article>"
        "<h1>Total solar eclipse crosses Spain</h1><p>A total solar eclipse crossed northern "
        "Spain on Wednesday evening, the first visible from the Iberian peninsula in more than a "
        "century, and thousands gathered on beaches to watch the sky darken.</p><p>Astronomers "
        "said the next total eclipse visible from Spain will come in 2027.</p></article></body>"
        "</html>"
    )
    page_url = f"{api.root}/eclipse.html"
    message = {"type": "message", "user": "U_ALICE", "ts": fake_slack.new_ts(),
               "text": f"Worth reading: <{page_url}|the eclipse story>"}  # fmt: skip
    url = api.response_url()
    shortcut = fake_slack.message_shortcut(message, user=ADMIN, response_url=url)
    socket_server.wait_ack(socket_server.send("interactive", shortcut))
    reply = api.wait_for("response_url", lambda c: c.path == url.removeprefix(api.root), timeout=120)
    assert "added" in reply.params["text"] and "eclipse" in reply.params["text"].lower()
    validate_blocks(reply.params["blocks"])
    index = Index(settings)
    assert index.find_article(page_url) is not None
    index.close()


def test_slash_help(api: FakeSlackAPI, socket_server: FakeSocketMode, bot: Any) -> None:
    command = fake_slack.slash_command("help", user="U_BOB", response_url=api.response_url())
    ack = socket_server.wait_ack(socket_server.send("slash_commands", command))
    assert "/news ask" in ack["payload"]["text"]
    validate_blocks(ack["payload"]["blocks"])


# -- failures --------------------------------------------------------------------------------


class BrokenAsker:
    embedder = None

    def ask(self, question: str, history: Any = (), **kwargs: Any) -> Answer:
        raise RuntimeError(f"the index exploded (token {BOT_TOKEN})")


def test_a_pipeline_failure_apologises_removes_the_reaction_and_logs_no_token(
    tmp_path: Path, e5: Embedder
) -> None:
    api, socket_server = FakeSlackAPI(), FakeSocketMode()
    api.socket_url = socket_server.url
    settings = slack_settings(tmp_path / "data", api)
    captured: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.append(self.format(record))

    handler = Collect(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    running = start(settings, asker=BrokenAsker(), embedder=e5)
    try:
        socket_server.wait_connected()
        event = fake_slack.mention(QUESTION, channel="C_FAIL")
        send_event(socket_server, event)
        call = posted_in(api, "C_FAIL", thread_ts=event["ts"])
        assert call.params["text"].startswith("Sorry")
        api.wait_for("reactions.remove", lambda c: c.params.get("timestamp") == event["ts"])
    finally:
        running.stop()
        root.removeHandler(handler)
        root.setLevel(old_level)
        api.close()
        socket_server.close()
    logged = "\n".join(captured)
    assert "slack.answer_failed" in logged and "the index exploded" in logged
    for secret in (BOT_TOKEN, APP_TOKEN):
        assert secret not in logged


# -- HTTP mode -------------------------------------------------------------------------------


def _signed(body: str, secret: str, timestamp: int | None = None) -> dict[str, str]:
    timestamp = timestamp or int(time.time())
    base = f"v0:{timestamp}:{body}".encode()
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature,
            "Content-Type": "application/json"}  # fmt: skip


def _post(url: str, body: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_http_mode_verifies_the_signing_secret(
    api: FakeSlackAPI, settings: Settings, asker: RecordingAsker, e5: Embedder
) -> None:
    http_settings = slack_settings(
        settings.data_dir, api, SLACK_APP_TOKEN="", SLACK_SIGNING_SECRET=SIGNING_SECRET
    )
    running = start(http_settings, asker=asker, embedder=e5, host="127.0.0.1", port=0)
    try:
        assert running.mode == "http"
        url = f"http://127.0.0.1:{running.port}/slack/events"
        event = fake_slack.mention(QUESTION, channel="C_HTTP")
        body = json.dumps(fake_slack.event_callback(event))
        assert _post(url, body, _signed(body, "not-the-secret")) == 401
        assert _post(url, body, {"Content-Type": "application/json"}) == 401
        stale = int(time.time()) - 3600
        assert _post(url, body, _signed(body, SIGNING_SECRET, stale)) == 401
        time.sleep(0.5)
        assert not [c for c in api.calls_to("chat.postMessage") if c.params["channel"] == "C_HTTP"]

        assert _post(url, body, _signed(body, SIGNING_SECRET)) == 200
        call = posted_in(api, "C_HTTP", thread_ts=event["ts"])
        assert "Kursk" in all_text(call.params["blocks"])
        # Slack's retry of the same event (X-Slack-Retry-Num) is acknowledged, not answered
        retry = {**_signed(body, SIGNING_SECRET), "X-Slack-Retry-Num": "1",
                 "X-Slack-Retry-Reason": "http_timeout"}  # fmt: skip
        assert _post(url, body, retry) == 200
        time.sleep(1.0)
        assert len([c for c in api.calls_to("chat.postMessage") if c.params["channel"] == "C_HTTP"]) == 1
    finally:
        running.stop()


# -- rendering -------------------------------------------------------------------------------


def _citation(n: int, **overrides: Any) -> Citation:
    values: dict[str, Any] = dict(
        n=n, article_id=f"a{n}", title="Blinken: 8.000 de soldați", source="Agerpres",
        url="https://example.com/a?x=1&y=2", published="2024-11-04", lang="ro",
        chunk_id=f"a{n}-h-0", passage="Before. Aproximativ 8.000 de soldați sunt în Kursk. After.",
        quote="Aproximativ 8.000 de soldați sunt în Kursk.",
    )  # fmt: skip
    values.update(overrides)
    return Citation(**values)


HOSTILE = "<!channel> <!here|here> <@U123> <#C999> <http://evil.example|your bank> & more"


def test_everything_from_articles_is_escaped() -> None:
    citation = _citation(
        1, title=f"Title {HOSTILE}", source=f"Outlet {HOSTILE}", quote=f"Quote {HOSTILE}",
        passage=f"Quote {HOSTILE}", url="https://example.com/x|<!channel>",
    )  # fmt: skip
    answer = Answer(question=f"q {HOSTILE}", answer=f"Answer {HOSTILE} [1]", language="en",
                    abstained=False, citations=(citation,))  # fmt: skip
    payload = blocks.answer_blocks(answer, answer_id="abc")
    validate_blocks(payload)
    rendered = all_text(payload) + blocks.answer_fallback_text(answer)
    for hostile in ("<!channel>", "<!here", "<@U123>", "<#C999>", "<http://evil", "|your bank>"):
        assert hostile not in rendered
    assert "&lt;!channel&gt;" in rendered and "&amp; more" in rendered
    # the one real link is the article's, with its own characters made safe
    cite = payload[2]["text"]["text"]
    assert cite.count("<") == 1 and "<https://example.com/x%7C&lt;!channel&gt;|Title" in cite


def test_question_and_link_parsing() -> None:
    assert question_from_slack(f"<@{BOT_USER_ID}> where &amp; when? <http://a.b/c|a.b>", BOT_USER_ID) == (
        "where & when? a.b"
    )
    text = "see <https://a.example/x?a=1&amp;b=2|this> and https://b.example/y, <mailto:x@y.z>"
    assert links_in(text) == ["https://a.example/x?a=1&b=2", "https://b.example/y"]
    rich = [{"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [
        {"type": "link", "url": "https://c.example/z"}]}]}]  # fmt: skip
    assert links_in("", rich) == ["https://c.example/z"]


def test_block_limits_are_kept_by_cutting_cleanly() -> None:
    long = "Cuvânt <b> & " * 2000
    citations = tuple(
        _citation(n, title=long, source=long, quote=long, passage=long, chunk_id="c" * 3000,
                  url="https://example.com/" + "<&>|" * 2000)
        for n in range(1, 61)
    )
    answer = Answer(question=long, answer=long, language="en", abstained=False,
                    citations=citations, standalone_question=long)  # fmt: skip
    payload = blocks.answer_blocks(answer, answer_id="x" * 5000, shareable=True)
    validate_blocks(payload)
    assert len(payload) == blocks.MESSAGE_BLOCKS
    assert "more sources not shown" in all_text(payload)
    for block in payload:
        text = (block.get("text") or {}).get("text", "")
        assert len(text) <= blocks.SECTION_TEXT
        assert not text.endswith(("&", "&a", "&am", "&amp", "&l", "&lt", "&g", "&gt"))
        for element in [block.get("accessory") or {}, *(block.get("elements") or [])]:
            assert len(element.get("value", "")) <= blocks.BUTTON_VALUE
    assert len(blocks.answer_fallback_text(answer)) <= blocks.FALLBACK_TEXT
    view = blocks.passage_view(title=long, url="https://e.x/", source=long, published=None,
                               passage=long * 10, quote_start=5, quote_end=500)  # fmt: skip
    View(**view).validate_json()
    assert len(view["blocks"]) <= blocks.MODAL_BLOCKS


def test_nothing_found_says_what_was_searched() -> None:
    answer = Answer(question="Who won the 1930 World Cup?", answer="I found nothing about that.",
                    language="en", abstained=True,
                    scope=Scope(articles=14, first_published="2024-11", last_published="2025-03-02"))  # fmt: skip
    payload = blocks.answer_blocks(answer, answer_id="a1")
    validate_blocks(payload)
    text = all_text(payload)
    assert "Searched 14 articles published Nov 2024 – 2 Mar 2025" in text
    assert "1930 World Cup" in text


def test_redaction_filter_hides_secrets() -> None:
    redactor = RedactSecrets([BOT_TOKEN, SIGNING_SECRET])
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "token=%s other=%s", (BOT_TOKEN, "xapp-1-AAAA-BBBBBB"), None)
    redactor.filter(record)
    assert BOT_TOKEN not in record.getMessage() and "xapp-1-AAAA" not in record.getMessage()


def test_feedback_store_keeps_one_vote_per_user(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite")
    answer = Answer(question="q", answer="a [1]", language="en", abstained=False,
                    citations=(_citation(1),))  # fmt: skip
    answer_id = store.save_answer(answer, user="U1", channel="C1")
    assert store.answer(answer_id) == answer
    store.vote(answer_id, "U2", "up")
    store.vote(answer_id, "U2", "down")
    assert [(v.user, v.vote, v.chunk_ids) for v in store.votes()] == [("U2", "down", ("a1-h-0",))]
    assert store.vote("unknown", "U2", "up") is None


def test_thread_safety_of_deduper() -> None:
    from bot.slack.core import Deduper

    dedupe = Deduper()
    wins: list[bool] = []
    threads = [threading.Thread(target=lambda: wins.append(dedupe.claim("e1"))) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wins.count(True) == 1


# -- the manifest and the CLI ----------------------------------------------------------------


def test_the_manifest_matches_the_listeners() -> None:
    yaml = pytest.importorskip("yaml")
    from bot.slack.listeners.commands import COMMAND
    from bot.slack.listeners.shortcuts import INGEST_LINKS
    from tests.conftest import ROOT

    manifest = yaml.safe_load((ROOT / "slack_manifest.yaml").read_text(encoding="utf-8"))
    settings_ = manifest["settings"]
    assert settings_["socket_mode_enabled"] is True
    assert settings_["interactivity"]["is_enabled"] is True
    assert set(settings_["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im"}
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == [COMMAND]
    (shortcut,) = manifest["features"]["shortcuts"]
    assert shortcut == {**shortcut, "type": "message", "callback_id": INGEST_LINKS,
                        "name": "Ingest links in this message"}  # fmt: skip
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"app_mentions:read", "chat:write", "commands", "im:history", "reactions:write",
            "channels:history"} <= scopes  # fmt: skip


def test_feedback_command_lists_votes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from bot.slack.commands import run_feedback

    settings = make_settings(tmp_path / "data")
    args = argparse.Namespace(limit=50, vote=None, json=False)
    assert run_feedback(args, settings) == 0
    assert "No votes yet" in capsys.readouterr().out
    store = FeedbackStore(feedback_path(settings.data_dir))
    answer = Answer(question=QUESTION, answer="In Kursk [1].", language="en", abstained=False,
                    citations=(_citation(1),))  # fmt: skip
    store.vote(store.save_answer(answer, user="U1", channel="C1"), "U2", "down")
    assert run_feedback(args, settings) == 0
    out = capsys.readouterr().out
    assert QUESTION in out and "👎" in out and "a1-h-0" in out
    assert run_feedback(argparse.Namespace(limit=0, vote="down", json=True), settings) == 0
    (vote,) = json.loads(capsys.readouterr().out)["votes"]
    assert vote["user"] == "U2" and vote["chunk_ids"] == ["a1-h-0"] and vote["question"] == QUESTION


# -- answers written by an LLM: a placeholder updated in place; many questions at once -------


class SlowAsker:
    """Stands in for an LLM-backed asker: slow, and answers from the real one."""

    def __init__(self, asker: RecordingAsker, delay: float) -> None:
        self.asker, self.delay, self.embedder = asker, delay, asker.embedder

    def ask(self, question: str, history: Any = (), **kwargs: Any) -> Answer:
        time.sleep(self.delay)
        return self.asker.ask(question, history=history, **kwargs)


def test_with_an_llm_the_answer_replaces_a_placeholder(
    tmp_path: Path, asker: RecordingAsker, e5: Embedder, settings: Settings
) -> None:
    api, socket_server = FakeSlackAPI(), FakeSocketMode()
    api.socket_url = socket_server.url
    llm_settings = slack_settings(settings.data_dir, api, llm="openai:test-model")
    running = start(llm_settings, asker=SlowAsker(asker, 0.5), embedder=e5)
    try:
        socket_server.wait_connected()
        event = fake_slack.mention(QUESTION, channel="C_LLM")
        send_event(socket_server, event)
        placeholder = posted_in(api, "C_LLM", thread_ts=event["ts"])
        assert "Looking" in placeholder.params["text"]
        update = api.wait_for("chat.update", lambda c: c.params.get("channel") == "C_LLM")
        assert update.params["ts"] == placeholder.response["ts"]
        validate_blocks(update.params["blocks"])
        assert "Kursk" in all_text(update.params["blocks"])
        assert len(api.calls_to("chat.postMessage")) == 1
    finally:
        running.stop()
        api.close()
        socket_server.close()


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
    reply = api.wait_for("response_url", lambda c: c.path == url.removeprefix(api.root), timeout=120)
    assert reply.params["text"].count("✅ added") == 5, reply.params["text"]


# -- the real command, in its own process -----------------------------------------------------


@pytest.mark.slow
def test_newsdesk_serve_answers_a_mention(tmp_path: Path, e5: Embedder) -> None:
    """`newsdesk serve`, configured only by its environment, against the fake Slack."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    api, socket_server = FakeSlackAPI(), FakeSocketMode()
    api.socket_url = socket_server.url
    data_dir = tmp_path / "data"
    index_sample(make_settings(data_dir), e5)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NEWSDESK_"))},
        "PYTHONPATH": str(ROOT), "NEWSDESK_DATA_DIR": str(data_dir),
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": api.base_url, "NEWSDESK_LOG_LEVEL": "DEBUG",
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
    }  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "newsdesk.cli", "serve"], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    call = None
    try:
        socket_server.wait_connected(timeout=120)
        event = fake_slack.mention(QUESTION, channel="C_PROC")
        send_event(socket_server, event)
        call = posted_in(api, "C_PROC", thread_ts=event["ts"], timeout=120)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=60)
        api.close()
        socket_server.close()
    assert call is not None and "blocks" in call.params, output  # an answer, not an apology
    validate_blocks(call.params["blocks"])
    assert "Kursk" in all_text(call.params["blocks"])
    assert process.returncode == 0, output
    assert "connected to Slack (Socket Mode)" in output
    for secret in (BOT_TOKEN, APP_TOKEN):
        assert secret not in output  # not even at DEBUG


def test_socket_mode_reconnects_through_slack_api_url(
    tmp_path: Path, asker: RecordingAsker, e5: Embedder, settings: Settings
) -> None:
    """Slack asks clients to reconnect now and then; the new URL comes from SLACK_API_URL too."""
    api, socket_server = FakeSlackAPI(), FakeSocketMode()
    api.socket_url = socket_server.url
    running = start(slack_settings(settings.data_dir, api), asker=asker, embedder=e5)
    try:
        socket_server.wait_connected()
        assert len(api.calls_to("apps.connections.open")) == 1
        socket_server.send_raw({"type": "disconnect", "reason": "refresh_requested"})
        deadline = time.monotonic() + 30
        while len(api.calls_to("apps.connections.open")) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert all(c.token == APP_TOKEN for c in api.calls_to("apps.connections.open"))
        assert len(api.calls_to("apps.connections.open")) == 2
        socket_server.wait_connections(2)
        event = fake_slack.mention(QUESTION, channel="C_RECONNECT")
        send_event(socket_server, event)
        call = posted_in(api, "C_RECONNECT", thread_ts=event["ts"])
        assert "Kursk" in all_text(call.params["blocks"])
    finally:
        running.stop()
        api.close()
        socket_server.close()
