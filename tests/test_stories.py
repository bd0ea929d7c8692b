"""Issue 14 over written multi-article stories (bench/stories/): figures that differ shown side
by side, recency and dated answers, timelines. (Copies: the "copies" work; abstention over a
well-covered story: the answer tests. Here the Asker answers whatever it finds, so that these
behaviours are tested on their own.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.answers import Answer, Scope
from bot.ask import Asker
from bot.disagreement import EmbeddedWords, claims, differing_figures, disagree
from bot.extractive import AnswerPolicy
from bot.recency import dated
from bot.text import asks_recent, subject_terms
from bot.timeline import asks_timeline, names, subject
from newsdesk.articles import Article, normalise_text, published_timestamp
from newsdesk.embeddings import Embedder
from newsdesk.index import Filters
from tests.support.evidence import evidence
from tests.support.settings import make_settings

STORIES = Path(__file__).resolve().parent.parent / "bench" / "stories"
FIGURE_LINE = re.compile(r"^• (?P<value>[\d.,  ]+) — (?P<who>.+), (?P<date>\d+ \w+ \d{4}) \[(?P<n>\d+)\]$")


def story_articles() -> list[Article]:
    import json

    out = []
    for path in sorted(STORIES.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            out.append(Article(text=normalise_text(r["text"]), title=r["title"], source=r["source"],
                               url=r["url"], published=r["published"], lang=r["lang"],
                               article_id=r["id"]))  # fmt: skip
    return out


@pytest.fixture(scope="module")
def stories(tmp_path_factory: pytest.TempPathFactory, e5: Embedder) -> Iterator[Asker]:
    from ingest.pipeline import ingest
    from newsdesk.index import Index

    data = tmp_path_factory.mktemp("stories") / "data"
    index = Index(make_settings(data), e5)
    articles = story_articles()
    assert ingest(articles, index).count("added") == len(articles)
    asker = Asker(make_settings(data), index=index, embedder=e5,
                  policy=AnswerPolicy(answer_above=float("-inf")))  # fmt: skip
    yield asker
    asker.close()


# -- 2. disagreement --------------------------------------------------------------------------------


def test_a_figure_counts_the_word_after_it_that_is_no_name() -> None:
    (claim,) = claims("Blinken said about 8,000 North Korean soldiers are in the Kursk region.")
    assert (claim.value, claim.written, claim.unit) == ("8000", "8,000", "soldiers")
    assert "kursk" in claim.frame and "blinken" in claim.frame
    assert claims("In 2024 the party won.") == []


def test_figures_differ_only_for_the_same_thing(e5: Embedder) -> None:
    similar = EmbeddedWords(e5.embed_queries)
    assert similar("troops", "soldiers") and similar("killed", "died")
    assert not similar("killed", "injured") and not similar("euros", "dollars")
    assert disagree("North Korea has sent about 10,000 soldiers to train in eastern Russia.",
                    "About 8,000 North Korean troops are now in Russia's Kursk region.", similar)
    assert not disagree("North Korea has sent about 10,000 soldiers to train in eastern Russia.",
                        "About 8,000 North Korean troops are now in Russia's Kursk region.")  # fmt: skip
    assert not disagree("About 1,200 residents were evacuated from the lower town.",
                        "The government promised 20 million euros for the town.", similar)
    assert not disagree("Up to 12,000 troops were sent to Russia.",
                        "As many as 12.000 soldiers were sent to Russia.", similar)  # fmt: skip


def test_a_conversion_or_a_time_of_day_is_no_disagreement(e5: Embedder) -> None:
    similar = EmbeddedWords(e5.embed_queries)
    assert claims("Pierluisi was sworn in at 5 p.m. local time, or 17:30 in Madrid.") == []
    en = evidence("She spoke in La Plata, a city 50 kilometers (31 miles) away from Buenos Aires.",
                  1, lang="en", published="2007-07-20")  # fmt: skip
    fr = evidence("Elle a parlé à La Plata, une ville située à 50 kilomètres de Buenos Aires.",
                  2, lang="fr", published="2007-07-20")  # fmt: skip
    assert differing_figures([(en, en.sentences[0])], [fr], similar, ["la", "plata"]) == []


def test_a_figure_of_another_part_of_the_story_is_not_shown(stories: Asker) -> None:
    answer = stories.ask("How many North Korean soldiers had already been moved to Vladivostok?")
    assert "1,500" in answer.citations[0].quote and not answer.figures_differ, answer.answer


def test_differing_figures_are_shown_side_by_side_newest_first(stories: Asker) -> None:
    answer = stories.ask("How many North Korean troops are in Russia now?")
    assert answer.figures_differ, answer.answer
    lines = answer.answer.split("\n")
    at = lines.index("The sources give different figures (newest first):")
    shown = [FIGURE_LINE.match(line) for line in lines[at + 1 : -1]]
    assert len(shown) >= 3 and all(shown), lines
    values = [m["value"] for m in shown if m]
    assert len(set(values)) == len(values), "one line per value"
    by_n = {c.n: c for c in answer.citations}
    stamps = []
    for m in shown:
        assert m is not None
        cited = by_n[int(m["n"])]
        assert m["value"] in cited.quote and m["who"] == cited.source
        stamps.append(published_timestamp(cited.published))
    assert stamps == sorted(stamps, reverse=True), "newest first"
    assert {"11,000", "8,000", "12,000"} <= set(values)


def test_figures_only_one_source_gives_are_not_called_different(stories: Asker) -> None:
    for question in ("How many residents were evacuated from Valmora?",
                     "How much money did the government promise to rebuild Valmora?"):  # fmt: skip
        answer = stories.ask(question)
        assert not answer.abstained and not answer.figures_differ, answer.answer
        assert "different figures" not in answer.answer


def test_a_death_toll_differs_across_languages(stories: Asker) -> None:
    answer = stories.ask("Câte persoane au murit în inundațiile de la Valmora?")
    assert answer.figures_differ, answer.answer
    assert "Sursele dau cifre diferite (cele mai noi întâi):" in answer.answer
    assert "• 14 — " in answer.answer and "• 9 — " in answer.answer


# -- 3. recency and dated answers ---------------------------------------------------------------------


def test_still_and_its_equivalents_ask_about_the_present() -> None:
    for question in ("Are North Korean troops still in Kursk?", "Mai sunt încă trupe la Kursk?",
                     "Les troupes sont-elles toujours à Koursk ?", "Sind die Truppen noch in Kursk?",
                     "Le truppe sono ancora a Kursk?", "¿Siguen todavía las tropas en Kursk?"):  # fmt: skip
        assert asks_recent(question), question
    assert not asks_recent("How many troops did Blinken say were in Kursk?")


def test_a_question_about_the_present_quotes_the_newest_report_and_says_it_is_old(
    stories: Asker,
) -> None:
    answer = stories.ask("Are North Korean troops still in Kursk?")
    assert answer.citations[0].article_id == "nk-first-clash"
    last = answer.answer.split("\n")[-1]
    assert last == ("As of 5 Nov 2024, per Example Post [1]. "
                    "The newest article on this is from 5 Nov 2024.")  # fmt: skip
    week_after = Filters(until=published_timestamp("2024-11-12"))
    recent = stories.ask("Are North Korean troops still in Kursk?", filters=week_after)
    assert recent.answer.split("\n")[-1] == "As of 5 Nov 2024, per Example Post [1]."


def test_every_answer_is_dated_by_its_newest_citation(stories: Asker) -> None:
    answer = stories.ask("What did Blinken say about North Korean troops?")
    newest = max(answer.citations, key=lambda c: published_timestamp(c.published) or 0.0)
    last = answer.answer.split("\n")[-1]
    assert last.startswith("As of ") and last.endswith(f"per {newest.source} [{newest.n}].")
    assert "newest article on this" not in answer.answer, "not a question about the present"
    fr = stories.ask("Combien d'habitants de Valmora sont privés d'électricité ?")
    assert fr.answer.split("\n")[-1].startswith("Dernière information : 5 mars 2025, selon ")


def test_dating_leaves_an_abstention_alone_and_names_an_undated_source(stories: Asker) -> None:
    answer = stories.ask("What did Blinken say about North Korean troops?")
    undated = replace(answer.citations[0], published=None, source="", url="https://www.wire.example/x")
    plain = Answer("q", "Text [1]", "en", False, (undated,), Scope(1, None, None))
    assert dated(plain, recent=True, moment=0.0).answer == "Text [1]\nUndated: per wire.example [1]."
    nothing = Answer("q", "I found nothing.", "en", True)
    assert dated(nothing, recent=True, moment=0.0) == nothing


# -- 4. timelines --------------------------------------------------------------------------------------


def test_timeline_questions_in_every_language() -> None:
    for question in ("How did the Valmora floods develop?", "Timeline of the Valmora floods",
                     "Cronologia inundațiilor de la Valmora", "Cum a evoluat situația la Valmora?",
                     "Chronologie des inondations de Valmora", "Come si è evoluta la crisi?",
                     "Wie hat sich die Lage in Valmora entwickelt?", "¿Cómo evolucionó la crisis?"):  # fmt: skip
        assert asks_timeline(question), question
    for question in ("How many people died in the Valmora floods?", "Who developed the vaccine?"):
        assert not asks_timeline(question), question
    assert subject("Timeline of the Valmora floods") == "of the Valmora floods"
    assert names(subject("Cum a evoluat campania lui Bernie Sanders?")) == ["bernie", "sanders"]


def test_a_timeline_lists_dated_articles_oldest_first_with_copies_collapsed(stories: Asker) -> None:
    answer = stories.ask("Timeline of the Valmora floods")
    lines = answer.answer.split("\n")
    assert lines[0] == "How it developed, oldest first:"
    events = lines[1:-1]
    assert len(events) == len(answer.citations) >= 4
    stamps = [published_timestamp(c.published) for c in answer.citations]
    assert stamps == sorted(stamps), "oldest first"
    ids = [c.article_id for c in answer.citations]
    assert len(set(ids)) == len(ids) and not {"flood-wire", "flood-copy"} <= set(ids)
    assert any("(also in " in line for line in events), "the copy is named, not listed again"
    for n, (line, c) in enumerate(zip(events, answer.citations, strict=True), start=1):
        assert c.n == n and line.endswith(f"[{n}]") or f"[{n}] (also in " in line
        assert c.quote in line and c.source in line
    assert lines[-1].startswith("As of ")


def test_a_timeline_in_romanian(stories: Asker) -> None:
    answer = stories.ask("Cum a evoluat desfășurarea trupelor nord-coreene în Rusia?")
    assert answer.answer.startswith("Cum a evoluat, de la cel mai vechi:\n• 18 octombrie 2024 — ")
    stamps = [published_timestamp(c.published) for c in answer.citations]
    assert stamps == sorted(stamps) and len(stamps) >= 3


def test_an_llm_answer_is_dated_in_code_and_differing_figures_are_not_rewritten(
    stories: Asker,
) -> None:
    calls: list[str] = []

    def llm(question: str, language: str, evidence: object, extractive: Answer) -> Answer:
        calls.append(question)
        return replace(extractive, answer="Yoon called a meeting [1].", generated_by="fake")

    with_llm = Asker(stories.settings, index=stories.index, embedder=stories.embedder, llm=llm,
                     policy=stories.policy)  # fmt: skip
    differing = with_llm.ask("How many North Korean troops are in Russia now?")
    assert differing.figures_differ and differing.generated_by == "extractive" and not calls
    answer = with_llm.ask("Who called an emergency security meeting?")
    assert calls and answer.generated_by == "fake" and not answer.figures_differ
    first, last = answer.answer.split("\n")
    assert first == "Yoon called a meeting [1]." and last.startswith("As of ")


def test_a_question_about_the_present_is_not_refused_for_its_time_words(
    stories: Asker, e5: Embedder
) -> None:
    # "still", "now", "latest" ask when, not what: no sentence writes them, so they must not
    # count as question words the quote fails to cover (`bot.text.subject_terms`).
    assert subject_terms("Are North Korean troops still in Kursk now?") == [
        "north", "korean", "troops", "kursk"]  # fmt: skip
    shipped = Asker(stories.settings, index=stories.index, embedder=e5)
    for question in ("How many North Korean troops are in Kursk now?",
                     "What is the latest on North Korean troops in Russia?"):  # fmt: skip
        answer = shipped.ask(question)
        assert not answer.abstained, question
        assert answer.citations[0].article_id == "nk-first-clash", question


def test_a_pasted_text_without_outlet_or_link_is_dated_by_its_number(stories: Asker) -> None:
    # Its title is its first sentence: "per <that sentence>" would be no name at all.
    answer = stories.ask("What did Blinken say about North Korean troops?")
    pasted = replace(answer.citations[0], source="", url="", title="Blinken a declarat că…")
    plain = Answer("q", "Text [1]", "en", False, (pasted,), Scope(1, None, None))
    assert dated(plain, recent=False, moment=0.0).answer == "Text [1]\nAs of 31 Oct 2024 [1]."
    undated = replace(pasted, published=None)
    plain = Answer("q", "Text [1]", "ro", False, (undated,), Scope(1, None, None))
    assert dated(plain, recent=False, moment=0.0).answer == "Text [1]\nFără dată [1]."
