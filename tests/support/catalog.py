"""The whole stored state of an index, to compare two indexes built from the same input, and
a deliberately damaged catalog: through the index package, never the stores' files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from newsdesk.index import Index, open_catalog
from newsdesk.settings import Settings
from tests.support.settings import make_settings


def snapshot(data_dir: Path, **settings: object) -> dict[str, Any]:
    """Everything stored, on both sides: articles, chunks, the lexical index, sentence vectors,
    chunk vectors and the journal. `settings` must name the embedder the index was built with
    (and the servers, for an index on them)."""
    index = Index(make_settings(data_dir, **settings))
    try:
        chunk_ids = index.all_chunk_ids()
        chunks = index.chunks(chunk_ids)
        return {
            "articles": sorted((a.article_id, a.content_hash, a.n_chunks, a.title, a.text)
                               for a in index.articles(with_text=True)),
            "chunks": sorted((c.chunk_id, c.article.article_id, c.start, c.end) for c in chunks),
            "fts": sorted(index.lexical_ids()),
            "journal": len(index.journal_entries()),
            "no_sentence_vectors": len(chunk_ids) - len(index.sentence_vectors(chunk_ids)),
            "vectors": sorted(index.vector_ids()),
        }  # fmt: skip
    finally:
        index.close()


def stamp_schema_version(settings: Settings, version: str) -> None:
    """Make the catalog these settings name look written by another schema version."""
    catalog = open_catalog(settings)
    try:
        with catalog.transaction():
            catalog.set_meta("schema_version", version)
    finally:
        catalog.close()


def forget_copy_detection(data_dir: Path) -> None:
    """Make the catalog in `data_dir` look written before copies were detected (no band keys,
    no pairs)."""
    catalog = open_catalog(make_settings(Path(data_dir)))
    try:
        with catalog.transaction():
            catalog.clear_copies()
    finally:
        catalog.close()
