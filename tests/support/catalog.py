"""The whole stored state of an index, to compare two indexes built from the same input."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from newsdesk.index import Index
from tests.support.settings import make_settings


def snapshot(data_dir: Path, **settings: object) -> dict[str, Any]:
    """Everything stored, on both sides: articles, chunks, the lexical index, sentence vectors,
    chunk vectors and the journal. `settings` must name the embedder the index was built with."""
    db = sqlite3.connect(data_dir / "catalog.sqlite")
    try:
        state = {
            "articles": sorted(db.execute(
                "SELECT article_id, content_hash, n_chunks, title, text FROM articles")),
            "chunks": sorted(db.execute('SELECT chunk_id, article_id, start, "end" FROM chunks')),
            "fts": sorted(row[0] for row in db.execute("SELECT chunk_id FROM chunks_fts")),
            "journal": db.execute("SELECT count(*) FROM journal").fetchone()[0],
            "no_sentence_vectors": db.execute(
                "SELECT count(*) FROM chunks WHERE sentence_vectors IS NULL").fetchone()[0],
        }  # fmt: skip
    finally:
        db.close()
    index = Index(make_settings(data_dir, **settings))
    try:
        state["vectors"] = sorted(index.collection.get(include=[])["ids"])
    finally:
        index.close()
    return state
