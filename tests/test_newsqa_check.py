"""bench/newsqa/check.py: the hand-written news QA dev set passes it, and it catches what it
promises to catch (answers not in the article, copied wording, unknown ids, duplicate qids)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import ROOT, SHARED

CHECK = ROOT / "bench" / "newsqa" / "check.py"
NEWS = SHARED / "news"
DOC = "wn-en-e55f7744e3c4"  # Escape room fire kills five teen girls in Koszalin, Poland
SENTENCE = "Mayor of Koszalin Piotr Jedlinski has declared tomorrow a day of mourning."

pytestmark = pytest.mark.skipif(not (NEWS / "wikinews_en_full.jsonl").is_file(),
                                reason="needs ../shared/news")


def run_check(questions: Path | None = None) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, str(CHECK), "--news", str(NEWS)]
    if questions is not None:
        args += ["--questions", str(questions)]
    return subprocess.run(args, capture_output=True, text=True, check=False)


def record(qid: str, **fields: object) -> dict:
    base = {"qid": qid, "question": "Who is the mayor of the Polish town?", "question_lang": "en",
            "corpus_lang": "en", "doc_id": DOC, "answers": ["Piotr Jedlinski"],
            "answer_sentence": SENTENCE, "answerable": True}
    return {**base, **fields}


def test_the_committed_set_passes_and_is_counted() -> None:
    result = run_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok: every record passes")
    assert "answer outside the first sentence:" in result.stdout
    assert "question_lang: en " in result.stdout


def test_each_fault_is_reported(tmp_path: Path) -> None:
    records = [
        record("q-ok"),
        record("q-missing", answers=["Piotr Nowak"]),
        record("q-copied", question="Who has declared tomorrow a day of mourning?"),
        record("q-sentence", answer_sentence="The mayor declared a day of mourning."),
        record("q-doc", doc_id="wn-en-000000000000"),
        record("q-dup"),
        record("q-dup"),
        record("q-unanswerable", answerable=False),
    ]
    path = tmp_path / "questions.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = run_check(path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert not [line for line in lines if line.startswith("q-ok:")]
    assert "q-missing: answer 'Piotr Nowak' not in the article" in lines
    assert "q-copied: question copies 4+ words of its sentence: 'has declared tomorrow a'" in lines
    assert "q-sentence: answer_sentence not verbatim in the article" in lines
    assert "q-doc: doc_id 'wn-en-000000000000' is in neither corpus" in lines
    assert lines.count("q-dup: duplicate qid") == 2
    assert "q-unanswerable: unanswerable but has answers or an answer_sentence" in lines
