"""The `Index`: the catalog and the vector store, kept consistent by this class alone.

Two stores:

- the catalog: articles with their full text, chunks with offsets, a lexical index and each
  chunk's sentence vectors; SQLite in the data dir (`catalog.py`), or PostgreSQL shared by every
  process of a deployment when `NEWSDESK_DATABASE_URL` is set (`pg_catalog.py`);
- the Chroma collection (`vectors.py`) with one vector per chunk, embedded or a Chroma server.

The catalog is the source of truth. A write puts new chunk ids in a journal, writes them to
Chroma, then swaps the catalog rows in one transaction and journals the replaced ids for
deletion. A crash at any point leaves journal rows that the next writer clears (in a
transaction), so Chroma never keeps a chunk the catalog does not know and the catalog never
names a chunk Chroma lacks. Writers take the catalog's writer lock (a file lock, or a
PostgreSQL advisory lock across machines); readers never wait for it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from newsdesk.copies import COPY_THRESHOLD, band_keys, groups, similarity, words
from newsdesk.embeddings import Embedder, embedder_for
from newsdesk.index.catalog import Catalog, JournalAction, SqliteCatalog, sqlite_counts
from newsdesk.index.filters import Filters
from newsdesk.index.records import IndexProblem, WriteStatus
from newsdesk.index.vectors import Vectors, chunk_metadata
from newsdesk.private import private_dir, secure_data_dir
from newsdesk.settings import Settings

if TYPE_CHECKING:
    from newsdesk.index.records import ArticleRecord, FollowedFeed, Prepared, Stats, StoredChunk


class Index:
    """Open with `Index(settings)`; pass `embedder` to check (or record) the vector space.

    A reader that only lists or shows articles may open without an embedder.
    """

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder
        self.path = private_dir(settings.data_dir)
        self._catalog = open_catalog(settings)
        self._vectors = Vectors(settings, self.path, self._catalog.generation)
        self._catalog.ensure_schema()
        secure_data_dir(self.path)
        if embedder is not None:
            self._check_embedder(embedder)

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
        return self._catalog.meta(key)

    def _bump_generation(self) -> None:
        """Mark a write (inside its transaction); our own collection already reflects it."""
        self._vectors.wrote(self._catalog.bump_generation())

    def close(self) -> None:
        self._catalog.close()

    # -- the writer lock and recovery -----------------------------------------------------

    @contextmanager
    def _writer_lock(self, wait: bool = True) -> Iterator[bool]:
        """The writer lock (one writer per index, across processes); yields whether it was
        taken (always, when `wait`)."""
        with self._catalog.writer_lock(wait) as taken:
            yield taken

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
        pending = [chunk_id for chunk_id, _ in self._catalog.journal_entries()]
        if not pending:
            return 0
        known = self._catalog.known_chunk_ids(pending)
        self._vectors.delete([chunk_id for chunk_id in pending if chunk_id not in known])
        with self._catalog.transaction():
            self._catalog.clear_journal(pending)
        return len(pending)

    # -- writing --------------------------------------------------------------------------

    def status(self, article_id: str, content_hash: str) -> Literal["new", "same", "changed"]:
        return self._catalog.status(article_id, content_hash)

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
        new_ids = self._write_vectors(todo)
        replaced: list[str] = []
        with self._catalog.transaction():
            if self.meta("model_id") is None:
                self._catalog.set_meta("model_id", embedder_id)
                self._catalog.set_meta("dim", str(dim))
            self._bump_generation()
            for item in todo:
                replaced.extend(self._catalog.replace_article(item))
                record_copies(self._catalog, item.article.article_id, item.article.text)
            keep = set(new_ids)
            replaced = [c for c in replaced if c not in keep]
            self._catalog.clear_journal(new_ids)
            self._catalog.journal(replaced, "removing")
        self._remove_vectors(replaced)
        return statuses

    def detect_copies(self) -> int:
        """Find every article's copies again, from the stored text (for `reindex`, which
        repairs a catalog written before copies were detected; call inside `writing()`);
        returns how many articles were compared."""
        with self._catalog.transaction():
            self._bump_generation()
            self._catalog.clear_copies()
        todo = [record.article_id for record in self.articles()]
        for start in range(0, len(todo), 200):
            with self._catalog.transaction():
                for article_id in todo[start : start + 200]:
                    record = self._catalog.article(article_id)
                    if record is not None:
                        record_copies(self._catalog, article_id, record.text)
        return len(todo)

    def _vector_space(self, batch: Sequence[Prepared]) -> tuple[str, int]:
        if self.embedder is None:
            raise IndexProblem("the index was opened without an embedder; it cannot write vectors")
        self._check_embedder(self.embedder)
        for item in batch:
            if item.chunk_vectors.shape != (len(item.chunks), self.embedder.dim):
                raise ValueError(f"{item.article.article_id}: one vector per chunk is required")
        return self.embedder.model_id, self.embedder.dim

    def _write_vectors(self, items: Sequence[Prepared]) -> list[str]:
        """The first half of a write: journal the new chunk ids, then put their vectors in
        Chroma; returns the ids. A crash after this leaves what `_recover` undoes (the tests
        call it alone to make such a crash)."""
        ids, vectors, metadatas = [], [], []
        for item in items:
            for chunk, vector in zip(item.chunks, item.chunk_vectors, strict=True):
                ids.append(chunk.chunk_id)
                vectors.append(vector.astype(np.float32))
                metadatas.append(chunk_metadata(item.article.article_id, item.article, chunk.index))
        with self._catalog.transaction():
            self._catalog.journal(ids, "adding")
        self._vectors.upsert(ids, vectors, metadatas)
        return ids

    def _remove_vectors(self, chunk_ids: Sequence[str]) -> None:
        if not chunk_ids:
            return
        self._vectors.delete(chunk_ids)
        with self._catalog.transaction():
            self._catalog.clear_journal(chunk_ids)

    def forget(self, article_id: str) -> bool:
        """Remove an article and all its chunks (call inside `writing()`); False if unknown."""
        if self.article(article_id) is None:
            return False
        with self._catalog.transaction():
            self._bump_generation()
            old = self._catalog.delete_article(article_id)
            self._catalog.journal(old, "removing")
        self._remove_vectors(old)
        return True

    def reset_vectors(self, embedder: Embedder) -> None:
        """Drop every vector and record a new embedder (for `reindex`; call inside `writing()`)."""
        self._vectors.drop()
        self.embedder = embedder
        with self._catalog.transaction():
            self._bump_generation()
            self._catalog.drop_sentence_vectors()
            self._catalog.clear_journal()
            self._catalog.set_meta("model_id", embedder.model_id)
            self._catalog.set_meta("dim", str(embedder.dim))

    def store_vectors(
        self, chunk_ids: Sequence[str], vectors: np.ndarray, sentence_vectors: Sequence[np.ndarray]
    ) -> None:
        """Put vectors for chunks the catalog already has (for `reindex`)."""
        by_id = {row.chunk_id: row for row in self.chunks(chunk_ids)}
        metadatas = [
            chunk_metadata(by_id[c].article.article_id, by_id[c].article, by_id[c].index)
            for c in chunk_ids
        ]
        self._vectors.upsert(chunk_ids, list(vectors), metadatas)
        with self._catalog.transaction():
            self._bump_generation()
            self._catalog.store_sentence_vectors(chunk_ids, sentence_vectors)

    # -- reading --------------------------------------------------------------------------

    def articles(self, *, limit: int | None = None, with_text: bool = False) -> list[ArticleRecord]:
        """Articles, newest published first (undated last)."""
        return self._catalog.articles(limit=limit, with_text=with_text)

    def article(self, article_id: str) -> ArticleRecord | None:
        return self._catalog.article(article_id)

    def find_articles(self, key: str, url: str = "") -> list[ArticleRecord]:
        """The article with id `key`, alone; else every article at the URL `key` (or `url`, its
        canonical form): translations and excerpts share their story's URL. Else the one
        article whose id starts with `key`; empty when none does, or several.

        An article whose id is its URL wins over the translations and excerpts at that URL, so
        the id a user types always names one article."""
        return self._catalog.find_articles(key, url)

    def find_article(self, key: str) -> ArticleRecord | None:
        """The one article `find_articles` finds, or None (none, or several: give the id)."""
        found = self.find_articles(key)
        return found[0] if len(found) == 1 else None

    def chunks(self, chunk_ids: Sequence[str]) -> list[StoredChunk]:
        """Chunks by id, in the order asked (unknown ids are skipped)."""
        return self._catalog.chunks(chunk_ids)

    def articles_by_id(self, article_ids: Sequence[str]) -> list[ArticleRecord]:
        """Articles (without their text) by id, oldest published first (undated last)."""
        return self._catalog.articles_by_id(article_ids)

    def copy_groups(self, article_ids: Sequence[str] | None = None) -> list[list[str]]:
        """Groups of articles that are copies of one another (`newsdesk.copies`), each sorted
        by id: all of them, or those holding one of `article_ids`. An article with no copy is
        in no group."""
        return groups(self._catalog.copy_pairs(article_ids))

    def copies_of(self, article_id: str) -> list[ArticleRecord]:
        """The other articles in `article_id`'s copy group, oldest published first."""
        group = next(iter(self.copy_groups([article_id])), [])
        return self.articles_by_id([a for a in group if a != article_id])

    def article_chunks(self, article_id: str) -> list[StoredChunk]:
        return self.chunks(self._catalog.article_chunk_ids(article_id))

    def sentence_vectors(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Each chunk's sentence vectors, (n_sentences, dim) float32, where stored."""
        return self._catalog.sentence_vectors(chunk_ids)

    def chunk_vectors(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Each chunk's own vector, (dim,) float32, where stored (in the vector store's order)."""
        return self._vectors.get(chunk_ids)

    def all_chunk_ids(self) -> list[str]:
        return self._catalog.all_chunk_ids()

    def stats(self, filters: Filters = Filters()) -> Stats:
        """Counts and date range of the articles a search with `filters` covers.

        Unfiltered, cached per catalog generation: min/max(published) scan the whole articles
        table (about 100 ms at 20k articles, 100k chunks) and every `ask` needs the stats more
        than once; every write that changes articles or chunks bumps the generation in the same
        transaction, so a cached value is reused only while the generation is unchanged (read
        before counting: a write landing in between makes the next call count again). Not
        cached inside a transaction, nor with filters.
        """
        return self._catalog.stats(filters)

    def dense_search(
        self, vector: np.ndarray, k: int, filters: Filters = Filters()
    ) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity), best first."""
        if self.stats().chunks == 0:
            return []
        return self._vectors.query(vector, k, filters)

    def lexical_search(
        self, terms: Sequence[str], k: int, filters: Filters = Filters()
    ) -> list[tuple[str, float]]:
        """(chunk_id, BM25 score, higher is better) for chunks matching any of `terms`."""
        return self._catalog.lexical_search(terms, k, filters)

    # -- inspection (for `doctor` and the tests) -------------------------------------------

    def vector_ids(self) -> list[str]:
        """The ids of every chunk the vector store holds a vector for."""
        return self._vectors.ids()

    def lexical_ids(self) -> list[str]:
        """The ids of every chunk in the lexical (FTS5) index."""
        return self._catalog.lexical_ids()

    def journal_entries(self) -> list[tuple[str, JournalAction]]:
        """Chunk writes begun and not finished: (chunk_id, "adding" or "removing")."""
        return self._catalog.journal_entries()

    def locations(self) -> list[str]:
        """Where the two stores are, one line each (for `doctor`; no password shown)."""
        url = self.settings.database_url.get_secret_value()
        if url:
            from newsdesk.index.postgres import where

            catalog = f"catalog: PostgreSQL at {where(url)}"
        else:
            catalog = f"catalog: SQLite in {self.path}"
        if self.settings.chroma_host:
            host, port = self.settings.chroma_host, self.settings.chroma_port
            vectors = f"vectors: Chroma server at {host}:{port}"
        else:
            vectors = f"vectors: embedded Chroma in {self.path / 'chroma'}"
        return [catalog, f"{vectors}, collection {self.settings.chroma_collection}"]

    def unreachable(self) -> list[str]:
        """The servers this index cannot reach, each a sentence saying what to check (the
        catalog's server was reached when the index opened)."""
        if not self.settings.chroma_host:
            return []
        try:
            self._vectors.count()
        except Exception as exc:  # noqa: BLE001 - reported, not raised: this is the doctor
            host, port = self.settings.chroma_host, self.settings.chroma_port
            return [
                f"the Chroma server at {host}:{port} cannot be read ({type(exc).__name__}: "
                f"{exc}); start it, or check NEWSDESK_CHROMA_HOST and NEWSDESK_CHROMA_PORT"
            ]
        return []

    def check(self) -> list[str]:
        """Problems found in the index, each a sentence; empty when it is healthy."""
        problems = []
        stats = self.stats()
        if stats.chunks and self.meta("model_id") is None:
            problems.append("chunks are stored but no embedder is recorded")
        try:
            vectors = self._vectors.count()
        except Exception as exc:  # noqa: BLE001 - reported, not raised: this is the doctor
            problems.append(f"the vector store cannot be read ({type(exc).__name__}: {exc})")
            return problems
        if vectors != stats.chunks:
            problems.append(
                f"the vector store holds {vectors} vectors for {stats.chunks} chunks in the catalog"
            )
        pending = len(self.journal_entries())
        if pending:
            problems.append(f"{pending} chunk writes were interrupted (the next ingest clears them)")
        missing = self._catalog.without_sentence_vectors()
        if missing:
            problems.append(f"{missing} chunks have no sentence vectors")
        unchecked = len(self._catalog.without_copy_keys())
        if unchecked:
            problems.append(f"{unchecked} articles were stored before copies were detected")
        return problems

    # -- followed feeds ---------------------------------------------------------------------

    def followed_feeds(self) -> list[FollowedFeed]:
        """Every followed feed, oldest followed first."""
        return self._catalog.followed_feeds()

    def save_feed(self, feed: FollowedFeed) -> None:
        """Follow `feed`, or store its state after a poll (validators, entries seen)."""
        self._catalog.save_feed(feed)

    def unfollow_feed(self, url: str) -> bool:
        """Stop following `url`; whether it was followed. Its articles stay in the index."""
        return self._catalog.unfollow_feed(url)


def open_catalog(settings: Settings) -> Catalog:
    """The catalog these settings name: PostgreSQL when `database_url` is set, else SQLite."""
    url = settings.database_url.get_secret_value()
    if url:
        from newsdesk.index.pg_catalog import PostgresCatalog

        return PostgresCatalog(url)
    return SqliteCatalog(private_dir(settings.data_dir))


def migrate_catalog(settings: Settings) -> str:
    """Create or upgrade the catalog's schema (`newsdesk migrate`); says what was done."""
    url = settings.database_url.get_secret_value()
    if not url:
        catalog = open_catalog(settings)
        try:
            catalog.ensure_schema()
        finally:
            catalog.close()
        return f"the SQLite catalog in {settings.data_dir} is ready (it needs no migrations)"
    from newsdesk.index.postgres import migrate, where

    before, after = migrate(url)
    if before == after:
        return f"the catalog at {where(url)} is up to date (schema {after})"
    return f"migrated the catalog at {where(url)} from schema {before} to {after}"


def catalog_counts(settings: Settings) -> dict[str, int]:
    """Rows in the catalog's articles, chunks and journal tables, without waiting for a writer
    (zeros before the catalog and its tables exist): for watching an ingest that another
    process runs. `journal` holds rows only while a batch is half written."""
    url = settings.database_url.get_secret_value()
    if url:
        from newsdesk.index.pg_catalog import counts

        return counts(url)
    return sqlite_counts(settings.data_dir)


def record_copies(catalog: Catalog, article_id: str, text: str) -> int:
    """Record which stored articles this one is a copy of (`newsdesk.copies`), in place of
    what was recorded for it; call inside the transaction that writes the article, so an
    article and its copies are stored together or not at all. Returns how many candidates were
    compared word by word (bench/copies.py: it must not grow with the index)."""
    own = words(text)
    bands = band_keys(own)
    candidates = catalog.copy_candidates(article_id, bands)
    copies = []
    for other, other_text in candidates:
        score = similarity(own, words(other_text))
        if score >= COPY_THRESHOLD:
            copies.append((other, round(score, 4)))
    catalog.store_copies(article_id, bands, copies)
    return len(candidates)


def open_index(settings: Settings, *, with_embedder: bool = True) -> Index:
    """The index for these settings, with the configured embedder loaded when asked."""
    embedder = (
        embedder_for(settings) if with_embedder else None
    )
    return Index(settings, embedder)


def data_dir_size(path: Path) -> int:
    """Bytes under a folder (for benchmarks and `doctor`)."""
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())
