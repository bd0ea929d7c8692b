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
from ingest.identity import Identity, identify
from ingest.sources import Failure
from newsdesk.articles import Article, Chunk
from newsdesk.embedder import Embedder
from newsdesk.index import Index, Prepared
from newsdesk.logs import log_event

log = logging.getLogger(__name__)

ItemStatus = Literal["added", "updated", "unchanged", "failed", "skipped"]


@dataclass(frozen=True, slots=True)
class ItemResult:
    """What happened to one article (or one source that failed or was skipped).

    `relation` and `of` say that the article was kept beside another one under the same URL
    or id (a "translation" or an "excerpt" of it); `replaced_chunks` that an update replaced
    stored text (the number of chunks it had); `copies` the stored articles it is a copy of
    (`newsdesk.copies`: kept, and cited with it as one story).
    """

    status: ItemStatus
    source: str
    article_id: str = ""
    title: str = ""
    chunks: int = 0
    error: str = ""
    relation: str = ""
    of: str = ""
    replaced_chunks: int = 0
    copies: tuple[str, ...] = ()

    @property
    def note(self) -> str:
        """One line on what else this did, for people; "" when nothing."""
        notes = []
        if self.relation:
            notes.append(f"a {self.relation} of {self.of}, kept beside it as {self.article_id}")
        elif self.status == "updated":
            notes.append(
                f"replaced the stored text of {self.article_id} ({self.replaced_chunks} chunks)"
            )
        if self.copies:
            more = f" and {len(self.copies) - 3} more" if len(self.copies) > 3 else ""
            notes.append(f"a copy of {', '.join(self.copies[:3])}{more} (cited as one story)")
        return "; ".join(notes)


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

    @property
    def skipped(self) -> list[ItemResult]:
        return [item for item in self.items if item.status == "skipped"]

    def as_json(self) -> dict[str, object]:
        return {
            "added": self.count("added"),
            "updated": self.count("updated"),
            "unchanged": self.count("unchanged"),
            "failed": [{"source": f.source, "error": f.error} for f in self.failed],
            "skipped": [{"source": s.source, "reason": s.error} for s in self.skipped],
            "replaced": [
                {"id": i.article_id, "title": i.title, "chunks_before": i.replaced_chunks,
                 "chunks_after": i.chunks}
                for i in self.items if i.status == "updated"
            ],
            "kept_apart": [
                {"id": i.article_id, "as": i.relation, "of": i.of}
                for i in self.items if i.relation
            ],
            "copies": [{"id": i.article_id, "of": list(i.copies)} for i in self.items if i.copies],
            "chunks": self.chunks,
        }  # fmt: skip

    def summary(self) -> str:
        skipped = f", {len(self.skipped)} skipped" if self.skipped else ""
        return (
            f"{self.count('added')} added, {self.count('updated')} updated, "
            f"{self.count('unchanged')} unchanged, {len(self.failed)} failed{skipped}; "
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

    `items` are read (pages and feeds fetched) without the writer lock; it is held only while
    a batch is identified, embedded and written, so a slow source never blocks another ingest.
    `batch_chars` bounds how much text is embedded and written at once: large enough to keep
    the encoder's batches full, small enough that an interrupted run loses little work.
    """
    if index.embedder is None:
        raise ValueError("ingest needs an index opened with an embedder")
    report = IngestReport()

    def record(result: ItemResult) -> None:
        report.items.append(result)
        if on_item:
            on_item(result)

    pending: dict[str, Article] = {}  # by id: a second article under one id waits for the first
    pending_chars = 0

    def flush() -> None:
        nonlocal pending_chars
        if pending:
            for result in _write_batch(list(pending.values()), index, chunk_size, chunk_overlap):
                record(result)
            pending.clear()
            pending_chars = 0

    started = time.perf_counter()
    for item in items:
        if isinstance(item, Failure):
            status: ItemStatus = "skipped" if item.skipped else "failed"
            record(ItemResult(status, item.source, error=item.error))
            continue
        if item.article_id in pending:
            flush()
        pending[item.article_id] = item
        pending_chars += len(item.text)
        if pending_chars >= batch_chars:
            flush()
    flush()
    log_event(
        log, "ingest", ms=round((time.perf_counter() - started) * 1000), items=len(report.items),
        added=report.count("added"), updated=report.count("updated"),
        unchanged=report.count("unchanged"), failed=len(report.failed), chunks=report.chunks,
        **({"skipped": len(report.skipped)} if report.skipped else {}),
    )  # fmt: skip
    return report


def _write_batch(
    articles: list[Article], index: Index, chunk_size: int, chunk_overlap: int
) -> list[ItemResult]:
    """Identify, embed and write a batch under the writer lock; what happened to each article."""
    assert index.embedder is not None
    with index.writing():
        results: dict[int, ItemResult] = {}
        todo: list[tuple[int, Identity]] = []
        for number, article in enumerate(articles):
            digest = content_hash(article)
            identity = identify(article, digest, index)
            found = identity.article
            if index.status(found.article_id, digest) == "same":
                results[number] = ItemResult(
                    "unchanged", found.origin or found.url, found.article_id, found.title
                )
            else:
                todo.append((number, identity))
        if not todo:
            return [results[number] for number in range(len(articles))]
        started = time.perf_counter()
        prepared = prepare([i.article for _, i in todo], index.embedder, chunk_size, chunk_overlap)
        embedded = time.perf_counter()
        statuses = index.write(prepared)
        written = [item.article.article_id for item in prepared]
        groups = {a: g for g in index.copy_groups(written) for a in g}
    log_event(
        log, "ingest.batch", logging.DEBUG, articles=len(prepared),
        chunks=sum(len(item.chunks) for item in prepared),
        embed_ms=round((embedded - started) * 1000),
        write_ms=round((time.perf_counter() - embedded) * 1000),
    )  # fmt: skip
    for (number, identity), item, status in zip(todo, prepared, statuses, strict=True):
        article = item.article
        results[number] = ItemResult(
            status, article.origin or article.url, article.article_id, article.title,
            len(item.chunks) if status != "unchanged" else 0, relation=identity.relation,
            of=identity.of,
            replaced_chunks=identity.replaces.n_chunks if identity.replaces else 0,
            copies=tuple(a for a in groups.get(article.article_id, ()) if a != article.article_id),
        )  # fmt: skip
    return [results[number] for number in range(len(articles))]
