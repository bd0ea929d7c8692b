"""Extractive answers: quoted, dated, in the question's language; abstention.
(Follow-ups: tests/test_followup.py.)"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.answers import Answer, Evidence, Scope
from bot.ask import Asker
from bot.disagreement import disagree
from bot.extractive import AnswerPolicy, abstention, extractive_answer, pick_quotes
from bot.language import detect_language
from newsdesk.index import Filters
from tests.answering_corpus import (
    DISTRACTORS,
    KURSK_QUESTION,
    KURSK_WORDS,
    SAMPLE_ID,
    SAMPLE_URL,
)
from tests.support.evidence import evidence

QUESTION = "Where are the North Korean troops?"


def test_sample_question_answered_in_english_with_the_romanian_words(asker: Asker) -> None:
    answer = asker.ask(KURSK_QUESTION)
    assert not answer.abstained and answer.language == "en"
    first = answer.citations[0]
    assert first.article_id == SAMPLE_ID and first.url == SAMPLE_URL and first.n == 1
    assert KURSK_WORDS in first.quote and first.quote in first.passage
    assert answer.answer.startswith("According to an article of Nov 2024")
    assert "in Romanian" in answer.answer
    assert first.quote in answer.answer  # the original words are shown
    assert "[1]" in answer.answer


def test_every_quote_is_verbatim_and_every_marker_resolves(asker: Asker) -> None:
    for question in (
        KURSK_QUESTION, "Ce a spus Lavrov despre armatele celor două țări?",
        "When was COVID-19 declared a pandemic?",
    ):  # fmt: skip
        answer = asker.ask(question)
        assert not answer.abstained and answer.citations, question
        numbers = {c.n for c in answer.citations}
        assert numbers == set(range(1, len(answer.citations) + 1))
        for c in answer.citations:
            assert c.quote and c.quote in c.passage
            assert f"[{c.n}]" in answer.answer


def test_romanian_question_gets_a_romanian_answer(asker: Asker) -> None:
    answer = asker.ask("Câți soldați nord-coreeni se află în regiunea Kursk?")
    assert answer.language == "ro" and not answer.abstained
    assert answer.answer.startswith("Potrivit unui articol din noiembrie 2024")
    assert "în română" not in answer.answer  # same language: no "in Romanian" note
    assert "8.000" in answer.citations[0].quote


def test_unrelated_question_abstains_and_says_what_was_searched(asker: Asker) -> None:
    answer = asker.ask("Who won the 2022 FIFA World Cup final in Qatar?")
    assert answer.abstained and answer.citations == ()
    assert "nothing in the ingested news" in answer.answer
    assert f"{1 + len(DISTRACTORS)} articles" in answer.answer
    assert "Jan 2020" in answer.answer and "Nov 2024" in answer.answer
    ro = asker.ask("Cine a câștigat finala Cupei Mondiale de fotbal din 2022?")
    assert ro.abstained and ro.language == "ro" and "Am căutat în 5 articole" in ro.answer


def test_filters_change_the_scope_of_an_abstention(asker: Asker) -> None:
    answer = asker.ask(QUESTION, filters=Filters(lang="fr"))
    assert answer.abstained
    assert "0 articles" in answer.answer and "lang fr" in answer.answer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Where are the North Korean troops?", "en"),
        ("Unde sunt trupele nord-coreene?", "ro"),
        ("Où sont les troupes nord-coréennes ?", "fr"),
        ("Dove sono le truppe nordcoreane?", "it"),
        ("Wo sind die nordkoreanischen Truppen?", "de"),
        ("¿Dónde están las tropas norcoreanas?", "es"),
        ("Și câți?", "ro"),
        ("Who?", "en"),
        ("Cine?", "ro"),
    ],
)
def test_question_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_the_cached_language_model_equals_the_packaged_one() -> None:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from bot.language import PLAUSIBLE
    from newsdesk import language_id

    packaged = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    among = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    among.set_languages(list(PLAUSIBLE))
    for _ in range(2):  # the first call may write the cache, the second reads it
        language_id.identifier.cache_clear()
        for text in ("Where are the North Korean troops?", "Unde sunt trupele?", "Wo, bitte?"):
            assert language_id.identifier().rank(text) == packaged.rank(text)
            # within the question languages: what py3langid's restricted model says
            language, probability = language_id.rank(text, among=PLAUSIBLE)[0]
            expected = among.classify(text)
            assert language == expected[0] and probability == pytest.approx(expected[1], abs=1e-5)


def test_one_language_identifier_serves_articles_questions_and_answers() -> None:
    from bot.language import detect_language as question_language
    from bot.llm.verify import language_problem
    from ingest.language import detect_language as article_language
    from newsdesk import language_id

    language_id.identifier.cache_clear()
    assert article_language("Trupele nord-coreene au fost trimise în regiunea Kursk.") == "ro"
    assert question_language("Unde sunt trupele nord-coreene?") == "ro"
    assert language_problem("The troops were sent to the Kursk region last week.", "ro")
    assert language_id.identifier.cache_info().misses == 1


def test_short_ambiguous_question_keeps_the_conversation_language() -> None:
    assert detect_language("Kursk?", previous="ro") == "ro"
    assert detect_language("Kursk?") == "en"


def test_disagreeing_sources_newer_first_older_shown() -> None:
    older = evidence("About 3,000 soldiers were sent to the region.", 1, lang="en",
                     published="2024-10-02", score=0.92)  # fmt: skip
    newer = evidence("About 8,000 soldiers are now in the region.", 2, lang="en",
                     published="2024-11-05", score=0.915)  # fmt: skip
    answer = extractive_answer("How many soldiers?", "en", [older, newer], Scope(2, None, None))
    assert [c.article_id for c in answer.citations] == ["a2", "a1"]
    lines = answer.answer.split("\n")
    assert lines[0].startswith("According to an article of 5 Nov 2024: “About 8,000")
    assert lines[0].endswith("[1]")
    assert lines[1].startswith("An earlier article, of 2 Oct 2024, said: “About 3,000")
    assert lines[2:] == ["The sources give different figures (newest first):",
                         "• 8,000 — Agerpres, 5 Nov 2024 [1]", "• 3,000 — Agerpres, 2 Oct 2024 [2]"]
    assert answer.figures_differ
    assert disagree("8.000 soldați", "8,000 soldiers") is False


def test_weaker_second_source_is_left_out() -> None:
    best = evidence("8,000 soldiers are in Kursk.", 1, lang="en", published="2024-11-05",
                    score=0.95)  # fmt: skip
    weak = evidence("Something else entirely, 12 of them.", 2, lang="en",
                    published="2024-12-01", score=0.80)  # fmt: skip
    assert [e.chunk.article.article_id for e, _ in pick_quotes([best, weak])] == ["a1"]


def test_a_long_sentence_is_cut_verbatim_with_the_ellipsis_outside_the_quote() -> None:
    sentence = "The harbour council said that " + ", ".join(
        f"part {i} of the plan was approved" for i in range(40)
    ) + "."  # one sentence of ~1,200 characters
    answer = extractive_answer("What did the council say?", "en",
                               [evidence(sentence, lang="en", score=0.95)])  # fmt: skip
    (cited,) = answer.citations
    assert 500 < len(cited.quote) <= AnswerPolicy().max_quote_chars
    assert sentence.startswith(cited.quote), "the quote is the sentence's own words, cut"
    assert f"“{cited.quote}”… [1]" in answer.answer, "the ellipsis follows the closing mark"


def test_answer_templates_in_six_languages() -> None:
    ev = evidence("Aproximativ 8.000 de soldați sunt în Kursk.", published="2024-11-04", score=0.95)
    expected = {
        "en": "According to an article of 4 Nov 2024, in Romanian: „",
        "ro": "Potrivit unui articol din 4 noiembrie 2024: „",
        "fr": "Selon un article du 4 novembre 2024, en roumain : „",
        "it": "Secondo un articolo del 4 novembre 2024, in rumeno: „",
        "de": "Laut einem Artikel vom 4. November 2024, auf Rumänisch: „",
        "es": "Según un artículo del 4 de noviembre de 2024, en rumano: „",
    }
    for language, start in expected.items():
        text = extractive_answer("?", language, [ev]).answer
        assert text.replace(" :", ":").startswith(start.replace(" :", ":")), (language, text)
    gone = abstention("?", "de", Scope(3, "2020-01-06", "2024-11"))
    assert gone.abstained and "3 Artikel" in gone.answer and "6. Januar 2020" in gone.answer


def test_injected_llm_answerer_is_used_and_its_failure_falls_back(asker: Asker) -> None:
    seen: list[tuple[str, str, int, Answer]] = []

    def llm(question: str, language: str, evidence: Sequence[Evidence], extractive: Answer) -> Answer:
        seen.append((question, language, len(evidence), extractive))
        return Answer(question, "Fluent [1]", language, False, extractive.citations, generated_by="fake")

    with_llm = Asker(asker.settings, index=asker.index, embedder=asker.embedder, llm=llm)
    answer = with_llm.ask(KURSK_QUESTION)
    assert answer.generated_by == "fake" and seen[0][1] == "en" and seen[0][3].citations

    def broken(*_args: object) -> Answer:
        raise RuntimeError("endpoint down")

    broken_llm = Asker(asker.settings, index=asker.index, embedder=asker.embedder, llm=broken)
    fallback = broken_llm.ask(KURSK_QUESTION)
    assert fallback.generated_by == "extractive" and fallback.citations and fallback.notes
    assert with_llm.ask("Who won the 2022 FIFA World Cup final in Qatar?").abstained
    assert len(seen) == 1  # not asked to answer when the evidence is too weak
