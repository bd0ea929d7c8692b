"""The Slack bot's feedback store: the answers it posted and the 👍/👎 votes on them, in
`feedback.sqlite` under the data dir, or in the PostgreSQL database every replica of the bot
shares when `NEWSDESK_DATABASE_URL` is set (`open_feedback` picks; the SQL is the same).

Each answer is kept as a JSON payload (what the bot needs to render it again), so a vote, or
"Share in channel", can refer to it by a short id that fits in a button's value; each vote
stores the question, the answer text, the cited chunk ids, the Slack user and the time. One
vote per user per answer: voting again replaces it. What an answer is, is the bot's business
(`bot/slack/feedback.py`); this module only keeps the rows.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from newsdesk.private import private_dir, secure_data_dir
from newsdesk.settings import Settings

Vote = Literal["up", "down"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    answer_id TEXT PRIMARY KEY, created_at TEXT NOT NULL, "user" TEXT NOT NULL,
    channel TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL, payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS votes (
    answer_id TEXT NOT NULL, "user" TEXT NOT NULL,
    vote TEXT NOT NULL CHECK (vote IN ('up', 'down')), voted_at TEXT NOT NULL,
    question TEXT NOT NULL, answer TEXT NOT NULL, chunk_ids TEXT NOT NULL,
    PRIMARY KEY (answer_id, "user")
);
CREATE INDEX IF NOT EXISTS votes_time ON votes(voted_at);
"""


@dataclass(frozen=True, slots=True)
class VoteRecord:
    answer_id: str
    user: str
    vote: Vote
    voted_at: str
    question: str
    answer: str
    chunk_ids: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "answer_id": self.answer_id, "user": self.user, "vote": self.vote,
            "voted_at": self.voted_at, "question": self.question, "answer": self.answer,
            "chunk_ids": list(self.chunk_ids),
        }  # fmt: skip


def feedback_path(data_dir: Path) -> Path:
    return Path(data_dir) / "feedback.sqlite"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class FeedbackRows(ABC):
    """The rows, in SQL both engines read alike (`?` placeholders, `"user"` quoted); safe to
    share between threads (one short connection per call)."""

    ORDER_TIE = "rowid"  # what orders two votes of the same second: the later one first

    def __init__(self) -> None:
        self._lock = threading.Lock()

    @abstractmethod
    def _connect(self) -> AbstractContextManager[Any]:
        """A connection (`execute` with `?` placeholders, autocommit) for one call."""

    def save_answer(
        self, payload: Mapping[str, Any], *, question: str, answer: str, user: str = "",
        channel: str = "",
    ) -> str:  # fmt: skip
        """Keep an answer's payload; returns its id (short enough for a button value)."""
        answer_id = uuid.uuid4().hex[:16]
        text = json.dumps(payload, ensure_ascii=False)
        with self._lock, self._connect() as db:
            db.execute(
                "INSERT INTO answers VALUES (?,?,?,?,?,?,?)",
                (answer_id, _now(), user, channel, question, answer, text),
            )
        return answer_id

    def answer(self, answer_id: str) -> dict[str, Any] | None:
        """The payload kept for an answer, or None if the id is unknown."""
        with self._connect() as db:
            row = db.execute(
                "SELECT payload FROM answers WHERE answer_id = ?", (answer_id,)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def vote(
        self, answer_id: str, user: str, vote: Vote, *, question: str, answer: str,
        chunk_ids: tuple[str, ...],
    ) -> VoteRecord:  # fmt: skip
        """Record (or change) `user`'s vote on an answer, with what the answer said."""
        record = VoteRecord(answer_id, user, vote, _now(), question, answer, chunk_ids)
        with self._lock, self._connect() as db:
            db.execute(
                'INSERT INTO votes VALUES (?,?,?,?,?,?,?) ON CONFLICT(answer_id, "user") DO UPDATE '
                "SET vote = excluded.vote, voted_at = excluded.voted_at",
                (answer_id, user, vote, record.voted_at, question, answer,
                 json.dumps(list(chunk_ids))),
            )  # fmt: skip
        return record

    def votes(self, *, limit: int | None = None, vote: Vote | None = None) -> list[VoteRecord]:
        """Votes, newest first."""
        sql = 'SELECT answer_id, "user", vote, voted_at, question, answer, chunk_ids FROM votes'
        params: list[object] = []
        if vote:
            sql += " WHERE vote = ?"
            params.append(vote)
        sql += f" ORDER BY voted_at DESC, {self.ORDER_TIE} DESC"
        if limit:
            sql += " LIMIT ?"
            params.append(int(limit))
        with self._connect() as db:
            rows = db.execute(sql, params).fetchall()
        return [
            VoteRecord(r[0], r[1], r[2], r[3], r[4], r[5], tuple(json.loads(r[6]))) for r in rows
        ]


class FeedbackDatabase(FeedbackRows):
    """The feedback file at `path` (private: Slack user ids, channels and questions)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = Path(path)
        private_dir(self.path.parent)
        with self._connect() as db:
            db.executescript(_SCHEMA)
        secure_data_dir(self.path.parent)  # Slack user ids, channels and questions: 600

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA busy_timeout=30000")
            yield db
        finally:
            db.close()


class PostgresFeedback(FeedbackRows):
    """The feedback tables in the shared PostgreSQL database (`newsdesk migrate` makes them)."""

    ORDER_TIE = "seq"

    def __init__(self, url: str) -> None:
        from newsdesk.index.postgres import connect, require_schema

        super().__init__()
        self.url = url
        with connect(url) as connection:
            require_schema(url, connection)

    @contextmanager
    def _connect(self) -> Iterator[Any]:
        from newsdesk.index.postgres import QmarkConnection, connect

        db = QmarkConnection(connect(self.url))
        try:
            yield db
        finally:
            db.close()


def open_feedback(settings: Settings) -> FeedbackRows:
    """The feedback store these settings name: the shared database, or the data dir's file."""
    url = settings.database_url.get_secret_value()
    if url:
        return PostgresFeedback(url)
    return FeedbackDatabase(feedback_path(settings.data_dir))


def has_feedback(settings: Settings) -> bool:
    """Whether any feedback can have been kept (so `newsdesk feedback` creates no file)."""
    shared = bool(settings.database_url.get_secret_value())
    return shared or feedback_path(settings.data_dir).exists()
