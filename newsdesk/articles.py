"""The data that flows from `ingest/` through the index to `bot/`: articles and their chunks.

Plain frozen dataclasses, so every stage is a function from data to data and can be tested
without Chroma, Slack or a model.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Literal
from urllib.parse import urlsplit


def normalise_text(text: str) -> str:
    """The article text as stored: NFC, unified newlines, no trailing spaces, no empty runs.

    Offsets of chunks and quotes refer to this exact string, so it is computed once, here.
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    out: list[str] = []
    blank = False
    for line in lines:
        if line.strip():
            out.append(line)
            blank = False
        elif not blank and out:
            out.append("")
            blank = True
    return "\n".join(out).strip()


def text_hash(text: str) -> str:
    """A short, stable hash of normalised text (whitespace-insensitive)."""
    folded = " ".join(normalise_text(text).split()).casefold()
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class ArticleRef:
    """What names a stored article wherever it is shown: the catalog's record of it, and every
    citation of it (its id, title, outlet, link, date and language)."""

    article_id: str
    title: str
    source: str
    url: str
    published: str | None
    lang: str

    def ref(self) -> dict[str, object]:
        """These fields alone, to make another record that names the same article."""
        return {f: getattr(self, f) for f in ArticleRef.__dataclass_fields__}

    def outlet(self) -> str:
        """Who published the article: its source, else its web address's host, else its title."""
        if self.source:
            return self.source
        host = urlsplit(self.url).hostname if self.url else None
        return host.removeprefix("www.") if host else self.title


@dataclass(frozen=True, slots=True)
class Article:
    """One news article, as a source produced it and before it is chunked.

    `published` is an ISO date or datetime string (`2024-11`, `2024-11-04`,
    `2024-11-04T10:00:00+00:00`), or None when unknown.
    """

    text: str
    title: str = ""
    source: str = ""
    url: str = ""
    published: str | None = None
    lang: str = ""
    author: str = ""
    article_id: str = ""
    origin: str = ""  # where it came from (path, URL, "stdin"): for messages, not stored identity

    def with_defaults(self, **fields: object) -> Article:
        """A copy with the given fields set where they are empty."""
        missing = {k: v for k, v in fields.items() if v not in (None, "") and not getattr(self, k)}
        return replace(self, **missing) if missing else self

    def with_overrides(self, **fields: object) -> Article:
        """A copy with the given non-empty fields replacing this article's values."""
        given = {k: v for k, v in fields.items() if v not in (None, "")}
        return replace(self, **given) if given else self


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range [start, end) in an article's text."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Chunk:
    """A run of whole sentences of one article, with its offsets in the article text."""

    chunk_id: str
    article_id: str
    index: int
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...] = field(default=())  # offsets relative to `text`


DatePrecision = Literal["year", "month", "day", "moment"]


def parse_published(value: str) -> tuple[datetime, DatePrecision]:
    """An ISO date as written in articles and on the command line (`2024`, `2024-11`,
    `2024-11-04`, `2024-11-04T10:00:00+02:00`, `…Z`): its first moment (UTC unless it says
    otherwise) and how precise it is. ValueError when it is none of these.

    The one date parser: range filters, `--since`/`--until` and the dates shown in answers all
    read dates through it.
    """
    value = value.strip()
    if len(value) == 4:
        return datetime(int(value), 1, 1, tzinfo=UTC), "year"
    if len(value) == 7:
        return datetime(int(value[:4]), int(value[5:7]), 1, tzinfo=UTC), "month"
    if len(value) == 10:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC), "day"
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)), "moment"


def published_timestamp(published: str | None) -> float | None:
    """Seconds since the epoch (UTC) for an ISO date string, for range filters; None if unknown.

    Partial dates count from their first day: `2024-11` is 2024-11-01T00:00Z.
    """
    if not published:
        return None
    try:
        return parse_published(published)[0].timestamp()
    except ValueError:
        return None
