"""The index: the one package that owns what is stored, used by `ingest/` to write and `bot/`
to read. Nothing outside it imports chromadb, sqlite3 or psycopg, or touches the stores' files.

- `store`: the `Index`, which keeps the two stores consistent (journaled writes, a writer lock);
- `catalog`: the catalog's shared SQL and the SQLite catalog (articles, chunks, FTS5, sentence
  vectors, meta, journal, followed feeds);
- `pg_catalog`, `postgres`: the same catalog on PostgreSQL (text search per language, advisory
  locks, migrations run by `newsdesk migrate`), shared by every process of a deployment;
- `events`: Slack events claimed by one bot replica (so a redelivery is answered once);
- `vectors`: the Chroma collection of chunk vectors;
- `filters`: the one rule of what `Filters` keep, in Chroma's and SQL's dialects;
- `records`: the frozen records the index stores and returns;
- `feedback`: the Slack bot's answers and the votes on them (`feedback.sqlite`, a file apart, or
  the PostgreSQL database).
"""

from newsdesk.index.filters import Filters
from newsdesk.index.records import (
    ArticleRecord,
    FollowedFeed,
    IndexProblem,
    Prepared,
    Stats,
    StoredChunk,
    WriteStatus,
)
from newsdesk.index.store import (
    Index,
    catalog_counts,
    data_dir_size,
    migrate_catalog,
    open_catalog,
    open_index,
)

__all__ = [
    "ArticleRecord",
    "Filters",
    "FollowedFeed",
    "Index",
    "IndexProblem",
    "Prepared",
    "Stats",
    "StoredChunk",
    "WriteStatus",
    "catalog_counts",
    "data_dir_size",
    "migrate_catalog",
    "open_catalog",
    "open_index",
]
