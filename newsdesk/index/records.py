"""What the index stores and hands out: frozen records, and the error it raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from newsdesk.articles import Article, ArticleRef, Chunk, Span, published_timestamp
from newsdesk.errors import NewsdeskError

WriteStatus = Literal["added", "updated", "unchanged"]


class IndexProblem(NewsdeskError):
    """The index cannot be used as it is; the message says how to repair it."""


@dataclass(frozen=True, slots=True)
class ArticleRecord(ArticleRef):
    """An article as stored (its text included)."""

    author: str
    ingested_at: str
    content_hash: str
    n_chunks: int
    text: str = ""

    @property
    def published_ts(self) -> float | None:
        return published_timestamp(self.published)


@dataclass(frozen=True, slots=True)
class StoredChunk:
    """A chunk as stored, with the article it belongs to."""

    chunk_id: str
    article: ArticleRecord
    index: int
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Prepared:
    """An article ready to write: its chunks and their vectors, computed by the caller."""

    article: Article
    content_hash: str
    chunks: list[Chunk]
    chunk_vectors: np.ndarray
    sentence_vectors: list[np.ndarray] = field(default_factory=list)  # one (n_sent, dim) per chunk


@dataclass(frozen=True, slots=True)
class Stats:
    articles: int
    chunks: int
    first_published: str | None
    last_published: str | None


@dataclass(frozen=True, slots=True)
class FollowedFeed:
    """A feed whose new entries are ingested as they appear (see `ingest.follow`)."""

    url: str
    added_by: str = ""
    added_at: str = ""
    etag: str = ""  # the validators of the last fetch, sent back for a conditional GET
    last_modified: str = ""
    seen: tuple[str, ...] = ()  # keys of the entries already read, newest first
    polled_at: str | None = None  # None until the first poll
