"""A well-covered story is answered, not refused: articles that tell the same story corroborate
the answer instead of making it look ambiguous (`bot.extractive.corroborating`), and an English
article that shares the question's words does not crowd out the Romanian one that answers
(`bot.extractive.margin_over` compares languages on `fair_score`).

Real models, real index, ingested as `newsdesk ingest` reads the files: the story benchmark's six
dated reports (bench/stories/north-korean-troops.jsonl: three copies of one wire text, three
later reports with other figures) and `make run`'s corpus (examples/articles: the Romanian
sample among 13 Wikinews articles).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.ask import Asker
from bot.extractive import (
    DEFAULT_POLICY,
    NO_OTHER_ARTICLE,
    article_margin,
    corroborating,
    fair_score,
    margin_over,
    story_margin,
)
from bot.retrieval import Candidate, SearchResult
from ingest.pipeline import ingest
from ingest.sources import read_sources
from newsdesk.articles import Article
from newsdesk.embeddings import Embedder
from newsdesk.index import Index
from tests.support.paths import EXAMPLES, ROOT
from tests.support.settings import make_settings

STORY = ROOT / "bench" / "stories" / "north-korean-troops.jsonl"
STORY_FIGURES = ("12,000", "1,500", "10,000", "8,000")  # what the six reports say
KURSK = "8.000 dintre aceștia se află în regiunea Kursk"


def asker_over(data_dir: Path, embedder: Embedder, source: Path) -> Asker:
    settings = make_settings(data_dir)
    articles = [a for a in read_sources([str(source)], settings) if isinstance(a, Article)]
    index = Index(settings, embedder)
    report = ingest(articles, index)
    assert report.count("added") == len(articles) > 0, report.summary()
    return Asker(settings, index=index, embedder=embedder)


@pytest.fixture(scope="module")
def story_asker(tmp_path_factory: pytest.TempPathFactory, e5: Embedder) -> Iterator[Asker]:
    asker = asker_over(tmp_path_factory.mktemp("story") / "data", e5, STORY)
    yield asker
    asker.close()


@pytest.fixture(scope="module")
def run_asker(tmp_path_factory: pytest.TempPathFactory, e5: Embedder) -> Iterator[Asker]:
    asker = asker_over(tmp_path_factory.mktemp("run") / "data", e5, EXAMPLES)
    yield asker
    asker.close()


def test_a_story_six_reports_tell_is_answered(story_asker: Asker) -> None:
    answer = story_asker.ask("How many North Korean troops are in Russia?")
    assert not answer.abstained, answer.answer
    quote = answer.citations[0].quote
    assert any(figure in quote for figure in STORY_FIGURES), quote
    assert quote in answer.citations[0].passage


def test_copies_of_one_report_corroborate_instead_of_competing(story_asker: Asker) -> None:
    question = "How many North Korean troops are in Russia?"
    result = story_asker.search_result(question)
    story = corroborating(result, DEFAULT_POLICY.same_topic)
    # the wire text, its copy and its rewrite, all retrieved: one story, not three rivals
    assert {"nk-nis-wire", "nk-nis-copy", "nk-nis-rewrite"} <= story, story
    # the margin over other stories exceeds the one over other articles (the copies)
    assert story_margin(result, DEFAULT_POLICY.same_topic) > article_margin(result) + 0.02

def test_a_question_the_story_does_not_answer_is_still_refused(story_asker: Asker) -> None:
    answer = story_asker.ask("What is the population of Australia?")
    assert answer.abstained, answer.answer


def test_make_runs_corpus_answers_the_brief_question_with_the_kursk_sentence(
    run_asker: Asker,
) -> None:
    answer = run_asker.ask("Where are the North Korean troops?")
    assert not answer.abstained, answer.answer
    first = answer.citations[0]
    assert KURSK in first.quote, first.quote
    assert "date 2024-11" not in answer.answer


def test_make_runs_corpus_still_refuses_what_it_does_not_hold(run_asker: Asker) -> None:
    answer = run_asker.ask("What is the capital of Mars?")
    assert answer.abstained, answer.answer


def test_passages_in_other_languages_are_compared_without_word_overlap() -> None:
    # the top passage (Romanian) against an English one that only word overlap lifts close to it
    top = Candidate("c1", "ro-article", lang="ro", dense=-0.11, sentence_cosine=-0.135,
                    sentence=-0.135, score=-0.233)  # fmt: skip
    english = Candidate("c2", "en-article", lang="en", dense=-0.185, sentence_cosine=-0.117,
                        sentence=-0.084, score=-0.253)  # fmt: skip
    result = SearchResult([], [top, english])
    assert margin_over(result) == pytest.approx(fair_score(top) - fair_score(english))
    assert margin_over(result) > top.score - english.score
    # in one language, the full scores (word overlap included) are compared
    same = Candidate("c3", "ro-other", lang="ro", dense=-0.185, sentence_cosine=-0.117,
                     sentence=-0.084, score=-0.253)  # fmt: skip
    assert margin_over(SearchResult([], [top, same])) == pytest.approx(top.score - same.score)
    assert margin_over(SearchResult([], [top])) == NO_OTHER_ARTICLE
