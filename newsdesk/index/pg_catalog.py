"""The catalog on PostgreSQL, shared by every process of a deployment (`NEWSDESK_DATABASE_URL`).

The queries both engines read alike are `Catalog`'s; here are the connection (one per thread,
autocommit, explicit transactions), the schema check (`newsdesk migrate` creates and upgrades
it: `postgres.py`), the writer lock (an advisory lock, held across machines and released by a
process that dies) and the lexical index: PostgreSQL's text search, each chunk indexed with its
article language's stemmer (`text_search_config`), the title weighted half as much as the text.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from newsdesk.index.catalog import Catalog
from newsdesk.index.filters import Filters, sql_where
from newsdesk.index.postgres import (
    WRITER_LOCK,
    QmarkConnection,
    advisory_lock,
    connect,
    require_schema,
    text_search_config,
)

# ts_rank's weights of the labels {D, C, B, A}: the title is B, the text A (as FTS5's 0.5, 1.0).
_RANK_WEIGHTS = "{0, 0, 0.5, 1}"


class PostgresCatalog(Catalog):
    """The catalog in the database at `url`."""

    LEXICAL_TABLE = "chunk_terms"
    CHUNK_ORDER = "seq"

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self._local = threading.local()
        self._connections: list[QmarkConnection] = []
        self._connections_lock = threading.Lock()

    @property
    def _db(self) -> QmarkConnection:
        """This thread's connection: one transaction at a time per connection, as in SQLite.
        Made again when the server dropped it (a restart, a failover): the call that found it
        broken failed, the next one works."""
        db = getattr(self._local, "db", None)
        if db is None or db.connection.broken or db.connection.closed:
            db = QmarkConnection(connect(self.url))
            self._local.db = db
            with self._connections_lock:
                self._connections.append(db)
        return db

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self._db.connection.info.transaction_status != TransactionStatus.IDLE

    def close(self) -> None:
        with self._connections_lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
        self._local = threading.local()

    def ensure_schema(self) -> None:
        require_schema(self.url, self._db.connection)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._db.connection.transaction():
            yield

    @contextmanager
    def writer_lock(self, wait: bool = True) -> Iterator[bool]:
        with advisory_lock(self.url, WRITER_LOCK, wait) as taken:
            yield taken

    def _index_lexical(self, rows: Sequence[tuple[str, str, str, str]]) -> None:
        configured = [(c, text_search_config(lang), title, text) for c, title, text, lang in rows]
        self._db.executemany(
            "INSERT INTO lexical_configs(config) VALUES (?) ON CONFLICT DO NOTHING",
            [(config,) for config in sorted({row[1] for row in configured})],
        )
        self._db.executemany(
            "INSERT INTO chunk_terms(chunk_id, config, terms) VALUES (?, ?, "
            "setweight(to_tsvector(?::regconfig, ?), 'B') || "
            "setweight(to_tsvector(?::regconfig, ?), 'A'))",
            [(c, config, config, title, config, text) for c, config, title, text in configured],
        )

    def lexical_search(
        self, terms: Sequence[str], k: int, filters: Filters = Filters()
    ) -> list[tuple[str, float]]:
        """Chunks matching any of `terms`, ranked by `ts_rank` (length-normalised). Each chunk
        is matched with the terms stemmed by its own language's configuration."""
        words = [" ".join(term.replace('"', " ").split()) for term in terms]
        query = " or ".join(f'"{word}"' for word in words if word)
        if not query:
            return []
        where, params = sql_where(filters)
        join = (
            " JOIN chunks c ON c.chunk_id = t.chunk_id"
            " JOIN articles a ON a.article_id = c.article_id"
        ) if where else ""
        configs = [row[0] for row in self._db.execute("SELECT config FROM lexical_configs")]
        if not configs:
            return []
        # One arm per configuration, its query a constant: each arm is a GIN index scan (a
        # query computed per row, or joined in, makes PostgreSQL read every chunk).
        arm = (
            f"SELECT t.chunk_id, ts_rank('{_RANK_WEIGHTS}', t.terms, "
            "websearch_to_tsquery(?::regconfig, ?), 1) AS score "
            f"FROM chunk_terms t{join} WHERE t.config = ? "
            f"AND t.terms @@ websearch_to_tsquery(?::regconfig, ?){where}"
        )
        arms = " UNION ALL ".join(f"({arm})" for _ in configs)
        values = [
            value for config in configs for value in (config, query, config, config, query, *params)
        ]
        rows = self._db.execute(
            f"SELECT chunk_id, score FROM ({arms}) AS hits ORDER BY score DESC, chunk_id LIMIT ?",
            [*values, k],
        ).fetchall()
        return [(row[0], float(row[1])) for row in rows]


def counts(url: str) -> dict[str, int]:
    """Rows in the catalog's articles, chunks and journal tables (zeros before they exist),
    read in a snapshot that never waits for a writer."""
    found = dict.fromkeys(("articles", "chunks", "journal"), 0)
    with connect(url) as connection:
        if connection.execute("SELECT to_regclass('journal')").fetchone()[0] is None:
            return found
        for table in found:
            found[table] = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return found

