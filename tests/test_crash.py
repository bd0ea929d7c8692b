"""Crash safety: kill -9 an ingest at points chosen by its progress, run it again, get what one
clean run gives."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from newsdesk.index import catalog_counts
from newsdesk.settings import Settings
from tests.support.catalog import snapshot
from tests.support.paths import MINILM, NEWS
from tests.support.settings import cli_command, cli_env, make_settings

EMBEDDER = MINILM  # fast enough to ingest 300 articles often
TOTAL = 300  # articles in `corpus()`


def corpus(path: Path) -> Path:
    """300 short real news passages (FLORES-200 Wikinews, en/ro/fr), one article per line."""
    lines = []
    for lang in ("en", "ro", "fr"):
        source = NEWS / f"flores_wikinews_{lang}.jsonl"
        for row in map(json.loads, source.read_text(encoding="utf-8").splitlines()):
            lines.append(json.dumps({"id": row["id"], "title": row["title"], "text": row["text"],
                                     "lang": lang, "source": "FLORES-200 (Wikinews)"}))  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def ingest_command(data_dir: Path, source: Path) -> tuple[list[str], dict[str, str]]:
    env = cli_env(data_dir, NEWSDESK_EMBEDDER=EMBEDDER)
    return cli_command("ingest", "--json", str(source)), env


def count(data_dir: Path, table: str) -> int:
    """How many rows `table` of the catalog holds now (0 before it exists), read without
    waiting for the writer (WAL): `articles` grows at each committed batch; `journal` holds
    rows only while a batch is half written (vectors in Chroma, catalog not yet committed)."""
    return catalog_counts(make_settings(data_dir))[table]


def kill_when(process: subprocess.Popen[bytes], condition: Callable[[], bool]) -> bool:
    """SIGKILL `process` as soon as `condition()` holds while it runs; False if it ended first."""
    deadline = time.monotonic() + 300
    while process.poll() is None:
        if condition():
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        assert time.monotonic() < deadline, "the ingest made no progress for 5 minutes"
        time.sleep(0.005)
    return False


@pytest.mark.slow
def test_killed_ingests_end_like_one_clean_run(tmp_path: Path) -> None:
    """Killed at points chosen by the index's state, not by the clock: twice just after a run
    committed its first batch (more batches to go: the corpus is ~9 batches), then in the
    middle of a batch's write (journal rows present) if the polling catches one."""
    source = corpus(tmp_path / "articles.jsonl")
    clean_dir, crashed_dir = tmp_path / "clean", tmp_path / "crashed"

    command, env = ingest_command(clean_dir, source)
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["added"] == TOTAL

    command, env = ingest_command(crashed_dir, source)

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip

    for _ in range(2):  # after a commit, with work left: cannot be missed by a fast machine
        before = count(crashed_dir, "articles")
        assert kill_when(start(), lambda: before < count(crashed_dir, "articles") < TOTAL)
    assert 0 < count(crashed_dir, "articles") < TOTAL
    kill_when(start(), lambda: count(crashed_dir, "journal") > 0)  # mid-write, if caught

    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert json.loads(again.stdout)["unchanged"] == TOTAL

    clean = snapshot(clean_dir, embedder=EMBEDDER)
    crashed = snapshot(crashed_dir, embedder=EMBEDDER)
    assert crashed["journal"] == 0 and crashed["no_sentence_vectors"] == 0
    assert crashed["vectors"] == [c[0] for c in crashed["chunks"]], "no orphans, no missing vectors"
    assert crashed["fts"] == [c[0] for c in crashed["chunks"]]
    assert crashed == clean


def test_doctor_reports_a_half_written_index(tmp_path: Path) -> None:
    """Vectors lost (e.g. the chroma folder deleted): doctor says so and how to repair."""
    settings: Settings = make_settings(tmp_path / "data", embedder=EMBEDDER)
    source = tmp_path / "one.jsonl"
    source.write_text(json.dumps({"id": "a1", "title": "T", "text": "Rain fell on the town. "
                                  "Rivers rose fast.", "lang": "en"}) + "\n")  # fmt: skip
    command, env = ingest_command(settings.data_dir, source)
    assert subprocess.run(command, env=env, capture_output=True, timeout=300).returncode == 0
    import shutil

    shutil.rmtree(settings.data_dir / "chroma")
    doctor = cli_command("doctor")
    result = subprocess.run(doctor, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "0 vectors for 1 chunks" in result.stdout and "newsdesk reindex" in result.stdout
    reindex = cli_command("reindex")
    assert subprocess.run(reindex, env=env, capture_output=True, timeout=300).returncode == 0
    result = subprocess.run(doctor, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout
