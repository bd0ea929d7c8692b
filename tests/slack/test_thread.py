"""A Slack thread is the same conversation as `chat`: the bot's answers carry their turn in
Slack message metadata, and a follow-up in the thread reads the turns back (the real slack-bolt
app against the local fake Slack, the real index and embedder)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from bot.answers import Answer
from bot.conversation import Turn
from bot.runtime import Runtime
from bot.slack.app import start
from bot.slack.core import answer_metadata, turn_from_metadata, turns_from_replies
from newsdesk.embeddings import Embedder
from newsdesk.settings import Settings
from tests import fake_slack
from tests.fake_slack import BOT_ID, BOT_USER_ID, Call, FakeSlackAPI, FakeSocketMode
from tests.support.slack import index_sample, send_event, slack_settings

QUESTION = "Where are the North Korean troops?"
FOLLOW_UP = "How many of them are there?"
MARS = "What is the capital of Mars?"
CHANNEL = "C_THREADS"


class Recorder:
    """The real Asker, keeping every question with the turns it was given and its answer."""

    def __init__(self, asker: Any) -> None:
        self.asker, self.embedder = asker, asker.embedder
        self.seen: list[tuple[str, tuple[Turn, ...], Answer]] = []
        self._lock = threading.Lock()

    def ask(self, question: str, history: Sequence[Turn] = (), **kwargs: Any) -> Answer:
        answer = self.asker.ask(question, history=history, **kwargs)
        with self._lock:
            self.seen.append((question, tuple(history), answer))
        return answer


@pytest.fixture(scope="module")
def recorder(
    tmp_path_factory: pytest.TempPathFactory, api: FakeSlackAPI, e5: Embedder
) -> Iterator[tuple[Recorder, Settings]]:
    from bot.ask import Asker

    settings = slack_settings(tmp_path_factory.mktemp("threads") / "data", api)
    index_sample(settings, e5)
    real = Asker(settings, embedder=e5)
    yield Recorder(real), settings
    real.close()


@pytest.fixture(scope="module")
def bot(recorder: tuple[Recorder, Settings], e5: Embedder,
        socket_server: FakeSocketMode) -> Iterator[Any]:  # fmt: skip
    asker, settings = recorder
    opened = socket_server.opened
    running = start(Runtime(settings, asker=asker, embedder=e5))
    # events go to the newest connection: wait for this bot's, not the package bot's
    socket_server.wait_connections(opened + 1)
    yield running
    running.stop()


def ask_in_thread(api: FakeSlackAPI, socket_server: FakeSocketMode, root_ts: str,
                  question: str) -> Call:  # fmt: skip
    """Alice asks `question` in the thread of `root_ts` (its root when it is new); the answer."""
    ts = root_ts if (CHANNEL, root_ts) not in api.replies else fake_slack.new_ts()
    event = fake_slack.mention(question, channel=CHANNEL, ts=ts,
                               thread_ts=None if ts == root_ts else root_ts)  # fmt: skip
    message = {"type": "message", "user": "U_ALICE", "ts": ts, "text": event["text"]}
    api.replies.setdefault((CHANNEL, root_ts), []).append({**message, "thread_ts": root_ts})
    earlier = {id(c) for c in api.calls_to("chat.postMessage")}
    send_event(socket_server, event)
    return api.wait_for(
        "chat.postMessage",
        lambda c: id(c) not in earlier and c.params.get("channel") == CHANNEL
        and c.params.get("thread_ts") == root_ts,
    )  # fmt: skip


def test_a_thread_follow_up_gets_the_previous_answers_turn_like_chat(
    api: FakeSlackAPI, socket_server: FakeSocketMode, recorder: tuple[Recorder, Settings],
    bot: Any,
) -> None:  # fmt: skip
    asker, _settings = recorder
    root = fake_slack.new_ts()
    first_post = ask_in_thread(api, socket_server, root, QUESTION)
    follow_post = ask_in_thread(api, socket_server, root, FOLLOW_UP)
    mars_post = ask_in_thread(api, socket_server, root, MARS)

    (_, none, first), (_, one, second), (_, two, third) = asker.seen
    assert none == () and first.citations
    # the follow-up got the first answer's turn, whole: its articles and language included
    assert one == (Turn.of(first),) and one[0].article_ids and one[0].language == "en"
    assert two == (Turn.of(first), Turn.of(second))
    assert first_post.params["metadata"] == answer_metadata(Turn.of(first))
    replies = api.calls_to("conversations.replies")
    assert replies and all(c.params.get("include_all_metadata") in (True, "1", "true")
                           for c in replies)  # fmt: skip
    # rewritten when it leans on the thread; an unrelated question is taken as it is
    assert second.standalone_question == f"{FOLLOW_UP} (North Korean troops)"
    assert "Understood as" in json.dumps(follow_post.params["blocks"])
    assert third.standalone_question == "" and "Understood as" not in json.dumps(
        mars_post.params["blocks"]
    )
    # exactly what `chat` answers for the same three lines
    history: list[Turn] = []
    for question, slack_answer in zip((QUESTION, FOLLOW_UP, MARS), (first, second, third)):
        answer = asker.asker.ask(question, history=history)
        assert answer == slack_answer
        history.append(Turn.of(answer))


def test_turns_are_read_only_from_this_bots_answers_before_the_question() -> None:
    mine = Turn("Where?", "Where?", "en", ("https://a.example/1?a=1&b=2", "text:abc"),
                "In Kursk [1]. <!channel> &amp; &lt;")
    assert "<!channel>" not in str(answer_metadata(mine))
    later = Turn("Why?", "Why? (Where)", "ro", (), "Nu știu.")
    messages = [
        {"ts": "5.0", "user": BOT_USER_ID, "bot_id": BOT_ID, "metadata": answer_metadata(later)},
        {"ts": "1.0", "user": "U1", "text": "Where?"},
        {"ts": "2.0", "user": BOT_USER_ID, "bot_id": BOT_ID, "metadata": answer_metadata(mine)},
        {"ts": "2.5", "bot_id": "B_OTHER", "metadata": answer_metadata(later)},  # another app
        {"ts": "3.0", "user": BOT_USER_ID, "bot_id": BOT_ID, "text": "no metadata"},
        {"ts": "3.5", "user": "U1", "metadata": answer_metadata(later)},  # not ours
    ]
    assert turns_from_replies(messages, before_ts="4.0", bot_user_id=BOT_USER_ID,
                              bot_id=BOT_ID) == [mine]  # fmt: skip
    assert turns_from_replies(messages, before_ts="9.0", bot_user_id=BOT_USER_ID,
                              bot_id=BOT_ID) == [mine, later]  # fmt: skip
    for metadata in (None, {}, {"event_type": "other", "event_payload": {"question": "q"}},
                     {"event_type": "newsdesk_answer", "event_payload": {"question": " "}},
                     {"event_type": "newsdesk_answer", "event_payload": "q"}):  # fmt: skip
        assert turn_from_metadata(metadata) is None
    bare = {"event_type": "newsdesk_answer", "event_payload": {"question": "q"}}
    assert turn_from_metadata(bare) == Turn("q", "q", "")


def test_the_fake_returns_metadata_only_when_asked(api: FakeSlackAPI) -> None:
    """As Slack does: conversations.replies leaves metadata out without include_all_metadata."""
    from slack_sdk import WebClient

    client = WebClient(token="xoxb-test", base_url=api.base_url)
    posted = client.chat_postMessage(channel="C_META", text="a", metadata=answer_metadata(
        Turn("q", "q", "en")))  # fmt: skip
    without = client.conversations_replies(channel="C_META", ts=posted["ts"])["messages"]
    with_all = client.conversations_replies(channel="C_META", ts=posted["ts"],
                                            include_all_metadata=True)["messages"]  # fmt: skip
    assert "metadata" not in without[0]
    assert turn_from_metadata(with_all[0]["metadata"]) == Turn("q", "q", "en")
