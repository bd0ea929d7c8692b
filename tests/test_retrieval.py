"""Hybrid retrieval and the sentence step, over a real index with the real embedder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.ask import Asker
from bot.retrieval import RetrievalParams, fuse, recency, search, sentence_scores
from bot.text import asks_recent, query_terms, term_overlap
from newsdesk.articles import Article, Span, published_timestamp
from newsdesk.embeddings import Embedder
from newsdesk.index import Filters, Index
from tests.answering_corpus import KURSK_QUESTION, KURSK_WORDS, SAMPLE_ID
from tests.support.settings import make_settings

QUESTION = "Where are the North Korean troops?"


def test_query_terms_fold_accents_and_drop_stopwords() -> None:
    assert query_terms("Câte puncte a cedat apărarea echipei Panthers?") == [
        "puncte", "cedat", "apararea", "echipei", "panthers",
    ]  # fmt: skip
    assert query_terms("Where are the North Korean troops?") == ["north", "korean", "troops"]
    assert query_terms("Wie viele Soldaten sind in Kursk?") == ["viele", "soldaten", "kursk"]
    assert query_terms("8.000 soldați") == ["8", "000", "soldati"]


def test_fusion_rewards_agreement_and_respects_weights() -> None:
    dense = [("a", 0.9), ("b", 0.8), ("c", 0.7)]
    lexical = [("c", 12.0), ("d", 5.0)]
    ranked = fuse(dense, lexical, RetrievalParams(rrf_k=10, dense_weight=1, lexical_weight=1))
    assert [c.chunk_id for c in ranked][0] == "c"  # found by both
    dense_only = fuse(dense, lexical, RetrievalParams(rrf_k=10, dense_weight=1, lexical_weight=0))
    assert [c.chunk_id for c in dense_only][:3] == ["a", "b", "c"]
    assert ranked[0].dense_rank == 3 and ranked[0].lexical_rank == 1


def test_term_overlap_counts_inflected_forms() -> None:
    assert term_overlap(["soldati", "kursk"], "8.000 de soldați în regiunea Kursk") == 1.0
    assert term_overlap(["regiune"], "în regiunea rusă") == 1.0  # shared 5-letter prefix
    assert term_overlap(["troops"], "Blinken a declarat") == 0.0


def test_english_question_finds_the_romanian_passage(asker: Asker) -> None:
    evidence = asker.search(KURSK_QUESTION, k=3)
    top = evidence[0]
    assert top.chunk.article.article_id == SAMPLE_ID
    best = top.sentences[0].span
    assert KURSK_WORDS in top.chunk.text[best.start : best.end]


def test_sentence_step_ranks_the_answering_sentence_first(asker: Asker, e5: Embedder) -> None:
    evidence = asker.search("When did Moscow send its army into Ukraine?", k=3)
    sample = next(e for e in evidence if e.chunk.article.article_id == SAMPLE_ID)
    assert len(sample.sentences) > 1
    best = sample.sentences[0].span
    assert "februarie 2022" in sample.chunk.text[best.start : best.end]
    assert [s.score for s in sample.sentences] == sorted((s.score for s in sample.sentences), reverse=True)


def test_sentence_scores_without_vectors_fall_back_to_overlap(asker: Asker) -> None:
    chunk = next(c for c in asker.index.article_chunks(SAMPLE_ID) if "Kursk" in c.text)
    assert len(chunk.sentences) > 1
    query = np.zeros(asker.embedder.dim, np.float32)
    spans, cosines, overlaps = sentence_scores(chunk, None, query, ["kursk", "8"])
    assert not cosines.any()
    best = spans[int(np.argmax(overlaps))]
    assert "Kursk" in chunk.text[best.start : best.end]


def test_filters_restrict_every_retriever(asker: Asker) -> None:
    english = asker.search(QUESTION, k=10, filters=Filters(lang="en"))
    assert english and all(e.chunk.article.lang == "en" for e in english)
    old = asker.search(QUESTION, k=10, filters=Filters(until=published_timestamp("2021-01-01")))
    assert old and all(e.chunk.article.article_id != SAMPLE_ID for e in old)
    recent = asker.search(QUESTION, k=10, filters=Filters(since=published_timestamp("2024-01-01")))
    assert {e.chunk.article.article_id for e in recent} == {SAMPLE_ID}
    assert asker.search(QUESTION, k=10, filters=Filters(source="No such outlet")) == []


def test_lexical_and_dense_alone(asker: Asker) -> None:
    lexical = search(asker.index, None, query_terms("Kursk Blinken"), 3, Filters(),
                     RetrievalParams(use_dense=False, use_sentences=False))  # fmt: skip
    assert lexical.evidence[0].chunk.article.article_id == SAMPLE_ID
    vector = asker.query_vector(QUESTION)
    dense = search(asker.index, vector, [], 3, Filters(),
                   RetrievalParams(use_lexical=False, use_sentences=False))  # fmt: skip
    assert dense.candidates[0].dense_rank == 1 and dense.candidates[0].lexical_rank is None


def test_newer_article_wins_a_tie(tmp_path: Path, e5: Embedder) -> None:
    from ingest.pipeline import ingest

    text = "The city council approved the new tram line on Monday after a long debate."
    older = Article(text=text, title="Tram line approved", published="2019-05-01", lang="en",
                    article_id="tram-2019", source="Gazette")  # fmt: skip
    newer = Article(text=text, title="Tram line approved", published="2023-05-01", lang="en",
                    article_id="tram-2023", source="Gazette")  # fmt: skip
    index = Index(make_settings(tmp_path / "data"), e5)
    try:
        ingest([older, newer], index)
        vector = e5.embed_queries(["Was the tram line approved?"])[0]
        result = search(index, vector, query_terms("Was the tram line approved?"), 2)
        assert [e.chunk.article.article_id for e in result.evidence] == ["tram-2023", "tram-2019"]
    finally:
        index.close()


def test_questions_about_the_present_are_recognised() -> None:
    for question in ("What is the latest on the tram line?", "Who won the vote this week?",
                     "Ce s-a întâmplat săptămâna aceasta la Kursk?", "Qui a gagné cette semaine ?",
                     "Was passiert gerade aktuell in Kursk?", "¿Qué pasó hoy en Madrid?"):  # fmt: skip
        assert asks_recent(question), question
    for question in ("Where is New York?", "Who was the last emperor of China?",
                     "When was the tram line approved?"):  # fmt: skip
        assert not asks_recent(question), question


def test_recency_halves_with_every_half_life() -> None:
    params = RetrievalParams(recency_weight=0.08, recency_half_life=7.0)
    as_of = published_timestamp("2024-03-15")
    assert recency(as_of, as_of, params) == pytest.approx(0.08)
    assert recency(as_of - 7 * 86400, as_of, params) == pytest.approx(0.04)
    assert recency(as_of - 14 * 86400, as_of, params) == pytest.approx(0.02)
    assert recency(None, as_of, params) == 0.0  # undated: no bonus, no penalty


def test_a_question_about_the_present_prefers_the_article_near_its_date(tmp_path: Path, e5: Embedder) -> None:
    from ingest.pipeline import ingest

    question = "What is the latest decision on the tram line?"
    older = Article(text="The city council approved the new tram line after a long debate.",
                    title="Tram line approved", published="2019-05-01", lang="en",
                    article_id="tram-2019", source="Gazette")  # fmt: skip
    newer = Article(text="The council cancelled the tram line, citing its cost.",
                    title="Tram line cancelled", published="2023-05-01", lang="en",
                    article_id="tram-2023", source="Gazette")  # fmt: skip
    index = Index(make_settings(tmp_path / "data"), e5)
    try:
        ingest([older, newer], index)
        vector = e5.embed_queries([question])[0]
        params = RetrievalParams(recency_weight=1.0)
        as_of = published_timestamp("2023-05-02")
        now = search(index, vector, query_terms(question), 2, Filters(), params, recent_as_of=as_of)
        assert now.evidence[0].chunk.article.article_id == "tram-2023"
        back_then = published_timestamp("2019-05-02")
        then = search(index, vector, query_terms(question), 2, Filters(until=back_then), params,
                      recent_as_of=back_then)  # fmt: skip
        assert [e.chunk.article.article_id for e in then.evidence] == ["tram-2019"]
    finally:
        index.close()


def test_ask_weighs_recency_as_of_the_until_bound_and_only_when_asked(
    asker: Asker, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.ask

    seen: list[float | None] = []

    def spy(*args: object, **kwargs: object):
        seen.append(args[8] if len(args) > 8 else kwargs.get("recent_as_of"))  # type: ignore[arg-type]
        return search(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(bot.ask, "search", spy)
    as_of = published_timestamp("2024-11-05")
    asker.search("What is the latest on the North Korean troops?", k=3, filters=Filters(until=as_of))
    asker.search(QUESTION, k=3, filters=Filters(until=as_of))
    assert seen == [as_of, None]


def test_sentence_spans_stay_inside_the_chunk(asker: Asker) -> None:
    found = asker.search(QUESTION, k=5)
    assert found and all(ev.sentences for ev in found)
    for ev in found:
        for s in ev.sentences:
            assert isinstance(s.span, Span) and 0 <= s.span.start < s.span.end <= len(ev.chunk.text)
