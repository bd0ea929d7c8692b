"""The sentence an answer quotes, abstention over topical near misses, and "sources disagree".

Real models and a real index: the brief's sample article (../shared/seed, ingested with
explicit metadata: its inline `date 2024-11` token is stripped here, so these tests do not
depend on how ingestion parses it) among the 48 Romanian XQuAD paragraphs, and a few Wikinews
articles (../shared/news).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.answer_type import answer_type, content, unmatched
from bot.answers import Scope
from bot.ask import Asker
from bot.disagreement import disagree
from bot.extractive import extractive_answer
from bot.quote import dateline_end, type_fit
from newsdesk.articles import Article, normalise_text
from newsdesk.embeddings import Embedder
from tests.support.evidence import evidence
from tests.support.paths import SHARED
from tests.support.settings import make_settings

SEED = SHARED / "seed" / "north-korea-russia.ro.txt"
XQUAD_RO = SHARED / "bench" / "xquad" / "corpus.ro.jsonl"
WIKINEWS = SHARED / "news" / "wikinews_en_full.jsonl"
FLORES = SHARED / "news" / "flores_wikinews_en.jsonl"
KURSK = "8.000 dintre aceștia se află în regiunea Kursk"


def seed_article() -> Article:
    """The sample as a user would paste it, minus the leading ` date 2024-11 ` token."""
    text = SEED.read_text(encoding="utf-8")
    head = " date 2024-11 "
    assert text.startswith(head)
    return Article(text=normalise_text(text[len(head) :]), title="", source="Reuters (ro)",
                   published="2024-11", lang="ro",
                   article_id="seed-north-korea-russia")  # fmt: skip


def jsonl_articles(path: Path, keep=lambda record: True) -> list[Article]:  # noqa: ANN001
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if keep(record):
            out.append(Article(
                text=normalise_text(record["text"].lstrip("\ufeff")), title=record["title"],
                source=record.get("source") or "", url=record.get("url") or "",
                published=record.get("published"), lang=record["lang"], article_id=record["id"],
            ))  # fmt: skip
    return out


def asker_over(tmp_path: Path, embedder: Embedder, articles: list[Article]) -> Asker:
    from ingest.pipeline import ingest
    from newsdesk.index import Index

    index = Index(make_settings(tmp_path / "data"), embedder)
    report = ingest(articles, index)
    assert report.count("added") == len(articles), report.summary()
    return Asker(make_settings(tmp_path / "data"), index=index, embedder=embedder)


@pytest.fixture(scope="module")
def seed_asker(tmp_path_factory: pytest.TempPathFactory, e5: Embedder) -> Iterator[Asker]:
    """The seed article among the 48 Romanian XQuAD paragraphs (topics far and near)."""
    asker = asker_over(tmp_path_factory.mktemp("seed"), e5,
                       [seed_article(), *jsonl_articles(XQUAD_RO)])  # fmt: skip
    yield asker
    asker.close()


WIKINEWS_TITLES = (
    "Iranian cargo plane crashes into Karaj houses",
    "Fire erupts in parking structure at Sola Airport, Norway",
    "Belarussian opposition presidential candidate Sviatlana Tsikhanouskaya holds major rally "
    "in Minsk",
)


@pytest.fixture(scope="module")
def news_asker(tmp_path_factory: pytest.TempPathFactory, e5: Embedder) -> Iterator[Asker]:
    """Three full Wikinews articles, the FLORES Wikinews passages in English, and the seed."""
    articles = [
        *jsonl_articles(WIKINEWS, lambda r: r["title"] in WIKINEWS_TITLES),
        *jsonl_articles(FLORES),
        seed_article(),
    ]
    asker = asker_over(tmp_path_factory.mktemp("news"), e5, articles)
    yield asker
    asker.close()


NOT_YET = pytest.mark.xfail(
    strict=True,
    reason="not reached: the sentence model (fitted on XQuAD dev and bench/newsqa) prefers the "
    "sentence that names the troops ('prezența trupelor nord-coreene pe teritoriul rus') over "
    "the one that says where 'they' are (in Romanian the Kursk sentence is the runner-up, "
    "quoted second); in French and German, retrieval ranks the Kursk passage fourth or lower",
)
NOT_YET_NEWS = pytest.mark.xfail(
    strict=True,
    reason="not reached: the evacuation sentence and the lead share the question's words; "
    "'no humans had been hurt' holds no number for a 'how many' question",
)


@pytest.mark.parametrize(
    "question",
    [
        "Where are the North Korean troops?",
        pytest.param("Unde se află trupele nord-coreene?", marks=NOT_YET),
        pytest.param("Où sont les troupes nord-coréennes ?", marks=NOT_YET),
        pytest.param("Wo sind die nordkoreanischen Truppen?", marks=NOT_YET),
    ],
)
def test_the_kursk_sentence_is_quoted_in_four_languages(seed_asker: Asker, question: str) -> None:
    answer = seed_asker.ask(question)
    assert not answer.abstained, answer.answer
    first = answer.citations[0]
    assert first.article_id == "seed-north-korea-russia"
    assert KURSK in first.quote, first.quote
    assert first.quote in first.passage
    assert "date 2024-11" not in answer.answer


@pytest.mark.xfail(
    strict=True,
    reason="not reached: the Victoria (Australia) paragraph's '402 persoane' (its first "
    "settlement) is quoted with confidence .95; before the quote model learned from news it "
    "quoted a sentence without a number, and a 'how many' question is never answered then",
)
def test_a_question_the_index_cannot_answer_finds_nothing(seed_asker: Asker) -> None:
    answer = seed_asker.ask("What is the population of Australia?")
    assert answer.abstained, answer.answer
    assert not answer.citations


@pytest.mark.parametrize(
    ("question", "expected", "not_expected"),
    [
        ("How many people attended Tsikhanouskaya's rally?", "18,250 to 63,000", "Monday"),
        ("Who greeted Bush in Singapore?", "Wong Kan Seng", None),
        # two sentences answer it, "All but one of the sixteen on-board died" and "The lone
        # survivor was a flight engineer."; the lead alone ("A Boeing 707 cargo plane…") does not
        ("How many survived the Karaj crash?", ("All but one of the sixteen", "lone survivor"),
         None),
        pytest.param("How many people died in the Sola airport fire?", "no humans had been hurt",
                     None, marks=NOT_YET_NEWS),
    ],
)
def test_wikinews_questions_quote_the_sentence_with_the_answer(
    news_asker: Asker, question: str, expected: str | tuple[str, ...], not_expected: str | None
) -> None:
    answer = news_asker.ask(question)
    assert not answer.abstained, answer.answer
    quote = answer.citations[0].quote
    assert any(e in quote for e in ((expected,) if isinstance(expected, str) else expected)), quote
    assert quote in answer.citations[0].passage
    if not_expected:
        assert not_expected not in quote


def test_a_dateline_glued_to_the_lead_is_not_quoted() -> None:
    text = "Monday, August 3, 2020 \nOn Thursday, a rally was held in Minsk."
    assert text[dateline_end(text) :] == "On Thursday, a rally was held in Minsk."
    assert dateline_end("On Thursday, a rally was held.\nMore.") == 0
    assert dateline_end("Kursk\nThe troops moved.") == 0


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many points did the Panthers score?", "count"),
        ("Câți soldați sunt în Kursk?", "count"),
        ("Combien de soldats ?", "count"),
        ("Wann begann der Krieg?", "when"),
        ("¿Quién ganó las elecciones?", "who"),
        ("Dove si trovano le truppe?", "where"),
        ("Ou sont les troupes ?", "where"),
        ("Est-ce rouge ou bleu ?", "what"),
        ("What did Blinken say?", "what"),
        # a question word counts where questions put it, not in a subordinate clause
        ("What did Putin say when he met Kim?", "what"),
        ("Ce a spus Putin când s-a întâlnit cu Kim?", "what"),
        ("What did the cat eat?", "what"),
        ("According to Blinken, where are the troops?", "where"),
        ("Peyton Manning took how many different teams to the Super Bowl?", "count"),
        ("Construction takes place on location for who?", "who"),
        # a measure named close after "what/which" asks for a number
        ("What magnitude did the USGS give the quake?", "count"),
        ("What is Basilashvili's world ranking?", "count"),
        ("Ce vârstă avea Manning?", "count"),
        ("À quelle distance de la Terre se trouve la planète ?", "count"),
        ("Which Florida city has the biggest population?", "what"),
        ("What compiles and reports on data about the size of design firms?", "what"),
    ],
)
def test_expected_answer_type(question: str, kind: str) -> None:
    assert answer_type(question) == kind


def test_a_count_written_with_separators_is_no_year() -> None:
    held = content("About 1,500 soldiers were sent in 2024, and 2.000 more later.", "How many?")
    assert (held.new_numbers, held.dates) == (2, 1)
    assert type_fit("count", "About 1,500 soldiers were sent.", "How many soldiers?") == 1.0
    assert type_fit("when", "Ferries will run from next week.", "When will ferries run?") == 1.0


def test_sources_disagree_only_on_the_same_quantity() -> None:
    assert disagree("At least 12 people died in the fire.", "The fire killed 15 people.")
    assert disagree("Circa 3.000 de soldați au fost trimiși.", "About 8,000 soldiers are there.")
    assert not disagree("8.000 soldați", "8,000 soldiers")
    assert not disagree(
        "Trump won 40 primaries in 2016 and leads the race.",
        "Biden is projected to win the election with 270 electoral votes.",
    )
    assert not disagree("In 2016 the party won.", "In 2020 the party lost.")


def test_an_answer_does_not_say_disagree_for_numbers_of_different_things() -> None:
    older = evidence("The election results: Trump won 40 primaries in the election.", 1,
                     lang="en", published="2024-10-02", score=0.92)  # fmt: skip
    newer = evidence("The election results: Biden won 270 electoral votes in the election.", 2,
                     lang="en", published="2024-11-05", score=0.915)  # fmt: skip
    answer = extractive_answer("Who won the election?", "en", [older, newer], Scope(2, None, None))
    assert [c.article_id for c in answer.citations] == ["a2", "a1"]
    assert "different figures" not in answer.answer and not answer.figures_differ


def test_a_passage_without_the_questions_number_or_name_is_unmatched() -> None:
    text = "Super Bowl 50 was played on February 7, 2016, at Levi's Stadium in Santa Clara."
    assert unmatched("Who won Super Bowl 50?", text) == 0.0
    assert unmatched("Who won Super Bowl 51?", text) == pytest.approx(1 / 3)  # 51; Super, Bowl held
    assert unmatched("Who was elected mayor of Bucharest?", text) == 1.0
    # inflected names match on their first five letters; no numbers or names: nothing to lack
    assert unmatched("Cine a fost ales primar al Bucureștiului?", "Primarul Bucureștiului") == 0.0
    assert unmatched("what happened then?", text) == 0.0


def test_names_are_not_looked_for_across_languages() -> None:
    kursk = "Blinken a declarat că 8.000 dintre aceștia se află în regiunea Kursk."
    assert unmatched("Where are the North Korean troops?", kursk) == 1.0
    assert unmatched("Where are the North Korean troops?", kursk, names=False) == 0.0
    assert unmatched("Are 12,000 North Korean troops there?", kursk, names=False) == 1.0
    assert unmatched("Are 8,000 North Korean troops there?", kursk, names=False) == 0.0
