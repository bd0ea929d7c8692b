"""From articles to indexed passages: chunk, embed in batches, write.

Articles arrive one by one from the source readers; they are grouped until a batch holds
enough text to keep the encoder busy, embedded in one call (chunks and their sentences
together), and written to the index in one step. Articles the index already holds unchanged
are recognised before anything is embedded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ingest.chunking import chunk_text
from ingest.sources import Failure
from newsdesk.articles import Article, Chunk
from newsdesk.embeddings import Embedder
from newsdesk.index import Index, Prepared
from newsdesk.logs import log_event

log = logging.getLogger(__name__)

ItemStatus = Literal["added", "updated", "unchanged", "failed"]


@dataclass(frozen=True, slots=True)
class ItemResult:
    """What happened to one article (or one source that failed)."""

    status: ItemStatus
    source: str
    article_id: str = ""
    title: str = ""
    chunks: int = 0
    error: str = ""


@dataclass(slots=True)
class IngestReport:
    """The summary of one ingest run, in the shape `newsdesk ingest --json` prints."""

    items: list[ItemResult] = field(default_factory=list)

    def count(self, status: ItemStatus) -> int:
        return sum(1 for item in self.items if item.status == status)

    @property
    def chunks(self) -> int:
        return sum(item.chunks for item in self.items if item.status in ("added", "updated"))

    @property
    def failed(self) -> list[ItemResult]:
        return [item for item in self.items if item.status == "failed"]

    def as_json(self) -> dict[str, object]:
        return {
            "added": self.count("added"),
            "updated": self.count("updated"),
            "unchanged": self.count("unchanged"),
            "failed": [{"source": f.source, "error": f.error} for f in self.failed],
            "chunks": self.chunks,
        }

    def summary(self) -> str:
        return (
            f"{self.count('added')} added, {self.count('updated')} updated, "
            f"{self.count('unchanged')} unchanged, {len(self.failed)} failed; "
            f"{self.chunks} chunks written"
        )


def content_hash(article: Article) -> str:
    """Changes whenever anything stored or embedded for the article changes."""
    fields = [article.text, article.title, article.source, article.url, article.published,
              article.lang, article.author]  # fmt: skip
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()[:32]


def embedding_text(title: str, passage: str) -> str:
    """What is embedded for a chunk: the article's title gives the passage its topic."""
    return f"{title}\n{passage}" if title else passage


def sentence_texts(chunk: Chunk) -> list[str]:
    return [chunk.text[span.start : span.end] for span in chunk.sentences]


def embed_chunks(
    embedder: Embedder, titled_chunks: list[tuple[str, Chunk]]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Chunk vectors and per-chunk sentence vectors, in one encoder call for the whole batch."""
    texts = [embedding_text(title, chunk.text) for title, chunk in titled_chunks]
    bounds = []
    for _, chunk in titled_chunks:
        sentences = sentence_texts(chunk)
        bounds.append((len(texts), len(texts) + len(sentences)))
        texts.extend(sentences)
    vectors = embedder.embed_passages(texts)
    chunk_vectors = vectors[: len(titled_chunks)]
    return chunk_vectors, [vectors[a:b] for a, b in bounds]


def prepare(articles: list[Article], embedder: Embedder, size: int, overlap: int) -> list[Prepared]:
    """Chunk and embed a batch of articles."""
    hashed = [(article, content_hash(article)) for article in articles]
    chunked = [
        (article, digest, chunk_text(article.text, article.article_id, digest, size, overlap))
        for article, digest in hashed
    ]
    titled = [(article.title, chunk) for article, _, chunks in chunked for chunk in chunks]
    chunk_vectors, sentence_vectors = embed_chunks(embedder, titled)
    prepared, offset = [], 0
    for article, digest, chunks in chunked:
        end = offset + len(chunks)
        prepared.append(
            Prepared(article, digest, chunks, chunk_vectors[offset:end], sentence_vectors[offset:end])
        )
        offset = end
    return prepared


def ingest(
    items: Iterable[Article | Failure],
    index: Index,
    *,
    chunk_size: int = 1500,
    chunk_overlap: int = 200,
    batch_chars: int = 20_000,
    on_item: Callable[[ItemResult], None] | None = None,
) -> IngestReport:
    """Index every article of `items`; failures are recorded, never raised.

    `batch_chars` bounds how much text is embedded and written at once: large enough to keep
    the encoder's batches full, small enough that an interrupted run loses little work.
    """
    if index.embedder is None:
        raise ValueError("ingest needs an index opened with an embedder")
    embedder = index.embedder
    report = IngestReport()

    def record(result: ItemResult) -> None:
        report.items.append(result)
        if on_item:
            on_item(result)

    pending: list[Article] = []
    pending_chars = 0
    seen: dict[str, str] = {}

    def flush() -> None:
        nonlocal pending, pending_chars
        if not pending:
            return
        started = time.perf_counter()
        prepared = prepare(pending, embedder, chunk_size, chunk_overlap)
        embedded = time.perf_counter()
        statuses = index.write(prepared)
        log_event(
            log, "ingest.batch", logging.DEBUG, articles=len(prepared),
            chunks=sum(len(item.chunks) for item in prepared),
            embed_ms=round((embedded - started) * 1000),
            write_ms=round((time.perf_counter() - embedded) * 1000),
        )  # fmt: skip
        for item, status in zip(prepared, statuses, strict=True):
            record(
                ItemResult(
                    status, item.article.origin or item.article.url, item.article.article_id,
                    item.article.title, len(item.chunks) if status != "unchanged" else 0,
                )
            )  # fmt: skip
        pending, pending_chars = [], 0

    started = time.perf_counter()
    with index.writing():
        for item in items:
            if isinstance(item, Failure):
                record(ItemResult("failed", item.source, error=item.error))
                continue
            digest = content_hash(item)
            if seen.get(item.article_id) == digest or index.status(item.article_id, digest) == "same":
                record(ItemResult("unchanged", item.origin or item.url, item.article_id, item.title))
                seen[item.article_id] = digest
                continue
            if item.article_id in seen:  # a changed copy later in the same run: write in order
                flush()
            seen[item.article_id] = digest
            pending.append(item)
            pending_chars += len(item.text)
            if pending_chars >= batch_chars:
                flush()
        flush()
    log_event(
        log, "ingest", ms=round((time.perf_counter() - started) * 1000), items=len(report.items),
        added=report.count("added"), updated=report.count("updated"),
        unchanged=report.count("unchanged"), failed=len(report.failed), chunks=report.chunks,
    )  # fmt: skip
    return report
