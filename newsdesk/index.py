"""The index: the one module that owns what is stored, used by `ingest/` to write and `bot/` to read.

Two stores, kept consistent by this module alone:

- a SQLite catalog (`catalog.sqlite` under the data dir): articles with their full text, chunks
  with offsets, an FTS5 lexical index over the chunks, and the vectors of each chunk's sentences
  (for the answer's sentence step);
- a Chroma collection with one vector per chunk (the embedded Chroma under the data dir, or a
  Chroma server when `NEWSDESK_CHROMA_HOST` is set).

SQLite is the source of truth. A write puts new chunk ids in a journal, writes them to Chroma,
then swaps the catalog rows in one transaction and journals the replaced ids for deletion. A
crash at any point leaves journal rows that the next writer clears, so Chroma never keeps a
chunk the catalog does not know and the catalog never names a chunk Chroma lacks. Writers take
an exclusive file lock; readers never wait for it.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np

from newsdesk.articles import Article, Chunk, Span, published_timestamp
from newsdesk.embeddings import Embedder, embedder_for
from newsdesk.errors import NewsdeskError
from newsdesk.private import private_dir, private_file_opener, secure_data_dir, secure_tree
from newsdesk.settings import Settings

SCHEMA_VERSION = 1
COLLECTION = "newsdesk_chunks"

WriteStatus = Literal["added", "updated", "unchanged"]


class IndexProblem(NewsdeskError):
    """The index cannot be used as it is; the message says how to repair it."""


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """An article as stored (its text included)."""

    article_id: str
    title: str
    source: str
    url: str
    published: str | None
    lang: str
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
class Filters:
    """Restrictions on what a search may return. Timestamps are seconds since the epoch."""

    since: float | None = None
    until: float | None = None
    source: str | None = None
    lang: str | None = None

    def is_empty(self) -> bool:
        return self.since is None and self.until is None and not self.source and not self.lang


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


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    article_id TEXT PRIMARY KEY, title TEXT NOT NULL, source TEXT NOT NULL, url TEXT NOT NULL,
    published TEXT, published_ts REAL, lang TEXT NOT NULL, author TEXT NOT NULL,
    ingested_at TEXT NOT NULL, content_hash TEXT NOT NULL, n_chunks INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_published ON articles(published_ts);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY, article_id TEXT NOT NULL REFERENCES articles(article_id),
    idx INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
    sentences TEXT NOT NULL, sentence_vectors BLOB
);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    chunk_id UNINDEXED, title, text, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS journal (
    chunk_id TEXT PRIMARY KEY, action TEXT NOT NULL CHECK (action IN ('adding', 'removing'))
);
"""


_ARTICLE_COLUMNS = (
    "article_id title source url published published_ts lang author ingested_at content_hash "
    "n_chunks"
).split()
# Article columns in table order, with an empty string where the (long) text would be.
_COLUMNS_WITHOUT_TEXT = ", ".join([*_ARTICLE_COLUMNS, "''"])
_A_COLUMNS_WITHOUT_TEXT = ", ".join([*(f"a.{c}" for c in _ARTICLE_COLUMNS), "''"])


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Index:
    """Open with `Index(settings)`; pass `embedder` to check (or record) the vector space.

    A reader that only lists or shows articles may open without an embedder.
    """

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder
        self.path = private_dir(settings.data_dir)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._collection: Any = None
        self._generation: str | None = None  # the catalog generation our Chroma view reflects
        self._stats_cache: tuple[str | None, Stats] | None = None  # (generation, stats)
        self._reopen_lock = threading.Lock()
        self._chroma_seen = self._chroma_entries()  # made private by whoever created them
        self._check_schema()
        secure_data_dir(self.path)
        if embedder is not None:
            self._check_embedder(embedder)

    # -- opening and checking -------------------------------------------------------------

    def _check_schema(self) -> None:
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master")}
        if "meta" not in tables:
            self._db.executescript(
                f"BEGIN IMMEDIATE; {_SCHEMA} "
                f"INSERT OR IGNORE INTO meta VALUES ('schema_version', '{SCHEMA_VERSION}'); "
                f"INSERT OR IGNORE INTO meta VALUES ('created_at', '{_now()}'); COMMIT;"
            )
            return
        version = self.meta("schema_version")
        if version != str(SCHEMA_VERSION):
            raise IndexProblem(
                f"the index in {self.path} was written by another version of newsdesk "
                f"(schema {version or 'unknown'}, this one reads {SCHEMA_VERSION}); "
                "run `newsdesk doctor` to see what to do, or move the folder aside and ingest again"
            )

    def _check_embedder(self, embedder: Embedder) -> None:
        model_id, dim = self.meta("model_id"), self.meta("dim")
        if model_id is None:
            return  # nothing embedded yet: the first write records the model
        if model_id != embedder.model_id or int(dim or 0) != embedder.dim:
            raise IndexProblem(
                f"the index in {self.path} was built with embedder {model_id} ({dim} dims), not "
                f"{embedder.model_id} ({embedder.dim} dims); run `newsdesk reindex` to re-embed "
                "every stored chunk with the configured embedder, or set NEWSDESK_EMBEDDER back"
            )

    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    @property
    def collection(self) -> Any:
        """The Chroma collection, opened on first use (Chroma is slow to import).

        The embedded Chroma keeps its vector index in memory and does not see what another
        process wrote since it was opened. Every write bumps a generation number in the catalog;
        when it moved since this process last looked, the collection is opened afresh.
        """
        generation = self.meta("generation")
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

    def _bump_generation(self) -> None:
        """Mark a write (inside its transaction); our own collection already reflects it."""
        generation = str(int(self.meta("generation") or 0) + 1)
        self._set_meta("generation", generation)
        if self._collection is not None:
            self._generation = generation

    @property
    def _db(self) -> sqlite3.Connection:
        """This thread's connection: the Slack bot answers in many threads while one ingests,
        and a SQLite connection carries one transaction at a time."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(
                self.path / "catalog.sqlite", timeout=60, check_same_thread=False,
                isolation_level=None,
            )  # fmt: skip
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA busy_timeout=60000")
            self._local.db = db
            self._connections.append(db)
        return db

    def close(self) -> None:
        for db in self._connections:
            db.close()
        self._connections.clear()
        self._local = threading.local()

    # -- transactions and the writer lock --------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @contextmanager
    def _writer_lock(self, wait: bool = True) -> Iterator[bool]:
        """The writer lock (one writer per data dir, across processes); yields whether it was
        taken (always, when `wait`)."""
        with open(self.path / "write.lock", "a+", opener=private_file_opener) as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the writer lock and recover first."""
        with self._writer_lock():
            self._recover()
            yield

    def recover_if_idle(self) -> int | None:
        """Undo interrupted writes now unless a writer is running (then its journal entries are
        work in progress, and None is returned); the number of chunk writes undone."""
        with self._writer_lock(wait=False) as taken:
            return self._recover() if taken else None

    def _recover(self) -> int:
        """Undo what an interrupted write left: chunks Chroma has that the catalog does not.
        Returns how many journal entries were cleared."""
        pending = [row[0] for row in self._db.execute("SELECT chunk_id FROM journal")]
        if not pending:
            return 0
        known = self._known_chunk_ids(pending)
        orphans = [chunk_id for chunk_id in pending if chunk_id not in known]
        for start in range(0, len(orphans), 1000):
            self.collection.delete(ids=orphans[start : start + 1000])
        with self._transaction():
            self._db.executemany("DELETE FROM journal WHERE chunk_id = ?", [(c,) for c in pending])
        return len(pending)

    def _known_chunk_ids(self, chunk_ids: Sequence[str]) -> set[str]:
        known: set[str] = set()
        for start in range(0, len(chunk_ids), 500):
            part = list(chunk_ids[start : start + 500])
            marks = ",".join("?" * len(part))
            known.update(
                row[0]
                for row in self._db.execute(
                    f"SELECT chunk_id FROM chunks WHERE chunk_id IN ({marks})", part
                )
            )
        return known

    # -- writing --------------------------------------------------------------------------

    def status(self, article_id: str, content_hash: str) -> Literal["new", "same", "changed"]:
        row = self._db.execute(
            "SELECT content_hash FROM articles WHERE article_id = ?", (article_id,)
        ).fetchone()
        if row is None:
            return "new"
        return "same" if row[0] == content_hash else "changed"

    def write(self, batch: Sequence[Prepared]) -> list[WriteStatus]:
        """Store a batch of prepared articles (call inside `writing()`); one status each."""
        if not batch:
            return []
        embedder_id, dim = self._vector_space(batch)
        statuses: list[WriteStatus] = []
        todo: list[Prepared] = []
        for item in batch:
            state = self.status(item.article.article_id, item.content_hash)
            if state == "same":
                statuses.append("unchanged")
            else:
                statuses.append("added" if state == "new" else "updated")
                todo.append(item)
        if not todo:
            return statuses
        new_ids = [chunk.chunk_id for item in todo for chunk in item.chunks]
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO journal(chunk_id, action) VALUES (?, 'adding')",
                [(c,) for c in new_ids],
            )
        self._add_vectors(todo)
        replaced: list[str] = []
        with self._transaction():
            if self.meta("model_id") is None:
                self._set_meta("model_id", embedder_id)
                self._set_meta("dim", str(dim))
            self._bump_generation()
            for item in todo:
                replaced.extend(self._replace_rows(item))
            keep = set(new_ids)
            replaced = [c for c in replaced if c not in keep]
            self._db.executemany("DELETE FROM journal WHERE chunk_id = ?", [(c,) for c in new_ids])
            self._db.executemany(
                "INSERT OR REPLACE INTO journal(chunk_id, action) VALUES (?, 'removing')",
                [(c,) for c in replaced],
            )
        self._remove_vectors(replaced)
        return statuses

    def _vector_space(self, batch: Sequence[Prepared]) -> tuple[str, int]:
        if self.embedder is None:
            raise IndexProblem("the index was opened without an embedder; it cannot write vectors")
        self._check_embedder(self.embedder)
        for item in batch:
            if item.chunk_vectors.shape != (len(item.chunks), self.embedder.dim):
                raise ValueError(f"{item.article.article_id}: one vector per chunk is required")
        return self.embedder.model_id, self.embedder.dim

    def _add_vectors(self, items: Sequence[Prepared]) -> None:
        ids, vectors, metadatas = [], [], []
        for item in items:
            meta = _chunk_metadata(item.article)
            for chunk, vector in zip(item.chunks, item.chunk_vectors, strict=True):
                ids.append(chunk.chunk_id)
                vectors.append(vector.astype(np.float32))
                metadatas.append({**meta, "idx": chunk.index})
        for start in range(0, len(ids), 1000):
            self.collection.upsert(
                ids=ids[start : start + 1000],
                embeddings=vectors[start : start + 1000],
                metadatas=metadatas[start : start + 1000],
            )
        self._secure_new_chroma_files()

    def _remove_vectors(self, chunk_ids: Sequence[str]) -> None:
        if not chunk_ids:
            return
        for start in range(0, len(chunk_ids), 1000):
            self.collection.delete(ids=list(chunk_ids[start : start + 1000]))
        with self._transaction():
            self._db.executemany("DELETE FROM journal WHERE chunk_id = ?", [(c,) for c in chunk_ids])

    def _replace_rows(self, item: Prepared) -> list[str]:
        """Swap an article's catalog rows; return the chunk ids it had before."""
        article = item.article
        old = self._delete_rows(article.article_id)
        self._db.execute(
            "INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                article.article_id, article.title, article.source, article.url,
                article.published, published_timestamp(article.published), article.lang,
                article.author, _now(), item.content_hash, len(item.chunks), article.text,
            ),
        )  # fmt: skip
        sentence_vectors = item.sentence_vectors or [None] * len(item.chunks)
        for chunk, vectors in zip(item.chunks, sentence_vectors, strict=True):
            self._db.execute(
                'INSERT INTO chunks(chunk_id, article_id, idx, start, "end", text, sentences, '
                "sentence_vectors) VALUES (?,?,?,?,?,?,?,?)",
                (
                    chunk.chunk_id, article.article_id, chunk.index, chunk.start, chunk.end,
                    chunk.text, json.dumps([[s.start, s.end] for s in chunk.sentences]),
                    None if vectors is None else np.asarray(vectors, np.float16).tobytes(),
                ),
            )  # fmt: skip
            self._db.execute(
                "INSERT INTO chunks_fts(chunk_id, title, text) VALUES (?,?,?)",
                (chunk.chunk_id, article.title, chunk.text),
            )
        return old

    def _delete_rows(self, article_id: str) -> list[str]:
        old = [
            row[0]
            for row in self._db.execute(
                "SELECT chunk_id FROM chunks WHERE article_id = ?", (article_id,)
            )
        ]
        self._db.executemany("DELETE FROM chunks_fts WHERE chunk_id = ?", [(c,) for c in old])
        self._db.execute("DELETE FROM chunks WHERE article_id = ?", (article_id,))
        self._db.execute("DELETE FROM articles WHERE article_id = ?", (article_id,))
        return old

    def forget(self, article_id: str) -> bool:
        """Remove an article and all its chunks (call inside `writing()`); False if unknown."""
        if self.article(article_id) is None:
            return False
        with self._transaction():
            self._bump_generation()
            old = self._delete_rows(article_id)
            self._db.executemany(
                "INSERT OR REPLACE INTO journal(chunk_id, action) VALUES (?, 'removing')",
                [(c,) for c in old],
            )
        self._remove_vectors(old)
        return True

    def reset_vectors(self, embedder: Embedder) -> None:
        """Drop every vector and record a new embedder (for `reindex`; call inside `writing()`)."""
        client = chroma_client(self.settings)
        try:
            client.delete_collection(COLLECTION)
        except Exception:  # noqa: BLE001 - absent already: nothing to drop
            pass
        self._collection = None
        self.embedder = embedder
        with self._transaction():
            self._bump_generation()
            self._db.execute("UPDATE chunks SET sentence_vectors = NULL")
            self._db.execute("DELETE FROM journal")
            self._set_meta("model_id", embedder.model_id)
            self._set_meta("dim", str(embedder.dim))

    def store_vectors(
        self, chunk_ids: Sequence[str], vectors: np.ndarray, sentence_vectors: Sequence[np.ndarray]
    ) -> None:
        """Put vectors for chunks the catalog already has (for `reindex`)."""
        rows = self.chunks(chunk_ids)
        by_id = {row.chunk_id: row for row in rows}
        metadatas = [
            {**_chunk_metadata(_as_article(by_id[c].article)), "idx": by_id[c].index}
            for c in chunk_ids
        ]
        self.collection.upsert(ids=list(chunk_ids), embeddings=list(vectors), metadatas=metadatas)
        self._secure_new_chroma_files()
        with self._transaction():
            self._bump_generation()
            self._db.executemany(
                "UPDATE chunks SET sentence_vectors = ? WHERE chunk_id = ?",
                [
                    (np.asarray(v, np.float16).tobytes(), c)
                    for c, v in zip(chunk_ids, sentence_vectors, strict=True)
                ],
            )

    # -- reading --------------------------------------------------------------------------

    def articles(self, *, limit: int | None = None, with_text: bool = False) -> list[ArticleRecord]:
        """Articles, newest published first (undated last)."""
        columns = "*" if with_text else _COLUMNS_WITHOUT_TEXT
        sql = (
            f"SELECT {columns} FROM articles "
            "ORDER BY published_ts IS NULL, published_ts DESC, ingested_at DESC"
        )
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [_article(row, with_text) for row in self._db.execute(sql)]

    def article(self, article_id: str) -> ArticleRecord | None:
        row = self._db.execute(
            "SELECT * FROM articles WHERE article_id = ?", (article_id,)
        ).fetchone()
        return _article(row, True) if row else None

    def find_articles(self, key: str, url: str = "") -> list[ArticleRecord]:
        """The article with id `key`, alone; else every article at the URL `key` (or `url`, its
        canonical form): translations and excerpts share their story's URL. Else the one
        article whose id starts with `key`; empty when none does, or several.

        An article whose id is its URL wins over the translations and excerpts at that URL, so
        the id a user types always names one article."""
        rows = self._db.execute("SELECT * FROM articles WHERE article_id = ?", (key,)).fetchall()
        if not rows:
            rows = self._db.execute(
                "SELECT * FROM articles WHERE url IN (?, ?) ORDER BY article_id",
                (key, url or key),
            ).fetchall()
        if not rows:
            rows = self._db.execute(
                "SELECT * FROM articles WHERE article_id LIKE ? ESCAPE '\\' LIMIT 2",
                (key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",),
            ).fetchall()
            rows = rows if len(rows) == 1 else []
        return [_article(row, True) for row in rows]

    def find_article(self, key: str) -> ArticleRecord | None:
        """The one article `find_articles` finds, or None (none, or several: give the id)."""
        found = self.find_articles(key)
        return found[0] if len(found) == 1 else None

    def chunks(self, chunk_ids: Sequence[str]) -> list[StoredChunk]:
        """Chunks by id, in the order asked (unknown ids are skipped)."""
        found: dict[str, StoredChunk] = {}
        for start in range(0, len(chunk_ids), 500):
            part = list(chunk_ids[start : start + 500])
            marks = ",".join("?" * len(part))
            for row in self._db.execute(
                f'SELECT c.chunk_id, c.idx, c.start, c."end", c.text, c.sentences, '
                f"{_A_COLUMNS_WITHOUT_TEXT} "
                f"FROM chunks c JOIN articles a USING(article_id) WHERE c.chunk_id IN ({marks})",
                part,
            ):
                found[row[0]] = _stored_chunk(row)
        return [found[c] for c in chunk_ids if c in found]

    def article_chunks(self, article_id: str) -> list[StoredChunk]:
        ids = [
            row[0]
            for row in self._db.execute(
                "SELECT chunk_id FROM chunks WHERE article_id = ? ORDER BY idx", (article_id,)
            )
        ]
        return self.chunks(ids)

    def sentence_vectors(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Each chunk's sentence vectors, (n_sentences, dim) float32, where stored."""
        out: dict[str, np.ndarray] = {}
        marks = ",".join("?" * len(chunk_ids))
        for chunk_id, blob in self._db.execute(
            f"SELECT chunk_id, sentence_vectors FROM chunks WHERE chunk_id IN ({marks}) "
            "AND sentence_vectors IS NOT NULL",
            list(chunk_ids),
        ):
            vectors = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
            out[chunk_id] = vectors.reshape(-1, int(self.meta("dim") or 1))
        return out

    def all_chunk_ids(self) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT chunk_id FROM chunks ORDER BY rowid")]

    def stats(self) -> Stats:
        """Counts and date range, cached per catalog generation.

        min/max(published) scan the whole articles table (about 100 ms at 20k articles, 100k
        chunks) and every `ask` needs the stats more than once; every write that changes
        articles or chunks bumps the generation in the same transaction, so a cached value is
        reused only while the generation is unchanged (read before counting: a write landing
        in between makes the next call count again). Not cached inside a transaction.
        """
        generation = self.meta("generation")
        cached = self._stats_cache
        if cached is not None and cached[0] == generation and not self._db.in_transaction:
            return cached[1]
        articles, first, last = self._db.execute(
            "SELECT count(*), min(published), max(published) FROM articles"
        ).fetchone()
        chunks = self._db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        stats = Stats(articles=articles, chunks=chunks, first_published=first, last_published=last)
        if not self._db.in_transaction:
            self._stats_cache = (generation, stats)
        return stats

    def dense_search(
        self, vector: np.ndarray, k: int, filters: Filters = Filters()
    ) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity), best first."""
        if self.stats().chunks == 0:
            return []
        result = self.collection.query(
            query_embeddings=[np.asarray(vector, np.float32)],
            n_results=k,
            where=_chroma_where(filters),
            include=["distances"],
        )
        return [
            (chunk_id, 1.0 - float(distance))
            for chunk_id, distance in zip(result["ids"][0], result["distances"][0], strict=True)
        ]

    def lexical_search(
        self, terms: Sequence[str], k: int, filters: Filters = Filters()
    ) -> list[tuple[str, float]]:
        """(chunk_id, BM25 score, higher is better) for chunks matching any of `terms`."""
        if not terms:
            return []
        match = " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
        where, params = _sql_filters(filters)
        join = " JOIN chunks c USING(chunk_id) JOIN articles a USING(article_id)" if where else ""
        rows = self._db.execute(
            f"SELECT chunk_id, -bm25(chunks_fts, 0.0, 0.5, 1.0) AS score FROM chunks_fts{join} "
            f"WHERE chunks_fts MATCH ?{where} ORDER BY bm25(chunks_fts, 0.0, 0.5, 1.0) LIMIT ?",
            [match, *params, k],
        ).fetchall()
        return [(row[0], float(row[1])) for row in rows]

    def check(self) -> list[str]:
        """Problems found in the index, each a sentence; empty when it is healthy."""
        problems = []
        stats = self.stats()
        if stats.chunks and self.meta("model_id") is None:
            problems.append("chunks are stored but no embedder is recorded")
        try:
            vectors = self.collection.count()
        except Exception as exc:  # noqa: BLE001 - reported, not raised: this is the doctor
            problems.append(f"the vector store cannot be read ({type(exc).__name__}: {exc})")
            return problems
        if vectors != stats.chunks:
            problems.append(
                f"the vector store holds {vectors} vectors for {stats.chunks} chunks in the catalog"
            )
        pending = self._db.execute("SELECT count(*) FROM journal").fetchone()[0]
        if pending:
            problems.append(f"{pending} chunk writes were interrupted (the next ingest clears them)")
        missing = self._db.execute(
            "SELECT count(*) FROM chunks WHERE sentence_vectors IS NULL"
        ).fetchone()[0]
        if missing:
            problems.append(f"{missing} chunks have no sentence vectors")
        return problems

    # -- followed feeds: in the catalog, so the bot's poller, `/news follow` and the CLI agree --

    _FEEDS_TABLE = (
        "CREATE TABLE IF NOT EXISTS followed_feeds (url TEXT PRIMARY KEY, added_by TEXT NOT NULL, "
        "added_at TEXT NOT NULL, etag TEXT NOT NULL, last_modified TEXT NOT NULL, "
        "seen TEXT NOT NULL, polled_at TEXT)"
    )

    def followed_feeds(self) -> list[FollowedFeed]:
        """Every followed feed, oldest followed first."""
        self._db.execute(self._FEEDS_TABLE)
        rows = self._db.execute(
            "SELECT url, added_by, added_at, etag, last_modified, seen, polled_at "
            "FROM followed_feeds ORDER BY added_at, url"
        )
        return [FollowedFeed(*row[:5], tuple(json.loads(row[5])), row[6]) for row in rows]

    def save_feed(self, feed: FollowedFeed) -> None:
        """Follow `feed`, or store its state after a poll (validators, entries seen)."""
        self._db.execute(self._FEEDS_TABLE)
        with self._transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO followed_feeds VALUES (?, ?, ?, ?, ?, ?, ?)",
                (feed.url, feed.added_by, feed.added_at or _now(), feed.etag, feed.last_modified,
                 json.dumps(list(feed.seen)), feed.polled_at),
            )  # fmt: skip

    def unfollow_feed(self, url: str) -> bool:
        """Stop following `url`; whether it was followed. Its articles stay in the index."""
        self._db.execute(self._FEEDS_TABLE)
        with self._transaction():
            return self._db.execute("DELETE FROM followed_feeds WHERE url = ?", (url,)).rowcount > 0


def open_index(settings: Settings, *, with_embedder: bool = True) -> Index:
    """The index for these settings, with the configured embedder loaded when asked."""
    embedder = (
        embedder_for(settings) if with_embedder else None
    )
    return Index(settings, embedder)


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
        COLLECTION, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
    )


def _chunk_metadata(article: Article) -> dict[str, Any]:
    meta: dict[str, Any] = {"article_id": article.article_id, "lang": article.lang or ""}
    meta["source"] = article.source or ""
    timestamp = published_timestamp(article.published)
    if timestamp is not None:
        meta["published_ts"] = timestamp
    return meta


def _chroma_where(filters: Filters) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    if filters.since is not None:
        clauses.append({"published_ts": {"$gte": filters.since}})
    if filters.until is not None:
        clauses.append({"published_ts": {"$lte": filters.until}})
    if filters.source:
        clauses.append({"source": {"$eq": filters.source}})
    if filters.lang:
        clauses.append({"lang": {"$eq": filters.lang}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _sql_filters(filters: Filters) -> tuple[str, list[Any]]:
    where, params = "", []
    if filters.since is not None:
        where += " AND a.published_ts >= ?"
        params.append(filters.since)
    if filters.until is not None:
        where += " AND a.published_ts <= ?"
        params.append(filters.until)
    if filters.source:
        where += " AND a.source = ?"
        params.append(filters.source)
    if filters.lang:
        where += " AND a.lang = ?"
        params.append(filters.lang)
    return where, params


def _article(row: Sequence[Any], with_text: bool) -> ArticleRecord:
    return ArticleRecord(
        article_id=row[0], title=row[1], source=row[2], url=row[3], published=row[4],
        lang=row[6], author=row[7], ingested_at=row[8], content_hash=row[9], n_chunks=row[10],
        text=row[11] if with_text else "",
    )  # fmt: skip


def _as_article(record: ArticleRecord) -> Article:
    return Article(
        text=record.text, title=record.title, source=record.source, url=record.url,
        published=record.published, lang=record.lang, author=record.author,
        article_id=record.article_id,
    )  # fmt: skip


def _stored_chunk(row: Sequence[Any]) -> StoredChunk:
    spans = tuple(Span(a, b) for a, b in json.loads(row[5]))
    return StoredChunk(
        chunk_id=row[0], article=_article(row[6:], False), index=row[1], start=row[2], end=row[3],
        text=row[4], sentences=spans,
    )  # fmt: skip


def data_dir_size(path: Path) -> int:
    """Bytes under a folder (for benchmarks and `doctor`)."""
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


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
