"""The concurrency scenario of issue 5, shared by `tests/test_concurrency.py` and `bench/load.py`.

The real Slack bot (`bot.slack.app.start`: slack-bolt, Socket Mode, the real `Asker`) runs
against the fake Slack of `tests/fake_slack.py`, over an index that already holds 30 English
news passages. While `newsdesk ingest` indexes 200 more articles in another process on the same
data dir, 20 people mention the bot at once and an admin asks it to ingest two pages (a second
writer: it waits for the writer lock). When the ingest is over, one more question asks about an
article it added. `run_load` measures each question from the moment Slack sends it to the moment
the answer is posted, and returns everything needed to judge the run: the answers, the posted
messages, the ingest's summary, the Slack ingest replies, what was logged.

Both sides use the small English sentence-transformers model (fast enough to ingest 200
articles in a test). Texts: FLORES-200 devtest passages (Wikinews; CC BY-SA 4.0) from
`../shared/news/`.
"""

from __future__ import annotations

import json
import logging
import signal
import statistics
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.answers import Answer
from newsdesk.settings import Settings
from tests import fake_slack
from tests.fake_slack import FakeSlackAPI, FakeSocketMode
from tests.support.logs import Collect
from tests.support.paths import MINILM, NEWS
from tests.support.settings import cli_command, cli_env, make_settings

EMBEDDER = MINILM
ADMIN = "U_LOAD_ADMIN"
BOT_TOKEN = "xoxb-load-0000-test-bot-token"
APP_TOKEN = "xapp-1-load-test-app-token"
INITIAL = 30  # English passages in the index before the load
INGESTED = 200  # articles the concurrent `newsdesk ingest` adds


def passages(lang: str) -> list[dict[str, Any]]:
    rows = []
    for line in (NEWS / f"flores_wikinews_{lang}.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        # no url: FLORES passages of one source article share it, and a url is the article's id
        rows.append({"id": row["id"], "title": row["title"], "text": row["text"], "lang": lang,
                     "source": "FLORES-200 (Wikinews)"})  # fmt: skip
    return rows


def write_corpora(folder: Path) -> tuple[Path, Path, list[dict[str, Any]]]:
    """(initial.jsonl, ingest.jsonl, the initial records): 30 English passages, then 200 others."""
    english = passages("en")
    initial = english[:INITIAL]
    later = (english[INITIAL:] + passages("fr") + passages("it"))[:INGESTED]
    assert len(later) == INGESTED
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "initial.jsonl", folder / "ingest.jsonl"
    for path, rows in zip(paths, (initial, later), strict=True):
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return paths[0], paths[1], initial


def questions(records: Sequence[dict[str, Any]], n: int) -> list[tuple[str, str]]:
    """`n` (question, article id) pairs about the initial articles, from their titles."""
    asked = []
    for i in range(n):
        record = records[i % len(records)]
        title = record["title"].strip().rstrip(".?!")
        asked.append((f"What do we know about this: {title}?", record["id"]))
    return asked


def settings_for(data_dir: Path, api: FakeSlackAPI) -> Settings:
    return make_settings(
        data_dir, embedder=EMBEDDER,
        SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN, SLACK_API_URL=api.base_url,
        admins=[ADMIN], allow_private_urls=True,  # the pages to ingest are on 127.0.0.1
    )  # fmt: skip


PAGES = {
    "/harbour.html": (
        "Storm closes the port of Kestrel Bay",
        "A winter storm closed the port of Kestrel Bay on Thursday, the harbour master said. "
        "Ferries stayed in port and forty fishing boats sheltered behind the old harbour wall. "
        "The port is expected to reopen on Saturday morning.",
    ),
    "/library.html": (
        "Norhaven library reopens after repairs",
        "The public library of Norhaven reopened on Monday after two years of repairs to its "
        "roof and reading rooms. The council said the work cost 3.2 million euros. Visitors "
        "queued before the doors opened at nine.",
    ),
}  # invented articles, served by the fake Slack's web server  # fmt: skip


def page_html(title: str, text: str) -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
            f"</head><body><article><h1>{title}</h1><p>{text}</p></article></body></html>")


def build_initial_index(settings: Settings, embedder: Any, source: Path) -> int:
    from ingest.pipeline import ingest
    from ingest.sources import read_sources
    from newsdesk.index import Index

    index = Index(settings, embedder)
    try:
        report = ingest(read_sources([str(source)], settings), index)
    finally:
        index.close()
    assert not report.failed, report.failed
    return report.count("added")


def ingest_process(data_dir: Path, source: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        cli_command("ingest", "--json", str(source)), cwd=data_dir.parent,
        env=cli_env(data_dir, NEWSDESK_EMBEDDER=EMBEDDER),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


class RecordingAsker:
    """The real Asker; keeps each (question, Answer) and how long `ask` took."""

    def __init__(self, asker: Any) -> None:
        self.asker = asker
        self.embedder = asker.embedder
        self.index = asker.index
        self.answers: list[tuple[str, Answer, float]] = []
        self._lock = threading.Lock()

    def ask(self, question: str, history: Any = (), **kwargs: Any) -> Answer:
        started = time.perf_counter()
        answer = self.asker.ask(question, history=history, **kwargs)
        with self._lock:
            self.answers.append((question, answer, time.perf_counter() - started))
        return answer


@dataclass
class LoadResult:
    questions: list[str]
    about: dict[str, str] = field(default_factory=dict)  # question → the article it names
    latencies: list[float] = field(default_factory=list)  # seconds, event sent → answer posted
    posted: list[dict[str, Any]] = field(default_factory=list)  # chat.postMessage params
    answers: list[tuple[str, Answer, float]] = field(default_factory=list)
    wall: float = 0.0  # first question sent → last answer posted
    ingest_running_at_first_question: bool = False
    ingest_running_at_last_answer: bool = False
    ingest_seconds: float = 0.0
    ingest_returncode: int | None = None
    ingest_summary: dict[str, Any] = field(default_factory=dict)
    ingest_stderr: str = ""
    articles_before_load: int = 0
    slack_ingest_replies: list[str] = field(default_factory=list)
    page_urls: list[str] = field(default_factory=list)
    after_question: str = ""  # asked when the ingest is over, about an article it added
    after_article: str = ""
    after_answer: Answer | None = None
    after_dense: list[str] = field(default_factory=list)  # the bot's vector search: article ids
    articles_when_questions_began: int = 0
    log_lines: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        if len(ordered) == 1:
            return ordered[0]
        return statistics.quantiles(ordered, n=100, method="inclusive")[round(q * 100) - 1]

    def figures(self) -> dict[str, Any]:
        return {
            "questions": len(self.questions), "answered": len(self.latencies),
            "throughput_qps": round(self.throughput, 3),
            "latency_p50_s": round(self.percentile(0.50), 3),
            "latency_p95_s": round(self.percentile(0.95), 3),
            "latency_max_s": round(max(self.latencies, default=0.0), 3),
            "wall_s": round(self.wall, 3),
            "ingest_articles": self.ingest_summary.get("added"),
            "ingest_s": round(self.ingest_seconds, 1),
            "ingest_running_at_first_question": self.ingest_running_at_first_question,
            "ingest_running_at_last_answer": self.ingest_running_at_last_answer,
        }  # fmt: skip


def article_count(data_dir: Path) -> int:
    from newsdesk.index import catalog_counts

    return catalog_counts(make_settings(data_dir))["articles"]


def run_load(
    workdir: Path, embedder: Any, *, n_questions: int = 20, answer_timeout: float = 600,
    wait_for_writes: float = 300,
) -> LoadResult:  # fmt: skip
    """The whole scenario in `workdir` (a fresh folder); see the module docstring."""
    from bot.ask import Asker
    from bot.runtime import Runtime
    from bot.slack.app import start

    initial_path, ingest_path, initial = write_corpora(workdir / "corpora")
    data_dir = workdir / "data"
    api, socket = FakeSlackAPI(), FakeSocketMode()
    api.socket_url = socket.url
    settings = settings_for(data_dir, api)
    asked = questions(initial, n_questions)
    result = LoadResult(questions=[q for q, _ in asked],
                        about={" ".join(q.split()): a for q, a in asked})  # fmt: skip
    result.articles_before_load = build_initial_index(settings, embedder, initial_path)

    collect = logging.getLogger()
    handler = Collect()
    collect.addHandler(handler)
    asker = RecordingAsker(Asker(settings, embedder=embedder))
    running = start(Runtime(settings, asker=asker, embedder=embedder))
    process: subprocess.Popen[str] | None = None
    try:
        socket.wait_connected(timeout=60)
        ingest_started = time.monotonic()
        process = ingest_process(data_dir, ingest_path)
        # Ask once the ingest is writing (its model loaded, its first batch in the index), and
        # hold it there (SIGSTOP) until the first question has reached the bot: so the load
        # overlaps the ingest however fast either side is.
        deadline = time.monotonic() + wait_for_writes
        while article_count(data_dir) == result.articles_before_load:
            if process.poll() is not None or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGSTOP)
        result.articles_when_questions_began = article_count(data_dir)

        events = [fake_slack.mention(q, channel=f"C_LOAD{i:02d}")
                  for i, q in enumerate(result.questions)]  # fmt: skip
        sent: list[float] = []
        for event in events:
            sent.append(time.monotonic())
            socket.send("events_api", fake_slack.event_callback(event))
        # the bot puts its reaction on a question before it starts answering it
        api.wait_for("reactions.add", lambda c: c.params.get("channel") == "C_LOAD00",
                     timeout=answer_timeout)  # fmt: skip
        total = result.articles_before_load + INGESTED
        result.ingest_running_at_first_question = (
            process.poll() is None and article_count(data_dir) < total
        )
        process.send_signal(signal.SIGCONT)
        # an admin ingests two pages from Slack: a second writer on the same data dir
        ingest_urls = []
        for path, (title, text) in PAGES.items():
            api.pages[path] = page_html(title, text)
            result.page_urls.append(api.root + path)
            ingest_urls.append(api.response_url())
            command = fake_slack.slash_command(f"ingest {api.root}{path}", user=ADMIN,
                                               response_url=ingest_urls[-1])  # fmt: skip
            socket.send("slash_commands", command)
        done = [0.0] * len(events)
        posted: list[dict[str, Any]] = [{} for _ in events]

        def wait(i: int) -> None:
            call = api.wait_for(
                "chat.postMessage",
                lambda c: c.params.get("channel") == f"C_LOAD{i:02d}"
                and c.params.get("thread_ts") == events[i]["ts"],
                timeout=answer_timeout,
            )  # fmt: skip
            done[i] = time.monotonic()
            posted[i] = call.params

        waiters = [threading.Thread(target=wait, args=(i,), daemon=True)
                   for i in range(len(events))]  # fmt: skip
        for thread in waiters:
            thread.start()
        for thread in waiters:
            thread.join(answer_timeout + 5)
        result.ingest_running_at_last_answer = process.poll() is None
        finished = [i for i, t in enumerate(done) if t]
        result.latencies = [done[i] - sent[i] for i in finished]
        result.posted = posted
        result.wall = max(done) - sent[0] if finished else 0.0

        out, err = process.communicate(timeout=1800)
        result.ingest_seconds = time.monotonic() - ingest_started
        for url in ingest_urls:
            reply = api.wait_for("response_url", lambda c, u=url: c.path == u.removeprefix(api.root)
                                 and "Fetching" not in str(c.params.get("text")),
                                 timeout=answer_timeout)  # fmt: skip
            result.slack_ingest_replies.append(str(reply.params.get("text")))
        # the bot, running all along, finds what the other process added
        record = json.loads(ingest_path.read_text("utf-8").splitlines()[0])
        result.after_article = record["id"]
        result.after_question = f"What do we know about this: {record['title'].rstrip('.?!')}?"
        before = len(asker.answers)
        event = fake_slack.mention(result.after_question, channel="C_AFTER")
        socket.send("events_api", fake_slack.event_callback(event))
        api.wait_for("chat.postMessage", lambda c: c.params.get("channel") == "C_AFTER",
                     timeout=answer_timeout)  # fmt: skip
        result.after_answer = asker.answers[before][1] if len(asker.answers) > before else None
        hits = asker.index.dense_search(asker.asker.query_vector(result.after_question), 5)
        found = asker.index.chunks([chunk_id for chunk_id, _ in hits])
        result.after_dense = [chunk.article.article_id for chunk in found]
        result.ingest_returncode = process.returncode
        result.ingest_stderr = err
        try:
            result.ingest_summary = json.loads(out)
        except json.JSONDecodeError:
            result.ingest_summary = {"unreadable": out[-2000:]}
    finally:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        running.stop()
        collect.removeHandler(handler)
        asker.asker.close()
        api.close()
        socket.close()
    after = " ".join(result.after_question.split())
    result.answers = [a for a in asker.answers if " ".join(a[0].split()) != after]
    result.log_lines = handler.lines()
    return result


def consistency_problems(result: LoadResult, data_dir: Path) -> list[str]:
    """Each answer's citations exist in the index as cited, quotes verbatim, markers resolve."""
    import re

    from newsdesk.index import Index

    problems = []
    index = Index(make_settings(data_dir))
    try:
        for question, answer, _ in result.answers:
            numbers = {c.n for c in answer.citations}
            for marker in re.findall(r"\[(\d+)\]", answer.answer):
                if int(marker) not in numbers:
                    problems.append(f"{question!r}: marker [{marker}] has no citation")
            for citation in answer.citations:
                found = index.chunks([citation.chunk_id])
                if not found:
                    problems.append(f"{question!r}: cites {citation.chunk_id}, not in the index")
                    continue
                chunk = found[0]
                article_id = chunk.article.article_id
                if chunk.text != citation.passage or article_id != citation.article_id:
                    problems.append(f"{question!r}: [{citation.n}] differs from the stored chunk")
                if citation.quote not in citation.passage:
                    problems.append(f"{question!r}: [{citation.n}] quote is not verbatim")
    finally:
        index.close()
    return problems
