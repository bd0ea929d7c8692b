"""PostgreSQL, the shared catalog's server (`NEWSDESK_DATABASE_URL=postgresql://…`): connections,
the schema and its migrations (`newsdesk migrate`), and advisory locks.

One database holds one newsdesk index and everything its processes share: the catalog
(`pg_catalog.py`), the Slack bot's answers and votes (`feedback.py`) and the Slack events
already claimed by a replica (`events.py`). psycopg is imported on first use only.

Migrations are numbered SQL scripts applied in order, each in its own transaction, under an
advisory lock (two replicas starting at once do not race); `meta.schema_version` says how many
ran. A new table is a new script appended to `MIGRATIONS`, nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from newsdesk.index.catalog import COPIES_SCHEMA
from newsdesk.index.records import IndexProblem

# ISO 639-1 codes of the languages PostgreSQL stems (its `pg_catalog` text search configs);
# any other language is indexed word by word (`simple`).
STEMMED_LANGUAGES = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "da": "danish",
    "nl": "dutch", "en": "english", "fi": "finnish", "fr": "french", "de": "german",
    "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "nb": "norwegian",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "es": "spanish",
    "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip

# Advisory lock keys (per database): the index's one writer, and one migration at a time.
WRITER_LOCK = 0x6E657773  # "news"
MIGRATION_LOCK = 0x6D696772  # "migr"


def text_search_config(lang: str) -> str:
    """The text search configuration newsdesk indexes and queries text of language `lang` with:
    the language's stemmer (or none) after folding diacritics, as the SQLite catalog's FTS5
    does (`remove_diacritics`)."""
    return f"newsdesk_{STEMMED_LANGUAGES.get((lang or '').lower(), 'simple')}"


def _text_search_configs() -> str:
    """One configuration per stemmer: a copy of PostgreSQL's with `unaccent` before the stemmer
    for words with non-ASCII letters (ASCII words need no folding)."""
    statements = ["CREATE EXTENSION IF NOT EXISTS unaccent;"]
    for name in sorted({*STEMMED_LANGUAGES.values(), "simple"}):
        dictionary = "simple" if name == "simple" else f"{name}_stem"
        statements.append(
            f"CREATE TEXT SEARCH CONFIGURATION newsdesk_{name} (COPY = pg_catalog.{name}); "
            f"ALTER TEXT SEARCH CONFIGURATION newsdesk_{name} "
            f"ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {dictionary};"
        )
    return "\n".join(statements)


# The catalog's tables match the SQLite catalog's (catalog.py) column for column, so the SQL
# they share reads the same; `chunk_terms` is the lexical index (SQLite's `chunks_fts`).
MIGRATIONS: tuple[str, ...] = (
    _text_search_configs()
    + """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE articles (
    article_id TEXT PRIMARY KEY, title TEXT NOT NULL, source TEXT NOT NULL, url TEXT NOT NULL,
    published TEXT, published_ts DOUBLE PRECISION, lang TEXT NOT NULL, author TEXT NOT NULL,
    ingested_at TEXT NOT NULL, content_hash TEXT NOT NULL, n_chunks INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX articles_published ON articles(published_ts);
CREATE INDEX articles_url ON articles(url);
CREATE TABLE chunks (
    chunk_id TEXT PRIMARY KEY, article_id TEXT NOT NULL REFERENCES articles(article_id),
    idx INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
    sentences TEXT NOT NULL, sentence_vectors BYTEA, seq BIGSERIAL NOT NULL
);
CREATE INDEX chunks_article ON chunks(article_id);
CREATE INDEX chunks_seq ON chunks(seq);
CREATE TABLE chunk_terms (chunk_id TEXT PRIMARY KEY, config TEXT NOT NULL, terms TSVECTOR NOT NULL);
CREATE INDEX chunk_terms_terms ON chunk_terms USING gin(terms);
CREATE TABLE lexical_configs (config TEXT PRIMARY KEY);
CREATE TABLE journal (
    chunk_id TEXT PRIMARY KEY, action TEXT NOT NULL CHECK (action IN ('adding', 'removing'))
);
CREATE TABLE followed_feeds (
    url TEXT PRIMARY KEY, added_by TEXT NOT NULL, added_at TEXT NOT NULL, etag TEXT NOT NULL,
    last_modified TEXT NOT NULL, seen TEXT NOT NULL, polled_at TEXT
);
CREATE TABLE answers (
    answer_id TEXT PRIMARY KEY, created_at TEXT NOT NULL, "user" TEXT NOT NULL,
    channel TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL, payload TEXT NOT NULL
);
CREATE TABLE votes (
    answer_id TEXT NOT NULL, "user" TEXT NOT NULL,
    vote TEXT NOT NULL CHECK (vote IN ('up', 'down')), voted_at TEXT NOT NULL,
    question TEXT NOT NULL, answer TEXT NOT NULL, chunk_ids TEXT NOT NULL,
    seq BIGSERIAL NOT NULL, PRIMARY KEY (answer_id, "user")
);
CREATE INDEX votes_time ON votes(voted_at);
CREATE TABLE slack_events (key TEXT PRIMARY KEY, claimed_at TIMESTAMPTZ NOT NULL DEFAULT now());
CREATE INDEX slack_events_time ON slack_events(claimed_at);
""",
    # 2: copies (newsdesk/copies.py), the same tables as SQLite's.
    COPIES_SCHEMA,
)
SCHEMA_VERSION = len(MIGRATIONS)


def where(url: str) -> str:
    """The server and database a URL names, without its password (for messages)."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(url)
    except Exception:  # noqa: BLE001 - a malformed URL is reported by connect()
        return "NEWSDESK_DATABASE_URL"
    return f"{parts.get('host') or 'localhost'}:{parts.get('port') or 5432}/{parts.get('dbname')}"


class QmarkConnection:
    """A psycopg connection that runs SQL written with `?` placeholders (the catalog's SQL is
    shared with SQLite, whose placeholders they are; none of it has a literal `?` or `%`)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.connection.execute(sql.replace("?", "%s"), params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        cursor = self.connection.cursor()
        if rows:
            cursor.executemany(sql.replace("?", "%s"), rows)
        return cursor

    def close(self) -> None:
        self.connection.close()


def connect(url: str) -> Any:
    """An autocommit psycopg connection (transactions are explicit: `with conn.transaction()`),
    or an `IndexProblem` saying what to check (never the URL: it holds the password)."""
    if not url.startswith(("postgresql://", "postgres://")):
        raise IndexProblem(
            "NEWSDESK_DATABASE_URL must be a postgresql://user:password@host:5432/dbname URL "
            "(or empty for the SQLite catalog in the data dir)"
        )
    try:
        import psycopg
    except ImportError:
        raise IndexProblem(
            "NEWSDESK_DATABASE_URL is set but psycopg is not installed: "
            "pip install 'newsdesk[postgres]' (or unset it for the SQLite catalog)"
        ) from None

    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=30)
    except (psycopg.Error, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise IndexProblem(
            f"cannot reach the PostgreSQL catalog at {where(url)} ({reason}); check "
            "NEWSDESK_DATABASE_URL and that the server is running"
        ) from None


@contextmanager
def advisory_lock(url: str, key: int, wait: bool = True) -> Iterator[bool]:
    """Hold a session advisory lock on a connection of its own (so a process that dies
    releases it with its connection); yields whether it was taken (always, when `wait`)."""
    with connect(url) as connection:
        if wait:
            connection.execute("SELECT pg_advisory_lock(%s)", (key,))
        elif not connection.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
            yield False
            return
        try:
            yield True
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (key,))


def schema_version(connection: Any) -> int:
    """How many migrations the database has had (0 for an empty one)."""
    if connection.execute("SELECT to_regclass('meta')").fetchone()[0] is None:
        return 0
    row = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(url: str) -> tuple[int, int]:
    """Apply the migrations the database lacks, each in a transaction; (version before, after)."""
    with advisory_lock(url, MIGRATION_LOCK), connect(url) as connection:
        before = schema_version(connection)
        if before > SCHEMA_VERSION:
            raise IndexProblem(
                f"the catalog at {where(url)} has schema {before}, newer than this newsdesk "
                f"knows ({SCHEMA_VERSION}); upgrade newsdesk"
            )
        for number in range(before + 1, SCHEMA_VERSION + 1):
            with connection.transaction():
                connection.execute(MIGRATIONS[number - 1])
                connection.execute(
                    "INSERT INTO meta(key, value) VALUES ('schema_version', %s) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(number),),
                )
        return before, SCHEMA_VERSION


def require_schema(url: str, connection: Any) -> None:
    """Refuse a database the migrations have not (all) run on, saying to run them."""
    version = schema_version(connection)
    if version < SCHEMA_VERSION:
        raise IndexProblem(
            f"the catalog at {where(url)} has schema {version}, this newsdesk needs "
            f"{SCHEMA_VERSION}: run `newsdesk migrate` (once per deployment, before the bots)"
        )
    if version > SCHEMA_VERSION:
        raise IndexProblem(
            f"the catalog at {where(url)} has schema {version}, newer than this newsdesk knows "
            f"({SCHEMA_VERSION}); upgrade newsdesk"
        )
