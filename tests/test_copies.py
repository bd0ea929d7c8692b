"""Copies at ingest (issue 14, item 1): near-duplicate articles form one group in the index,
found incrementally, kept consistent by forgetting and updating, and kept by `reindex`.

The story is bench/stories/north-korean-troops.jsonl: `nk-nis-wire`, its verbatim copy
`nk-nis-copy` (another outlet and URL) and its light rewrite `nk-nis-rewrite` are one text;
three other reports of the same story are not copies of it."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from pathlib import Path

import pytest

from bot.related import related_coverage
from ingest.pipeline import ingest
from ingest.reindex import reindex
from ingest.sources import read_sources
from newsdesk.articles import Article
from newsdesk.copies import COPY_THRESHOLD, band_keys, similarity, words
from newsdesk.embeddings import Embedder
from newsdesk.index import Index
from tests.support.catalog import forget_copy_detection
from tests.support.paths import NEWS, ROOT
from tests.support.settings import make_settings, run_cli

STORY = ROOT / "bench" / "stories" / "north-korean-troops.jsonl"
WIRE = ["nk-nis-copy", "nk-nis-rewrite", "nk-nis-wire"]


def story(tmp_path: Path) -> dict[str, Article]:
    articles = read_sources([str(STORY)], make_settings(tmp_path / "unused"))
    return {a.article_id: a for a in articles if isinstance(a, Article)}


def test_the_wire_text_its_copy_and_its_rewrite_are_one_group(index: Index, tmp_path: Path) -> None:
    ingest(list(story(tmp_path).values()), index)
    assert index.copy_groups() == [WIRE]
    assert [r.source for r in index.copies_of("nk-nis-wire")] == ["Daily Example", "Example Post"]
    assert index.copies_of("nk-pentagon") == []
    assert index.copy_groups(["nk-blinken", "nk-nis-rewrite"]) == [WIRE]
    assert index.check() == []


def test_a_copy_ingested_later_joins_the_group_and_forgetting_keeps_it_consistent(
    index: Index, tmp_path: Path
) -> None:
    articles = story(tmp_path)
    ingest([articles["nk-pentagon"], articles["nk-nis-rewrite"]], index)
    assert index.copy_groups() == []
    ingest([articles["nk-nis-wire"]], index)
    assert index.copy_groups() == [["nk-nis-rewrite", "nk-nis-wire"]]
    report = ingest([articles["nk-nis-copy"]], index)
    assert index.copy_groups() == [WIRE]
    assert report.as_json()["copies"] == [{"id": "nk-nis-copy",
                                           "of": ["nk-nis-rewrite", "nk-nis-wire"]}]
    assert report.items[0].note == "a copy of nk-nis-rewrite, nk-nis-wire (cited as one story)"
    with index.writing():
        index.forget("nk-nis-wire")
    assert index.copy_groups() == [["nk-nis-copy", "nk-nis-rewrite"]]
    with index.writing():
        index.forget("nk-nis-rewrite")
    assert index.copy_groups() == []
    assert index.copies_of("nk-nis-copy") == []


def test_an_update_that_changes_the_text_leaves_the_group(index: Index, tmp_path: Path) -> None:
    articles = story(tmp_path)
    ingest([articles[a] for a in WIRE], index)
    rewritten = replace(articles["nk-nis-copy"], text=articles["nk-blinken"].text)
    assert ingest([rewritten], index).count("updated") == 1
    assert index.copy_groups() == [["nk-nis-rewrite", "nk-nis-wire"]]


def test_reindex_keeps_the_groups_and_finds_those_of_an_older_catalog(
    tmp_path: Path, e5: Embedder
) -> None:
    settings = make_settings(tmp_path / "data")
    index = Index(settings, e5)
    try:
        ingest(list(story(tmp_path).values()), index)
    finally:
        index.close()
    forget_copy_detection(settings.data_dir)  # as written before copies were detected
    index = Index(settings, e5)
    try:
        assert index.copy_groups() == []
        assert index.check() == ["6 articles were stored before copies were detected"]
        reindex(index, e5)
        assert index.copy_groups() == [WIRE]
        assert index.check() == []
        reindex(index, e5)
        assert index.copy_groups() == [WIRE]
    finally:
        index.close()


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (NEWS / name).read_text(encoding="utf-8").splitlines()]


def test_no_two_of_the_shared_wikinews_articles_are_copies() -> None:
    """315 different articles, templated ones among them (election results, interviews with
    the same questions): the closest two score 0.55, below the threshold; and the band keys
    make only a few pairs candidates (the cost of an ingest is the candidates it compares)."""
    sets = [words(row["text"]) for row in _rows("wikinews_en_full.jsonl")]
    pairs = list(itertools.combinations(range(len(sets)), 2))
    assert max(similarity(sets[a], sets[b]) for a, b in pairs) < COPY_THRESHOLD
    keyed: dict[str, list[int]] = {}
    for i, word_set in enumerate(sets):
        for key in band_keys(word_set):
            keyed.setdefault(key, []).append(i)
    candidates = {pair for ids in keyed.values() for pair in itertools.combinations(ids, 2)}
    assert 0 < len(candidates) < len(pairs) / 100


@pytest.mark.parametrize("lang", ["ro", "fr", "it"])
def test_a_translation_is_not_a_copy(lang: str) -> None:
    """The FLORES passages are one text in four languages: the same story, not a copy."""
    english = {row["id"][:-3]: words(row["text"]) for row in _rows("flores_wikinews_en.jsonl")}
    translated = _rows(f"flores_wikinews_{lang}.jsonl")
    scores = [similarity(english[row["id"][:-3]], words(row["text"])) for row in translated]
    assert len(scores) == 100
    assert max(scores) < 0.5


def test_the_story_scores_as_measured() -> None:
    rows = map(json.loads, STORY.read_text(encoding="utf-8").splitlines())
    texts = {row["id"]: words(row["text"]) for row in rows}
    assert similarity(texts["nk-nis-wire"], texts["nk-nis-copy"]) == 1.0
    assert similarity(texts["nk-nis-wire"], texts["nk-nis-rewrite"]) >= COPY_THRESHOLD
    others = ["nk-pentagon", "nk-blinken", "nk-first-clash"]
    assert max(similarity(texts[a], texts[b]) for a in WIRE for b in others) < COPY_THRESHOLD


def test_sources_and_show_show_the_groups(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    ingested = run_cli(data_dir, "ingest", str(STORY), text=True)
    assert ingested.returncode == 0, ingested.stderr
    note = "(1 chunks; a copy of nk-nis-copy, nk-nis-rewrite (cited as one story))"
    assert note in ingested.stdout
    listed = run_cli(data_dir, "sources", text=True).stdout
    assert "    copies: nk-nis-copy (Daily Example), nk-nis-rewrite (Example Post)\n" in listed
    assert listed.count("    copies: ") == 3
    assert listed.endswith("6 articles, 4 stories (copies counted once)\n")
    data = json.loads(run_cli(data_dir, "sources", "--json", text=True).stdout)
    assert data["copy_groups"] == [WIRE]
    assert {r["id"]: r["copies"] for r in data["articles"]}["nk-pentagon"] == []
    shown = run_cli(data_dir, "show", "nk-nis-copy", text=True).stdout
    assert "copies (2, cited through this one or another of them):\n" in shown
    assert "  nk-nis-wire · Example Wire · 2024-10-18 · https://wire.example/" in shown
    assert run_cli(data_dir, "forget", "nk-nis-wire").returncode == 0
    shown = run_cli(data_dir, "show", "nk-nis-copy", text=True).stdout
    assert "copies (1, " in shown and "nk-nis-wire" not in shown
    assert "copies" not in run_cli(data_dir, "show", "nk-blinken", text=True).stdout
    doctor = run_cli(data_dir, "doctor", text=True)
    assert doctor.returncode == 0, doctor.stdout


def test_related_coverage_is_the_story_not_an_article_of_the_same_week(
    index: Index, tmp_path: Path
) -> None:
    """Other coverage: close in vectors and within 30 days. The example Wikinews articles,
    re-dated into the story's week, are not on it; a report half a year later is not either."""
    articles = story(tmp_path)
    later = replace(articles["nk-first-clash"], published="2025-05-05")
    week = read_sources([str(ROOT / "examples" / "articles" / "wikinews-2020.jsonl")],
                        make_settings(tmp_path / "unused"))  # fmt: skip
    distractors = [replace(a, published="2024-10-25") for a in week if isinstance(a, Article)]
    ingest([*[a for k, a in articles.items() if k != "nk-first-clash"], later, *distractors],
           index)  # fmt: skip
    coverage = related_coverage(index, "nk-blinken")
    assert coverage is not None and coverage.copies == []
    # the wire text and its two copies are one item, the oldest, with the others as its copies
    told = [(t.article.article_id, [c.article_id for c in t.copies]) for t in coverage.same_story]
    assert told == [("nk-nis-copy", ["nk-nis-wire", "nk-nis-rewrite"]), ("nk-pentagon", [])]
    wire = related_coverage(index, "nk-nis-wire")
    assert wire is not None
    assert [r.article_id for r in wire.copies] == ["nk-nis-copy", "nk-nis-rewrite"]
    assert [t.article.article_id for t in wire.same_story] == ["nk-pentagon", "nk-blinken"]
    for distractor in distractors:
        found = related_coverage(index, distractor.article_id)
        assert found is not None
        assert not {t.article.article_id for t in found.same_story} & set(articles)
    assert related_coverage(index, "no-such-article") is None
