"""One turn of a conversation: what the next question needs to know of an answered one.

`chat` keeps its turns in memory; the Slack bot writes each answer's turn into the answer
message's metadata and reads a thread's turns back from it (`bot.slack.core`), so a Slack
thread is the same conversation as a `chat` session, turn for turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.answers import Answer

MAX_ANSWER_CHARS = 600  # of the answer kept for an LLM rewrite (it reads no more of a turn)


@dataclass(frozen=True, slots=True)
class Turn:
    """An answered question: as asked, as searched, its language and the articles it cited."""

    question: str
    standalone: str  # the question as searched: `question`, or its follow-up rewrite
    language: str
    article_ids: tuple[str, ...] = ()  # the articles the answer cited, first cited first
    answer: str = ""  # the answer's text, cut to MAX_ANSWER_CHARS

    @classmethod
    def of(cls, answer: Answer) -> Turn:
        return cls(
            question=answer.question,
            standalone=answer.standalone_question or answer.question,
            language=answer.language,
            article_ids=tuple(dict.fromkeys(c.article_id for c in answer.citations)),
            answer=answer.answer[:MAX_ANSWER_CHARS],
        )


def cited_before(history: Sequence[Turn]) -> frozenset[str]:
    """The articles of the latest answer that cited any (a follow-up's context)."""
    return next((frozenset(t.article_ids) for t in reversed(history) if t.article_ids), frozenset())


def language_before(history: Sequence[Turn]) -> str | None:
    """The language of the latest turn, for questions too short to tell their own."""
    return next((t.language for t in reversed(history) if t.language), None)
