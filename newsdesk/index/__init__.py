"""The index: the one package that owns what is stored, used by `ingest/` to write and `bot/`
to read. Nothing outside it imports chromadb or sqlite3, or touches the stores' files.

- `store`: the `Index`, which keeps the two stores consistent (journaled writes, a file lock);
- `catalog`: the SQLite catalog (articles, chunks, FTS5, sentence vectors, meta, journal);
- `vectors`: the Chroma collection of chunk vectors;
- `filters`: the one rule of what `Filters` keep, in Chroma's and SQL's dialects;
- `records`: the frozen records the index stores and returns;
- `feedback`: the Slack bot's answers and the votes on them (`feedback.sqlite`, a file apart).
"""

from newsdesk.index.catalog import catalog_counts
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
from newsdesk.index.store import Index, data_dir_size, open_index

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
    "open_index",
]
