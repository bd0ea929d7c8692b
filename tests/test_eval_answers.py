"""`newsdesk eval --answers`: what a person reads, scored (bot.evaluate's answer level)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from bot.answers import Answer, Citation
from bot.evaluate import answer_metrics, answer_outcome, contains_answer, normalise, translations_of
from newsdesk import cli
from newsdesk.articles import ArticleRef
from newsdesk.embeddings import Embedder
from newsdesk.settings import get_settings
from tests.support.paths import SHARED

XQUAD = SHARED / "bench" / "xquad"
ARTICLES = ("xquad-ro-super_bowl_50", "xquad-ro-warsaw", "xquad-ro-amazon_rainforest")


def _citation(article_id: str, passage: str, quote: str) -> Citation:
    return Citation(n=1, article_id=article_id, title="t", source="s", url="",
                    published=None, lang="ro", chunk_id=f"{article_id}-0", passage=passage,
                    quote=quote)  # fmt: skip


def test_numbers_accents_and_case_are_compared_normalised() -> None:
    expected = 'aproximativ 8000 de soldati "aici"'
    assert normalise("Aproximativ 8.000 de SOLDAȚI „aici”") == expected
    assert contains_answer("about 8,000 soldiers", ["8.000"])
    assert contains_answer("a crescut cu 3,5 la sută", ["3.5"])
    assert not contains_answer("about 18,000 soldiers", ["8.000"])
    assert not contains_answer("anything", ["", " "])


def test_an_answer_is_scored_by_its_text_its_first_quote_and_its_citations() -> None:
    record = {"qid": "q", "question": "?", "question_lang": "en", "corpus_lang": "ro",
              "answers": ["Kursk"], "doc_id": "a"}  # fmt: skip
    passage = "Trupele sunt în regiunea Kursk. Altceva."
    right = Answer("?", "„Trupele sunt în regiunea Kursk.” [1]", "en", False,
                   (_citation("a", passage, "Trupele sunt în regiunea Kursk."),))  # fmt: skip
    wrong = Answer("?", "„Altceva.” [1]", "en", False, (_citation("a", passage, "Altceva."),))
    other = Answer("?", "„Kursk.” [1]", "en", False, (_citation("b", "Kursk.", "Kursk."),))
    none = Answer("?", "I found nothing.", "en", True)
    outcomes = [answer_outcome(record, a) for a in (right, wrong, other, none)]
    assert [(o.answered, o.correct, o.cited) for o in outcomes] == [
        (True, True, True), (True, False, True), (True, True, False), (False, False, False),
    ]  # fmt: skip
    m = answer_metrics(outcomes)
    assert (m.n, m.answered, m.ac, m.cite3) == (4, 0.75, 0.5, 0.5)
    asked_without_gold = answer_outcome(record, right, answerable=False)
    assert answer_metrics([asked_without_gold]).false_answer == 1.0
    # the gold article's copy, cited in its place, cites it too
    copy = replace(other.citations[0], also_in=(ArticleRef("a", "t", "s", "", None, "ro"),))
    assert answer_outcome(record, replace(other, citations=(copy,))).cited


def test_translations_of_an_xquad_article() -> None:
    same = translations_of("xquad-ro-super_bowl_50")
    assert same("xquad-en-super_bowl_50") and same("xquad-ro-super_bowl_50")
    assert not same("xquad-en-super_bowl_5") and not same("xquad-en-warsaw")
    assert translations_of("plain-id")("plain-id")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, e5: Embedder) -> Path:
    """Three Romanian XQuAD paragraphs, ingested through `newsdesk ingest`."""
    from ingest.pipeline import ingest
    from newsdesk.articles import Article, normalise_text
    from newsdesk.index import Index
    from tests.support.settings import make_settings

    data = tmp_path_factory.mktemp("eval-answers") / "data"
    lines = (XQUAD / "corpus.ro.jsonl").read_text("utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    articles = [
        Article(text=normalise_text(r["text"].lstrip("\ufeff")), title=r["title"], source="xquad",
                lang="ro", article_id=r["id"])
        for r in records if r["id"] in ARTICLES
    ]  # fmt: skip
    index = Index(make_settings(data), e5)
    assert ingest(articles, index).count("added") == len(ARTICLES)
    index.close()
    return data


def test_eval_answers_on_a_tiny_question_file(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    questions = [json.loads(line) for line in (XQUAD / "questions.en-ro.dev.jsonl").read_text(
        "utf-8").splitlines()]  # fmt: skip
    picked = [q for q in questions if q["doc_id"] in ARTICLES][:6]
    unanswerable = {"qid": "u1", "question": "Who won the Tour de France in 1998?",
                    "question_lang": "en", "answerable": False}  # fmt: skip
    path = tmp_path / "tiny.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in [*picked, unanswerable]), "utf-8")
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(data_dir))
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    try:
        assert cli.main(["eval", "--answers", "--json", str(path)]) == 0
        data = json.loads(capsys.readouterr().out)
        assert cli.main(["eval", "--answers", str(path)]) == 0
        table = capsys.readouterr().out
    finally:
        get_settings.cache_clear()
    rows = data["by_pair"]
    assert set(rows) == {"all", "en-ro", "en-*"}
    assert rows["en-ro"]["n"] == len(picked) and rows["en-*"]["unanswerable"] == 1
    assert rows["en-ro"]["AC"] >= 0.5 and rows["en-ro"]["answered"] >= 0.5
    assert rows["en-*"]["false_answer"] == 0.0
    assert "| en-ro | 6 |" in table and "AC" in table
