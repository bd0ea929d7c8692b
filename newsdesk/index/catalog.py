"""The catalog, the index's source of truth: the SQL both engines share, and the SQLite one.

It holds the articles with their full text, their chunks with offsets, a lexical index over
the chunks, the vectors of each chunk's sentences (for the answer's sentence step), a few
`meta` values (schema version, embedder, write generation), the journal of chunk writes in
progress and the followed feeds. `Catalog` is used by `Index` alone, which keeps it consistent
with Chroma.

`Catalog` holds every query that reads the same in SQLite and PostgreSQL (written with `?`
placeholders; the PostgreSQL connection translates them); an engine supplies its connection,
transactions, schema, lexical index and writer lock: `SqliteCatalog` here (`catalog.sqlite`
under the data dir, FTS5, a file lock), `PostgresCatalog` in `pg_catalog.py`.
"""

from __future__ import annotations

import fcntl
import json
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from newsdesk.articles import Span, published_timestamp
from newsdesk.index.filters import Filters, sql_where
from newsdesk.index.records import ArticleRecord, FollowedFeed, IndexProblem, Stats, StoredChunk
from newsdesk.private import private_file_opener

if TYPE_CHECKING:
    from newsdesk.index.records import Prepared

SCHEMA_VERSION = 1
CATALOG = "catalog.sqlite"

JournalAction = Literal["adding", "removing"]

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

# Copies (newsdesk/copies.py): each article's LSH band keys, and the pairs found to be copies
# (a < b). Created in a catalog written before copies were detected too (`ensure_schema`): its
# articles get their keys from `newsdesk reindex` (which finds every article's copies again),
# which `doctor` asks for. PostgreSQL's catalog runs the same statements (its migration 2).
COPIES_SCHEMA = """
CREATE TABLE IF NOT EXISTS copy_bands (band TEXT NOT NULL, article_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS copy_bands_band ON copy_bands(band);
CREATE INDEX IF NOT EXISTS copy_bands_article ON copy_bands(article_id);
CREATE TABLE IF NOT EXISTS copy_pairs (
    a TEXT NOT NULL, b TEXT NOT NULL, similarity REAL NOT NULL, PRIMARY KEY (a, b)
);
CREATE INDEX IF NOT EXISTS copy_pairs_b ON copy_pairs(b);
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


class Catalog(ABC):
    """What both engines share; an engine subclass supplies the abstract methods."""

    # The catalog's one lexical table (one row per chunk), and how chunks are listed in order.
    LEXICAL_TABLE = "chunks_fts"
    CHUNK_ORDER = "rowid"

    def __init__(self) -> None:
        self._stats_cache: tuple[str | None, Stats] | None = None  # (generation, stats)

    @property
    @abstractmethod
    def _db(self) -> Any:
        """This thread's connection (`execute`, `executemany` with `?` placeholders)."""
        ...

    @property
    @abstractmethod
    def in_transaction(self) -> bool:
        ...

    @abstractmethod
    def close(self) -> None:
        ...

    @abstractmethod
    def ensure_schema(self) -> None:
        """Refuse a catalog of another schema version (SQLite also creates a new one)."""
        ...

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        ...

    @abstractmethod
    def writer_lock(self, wait: bool = True) -> AbstractContextManager[bool]:
        """The one-writer lock, across processes (and machines, for a server); yields whether it
        was taken (always, when `wait`)."""
        ...

    @abstractmethod
    def _index_lexical(self, rows: Sequence[tuple[str, str, str, str]]) -> None:
        """Add (chunk_id, title, text, lang) rows to the lexical index (inside a transaction)."""
        ...

    @abstractmethod
    def lexical_search(
        self, terms: Sequence[str], k: int, filters: Filters = Filters()
    ) -> list[tuple[str, float]]:
        """(chunk_id, score, higher is better) for chunks matching any of `terms`."""
        ...

    # -- meta and transactions ------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def generation(self) -> str | None:
        """The write generation: every write that changes articles, chunks or vectors moves it."""
        return self.meta("generation")

    def bump_generation(self) -> str:
        """Mark a write (inside its transaction); returns the new generation."""
        generation = str(int(self.generation() or 0) + 1)
        self.set_meta("generation", generation)
        return generation

    # -- the journal ----------------------------------------------------------------------

    def journal(self, chunk_ids: Sequence[str], action: JournalAction) -> None:
        self._db.executemany(
            "INSERT INTO journal(chunk_id, action) VALUES (?, ?) "
            "ON CONFLICT(chunk_id) DO UPDATE SET action = excluded.action",
            [(c, action) for c in chunk_ids],
        )

    def clear_journal(self, chunk_ids: Sequence[str] | None = None) -> None:
        """Drop these journal entries, or all of them."""
        if chunk_ids is None:
            self._db.execute("DELETE FROM journal")
            return
        self._db.executemany("DELETE FROM journal WHERE chunk_id = ?", [(c,) for c in chunk_ids])

    def journal_entries(self) -> list[tuple[str, JournalAction]]:
        rows = self._db.execute("SELECT chunk_id, action FROM journal")
        return [(chunk_id, action) for chunk_id, action in rows]

    def known_chunk_ids(self, chunk_ids: Sequence[str]) -> set[str]:
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

    def replace_article(self, item: Prepared) -> list[str]:
        """Swap an article's rows (inside a transaction); return the chunk ids it had before."""
        article = item.article
        old = self.delete_article(article.article_id)
        self._db.execute(
            "INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                article.article_id, article.title, article.source, article.url,
                article.published, published_timestamp(article.published), article.lang,
                article.author, _now(), item.content_hash, len(item.chunks), article.text,
            ),
        )  # fmt: skip
        sentence_vectors = item.sentence_vectors or [None] * len(item.chunks)
        self._db.executemany(
            'INSERT INTO chunks(chunk_id, article_id, idx, start, "end", text, sentences, '
            "sentence_vectors) VALUES (?,?,?,?,?,?,?,?)",
            [
                (
                    chunk.chunk_id, article.article_id, chunk.index, chunk.start, chunk.end,
                    chunk.text, json.dumps([[s.start, s.end] for s in chunk.sentences]),
                    None if vectors is None else np.asarray(vectors, np.float16).tobytes(),
                )
                for chunk, vectors in zip(item.chunks, sentence_vectors, strict=True)
            ],
        )  # fmt: skip
        self._index_lexical(
            [(chunk.chunk_id, article.title, chunk.text, article.lang) for chunk in item.chunks]
        )
        return old

    def delete_article(self, article_id: str) -> list[str]:
        """Delete an article's rows (inside a transaction); return its chunk ids."""
        old = [
            row[0]
            for row in self._db.execute(
                "SELECT chunk_id FROM chunks WHERE article_id = ?", (article_id,)
            )
        ]
        self._db.executemany(
            f"DELETE FROM {self.LEXICAL_TABLE} WHERE chunk_id = ?", [(c,) for c in old]
        )
        self._db.execute("DELETE FROM chunks WHERE article_id = ?", (article_id,))
        self._db.execute("DELETE FROM articles WHERE article_id = ?", (article_id,))
        self._db.execute("DELETE FROM copy_bands WHERE article_id = ?", (article_id,))
        self._db.execute("DELETE FROM copy_pairs WHERE a = ? OR b = ?", (article_id, article_id))
        return old

    # -- copies (the rule is newsdesk/copies.py; `Index` applies it) --------------------------

    def copy_candidates(self, article_id: str, bands: Sequence[str]) -> list[tuple[str, str]]:
        """(id, text) of the other articles sharing an LSH band key with `bands`."""
        if not bands:
            return []
        marks = ",".join("?" * len(bands))
        rows = self._db.execute(
            f"SELECT article_id, text FROM articles WHERE article_id IN (SELECT DISTINCT "
            f"article_id FROM copy_bands WHERE band IN ({marks})) AND article_id != ?",
            [*bands, article_id],
        )
        return [(row[0], row[1]) for row in rows]

    def store_copies(
        self, article_id: str, bands: Sequence[str], copies: Sequence[tuple[str, float]]
    ) -> None:
        """Record an article's band keys and the (other id, similarity) it is a copy of, in
        place of what was recorded for it (inside a transaction)."""
        self._db.execute("DELETE FROM copy_bands WHERE article_id = ?", (article_id,))
        self._db.execute("DELETE FROM copy_pairs WHERE a = ? OR b = ?", (article_id, article_id))
        self._db.executemany(
            "INSERT INTO copy_bands(band, article_id) VALUES (?, ?)",
            [(band, article_id) for band in bands],
        )
        self._db.executemany(
            "INSERT INTO copy_pairs(a, b, similarity) VALUES (?, ?, ?) "
            "ON CONFLICT(a, b) DO UPDATE SET similarity = excluded.similarity",
            [(min(article_id, other), max(article_id, other), sim) for other, sim in copies],
        )

    def clear_copies(self) -> None:
        """Forget every band key and copy pair (inside a transaction), to find them again."""
        self._db.execute("DELETE FROM copy_bands")
        self._db.execute("DELETE FROM copy_pairs")

    def copy_pairs(self, article_ids: Sequence[str] | None = None) -> list[tuple[str, str]]:
        """Every copy pair, or those of the groups `article_ids` are in (followed pair to pair)."""
        if article_ids is None:
            return [(a, b) for a, b in self._db.execute("SELECT a, b FROM copy_pairs")]
        pairs: set[tuple[str, str]] = set()
        seen, todo = set(article_ids), list(article_ids)
        while todo:
            part, todo = todo[:400], todo[400:]
            marks = ",".join("?" * len(part))
            for a, b in self._db.execute(
                f"SELECT a, b FROM copy_pairs WHERE a IN ({marks}) OR b IN ({marks})", part * 2
            ):
                pairs.add((a, b))
                for x in (a, b):
                    if x not in seen:
                        seen.add(x)
                        todo.append(x)
        return sorted(pairs)

    def without_copy_keys(self) -> list[str]:
        """Ids of the articles with text but no band keys (stored before copies were detected)."""
        rows = self._db.execute(
            "SELECT article_id FROM articles WHERE text != '' AND article_id NOT IN "
            "(SELECT article_id FROM copy_bands) ORDER BY ingested_at, article_id"
        )
        return [row[0] for row in rows]

    def drop_sentence_vectors(self) -> None:
        self._db.execute("UPDATE chunks SET sentence_vectors = NULL")

    def store_sentence_vectors(
        self, chunk_ids: Sequence[str], sentence_vectors: Sequence[np.ndarray]
    ) -> None:
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

    def articles_by_id(self, article_ids: Sequence[str]) -> list[ArticleRecord]:
        """Articles (without their text) by id, oldest published first (undated last)."""
        found: list[ArticleRecord] = []
        for start in range(0, len(article_ids), 500):
            part = list(article_ids[start : start + 500])
            marks = ",".join("?" * len(part))
            rows = self._db.execute(
                f"SELECT {_COLUMNS_WITHOUT_TEXT} FROM articles WHERE article_id IN ({marks})", part
            )
            found.extend(_article(row, False) for row in rows)
        return sorted(found, key=lambda r: (r.published_ts is None, r.published_ts or 0.0,
                                            r.article_id))  # fmt: skip

    def find_articles(self, key: str, url: str = "") -> list[ArticleRecord]:
        """See `Index.find_articles`."""
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

    def article_chunk_ids(self, article_id: str) -> list[str]:
        return [
            row[0]
            for row in self._db.execute(
                "SELECT chunk_id FROM chunks WHERE article_id = ? ORDER BY idx", (article_id,)
            )
        ]

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
        rows = self._db.execute(f"SELECT chunk_id FROM chunks ORDER BY {self.CHUNK_ORDER}")
        return [row[0] for row in rows]

    def lexical_ids(self) -> list[str]:
        rows = self._db.execute(f"SELECT chunk_id FROM {self.LEXICAL_TABLE} ORDER BY chunk_id")
        return [row[0] for row in rows]

    def stats(self, filters: Filters = Filters()) -> Stats:
        """Counts and date range of the articles `filters` keep; see `Index.stats`."""
        if not filters.is_empty():
            where, params = sql_where(filters)
            articles, chunks, first, last = self._db.execute(
                "SELECT count(*), coalesce(sum(a.n_chunks), 0), min(nullif(a.published, '')), "
                f"max(nullif(a.published, '')) FROM articles a WHERE 1 = 1{where}",
                params,
            ).fetchone()
            return Stats(articles, chunks, first, last)
        generation = self.generation()
        cached = self._stats_cache
        if cached is not None and cached[0] == generation and not self.in_transaction:
            return cached[1]
        articles, first, last = self._db.execute(
            "SELECT count(*), min(published), max(published) FROM articles"
        ).fetchone()
        chunks = self._db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        stats = Stats(articles=articles, chunks=chunks, first_published=first, last_published=last)
        if not self.in_transaction:
            self._stats_cache = (generation, stats)
        return stats

    def without_sentence_vectors(self) -> int:
        """How many chunks have no sentence vectors."""
        return self._db.execute(
            "SELECT count(*) FROM chunks WHERE sentence_vectors IS NULL"
        ).fetchone()[0]

    # -- followed feeds: here, so the bot's poller, `/news follow` and the CLI agree ---------

    FEEDS_TABLE = (
        "CREATE TABLE IF NOT EXISTS followed_feeds (url TEXT PRIMARY KEY, added_by TEXT NOT NULL, "
        "added_at TEXT NOT NULL, etag TEXT NOT NULL, last_modified TEXT NOT NULL, "
        "seen TEXT NOT NULL, polled_at TEXT)"
    )  # SQLite creates it on first use: catalogs written before feeds existed need no migration

    def _ensure_feeds_table(self) -> None:
        """Nothing to do where the schema has the table from the start."""

    def followed_feeds(self) -> list[FollowedFeed]:
        """Every followed feed, oldest followed first."""
        self._ensure_feeds_table()
        rows = self._db.execute(
            "SELECT url, added_by, added_at, etag, last_modified, seen, polled_at "
            "FROM followed_feeds ORDER BY added_at, url"
        )
        return [FollowedFeed(*row[:5], tuple(json.loads(row[5])), row[6]) for row in rows]

    def save_feed(self, feed: FollowedFeed) -> None:
        """Follow `feed`, or store its state after a poll (validators, entries seen)."""
        self._ensure_feeds_table()
        with self.transaction():
            self._db.execute(
                "INSERT INTO followed_feeds VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(url) DO UPDATE SET added_by = excluded.added_by, "
                "added_at = excluded.added_at, etag = excluded.etag, "
                "last_modified = excluded.last_modified, seen = excluded.seen, "
                "polled_at = excluded.polled_at",
                (feed.url, feed.added_by, feed.added_at or _now(), feed.etag, feed.last_modified,
                 json.dumps(list(feed.seen)), feed.polled_at),
            )  # fmt: skip

    def unfollow_feed(self, url: str) -> bool:
        """Stop following `url`; whether it was followed."""
        self._ensure_feeds_table()
        with self.transaction():
            return self._db.execute("DELETE FROM followed_feeds WHERE url = ?", (url,)).rowcount > 0


class SqliteCatalog(Catalog):
    """The embedded catalog in the data dir `path`: one SQLite connection per thread, FTS5
    BM25, a file lock for the writer."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []

    @property
    def _db(self) -> sqlite3.Connection:
        """This thread's connection: the Slack bot answers in many threads while one ingests,
        and a SQLite connection carries one transaction at a time."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(
                self.path / CATALOG, timeout=60, check_same_thread=False, isolation_level=None,
            )  # fmt: skip
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA busy_timeout=60000")
            self._local.db = db
            self._connections.append(db)
        return db

    @property
    def in_transaction(self) -> bool:
        return self._db.in_transaction

    def close(self) -> None:
        for db in self._connections:
            db.close()
        self._connections.clear()
        self._local = threading.local()

    def ensure_schema(self) -> None:
        """Create the tables in a new catalog; refuse one written by another schema version."""
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master")}
        if "meta" not in tables:
            self._db.executescript(
                f"BEGIN IMMEDIATE; {_SCHEMA} {COPIES_SCHEMA} "
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
        if "copy_pairs" not in tables:
            self._db.executescript(f"BEGIN IMMEDIATE; {COPIES_SCHEMA} COMMIT;")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @contextmanager
    def writer_lock(self, wait: bool = True) -> Iterator[bool]:
        """A file lock in the data dir: one writer per data dir, across processes."""
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

    def _ensure_feeds_table(self) -> None:
        self._db.execute(self.FEEDS_TABLE)

    def _index_lexical(self, rows: Sequence[tuple[str, str, str, str]]) -> None:
        self._db.executemany(
            "INSERT INTO chunks_fts(chunk_id, title, text) VALUES (?,?,?)",
            [(chunk_id, title, text) for chunk_id, title, text, _ in rows],
        )

    def lexical_search(
        self, terms: Sequence[str], k: int, filters: Filters = Filters()
    ) -> list[tuple[str, float]]:
        """FTS5 BM25 over title (weight 0.5) and text (1.0), diacritics folded."""
        if not terms:
            return []
        match = " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
        where, params = sql_where(filters)
        join = " JOIN chunks c USING(chunk_id) JOIN articles a USING(article_id)" if where else ""
        rows = self._db.execute(
            f"SELECT chunk_id, -bm25(chunks_fts, 0.0, 0.5, 1.0) AS score FROM chunks_fts{join} "
            f"WHERE chunks_fts MATCH ?{where} ORDER BY bm25(chunks_fts, 0.0, 0.5, 1.0) LIMIT ?",
            [match, *params, k],
        ).fetchall()
        return [(row[0], float(row[1])) for row in rows]



def sqlite_counts(data_dir: Path) -> dict[str, int]:
    """`store.catalog_counts` for the SQLite catalog in `data_dir`: read-only, without waiting
    for a writer (WAL)."""
    path = Path(data_dir) / CATALOG
    counts = dict.fromkeys(("articles", "chunks", "journal"), 0)
    if not path.exists():
        return counts
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            for table in counts:
                counts[table] = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        finally:
            db.close()
    except sqlite3.OperationalError:  # the schema is not created yet
        return dict.fromkeys(counts, 0)
    return counts


def _article(row: Sequence[Any], with_text: bool) -> ArticleRecord:
    return ArticleRecord(
        article_id=row[0], title=row[1], source=row[2], url=row[3], published=row[4],
        lang=row[6], author=row[7], ingested_at=row[8], content_hash=row[9], n_chunks=row[10],
        text=row[11] if with_text else "",
    )  # fmt: skip


def _stored_chunk(row: Sequence[Any]) -> StoredChunk:
    spans = tuple(Span(a, b) for a, b in json.loads(row[5]))
    return StoredChunk(
        chunk_id=row[0], article=_article(row[6:], False), index=row[1], start=row[2], end=row[3],
        text=row[4], sentences=spans,
    )  # fmt: skip
