"""Concurrency (issue 5): the Slack bot answers 20 questions at once while `newsdesk ingest`
adds 200 articles from another process on the same data dir, and an admin ingests two pages from
Slack meanwhile. All are answered, every answer is consistent with the index, nothing is lost,
the running bot answers from what the other process wrote, and "database is locked" never
surfaces.

The scenario lives in `tests/load_scenario.py`; `bench/load.py` runs it as a benchmark.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.slack import blocks
from newsdesk.embeddings import Embedder
from newsdesk.index import Index
from tests.load_scenario import INGESTED, consistency_problems, run_load
from tests.support.settings import make_settings

QUESTIONS = 20


@pytest.mark.slow
def test_twenty_questions_during_a_200_article_ingest(tmp_path: Path, minilm: Embedder) -> None:
    result = run_load(tmp_path, minilm, n_questions=QUESTIONS)
    data_dir = tmp_path / "data"

    # the load really overlapped the ingest
    assert result.ingest_running_at_first_question, "the ingest ended before the questions began"
    assert result.articles_when_questions_began > result.articles_before_load, "no write yet"

    # all answered, with an answer (not an apology), each in its own thread
    assert len(result.latencies) == QUESTIONS, f"answered {len(result.latencies)} of {QUESTIONS}"
    assert len(result.answers) == QUESTIONS
    for params in result.posted:
        assert "blocks" in params and params["text"] != blocks.apology_text(), params
    answered = [(q, answer) for q, answer, _ in result.answers if not answer.abstained]
    assert len(answered) >= QUESTIONS * 3 // 4, "most questions name an article in the index"
    on_topic = [q for q, answer in answered
                if answer.citations[0].article_id == result.about[" ".join(q.split())]]  # fmt: skip
    assert len(on_topic) >= QUESTIONS * 3 // 4, "the first citation is the article asked about"

    # each answer consistent: citations exist as cited, quotes verbatim, markers resolve
    asked = [" ".join(question.split()) for question in result.questions]
    assert consistency_problems(result, data_dir) == []
    for params, (question, answer, _) in zip(
        sorted(result.posted, key=lambda p: p["channel"]),
        sorted(result.answers, key=lambda a: asked.index(" ".join(a[0].split()))),
        strict=True,
    ):  # posted in the channel of its question: the answer to that question
        if answer.citations:
            assert "[1]" in params["text"], (question, params["text"])

    # nothing lost: the ingest finished, every article is there, the index is healthy
    assert result.ingest_returncode == 0, result.ingest_stderr[-3000:]
    assert result.ingest_summary.get("added") == INGESTED, result.ingest_summary
    assert result.ingest_summary.get("failed") == []
    assert len(result.slack_ingest_replies) == 2, "the admin's Slack ingests (a second writer)"
    replies = result.slack_ingest_replies
    assert all("added" in reply for reply in replies), replies
    index = Index(make_settings(data_dir))
    try:
        expected = result.articles_before_load + INGESTED + len(result.page_urls)
        assert index.stats().articles == expected
        lines = (tmp_path / "corpora" / "ingest.jsonl").read_text("utf-8").splitlines()
        ingested = {json.loads(line)["id"] for line in lines}
        assert all(index.article(article_id) is not None for article_id in ingested)
        assert all(index.find_article(url) is not None for url in result.page_urls)
        assert index.check() == []
    finally:
        index.close()

    # the bot, running all along, answers from what the other process wrote (vectors included)
    assert result.after_answer is not None and not result.after_answer.abstained
    assert result.after_answer.citations[0].article_id == result.after_article
    assert result.after_article in result.after_dense, "the bot's Chroma view was not refreshed"

    # no lock error anywhere: not in answers, logs, or the ingest's output
    everything = "\n".join([*result.log_lines, result.ingest_stderr,
                            *(json.dumps(p) for p in result.posted)])  # fmt: skip
    assert "database is locked" not in everything.lower()
    assert not [line for line in result.log_lines if line.startswith(("ERROR", "CRITICAL"))]


def test_a_second_writer_waits_and_cannot_undo_a_write_in_progress(
    tmp_path: Path, minilm: Embedder
) -> None:
    """The writer lock: a writer that starts while another is between writing its vectors and
    committing its catalog rows must wait; otherwise its recovery step would take the other's
    journaled, not yet committed vectors for leftovers of a crash and delete them."""
    import threading
    import time

    from ingest.pipeline import prepare
    from newsdesk.articles import Article

    settings = make_settings(tmp_path / "data")
    article = Article(text="The Kestrel Bay ferry strike ended on Friday. Boats sailed again.",
                      title="Ferry strike ends", article_id="strike", lang="en")  # fmt: skip
    first, second = Index(settings, minilm), Index(settings, minilm)
    prepared = prepare([article], minilm, 1000, 200)
    in_flight, go = threading.Event(), threading.Event()
    original = first._write_vectors

    def add_vectors_then_pause(items: object) -> list[str]:
        ids = original(items)  # type: ignore[arg-type]
        in_flight.set()
        go.wait(30)
        return ids

    first._write_vectors = add_vectors_then_pause  # type: ignore[method-assign]
    entered: list[float] = []
    finished: list[float] = []

    def write_first() -> None:
        with first.writing():
            first.write(prepared)
            finished.append(time.monotonic())  # committed, the lock still held

    def write_second() -> None:
        with second.writing():  # recovers what an interrupted writer left, then writes nothing
            entered.append(time.monotonic())

    writer = threading.Thread(target=write_first)
    writer.start()
    try:
        assert in_flight.wait(60), "the first write did not reach its vectors"
        other = threading.Thread(target=write_second)
        other.start()
        time.sleep(1.0)
        assert entered == [], "the second writer did not wait for the first"
    finally:
        go.set()
        writer.join(60)
    other.join(60)
    assert entered and finished and entered[0] >= finished[0]
    try:
        chunk_ids = [chunk.chunk_id for chunk in prepared[0].chunks]
        assert sorted(first.chunk_vectors(chunk_ids)) == sorted(chunk_ids)
        assert first.check() == []
    finally:
        first.close()
        second.close()
