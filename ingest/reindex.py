"""Re-embed every stored chunk (after a change of embedder, or to repair the vector store)."""

from __future__ import annotations

from collections.abc import Callable

from ingest.pipeline import embed_chunks
from newsdesk.articles import Chunk
from newsdesk.embedder import Embedder
from newsdesk.index import Index


def reindex(
    index: Index, embedder: Embedder, batch: int = 64, on_batch: Callable[[int], None] | None = None
) -> int:
    """Drop all vectors, embed every stored chunk again from its stored text; return the count.

    The catalog (articles, chunks, lexical index) is untouched, so nothing is refetched; every
    article's copies are found again from its text (repairing a catalog written before copies
    were detected).
    """
    with index.writing():
        index.detect_copies()
        chunk_ids = index.all_chunk_ids()
        index.reset_vectors(embedder)
        for start in range(0, len(chunk_ids), batch):
            stored = index.chunks(chunk_ids[start : start + batch])
            titled = [
                (
                    s.article.title,
                    Chunk(s.chunk_id, s.article.article_id, s.index, s.start, s.end, s.text,
                          s.sentences),
                )
                for s in stored
            ]  # fmt: skip
            vectors, sentence_vectors = embed_chunks(embedder, titled)
            index.store_vectors([s.chunk_id for s in stored], vectors, sentence_vectors)
            if on_batch:
                on_batch(len(stored))
    return len(chunk_ids)
