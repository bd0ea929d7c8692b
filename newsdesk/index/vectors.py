"""The Chroma collection of chunk vectors: the embedded Chroma under the data dir, or a Chroma
server when `NEWSDESK_CHROMA_HOST` is set.

One vector per chunk, with the chunk's article id, index and the fields filters look at
(`filters.filterable`) as metadata. chromadb is imported on first use only: it takes seconds.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from newsdesk.index.filters import Described, Filters, chroma_where, filterable
from newsdesk.private import secure_tree
from newsdesk.settings import Settings

_BATCH = 1000  # ids per Chroma call (Chroma caps a batch)


def chroma_client(settings: Settings) -> Any:
    """The embedded Chroma under the data dir, or the server named in the settings."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_host:
        return chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
        )
    return chromadb.PersistentClient(path=str(settings.data_dir / "chroma"), settings=chroma_settings)


def open_collection(settings: Settings) -> Any:
    return chroma_client(settings).get_or_create_collection(
        settings.chroma_collection,
        configuration={"hnsw": {"space": "cosine"}},
        embedding_function=None,
    )


def chunk_metadata(article_id: str, article: Described, idx: int) -> dict[str, Any]:
    """What Chroma keeps beside a chunk's vector."""
    return {"article_id": article_id, **filterable(article), "idx": idx}


class Vectors:
    """The collection, opened on first use and reopened when another process wrote.

    The embedded Chroma keeps its vector index in memory and does not see what another process
    wrote since it was opened. Every write bumps a generation number in the catalog
    (`generation()` reads it); when it moved since this process last looked, the collection is
    opened afresh.
    """

    def __init__(
        self, settings: Settings, path: Path, generation: Callable[[], str | None]
    ) -> None:
        self.settings = settings
        self.path = path
        self._generation_now = generation
        self._collection: Any = None
        self._generation: str | None = None  # the catalog generation our view reflects
        self._reopen_lock = threading.Lock()
        self._chroma_seen = self._chroma_entries()  # made private by whoever created them

    def _open(self) -> Any:
        generation = self._generation_now()
        if self._collection is None or generation != self._generation:
            with self._reopen_lock:
                if self._collection is not None and not self.settings.chroma_host:
                    from chromadb.api.client import SharedSystemClient

                    SharedSystemClient.clear_system_cache()
                chroma = self.path / "chroma"
                created = not self.settings.chroma_host and not chroma.exists()
                self._collection = open_collection(self.settings)
                self._generation = generation
                if created:
                    secure_tree(chroma)
                    self._chroma_seen = self._chroma_entries()
        return self._collection

    def wrote(self, generation: str) -> None:
        """Our own write moved the catalog to `generation`: an open collection reflects it."""
        if self._collection is not None:
            self._generation = generation

    def _chroma_entries(self) -> set[str]:
        """What is in Chroma's folder: its database and a folder per segment, a few names."""
        chroma = self.path / "chroma"
        if self.settings.chroma_host or not chroma.is_dir():
            return set()
        return set(os.listdir(chroma))

    def _secure_new_chroma_files(self) -> None:
        """Make what Chroma created since we last looked (a segment's files, with the process's
        umask, when the first vectors go in) private: a listing per write, a walk of what is
        new only."""
        entries = self._chroma_entries()
        for name in entries - self._chroma_seen:
            secure_tree(self.path / "chroma" / name)
        self._chroma_seen = entries

    def upsert(
        self, ids: Sequence[str], vectors: Sequence[np.ndarray], metadatas: Sequence[dict[str, Any]]
    ) -> None:
        collection = self._open()
        for start in range(0, len(ids), _BATCH):
            collection.upsert(
                ids=list(ids[start : start + _BATCH]),
                embeddings=list(vectors[start : start + _BATCH]),
                metadatas=list(metadatas[start : start + _BATCH]),
            )
        self._secure_new_chroma_files()

    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), _BATCH):
            self._open().delete(ids=list(ids[start : start + _BATCH]))

    def query(self, vector: np.ndarray, k: int, filters: Filters) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity) of the `k` nearest chunks `filters` keep, best first."""
        result = self._open().query(
            query_embeddings=[np.asarray(vector, np.float32)],
            n_results=k,
            where=chroma_where(filters),
            include=["distances"],
        )
        return [
            (chunk_id, 1.0 - float(distance))
            for chunk_id, distance in zip(result["ids"][0], result["distances"][0], strict=True)
        ]

    def get(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of these chunks (float32), in the order Chroma returns them."""
        if not ids:
            return {}  # Chroma would return every vector
        stored = self._open().get(ids=list(ids), include=["embeddings"])
        return {
            chunk_id: np.asarray(vector, np.float32)
            for chunk_id, vector in zip(stored["ids"], stored["embeddings"], strict=True)
        }

    def ids(self) -> list[str]:
        return list(self._open().get(include=[])["ids"])

    def count(self) -> int:
        return int(self._open().count())

    def drop(self) -> None:
        """Delete the whole collection (absent already: nothing to drop)."""
        client = chroma_client(self.settings)
        try:
            client.delete_collection(self.settings.chroma_collection)
        except Exception:  # noqa: BLE001 - absent already: nothing to drop
            pass
        self._collection = None
