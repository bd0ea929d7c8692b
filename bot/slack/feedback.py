"""👍/👎 on answers, and the answers they rate: what the Slack bot keeps of an answer.

Each answer the bot posts is kept (so a vote, or "Share in channel", can refer to it by a short
id that fits in a button's value) with everything needed to render it again; a vote records
the chunks the answer cited. One vote per user per answer: voting again replaces it. The rows
live in `feedback.sqlite` or the shared database, which the index package keeps
(`newsdesk.index.feedback`).
"""

from __future__ import annotations

from bot.answers import Answer, Citation, Scope
from newsdesk.index.feedback import FeedbackRows, Vote, VoteRecord


def answer_to_json(answer: Answer) -> dict[str, object]:
    """Everything needed to render the answer again (for "Share in channel")."""
    data = answer.as_json()
    data["scope"] = (
        None
        if answer.scope is None
        else {
            "articles": answer.scope.articles,
            "first_published": answer.scope.first_published,
            "last_published": answer.scope.last_published,
        }
    )
    data["standalone_question"] = answer.standalone_question
    data["generated_by"] = answer.generated_by
    data["notes"] = list(answer.notes)
    return data


def answer_from_json(data: dict[str, object]) -> Answer:
    scope = data.get("scope")
    return Answer(
        question=str(data.get("question", "")),
        answer=str(data.get("answer", "")),
        language=str(data.get("language", "")),
        abstained=bool(data.get("abstained", False)),
        citations=tuple(Citation.from_json(c) for c in data.get("citations", []) or []),  # type: ignore[arg-type, union-attr]
        scope=Scope(**scope) if isinstance(scope, dict) else None,
        standalone_question=str(data.get("standalone_question", "")),
        generated_by=str(data.get("generated_by", "extractive")),
        notes=tuple(data.get("notes", ()) or ()),  # type: ignore[arg-type]
    )


class FeedbackStore:
    """Answers and votes in `rows` (`open_feedback(settings)`); safe to share between threads."""

    def __init__(self, rows: FeedbackRows) -> None:
        self._rows = rows

    def save_answer(self, answer: Answer, *, user: str = "", channel: str = "") -> str:
        """Keep an answer; returns its id (short enough for a button value)."""
        return self._rows.save_answer(
            answer_to_json(answer), question=answer.question, answer=answer.answer, user=user,
            channel=channel,
        )  # fmt: skip

    def answer(self, answer_id: str) -> Answer | None:
        data = self._rows.answer(answer_id)
        return answer_from_json(data) if data is not None else None

    def vote(self, answer_id: str, user: str, vote: Vote) -> VoteRecord | None:
        """Record (or change) `user`'s vote on a stored answer; None if the answer is unknown."""
        if vote not in ("up", "down"):
            raise ValueError(f"a vote is 'up' or 'down', not {vote!r}")
        answer = self.answer(answer_id)
        if answer is None:
            return None
        chunk_ids = tuple(dict.fromkeys(c.chunk_id for c in answer.citations if c.chunk_id))
        return self._rows.vote(
            answer_id, user, vote, question=answer.question, answer=answer.answer,
            chunk_ids=chunk_ids,
        )  # fmt: skip

    def votes(self, *, limit: int | None = None, vote: Vote | None = None) -> list[VoteRecord]:
        """Votes, newest first."""
        return self._rows.votes(limit=limit, vote=vote)
