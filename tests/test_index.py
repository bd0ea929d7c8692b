"""The index: idempotent writes, clean replacement, forgetting, and recovery from interruptions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ingest.pipeline import content_hash, ingest, prepare
from newsdesk.articles import Article, normalise_text, text_hash
from newsdesk.embeddings import Embedder
from newsdesk.index import Filters, Index, IndexProblem
from newsdesk.settings import Settings
from tests.support.catalog import stamp_schema_version
from tests.support.servers import Servers
from tests.support.settings import make_settings


def article(text: str, title: str = "A title", **fields: object) -> Article:
    text = normalise_text(text)
    return Article(text=text, title=title, article_id=f"text:{text_hash(text)}", **fields)


KURSK = article(
    "Secretarul de stat american Antony Blinken a declarat că aproximativ 8.000 de soldați "
    "nord-coreeni se află în regiunea rusă Kursk. Ei vor intra în luptă în zilele următoare.\n\n"
    "Pentagonul estimează că aproximativ 10.000 de militari au fost trimiși în Rusia.",
    title="Trupe nord-coreene în Kursk",
    published="2024-11",
    lang="ro",
    source="Exemplu",
)
FLOODS = article(
    "Heavy rain flooded the old town on Tuesday. Hundreds of residents were evacuated by boat.",
    title="Floods in the old town",
    published="2020-03-02",
    lang="en",
    source="Wikinews",
)


@pytest.fixture(params=["embedded", "servers"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Every test here runs on both backends: SQLite with the embedded Chroma, and PostgreSQL
    with a Chroma server (a database and a collection of the test's own)."""
    if request.param == "embedded":
        return make_settings(tmp_path / "data")
    servers: Servers = request.getfixturevalue("servers")
    return make_settings(tmp_path / "data", **servers.settings_fields())


def chroma_ids(index: Index) -> set[str]:
    return set(index.vector_ids())


def test_ingest_twice_is_unchanged_and_duplicates_nothing(index: Index) -> None:
    first = ingest([KURSK, FLOODS], index)
    assert (first.count("added"), first.chunks) == (2, index.stats().chunks)
    second = ingest([KURSK, FLOODS], index)
    assert second.as_json() == {
        "added": 0, "updated": 0, "unchanged": 2, "failed": [], "skipped": [], "replaced": [],
        "kept_apart": [], "copies": [], "chunks": 0,
    }  # fmt: skip
    assert chroma_ids(index) == set(index.all_chunk_ids())
    assert index.check() == []


def test_changed_article_replaces_its_chunks_without_stale_ones(index: Index) -> None:
    ingest([KURSK], index)
    old_ids = set(index.all_chunk_ids())
    changed = Article(
        text=KURSK.text + "\n\nUn paragraf nou despre negocieri.", title=KURSK.title,
        article_id=KURSK.article_id, lang="ro",
    )  # fmt: skip
    report = ingest([changed], index)
    assert report.count("updated") == 1
    new_ids = set(index.all_chunk_ids())
    assert not old_ids & new_ids
    assert chroma_ids(index) == new_ids
    assert index.stats().articles == 1
    assert "negocieri" in index.article(KURSK.article_id).text
    assert index.lexical_search(["negocieri"], 5) and index.lexical_search(["Pentagonul"], 5)


def test_forget_removes_article_from_both_stores(index: Index) -> None:
    ingest([KURSK, FLOODS], index)
    with index.writing():
        assert index.forget(KURSK.article_id)
        assert not index.forget("no-such-article")
    assert index.stats().articles == 1
    assert chroma_ids(index) == set(index.all_chunk_ids())
    assert index.lexical_search(["Kursk"], 5) == []


def test_dense_and_lexical_search_with_filters(index: Index, e5: Embedder) -> None:
    ingest([KURSK, FLOODS], index)
    query = e5.embed_queries(["Where are the North Korean troops?"])[0]
    top = index.dense_search(query, 2)
    assert index.chunks([top[0][0]])[0].article.article_id == KURSK.article_id
    only_en = index.dense_search(query, 5, Filters(lang="en"))
    assert {index.chunks([c])[0].article.lang for c, _ in only_en} == {"en"}
    recent = Filters(since=1_700_000_000.0)  # 2023-11: the 2020 floods article is left out
    kursk = {c.chunk_id for c in index.article_chunks(KURSK.article_id)}
    assert index.lexical_search(["evacuated"], 5)
    assert not index.lexical_search(["evacuated"], 5, recent)
    found = {c for c, _ in index.lexical_search(["evacuated", "Kursk"], 5, recent)}
    assert found and found <= kursk
    assert index.lexical_search(['"quoted" OR NEAR('], 5) == []  # no FTS syntax injection


@pytest.mark.parametrize(("filters", "kept"), [
    (Filters(), {"kursk", "floods"}), (Filters(lang="ro"), {"kursk"}),
    (Filters(source="Wikinews"), {"floods"}), (Filters(since=1_700_000_000.0), {"kursk"}),
    (Filters(until=1_700_000_000.0, lang="en"), {"floods"}), (Filters(lang="de"), set()),
    (Filters(since=1_700_000_000.0, source="Wikinews"), set()),
])  # fmt: skip
def test_a_filter_keeps_the_same_articles_in_chroma_in_sql_and_in_the_scope(
    index: Index, e5: Embedder, filters: Filters, kept: set[str]
) -> None:
    """One filter rule, three readers: the dense search, the lexical search and the counts an
    abstention reports must agree on which articles a filter keeps."""
    ingest([KURSK, FLOODS], index)
    ids = {"kursk": KURSK.article_id, "floods": FLOODS.article_id}

    def articles(hits: list[tuple[str, float]]) -> set[str]:
        found = {chunk.article.article_id for chunk in index.chunks([c for c, _ in hits])}
        return {name for name, article_id in ids.items() if article_id in found}

    query = e5.embed_queries(["Where are the North Korean troops?"])[0]
    assert articles(index.dense_search(query, 10, filters)) == kept
    assert articles(index.lexical_search(["kursk", "flooded"], 10, filters)) == kept
    stats = index.stats(filters)
    chunks = sum(len(index.article_chunks(ids[name])) for name in kept)
    assert (stats.articles, stats.chunks) == (len(kept), chunks)


def test_opening_with_another_embedder_says_how_to_reindex(
    settings: Settings, index: Index, minilm: Embedder
) -> None:
    ingest([FLOODS], index)

    class Other:
        model_id, dim = "other-model", 384

    with pytest.raises(IndexProblem, match="newsdesk reindex"):
        Index(settings, Other())  # type: ignore[arg-type]


def test_interrupted_write_is_undone_by_the_next_writer(index: Index, e5: Embedder) -> None:
    """Simulate a crash after vectors reached Chroma but before the catalog committed."""
    [prepared] = prepare([KURSK], e5, 1000, 200)
    with index.writing():
        index._write_vectors([prepared])  # journaled, in Chroma, not in the catalog
    # The lock was released: the crash happened. Chroma has vectors the catalog does not know.
    assert chroma_ids(index) and not index.all_chunk_ids()
    assert any("interrupted" in problem for problem in index.check())
    report = ingest([FLOODS], index)  # the next writer recovers first
    assert report.count("added") == 1
    assert chroma_ids(index) == set(index.all_chunk_ids())
    assert index.check() == []


def test_index_of_another_schema_version_is_refused_with_a_repair_path(settings: Settings) -> None:
    Index(settings).close()
    stamp_schema_version(settings, "0")
    with pytest.raises(IndexProblem, match="newsdesk (doctor|migrate)"):
        Index(settings)


@pytest.mark.parametrize(("field", "value"), [
    ("published", "2024-11-04"), ("title", "Trupe nord-coreene în regiunea Kursk"),
    ("source", "Agerpres"), ("url", "https://example.org/kursk"), ("lang", "en"),
    ("author", "A. Reporter"),
])  # fmt: skip
def test_a_correction_of_one_field_alone_is_an_update(index: Index, field: str, value: str) -> None:
    """A date-only correction (or any one stored field) is reported as "updated" and stored."""
    ingest([KURSK], index)
    report = ingest([replace(KURSK, **{field: value})], index)
    assert report.as_json()["updated"] == 1 and report.count("unchanged") == 0
    assert getattr(index.article(KURSK.article_id), field) == value


def test_content_hash_covers_metadata() -> None:
    assert content_hash(KURSK) != content_hash(KURSK.with_overrides(title="Another title"))
    assert content_hash(KURSK) == content_hash(Article(**{f: getattr(KURSK, f) for f in (
        "text", "title", "source", "url", "published", "lang", "author", "article_id")}))  # fmt: skip


def test_a_reader_sees_what_another_process_wrote(
    index: Index, settings: Settings, e5: Embedder
) -> None:
    """The embedded Chroma caches its vector index; a write from another process must show
    (another machine's, on the servers)."""
    import subprocess
    import sys
    import textwrap

    ingest([FLOODS], index)
    query = e5.embed_queries(["North Korean soldiers in Kursk"])[0]
    assert {index.chunks([c])[0].article.article_id for c, _ in index.dense_search(query, 5)} == {
        FLOODS.article_id
    }
    script = textwrap.dedent(
        f"""
        import json, sys
        from ingest.pipeline import ingest
        from newsdesk.articles import Article
        from newsdesk.embeddings import load_embedder
        from newsdesk.index import Index
        from newsdesk.settings import Settings
        fields, stored = json.loads(sys.stdin.read())
        article = Article(**fields)
        index = Index(Settings(_env_file=None, **stored), load_embedder("{settings.embedder}"))
        print(ingest([article], index).as_json())
        """
    )
    fields = {f: getattr(KURSK, f) for f in ("text", "title", "published", "lang", "article_id")}
    stored = {
        "data_dir": str(settings.data_dir),
        "database_url": settings.database_url.get_secret_value(),
        "chroma_host": settings.chroma_host, "chroma_port": settings.chroma_port,
        "chroma_collection": settings.chroma_collection,
    }  # fmt: skip
    import json

    done = subprocess.run(
        [sys.executable, "-c", script], input=json.dumps([fields, stored]), capture_output=True,
        text=True, cwd=Path(__file__).resolve().parent.parent, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = {index.chunks([c])[0].article.article_id for c, _ in index.dense_search(query, 5)}
    assert KURSK.article_id in found


def test_one_writer_at_a_time_and_a_reader_never_waits(index: Index, settings: Settings) -> None:
    """While one index writes, another (its own connections: another process, another machine
    on the servers) cannot take the writer lock, yet reads; once the writer is done it can."""
    ingest([FLOODS], index)
    other = Index(settings)
    try:
        with index.writing():
            assert other.recover_if_idle() is None  # the lock is held elsewhere
            assert other.stats().articles == 1
        assert other.recover_if_idle() == 0
    finally:
        other.close()
