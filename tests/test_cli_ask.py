"""`newsdesk ask / search / chat / eval / run` through the real CLI entry point."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import chat, filters_from
from newsdesk import cli
from newsdesk.articles import published_timestamp
from newsdesk.embeddings import Embedder
from newsdesk.errors import NewsdeskError
from newsdesk.settings import get_settings
from tests.answering_corpus import KURSK_QUESTION, SAMPLE_ID, built_data_dir

QUESTION = "Where are the North Korean troops?"
CITATION_KEYS = ["n", "article_id", "title", "source", "url", "published", "lang", "chunk_id",
                 "passage", "quote", "also_in"]  # fmt: skip
RESULT_KEYS = ["rank", "chunk_id", "article_id", "title", "source", "url", "published", "lang",
               "text", "score"]  # fmt: skip


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, e5: Embedder) -> Path:
    return built_data_dir(tmp_path_factory, e5)


@pytest.fixture
def newsdesk(data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run the CLI in-process against the test index; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(data_dir))  # the rest: conftest's `isolated`

    def run(*argv: str) -> tuple[int, str, str]:
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_ask_json_is_exactly_the_contract(newsdesk) -> None:
    code, out, _ = newsdesk("ask", "--json", KURSK_QUESTION)
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["question", "answer", "language", "abstained", "citations"]
    assert data["question"] == KURSK_QUESTION and data["language"] == "en"
    assert data["abstained"] is False
    assert data["citations"], data
    for n, citation in enumerate(data["citations"], start=1):
        assert list(citation) == CITATION_KEYS
        assert citation["n"] == n and f"[{n}]" in data["answer"]
        assert citation["quote"] and citation["quote"] in citation["passage"]
    first = data["citations"][0]
    assert first["article_id"] == SAMPLE_ID and first["lang"] == "ro" and first["published"] == "2024-11"
    assert "8.000" in first["passage"] and "Kursk" in first["quote"]
    assert first["also_in"] == []  # the sample has no copy in the index


def test_ask_prints_the_answer_and_a_numbered_source_list(newsdesk) -> None:
    code, out, _ = newsdesk("ask", KURSK_QUESTION)
    assert code == 0
    answer, sources = out.split("\nSources:\n")
    assert "in Romanian" in answer and "Kursk" in answer
    assert sources.startswith("[1] Coreea de Nord va sprijini Rusia până când")
    assert "Exemplu, 2024-11" in sources and "https://example.org/ro/" in sources


def test_ask_filters_and_abstention(newsdesk) -> None:
    # --lang keeps the articles in that language: the Romanian sample answers in Romanian ...
    code, out, _ = newsdesk("ask", "--json", "--lang", "ro", "-k", "3", QUESTION)
    data = json.loads(out)
    assert code == 0 and data["abstained"] is False and data["citations"], data
    assert {c["lang"] for c in data["citations"]} == {"ro"}
    assert data["citations"][0]["article_id"] == SAMPLE_ID
    covid = "When was COVID-19 declared a pandemic?"
    code, out, _ = newsdesk("ask", "--json", "--lang", "en", covid)
    data = json.loads(out)
    assert code == 0 and data["abstained"] is False and data["citations"], data
    assert {c["lang"] for c in data["citations"]} == {"en"}
    # ... and without it, the English articles (US troops in Iraq, South Korea) do not answer
    code, out, _ = newsdesk("ask", "--json", "--lang", "en", "-k", "3", QUESTION)
    data = json.loads(out)
    assert code == 0 and data["abstained"] is True and data["citations"] == [], data
    code, out, _ = newsdesk("ask", "--json", "--until", "2019-12", QUESTION)
    data = json.loads(out)
    assert data["abstained"] is True and data["citations"] == []
    assert "0 articles" in data["answer"]
    code, out, _ = newsdesk("ask", "Who won the 2022 FIFA World Cup final in Qatar?")
    assert code == 0 and "nothing in the ingested news" in out and "5 articles" in out


def test_bad_filter_is_a_one_line_error(newsdesk) -> None:
    code, out, err = newsdesk("ask", "--since", "last week", QUESTION)
    assert code == 2 and out == "" and err.count("\n") == 1 and "--since" in err


def test_until_includes_the_whole_period() -> None:
    import argparse

    filters = filters_from(argparse.Namespace(since="2024-11", until="2024-11", source=None, lang="RO"))
    assert filters.lang == "ro"
    assert filters.until - filters.since == pytest.approx(30 * 86400, abs=1)


def test_search_json_and_batch(newsdesk, tmp_path: Path) -> None:
    code, out, _ = newsdesk("search", "--json", "-k", "4", "Kursk Blinken")
    data = json.loads(out)
    assert code == 0 and list(data) == ["query", "results"] and data["query"] == "Kursk Blinken"
    assert [r["rank"] for r in data["results"]] == list(range(1, len(data["results"]) + 1))
    assert data["results"] and all(list(r) == RESULT_KEYS for r in data["results"])
    assert data["results"][0]["article_id"] == SAMPLE_ID
    batch = tmp_path / "q.jsonl"
    batch.write_text(
        json.dumps({"qid": "a", "question": KURSK_QUESTION}) + "\n"
        + json.dumps({"qid": 7, "question": "COVID-19 pandemic declared"}) + "\n",
        encoding="utf-8",
    )
    code, out, _ = newsdesk("search", "--batch", str(batch), "-k", "2")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [x["qid"] for x in lines] == ["a", 7]
    assert all(list(x) == ["qid", "results"] and len(x["results"]) == 2 for x in lines)
    assert lines[0]["results"][0]["article_id"] == SAMPLE_ID


def test_chat_on_a_pipe_keeps_history(newsdesk) -> None:
    from bot.runtime import Runtime

    lines = (KURSK_QUESTION, "How many of them are there?", "/sources", "/quit", "never read")
    stdin = io.StringIO("".join(f"{line}\n" for line in lines))
    out = io.StringIO()
    asker = Runtime(get_settings()).asker
    assert chat(asker, stdin, out) == 0
    text = out.getvalue()
    assert text.count("According to an article of Nov 2024") == 2
    rewritten = "How many of them are there? (North Korean soldiers according Blinken)"
    assert f"(searched as: {rewritten})" in text
    assert "passage: " in text  # /sources shows the passages
    assert "> " not in text  # no prompt on a pipe


def test_run_without_slack_tokens_is_the_chat(newsdesk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{KURSK_QUESTION}\n"))
    code, out, _ = newsdesk("run")
    assert code == 0 and "Kursk" in out


def test_eval_reports_recall_and_abstention(newsdesk, tmp_path: Path) -> None:
    questions = tmp_path / "dev.jsonl"
    rows = [
        {"qid": "1", "question": QUESTION, "question_lang": "en", "corpus_lang": "ro",
         "answers": ["8.000"], "doc_id": SAMPLE_ID},
        {"qid": "2", "question": "Când și-a trimis Moscova armata în Ucraina?",
         "question_lang": "ro", "corpus_lang": "ro", "answers": ["februarie 2022"],
         "doc_id": SAMPLE_ID},
        {"qid": "3", "question": "Who won the 2022 FIFA World Cup final in Qatar?",
         "question_lang": "en", "answerable": False},
    ]  # fmt: skip
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    code, out, _ = newsdesk("eval", str(questions), "--json")
    data = json.loads(out)
    assert code == 0
    assert data["overall"]["n"] == 2 and data["overall"]["R@5"] == 1.0
    assert data["overall"]["unanswerable"] == 1 and data["overall"]["false_answer"] == 0.0
    assert set(data["by_pair"]) == {"en-ro", "ro-ro", "en-*"}
    code, out, _ = newsdesk("eval", str(questions))
    assert code == 0 and "| en-ro | 1 |" in out and "MRR@10" in out


def test_eval_says_when_the_corpus_is_missing(newsdesk, tmp_path: Path) -> None:
    questions = tmp_path / "dev.jsonl"
    questions.write_text(json.dumps({"qid": "x", "question": "?", "answers": ["a"],
                                     "doc_id": "xquad-ro-nowhere"}) + "\n")  # fmt: skip
    code, _, err = newsdesk("eval", str(questions))
    assert code == 2 and "not in the index" in err


def test_as_of_hides_what_came_later() -> None:
    import argparse

    as_of = filters_from(argparse.Namespace(since=None, until=None, as_of="2024-11-04", source=None,
                                            lang=None))  # fmt: skip
    assert as_of.until == pytest.approx(published_timestamp("2024-11-05") - 1e-6)
    both = filters_from(argparse.Namespace(since=None, until="2024-10", as_of="2024-11-04",
                                           source=None, lang=None))  # fmt: skip
    assert both.until < published_timestamp("2024-11-01")  # the earlier bound wins


def test_filters_from_rejects_an_empty_range() -> None:
    import argparse

    with pytest.raises(NewsdeskError):
        filters_from(argparse.Namespace(since="2025", until="2024", source=None, lang=None))
