"""The sentence a news answer quotes, and whose figures are compared.

A news article's lead restates the event that every question about it names, so it scores
highest and was quoted even when a later sentence holds the answer. `bot.quote` now takes its
candidates from every retrieved passage of the first article (`pool`), weighs the question's
words by how few candidates hold them (`pool_rarity`), and quotes a runner-up when the model
can hardly tell it from the best. And "the sources give different figures" needs the same
counted thing *about the same subject*: a mayor's age is not compared with a mathematician's.

Real models, a real index: five full Wikinews articles (../shared/news, CC BY 2.5) that
`make run` does not ingest.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.ask import Asker
from bot.quote import pool_rarity, stems
from newsdesk.embeddings import Embedder
from tests.support.paths import SHARED
from tests.test_answer_sentence import asker_over, jsonl_articles

TITLES = (
    "Iranian cargo plane crashes into Karaj houses",
    "Sultan Qaboos of Oman dies",
    "English mathematician John Horton Conway dies after contracting COVID-19",
    "Seoul city Mayor Park Won-soon found dead, South Korean police confirm",
    "British mathematician Richard K. Guy dies at 103",
)


@pytest.fixture(scope="module")
def asker(tmp_path_factory: pytest.TempPathFactory, e5: Embedder) -> Iterator[Asker]:
    articles = jsonl_articles(SHARED / "news" / "wikinews_en_full.jsonl",
                              lambda r: r["title"] in TITLES)  # fmt: skip
    assert len(articles) == len(TITLES)
    found = asker_over(tmp_path_factory.mktemp("news-quotes"), e5, articles)
    yield found
    found.close()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who succeeded Sultan Qaboos?", "Haitham bin Tariq"),  # two paragraphs down
        ("Where was Park Won-soon's body found?", "Mount Bukak"),
        ("What did Qaboos study?", "Islamic law"),
        ("How old was Richard Guy?", "103 years"),  # the lead, when the lead answers
    ],
)
def test_the_answer_quotes_the_sentence_that_answers_not_only_the_lead(
    asker: Asker, question: str, expected: str
) -> None:
    answer = asker.ask(question)
    assert not answer.abstained, answer.answer
    assert expected in answer.answer, answer.answer
    assert any(expected in c.quote for c in answer.citations)
    for c in answer.citations:
        assert c.quote in c.passage


def test_a_runner_up_from_the_same_article_is_introduced_as_such(asker: Asker) -> None:
    answer = asker.ask("Câți ani avea primarul Seulului?")
    first, second = answer.citations[:2]
    assert first.article_id == second.article_id
    assert "Park was 64 years old." in first.quote
    assert "Același articol mai spune" in answer.answer, answer.answer
    assert all(c.quote in c.passage for c in answer.citations)


@pytest.mark.parametrize(
    "question", ["How old was the Seoul mayor?", "Câți ani avea primarul Seulului?"]
)
def test_ages_of_different_people_are_not_different_figures(asker: Asker, question: str) -> None:
    answer = asker.ask(question)
    assert not answer.abstained, answer.answer
    assert "64" in answer.answer, answer.answer
    assert not answer.figures_differ, answer.answer
    assert "82" not in answer.answer  # Conway's age, another article's subject


def test_the_words_few_candidates_share_weigh_most() -> None:
    sentences = [stems(s.split()) for s in ("karaj plane crash", "karaj crash houses",
                                            "karaj the lone survivor")]  # fmt: skip
    weights = pool_rarity(sorted(stems(["survived", "karaj", "crash"])), sentences)
    assert sum(weights.values()) == pytest.approx(1.0)
    assert weights["survi"] > weights["crash"] > weights["karaj"]
    assert pool_rarity([], sentences) == {}
