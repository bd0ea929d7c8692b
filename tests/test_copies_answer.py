"""One story cited once (issue 14, item 1): over bench/stories/north-korean-troops.jsonl, where
three of six reports are one wire text, neither the extractive nor the LLM answer cites two
copies, and the citation names the other outlets ("also in ...").

Before copies collapsed, every one of QUESTIONS (answered with a policy that never abstains)
cited two copies of the wire text, and with the default policy all of them were refused: the
copies made "several articles about equally close", which reads as no answer."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from bot.answers import Answer, Citation, Evidence
from bot.ask import Asker
from bot.cli import render_answer
from bot.extractive import AnswerPolicy
from bot.llm.factory import LLMAnswerer
from ingest.pipeline import ingest
from ingest.sources import read_sources
from newsdesk.embeddings import Embedder
from newsdesk.index import Index
from tests.support.paths import ROOT
from tests.support.settings import make_settings
from tests.test_llm import scripted

STORY = ROOT / "bench" / "stories" / "north-korean-troops.jsonl"
WIRE = {"nk-nis-wire", "nk-nis-copy", "nk-nis-rewrite"}
OUTLETS = {"nk-nis-wire": "Example Wire", "nk-nis-copy": "Daily Example",
           "nk-nis-rewrite": "Example Post"}  # fmt: skip
QUESTIONS = [
    "How many North Korean troops are in Russia?",
    "How many troops will North Korea send to help Russia?",
    "From which port were the North Korean soldiers moved?",
    "What were the North Korean soldiers given?",
    "Who called an emergency security meeting?",
    "How many soldiers had already been moved to Vladivostok?",
    "What did South Korea's intelligence service say about North Korea?",
    "Do Moscow and Pyongyang deny that North Korean troops take part in the war?",
]
NEVER_ABSTAIN = AnswerPolicy(abstain_below=float("-inf"), answer_above=float("-inf"))


@pytest.fixture(scope="module")
def story_asker(tmp_path_factory: pytest.TempPathFactory, e5: Embedder) -> Iterator[Asker]:
    settings = make_settings(tmp_path_factory.mktemp("story") / "data")
    index = Index(settings, e5)
    assert ingest(read_sources([str(STORY)], settings), index).count("added") == 6
    asker = Asker(settings, index=index, embedder=e5)
    yield asker
    asker.close()


def wire_citations(answer: Answer) -> list[Citation]:
    return [c for c in answer.citations if c.article_id in WIRE]


def assert_cited_once_with_its_copies(answer: Answer) -> None:
    cited = wire_citations(answer)
    assert len(cited) <= 1, [c.article_id for c in answer.citations]
    for c in cited:
        assert {ref.article_id for ref in c.also_in} == WIRE - {c.article_id}
        assert set(c.also_in_names()) == set(OUTLETS.values()) - {c.source}


@pytest.mark.parametrize("question", QUESTIONS)
def test_no_extractive_answer_cites_two_copies(story_asker: Asker, question: str) -> None:
    asker = Asker(story_asker.settings, index=story_asker.index, embedder=story_asker.embedder,
                  policy=NEVER_ABSTAIN)  # fmt: skip
    answer = asker.ask(question)
    assert wire_citations(answer), answer.answer  # every question is about the wire text
    assert_cited_once_with_its_copies(answer)


def test_the_well_covered_story_is_answered_not_refused(story_asker: Asker) -> None:
    """The issue's example: refused while the three copies counted as three close articles."""
    answer = story_asker.ask("How many North Korean troops are in Russia?")
    assert not answer.abstained, answer.answer
    assert_cited_once_with_its_copies(answer)


def test_the_sources_say_also_in_and_json_carries_the_copies(story_asker: Asker) -> None:
    answer = story_asker.ask("Who called an emergency security meeting?")
    (cited,) = wire_citations(answer)
    out = io.StringIO()
    render_answer(answer, out)
    others = sorted(set(OUTLETS.values()) - {cited.source})
    assert f"— also in {', '.join(n for n in cited.also_in_names())}" in out.getvalue()
    assert sorted(cited.also_in_names()) == others
    data = answer.as_json()["citations"][0]  # type: ignore[index]
    assert {ref["article_id"] for ref in data["also_in"]} == WIRE - {cited.article_id}
    assert Citation.from_json(data) == cited  # what the Slack feedback store reads back


def test_the_llm_reads_one_copy_and_its_answer_cites_the_story_once(story_asker: Asker) -> None:
    question = "From which port were the North Korean soldiers moved?"
    extractive = story_asker.ask(question)
    (cited,) = wire_citations(extractive)
    quote = "from the North Korean port of Chongjin"
    n = cited.n
    reply = (f'QUOTE: "{quote}" [{n}]\nANSWER: The soldiers were moved from the North Korean '
             f"port of Chongjin [{n}].")  # fmt: skip
    read: list[Sequence[Evidence]] = []
    real = LLMAnswerer(scripted(reply), 30)  # type: ignore[arg-type]

    def answerer(q: str, language: str, evidence: Sequence[Evidence], fallback: Answer) -> Answer:
        read.append(evidence)  # what the real answerer is handed, recorded
        return real(q, language, evidence, fallback)

    asker = Asker(story_asker.settings, index=story_asker.index, embedder=story_asker.embedder,
                  llm=answerer)  # fmt: skip
    answer = asker.ask(question)
    assert answer.generated_by == "scripted", answer.notes
    (evidence,) = read
    assert len({e.chunk.article.article_id for e in evidence} & WIRE) == 1
    assert_cited_once_with_its_copies(answer)
    assert wire_citations(answer) and answer.answer.endswith(f"Chongjin [{answer.citations[0].n}].")


def test_a_citation_without_copies_reads_as_before(tmp_path: Path) -> None:
    plain = Citation(article_id="a", title="t", source="S", url="", published=None, lang="en",
                     n=1, chunk_id="a-0", passage="p", quote="p")  # fmt: skip
    assert plain.also_in_names() == []
    old = {k: v for k, v in plain.as_json().items() if k != "also_in"}  # as older versions wrote
    assert Citation.from_json(old) == plain == replace(plain, also_in=())
