"""Beyond one machine (issue 15): two `newsdesk serve` replicas and an ingest worker, each with a
data dir of its own (as on three machines), share one index on PostgreSQL + a Chroma server.

- 20 questions, spread over both replicas, are answered while the worker ingests 200 articles;
- a Slack event delivered to one replica and redelivered to the other is answered once;
- the worker is killed (-9) mid-ingest, twice; the next run finishes, and what is stored
  passes the crash test's checks: no journal rows, a vector and a lexical row for every chunk
  and nothing more, sentence vectors everywhere, and the same as one clean run stores;
- an article the worker added is answered at once by both replicas.

Small English model on every side (fast enough to ingest 200 articles in a test); texts from
tests/load_scenario.py (FLORES-200 Wikinews passages).
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.slack import blocks
from bot.slack.blocks import parse_passage_value
from newsdesk.embeddings import Embedder
from newsdesk.index import Index, catalog_counts
from newsdesk.settings import Settings
from tests import fake_slack
from tests.fake_slack import FakeSlackAPI, FakeSocketMode
from tests.load_scenario import (
    APP_TOKEN,
    BOT_TOKEN,
    EMBEDDER,
    INGESTED,
    build_initial_index,
    questions,
    write_corpora,
)
from tests.support.catalog import snapshot
from tests.support.servers import Servers
from tests.support.settings import cli_command, cli_env, make_settings
from tests.support.slack import fake_slack_servers
from tests.test_crash import kill_when

QUESTIONS = 20
REPLICAS = 2
TIMEOUT = 600


def server_env(settings: Settings) -> dict[str, str]:
    """What every process of the deployment is configured with: the servers, the embedder."""
    return {
        "NEWSDESK_DATABASE_URL": settings.database_url.get_secret_value(),
        "NEWSDESK_CHROMA_HOST": settings.chroma_host or "",
        "NEWSDESK_CHROMA_PORT": str(settings.chroma_port),
        "NEWSDESK_CHROMA_COLLECTION": settings.chroma_collection, "NEWSDESK_EMBEDDER": EMBEDDER,
    }  # fmt: skip


@pytest.fixture
def replicas(
    tmp_path: Path, servers: Servers
) -> Iterator[tuple[Settings, FakeSlackAPI, FakeSocketMode, list[subprocess.Popen[str]]]]:
    """The deployment's settings, the fake Slack, and two `serve` processes connected to it."""
    settings = make_settings(tmp_path / "worker", embedder=EMBEDDER, **servers.settings_fields())
    with fake_slack_servers() as (api, socket_server):
        processes = []
        try:
            for n in range(REPLICAS):
                env = cli_env(tmp_path / f"replica{n}", **server_env(settings),
                              SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN,
                              SLACK_API_URL=api.base_url)  # fmt: skip
                processes.append(subprocess.Popen(
                    cli_command("serve"), cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT, text=True,
                ))  # fmt: skip
            socket_server.wait_connections(REPLICAS, timeout=TIMEOUT)
            yield settings, api, socket_server, processes
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.communicate(timeout=60)


def worker(settings: Settings, source: Path) -> subprocess.Popen[str]:
    """`newsdesk ingest` on a third machine: its own data dir, the shared servers."""
    return subprocess.Popen(
        cli_command("ingest", "--json", str(source)), cwd=source.parent,
        env=cli_env(settings.data_dir, **server_env(settings)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def articles(settings: Settings) -> int:
    return catalog_counts(settings)["articles"]


def ask(socket_server: FakeSocketMode, question: str, channel: str, replica: int) -> str:
    """Mention the bot in `channel` through `replica`'s connection; the event's ts."""
    event = fake_slack.mention(question, channel=channel)
    socket_server.send("events_api", fake_slack.event_callback(event), connection=replica)
    return str(event["ts"])


def answer_in(api: FakeSlackAPI, channel: str, ts: str) -> dict[str, object]:
    call = api.wait_for(
        "chat.postMessage",
        lambda c: c.params.get("channel") == channel and c.params.get("thread_ts") == ts,
        timeout=TIMEOUT,
    )  # fmt: skip
    return call.params


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"waited {TIMEOUT}s for {what}"
        time.sleep(0.02)


@pytest.mark.slow
def test_two_replicas_and_a_worker_share_one_index(
    tmp_path: Path, minilm: Embedder, servers: Servers,
    replicas: tuple[Settings, FakeSlackAPI, FakeSocketMode, list[subprocess.Popen[str]]],
) -> None:  # fmt: skip
    settings, api, socket_server, serving = replicas
    initial_path, ingest_path, initial = write_corpora(tmp_path / "corpora")
    before = build_initial_index(settings, minilm, initial_path)
    total = before + INGESTED

    # kill -9 the worker mid-ingest: just after a commit with work left (cannot be missed),
    # then in the middle of a batch's write (journal rows present) if the polling catches one
    assert kill_when(worker(settings, ingest_path), lambda: before < articles(settings) < total)
    kill_when(worker(settings, ingest_path), lambda: catalog_counts(settings)["journal"] > 0)
    killed = snapshot(settings.data_dir, **fields(settings))
    assert before < len(killed["articles"]) < total
    assert set(killed["fts"]) == {c[0] for c in killed["chunks"]}, "catalog rows are all-or-none"
    assert set(killed["vectors"]) >= set(killed["fts"]), "every chunk a reader finds has a vector"

    # the worker again; hold it after its first commit until a question has reached a replica
    process = worker(settings, ingest_path)
    written = len(killed["articles"])
    wait_until(lambda: articles(settings) > written or process.poll() is not None, "a commit")
    process.send_signal(signal.SIGSTOP)
    asked = questions(initial, QUESTIONS)
    sent = [
        (f"C_Q{i:02d}", ask(socket_server, question, f"C_Q{i:02d}", i % REPLICAS))
        for i, (question, _) in enumerate(asked)
    ]
    # one event delivered to a replica and redelivered (after a "timeout") to the other
    twice = fake_slack.event_callback(fake_slack.mention(asked[0][0], channel="C_TWICE"))
    socket_server.send("events_api", twice, connection=0)
    socket_server.send("events_api", twice, connection=1, retry_attempt=1, retry_reason="timeout")
    api.wait_for("reactions.add", lambda c: c.params.get("channel") == "C_Q00", timeout=TIMEOUT)
    ingesting = process.poll() is None and articles(settings) < total
    process.send_signal(signal.SIGCONT)
    assert ingesting, "the worker was done before the questions came"

    posted = [answer_in(api, channel, ts) for channel, ts in sent]
    assert all(p.get("blocks") and p["text"] != blocks.apology_text() for p in posted), posted
    cited = [p for p in posted if "[1]" in str(p["text"])]
    assert len(cited) >= QUESTIONS * 3 // 4, "most questions name an article in the index"

    out, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, err[-3000:]
    assert json.loads(out)["failed"] == []
    stored = snapshot(settings.data_dir, **fields(settings))
    chunk_ids = [c[0] for c in stored["chunks"]]
    assert stored["journal"] == 0 and stored["no_sentence_vectors"] == 0
    assert stored["vectors"] == chunk_ids, "no orphans, no missing vectors"
    assert stored["fts"] == chunk_ids
    assert len(stored["articles"]) == total
    # and what one clean run of the same ingests stores, on a database and collection of its own
    clean = make_settings(tmp_path / "clean", embedder=EMBEDDER, **servers.settings_fields())
    build_initial_index(clean, minilm, initial_path)
    out, err = worker(clean, ingest_path).communicate(timeout=TIMEOUT)
    assert json.loads(out or "{}").get("added") == INGESTED, err[-3000:]
    assert stored == snapshot(clean.data_dir, **fields(clean))

    # an article the worker added: both replicas answer it at once, citing it
    record = json.loads(ingest_path.read_text("utf-8").splitlines()[-1])
    question = f"What do we know about this: {record['title'].rstrip('.?!')}?"
    for replica in range(REPLICAS):
        ts = ask(socket_server, question, f"C_NEW{replica}", replica)
        answer = answer_in(api, f"C_NEW{replica}", ts)
        assert cited_articles(settings, answer)[:1] == [record["id"]], answer["text"]

    # the redelivered event: one reaction, one answer, across both replicas
    answer_in(api, "C_TWICE", twice["event"]["ts"])
    for method in ("reactions.add", "chat.postMessage"):
        calls = [c for c in api.calls_to(method) if c.params.get("channel") == "C_TWICE"]
        assert len(calls) == 1, (method, [c.params for c in calls])
    for process in serving:
        assert process.poll() is None, "a replica died"


def cited_articles(settings: Settings, posted: dict[str, object]) -> list[str]:
    """The articles an answer cites, in order: from its "Show passage" buttons' chunk ids."""
    chunk_ids = [
        parse_passage_value(block["accessory"]["value"])[0]
        for block in posted.get("blocks") or []  # type: ignore[attr-defined]
        if block.get("accessory", {}).get("action_id") == blocks.SHOW_PASSAGE
    ]
    index = Index(make_settings(settings.data_dir, **fields(settings)))
    try:
        return [chunk.article.article_id for chunk in index.chunks(chunk_ids)]
    finally:
        index.close()


def fields(settings: Settings) -> dict[str, object]:
    """The settings `snapshot` opens the shared index with."""
    return {
        "embedder": settings.embedder, "database_url": settings.database_url,
        "chroma_host": settings.chroma_host, "chroma_port": settings.chroma_port,
        "chroma_collection": settings.chroma_collection,
    }  # fmt: skip
