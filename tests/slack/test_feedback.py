"""The passage behind a citation, and 👍/👎 votes: stored one per user, listed by
`newsdesk feedback`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.models.views import View

from bot.answers import Answer
from bot.runtime import Runtime
from bot.slack import blocks
from bot.slack.cli import run_feedback
from bot.slack.feedback import FeedbackStore
from newsdesk.index.feedback import FeedbackDatabase, open_feedback
from newsdesk.settings import Settings
from tests import fake_slack
from tests.fake_slack import FakeSlackAPI, FakeSocketMode
from tests.support.settings import make_settings
from tests.support.slack import (
    QUESTION,
    all_text,
    button,
    citation,
    click,
    posted_in,
    responded,
    send_event,
)


def test_show_passage_opens_a_modal_and_votes_are_stored(
    api: FakeSlackAPI, socket_server: FakeSocketMode, settings: Settings, bot: Any
) -> None:
    event = fake_slack.mention(QUESTION, channel="C_VOTE")
    send_event(socket_server, event)
    call = posted_in(api, "C_VOTE", thread_ts=event["ts"])
    cite = next(b for b in call.params["blocks"] if b.get("block_id") == "cite-1")
    show = cite["accessory"]
    click(api, socket_server, show, user="U_BOB")
    opened = api.wait_for(
        "views.open", lambda c: c.params["view"]["callback_id"] == blocks.PASSAGE_VIEW
    )  # not an App Home modal another test opened
    view = opened.params["view"]
    View(**view).validate_json()
    assert len(view["blocks"]) <= blocks.MODAL_BLOCKS
    assert "Kursk" in all_text(view["blocks"])
    assert any(
        e.get("style", {}).get("bold") for b in view["blocks"] if b["type"] == "rich_text"
        for s in b["elements"] for e in s["elements"]
    ), "the quoted words are bold in the passage"  # fmt: skip

    url = click(api, socket_server, button(call.params["blocks"], "vote_down"), user="U_CAROL")
    responded(api, url)
    votes = FeedbackStore(open_feedback(settings)).votes()
    mine = [v for v in votes if v.user == "U_CAROL"]
    assert len(mine) == 1 and mine[0].vote == "down"
    assert mine[0].question == QUESTION and mine[0].chunk_ids
    assert show["value"].split("|")[0] in mine[0].chunk_ids


def test_feedback_store_keeps_one_vote_per_user(tmp_path: Path) -> None:
    store = FeedbackStore(FeedbackDatabase(tmp_path / "f.sqlite"))
    answer = Answer(question="q", answer="a [1]", language="en", abstained=False,
                    citations=(citation(1),))  # fmt: skip
    answer_id = store.save_answer(answer, user="U1", channel="C1")
    assert store.answer(answer_id) == answer
    store.vote(answer_id, "U2", "up")
    store.vote(answer_id, "U2", "down")
    assert [(v.user, v.vote, v.chunk_ids) for v in store.votes()] == [("U2", "down", ("a1-h-0",))]
    assert store.vote("unknown", "U2", "up") is None


def test_feedback_command_lists_votes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = make_settings(tmp_path / "data")
    args = argparse.Namespace(limit=50, vote=None, json=False)
    assert run_feedback(args, Runtime(settings)) == 0
    assert "No votes yet" in capsys.readouterr().out
    store = FeedbackStore(open_feedback(settings))
    answer = Answer(question=QUESTION, answer="In Kursk [1].", language="en", abstained=False,
                    citations=(citation(1),))  # fmt: skip
    store.vote(store.save_answer(answer, user="U1", channel="C1"), "U2", "down")
    assert run_feedback(args, Runtime(settings)) == 0
    out = capsys.readouterr().out
    assert QUESTION in out and "👎" in out and "a1-h-0" in out
    assert run_feedback(argparse.Namespace(limit=0, vote="down", json=True), Runtime(settings)) == 0
    (vote,) = json.loads(capsys.readouterr().out)["votes"]
    assert vote["user"] == "U2" and vote["chunk_ids"] == ["a1-h-0"] and vote["question"] == QUESTION
