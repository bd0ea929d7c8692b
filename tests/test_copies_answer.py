"""One story cited once (issue 14, item 1): over bench/stories/north-korean-troops.jsonl, where
three of six reports are one wire text, neither the extractive nor the LLM answer cites two
copies, and the citation names the other outlets ("also in ..."); a roundup that carries the
wire text among other items is not a copy, but no answer quotes its copied sentence twice.

Before copies collapsed, every one of QUESTIONS (answered with a policy that never abstains)
cited two copies of the wire text, and with the default policy all of them were refused: the
copies made "several articles about equally close", which reads as no answer."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from bot.answers import Answer, Citation, Evidence
from bot.ask import Asker
from bot.cli import render_answer
from bot.copies import TRANSLATION_COSINE, TRANSLATION_NUMBERS, figures, translated
from bot.extractive import AnswerPolicy
from bot.llm.factory import LLMAnswerer
from bot.phrases import phrase
from ingest.pipeline import ingest
from ingest.sources import read_sources
from newsdesk.articles import Article
from newsdesk.copies import COPY_THRESHOLD, similarity, words
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


def roundup(wire: Article) -> Article:
    """A news roundup written for this test: the wire text as one item among others, so it is
    not a copy as a whole, but its sentences repeat the wire's word for word."""
    others = (
        "In France, rail workers began a two-day strike on Saturday over pay, cancelling half of "
        "the high-speed trains between Paris and Lyon. The rail operator said most regional "
        "services would run. In Brazil, heavy rain flooded parts of Porto Alegre for the second "
        "time this year, and the city opened shelters for about 3,000 residents. Weather "
        "forecasters expect more rain next week. In Kenya, the central bank cut its benchmark "
        "interest rate by three quarters of a point to 12 percent, citing slowing inflation and "
        "a stronger shilling. In Japan, voters go to the polls next Sunday in a snap general "
        "election called by the new prime minister, Shigeru Ishiba."
    )
    return Article(text=f"World news in brief.\n\n{wire.text}\n\n{others}",
                   title="World news in brief", source="Example Digest",
                   url="https://digest.example/2024/10/19/brief", published="2024-10-19",
                   lang="en", article_id="nk-roundup")  # fmt: skip


@pytest.fixture(scope="module")
def story_asker(tmp_path_factory: pytest.TempPathFactory, e5: Embedder) -> Iterator[Asker]:
    settings = make_settings(tmp_path_factory.mktemp("story") / "data")
    index = Index(settings, e5)
    articles = [a for a in read_sources([str(STORY)], settings) if isinstance(a, Article)]
    wire = next(a for a in articles if a.article_id == "nk-nis-wire")
    assert ingest([*articles, roundup(wire)], index).count("added") == 7
    assert index.copy_groups() == [sorted(WIRE)]  # the roundup is no copy as a whole
    asker = Asker(settings, index=index, embedder=e5)
    yield asker
    asker.close()


def wire_citations(answer: Answer) -> list[Citation]:
    return [c for c in answer.citations if c.article_id in WIRE]


def assert_cited_once_with_its_copies(answer: Answer) -> None:
    for a, b in itertools.combinations(answer.citations, 2):  # the roundup's copied sentences
        assert similarity(words(a.quote), words(b.quote)) < COPY_THRESHOLD, (a.quote, b.quote)
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
    cited = {c.article_id for c in answer.citations}
    assert cited & (WIRE | {"nk-roundup"}), answer.answer  # every question is on the wire text
    assert_cited_once_with_its_copies(answer)


def test_the_well_covered_story_is_answered_not_refused(story_asker: Asker) -> None:
    """The issue's example: refused while the three copies counted as three close articles."""
    answer = story_asker.ask("How many North Korean troops are in Russia?")
    assert not answer.abstained, answer.answer
    assert_cited_once_with_its_copies(answer)


def test_the_sources_say_also_in_and_json_carries_the_copies(story_asker: Asker) -> None:
    answer = story_asker.ask("How many soldiers had already been moved to Vladivostok?")
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
    first, dated = answer.answer.split("\n")  # the LLM's answer, then its date added in code
    assert wire_citations(answer) and first.endswith(f"Chongjin [{answer.citations[0].n}].")
    assert dated == f"As of 18 Oct 2024, per {answer.citations[0].source} [1]."


def test_a_citation_without_copies_reads_as_before(tmp_path: Path) -> None:
    plain = Citation(article_id="a", title="t", source="S", url="", published=None, lang="en",
                     n=1, chunk_id="a-0", passage="p", quote="p")  # fmt: skip
    assert plain.also_in_names() == []
    old = {k: v for k, v in plain.as_json().items() if k != "also_in"}  # as older versions wrote
    assert Citation.from_json(old) == plain == replace(plain, also_in=())


# A port story written for these tests: an English report, its Romanian translation (the same
# text, the same numbers), and another Romanian report on the same storm (other facts).
HARBOUR_EN = (
    "The port of Constanța reopened on Tuesday after a storm closed it for three days, the port "
    "authority said. About 40 ships had waited at anchor off the coast, and 12 of them entered "
    "the harbour before noon. Grain exports, which make up most of the port's traffic, are "
    "expected to return to normal by the end of the week. The authority said the storm damaged "
    "2 cranes at the container terminal, which will be repaired within a month."
)
HARBOUR_RO = (
    "Portul Constanța s-a redeschis marți, după ce o furtună l-a închis timp de trei zile, a "
    "anunțat autoritatea portuară. Aproximativ 40 de nave au așteptat la ancoră în largul "
    "coastei, iar 12 dintre ele au intrat în port înainte de prânz. Exporturile de cereale, care "
    "reprezintă cea mai mare parte a traficului portului, ar trebui să revină la normal până la "
    "sfârșitul săptămânii. Autoritatea a precizat că furtuna a avariat 2 macarale la terminalul "
    "de containere, care vor fi reparate în decurs de o lună."
)
HARBOUR_REPORT = (
    "Furtuna care a lovit litoralul săptămâna trecută a provocat pagube de 5 milioane de lei în "
    "portul Constanța, potrivit unei estimări a Ministerului Transporturilor. Ministrul a "
    "declarat miercuri că 300 de muncitori au lucrat trei nopți pentru a curăța danele și că "
    "operatorii de cereale vor primi despăgubiri. Sindicatele portuare au cerut mai multe fonduri "
    "pentru întreținerea macaralelor."
)
TRANSLATED = {"port-en", "port-ro"}


@pytest.fixture(scope="module")
def port_asker(tmp_path_factory: pytest.TempPathFactory, e5: Embedder) -> Iterator[Asker]:
    settings = make_settings(tmp_path_factory.mktemp("port") / "data")
    index = Index(settings, e5)
    story = [a for a in read_sources([str(STORY)], settings) if isinstance(a, Article)]
    port = [
        Article(text=HARBOUR_EN, title="Constanța port reopens after storm", source="Coast Herald",
                url="https://herald.example/port", published="2024-03-12", lang="en",
                article_id="port-en"),
        Article(text=HARBOUR_RO, title="Portul Constanța s-a redeschis după furtună",
                source="Jurnalul Litoralului", url="https://jurnal.example/port",
                published="2024-03-12", lang="ro", article_id="port-ro"),
        Article(text=HARBOUR_REPORT, title="Pagube de 5 milioane de lei în portul Constanța",
                source="Jurnalul Litoralului", url="https://jurnal.example/pagube",
                published="2024-03-13", lang="ro", article_id="port-damage"),
    ]  # fmt: skip
    assert ingest([*story, *port], index).count("added") == 9
    assert index.copy_groups(list(TRANSLATED)) == []  # not copies by their words
    asker = Asker(settings, index=index, embedder=e5, policy=NEVER_ABSTAIN)
    yield asker
    asker.close()


@pytest.mark.parametrize("question", [
    "How many ships entered the port of Constanța before noon?",
    "Câte nave au intrat în portul Constanța înainte de prânz?",
    "When will grain exports from Constanța return to normal?",
])  # fmt: skip
def test_a_translation_is_cited_once_with_the_other_in_also_in(
    port_asker: Asker, question: str
) -> None:
    answer = port_asker.ask(question)
    cited = [c for c in answer.citations if c.article_id in TRANSLATED]
    assert len(cited) == 1, [c.article_id for c in answer.citations]
    (kept,) = cited
    (other,) = TRANSLATED - {kept.article_id}
    assert [ref.article_id for ref in kept.also_in] == [other]
    lang = "ro" if other == "port-ro" else "en"
    source = "Jurnalul Litoralului" if other == "port-ro" else "Coast Herald"
    assert kept.also_in_names() == [f"{source} ({lang})"]
    out = io.StringIO()
    render_answer(answer, out)
    assert f"— {phrase(answer.language, 'also_in')} {source} ({lang})" in out.getvalue()


def test_another_report_on_the_story_is_no_translation(port_asker: Asker) -> None:
    """The damage report tells the same storm in Romanian, with other facts: still citable on
    its own, and joined to neither of the translated pair."""
    question = "Ce pagube a provocat furtuna în portul Constanța, potrivit ministerului?"
    found = port_asker.search_result(question, 20)
    ids = {e.chunk.article.article_id for e in found.evidence}
    assert {"port-en", "port-ro", "port-damage"} <= ids
    groups = port_asker.copies(found)
    assert sorted(TRANSLATED) in groups
    assert not any("port-damage" in group for group in groups), groups
    answer = port_asker.ask(question)
    assert answer.citations[0].article_id == "port-damage", answer.answer
    assert answer.citations[0].also_in == ()


def test_what_translation_keeps_must_agree() -> None:
    """Vectors alone do not make a translation: another number, or a passage much longer
    than the other, is another text (a number spelled out is not another); numbers that agree
    let the vectors be a little less close."""
    assert translated(HARBOUR_EN, HARBOUR_RO, 1.0)
    assert not translated(HARBOUR_EN, HARBOUR_RO.replace("40 de nave", "45 de nave"), 1.0)
    assert translated(HARBOUR_EN, HARBOUR_RO.replace("2 macarale", "două macarale"), 1.0)
    assert not translated(HARBOUR_EN, HARBOUR_RO + " " + HARBOUR_REPORT, 1.0)
    assert not translated(HARBOUR_EN, HARBOUR_RO, TRANSLATION_NUMBERS - 0.01)
    # without numbers to agree on, the vectors alone must be closer
    en, ro = HARBOUR_EN.split(". ")[0], HARBOUR_RO.split(". ")[0]
    assert not figures(en) and not figures(ro)
    assert translated(en, ro, TRANSLATION_COSINE)
    assert not translated(en, ro, TRANSLATION_NUMBERS)
    assert figures("8.000 soldiers, 8,000 troops, 8 000 men in 2024") == {"8000", "2024"}


def test_a_timeline_names_the_copies_of_the_articles_it_lists(story_asker: Asker) -> None:
    answer = story_asker.ask("How did the deployment of North Korean troops to Russia develop?")
    assert answer.answer.startswith(phrase("en", "timeline")), answer.answer
    cited = {c.article_id for c in answer.citations}
    wire = wire_citations(answer)
    assert wire, answer.answer
    for c in wire:  # the copies it does not list itself, which its line names
        assert {ref.article_id for ref in c.also_in} == WIRE - cited, answer.answer
        assert c.also_in
