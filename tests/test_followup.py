"""Follow-ups: which messages lean on the conversation, how they are made standalone, and the
conversation as `chat` keeps it (one `Turn` per answered question)."""

from __future__ import annotations

import io

import pytest

from bot.ask import Asker
from bot.cli import chat
from bot.conversation import Turn
from bot.followup import is_followup, standalone_question
from tests.answering_corpus import KURSK_QUESTION, SAMPLE_ID, SAMPLE_URL

FOLLOW_UP = "How many of them are there?"
MARS = "What is the capital of Mars?"


def turn(question: str, language: str = "en", *article_ids: str) -> Turn:
    return Turn(question, question, language, article_ids)


@pytest.mark.parametrize(
    "question",
    [
        FOLLOW_UP, "How many are there?", "Why?", "Și câți sunt?", "What about their weapons?",
        "And the Pentagon?", "What did the minister say about them?", "Combien sont-ils ?",
        "Wie viele sind dort?", "Și unde sunt acum?", "Are there any survivors?",
        "How many people died?", "Why did that happen?", "What happened then?",
    ],
)  # fmt: skip
def test_messages_that_lean_on_the_conversation_are_follow_ups(question: str) -> None:
    assert is_followup(question)


@pytest.mark.parametrize(
    "question",
    [
        MARS,  # short, but with its own topic
        "Who won the 2020 election?",
        "Is there a cure for COVID-19?",  # existential "there"
        "When he met Kim, what did Putin say?",  # the pronoun's antecedent is in the question
        "Who said that the troops are in Kursk?",
        "What was the name of the stadium that the teams played in?",  # relative "that"
        "Ce se întâmplă atunci când sistemul imunitar este mai puțin activ decât normal?",
        "Where are the North Korean troops?",
        "Unde sunt trupele nord-coreene?",
        "What did the Pentagon estimate about soldiers sent to Russia?",
        "",
    ],
)
def test_self_contained_questions_are_not_follow_ups(question: str) -> None:
    assert not is_followup(question)
    history = [turn("Who won the 2020 election? (Biden)")]
    assert standalone_question(question, history) == question.strip()


def test_a_follow_up_carries_the_previous_searched_question() -> None:
    first = turn("Where are the North Korean troops?")
    ro = standalone_question("Și câți sunt?", [first])
    assert ro == "Și câți sunt? (North Korean troops)"
    second = Turn("Why?", "Why? (North Korean troops)", "en")
    assert standalone_question("And when?", [first, second]) == "And when? (North Korean troops)"
    assert standalone_question(FOLLOW_UP) == FOLLOW_UP  # nothing before it


def test_a_follow_up_is_searched_in_the_previous_answers_articles(asker: Asker) -> None:
    first = asker.ask(KURSK_QUESTION)
    assert Turn.of(first).article_ids[0] == SAMPLE_ID
    second = asker.ask(FOLLOW_UP, history=[Turn.of(first)])
    assert second.standalone_question.startswith(f"{FOLLOW_UP} (North Korean soldiers")
    assert not second.abstained and second.citations[0].article_id == SAMPLE_ID
    assert "8.000" in second.citations[0].quote
    short = asker.ask("Și câți?", history=[Turn.of(first), Turn.of(second)])
    assert short.language == "ro"  # its own language, not the previous turn's


def chat_transcript(asker: Asker, *lines: str) -> list[str]:
    """What `newsdesk chat` prints for these stdin lines, one block per question."""
    out = io.StringIO()
    assert chat(asker, io.StringIO("".join(f"{line}\n" for line in lines)), out) == 0
    return out.getvalue().strip().split("\n\n")


def test_chat_rewrites_a_follow_up_but_not_an_unrelated_question_after_it(asker: Asker) -> None:
    first, follow_up, mars = chat_transcript(asker, KURSK_QUESTION, FOLLOW_UP, MARS)
    assert "Kursk" in first and "(searched as:" not in first
    assert f"(searched as: {FOLLOW_UP} (North Korean soldiers" in follow_up
    assert "8.000" in follow_up
    assert "(searched as:" not in mars
    # answered exactly as when asked alone (whether that is "not found" is bot.extractive's
    # abstention), and not from the previous answer's article
    (alone,) = chat_transcript(asker, MARS)
    assert mars == alone and SAMPLE_URL not in mars


def test_chat_new_forgets_the_conversation(asker: Asker) -> None:
    blocks = chat_transcript(asker, KURSK_QUESTION, "/new", FOLLOW_UP, "/sources")
    assert blocks[1].startswith("(new conversation)")
    assert "(searched as:" not in blocks[1]
