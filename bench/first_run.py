"""First run after install: a fresh data dir's ingest of examples/articles, then the first answer.

    python bench/first_run.py                 # after `make install` (model converted once)
    python bench/first_run.py --cold-cache    # also: the very first run on a machine
    python bench/first_run.py --runs 3        # median of three

What `make run` does for a new user: `newsdesk ingest examples/articles` in one process, then
`newsdesk run` (the terminal chat) answering a first question in another. Each phase runs here
in a fresh Python process doing what those commands do, timed from the process's start to its
end (interpreter start-up included), with its breakdown:

- ingest: imports, model (loading the passage engine: torch and the converted model, or the
  conversion itself when the cache is cold), reading the files, embedding (time inside the
  embedder), index writes (the rest of the pipeline: chunking, SQLite, Chroma);
- answer: imports, opening the index and the asker, the answer itself (query embedding,
  retrieval, the extractive answer).

`--cold-cache` points XDG_CACHE_HOME at an empty folder, so the model is converted and the
engine check runs: the first run on a machine where `make install` did not prepare them. The
machine is shared, so each session's load average before and after is written with its figures
and appended to `bench/results/first_run.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"
RESULTS = ROOT / "bench" / "results"
QUESTION = "Where are the North Korean troops?"


class TimedEmbedder:
    """An embedder that adds up the seconds spent inside it."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder
        self.model_id, self.dim = embedder.model_id, embedder.dim
        self.seconds = 0.0

    def _timed(self, method: str, texts: Sequence[str]) -> Any:
        started = time.perf_counter()
        try:
            return getattr(self.embedder, method)(texts)
        finally:
            self.seconds += time.perf_counter() - started

    def embed_passages(self, texts: Sequence[str]) -> Any:
        return self._timed("embed_passages", texts)

    def embed_queries(self, texts: Sequence[str]) -> Any:
        return self._timed("embed_queries", texts)


def ingest_phase(data_dir: Path) -> dict[str, Any]:
    """`newsdesk ingest examples/articles`, instrumented."""
    marks = [time.perf_counter()]
    from ingest.pipeline import ingest
    from ingest.sources import read_sources
    from newsdesk.embeddings import embedder_for
    from newsdesk.index import Index
    from newsdesk.settings import Settings

    marks.append(time.perf_counter())
    settings = Settings(_env_file=None, data_dir=data_dir)
    embedder = embedder_for(settings)
    engine = getattr(embedder, "engine", None)  # QuickStartE5 loads its passage engine lazily
    if callable(engine):
        engine()
    marks.append(time.perf_counter())
    articles = list(read_sources([str(EXAMPLES)], settings))
    marks.append(time.perf_counter())
    timed = TimedEmbedder(embedder)
    index = Index(settings, timed)  # type: ignore[arg-type]
    report = ingest(articles, index, chunk_size=settings.chunk_size,
                    chunk_overlap=settings.chunk_overlap)  # fmt: skip
    index.close()
    marks.append(time.perf_counter())
    return {
        "imports_s": marks[1] - marks[0], "model_s": marks[2] - marks[1],
        "read_s": marks[3] - marks[2], "embedding_s": timed.seconds,
        "index_writes_s": marks[4] - marks[3] - timed.seconds,
        "articles": report.count("added"), "chunks": sum(i.chunks for i in report.items),
    }  # fmt: skip


def answer_phase(data_dir: Path) -> dict[str, Any]:
    """The first answer of `newsdesk run` (the chat), instrumented."""
    marks = [time.perf_counter()]
    from bot.runtime import make_asker
    from newsdesk.settings import Settings

    marks.append(time.perf_counter())
    asker = make_asker(Settings(_env_file=None, data_dir=data_dir))
    chunks = asker.index.stats().chunks
    marks.append(time.perf_counter())
    answer = asker.ask(QUESTION)
    marks.append(time.perf_counter())
    return {
        "imports_s": marks[1] - marks[0], "open_s": marks[2] - marks[1],
        "answer_s": marks[3] - marks[2], "chunks": chunks, "cited": len(answer.citations),
        "answer": answer.answer[:200],
    }  # fmt: skip


def run_phase(phase: str, data_dir: Path, env: dict[str, str]) -> dict[str, Any]:
    """One phase in a fresh process; its breakdown plus the process's wall time."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--data-dir", str(data_dir)],
        env=env, cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{phase} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {"wall_s": wall, **result}


def one_run(env: dict[str, str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="first-run-") as tmp:
        data_dir = Path(tmp) / "data"
        ingest = run_phase("ingest", data_dir, env)
        answer = run_phase("answer", data_dir, env)
    return {"ingest": ingest, "answer": answer, "total_s": ingest["wall_s"] + answer["wall_s"]}


def rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [rounded(item) for item in value]
    return value


def bench(runs: int, cold_cache: bool) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "SLACK_"))}
    env.update(PYTHONPATH=str(ROOT), NEWSDESK_ENV_FILE=os.devnull, HF_HUB_OFFLINE="1")
    load_before = os.getloadavg()
    results: dict[str, Any] = {}
    if not cold_cache:
        # what `make install` does once per machine; not part of the first run
        subprocess.run([sys.executable, "-m", "newsdesk.e5_engine"], env=env, cwd=ROOT, check=True)
        results["after_install"] = [one_run(env) for _ in range(runs)]
    else:
        with tempfile.TemporaryDirectory(prefix="first-run-cache-") as cache:
            results["cold_cache"] = [one_run({**env, "XDG_CACHE_HOME": cache})]
    summary = {
        name: statistics.median(run["total_s"] for run in measured)
        for name, measured in results.items()
    }
    return rounded({
        "examples": str(EXAMPLES.relative_to(ROOT)), "question": QUESTION,
        "median_total_s": summary, "runs": results,
        "load_average_before": list(load_before), "load_average_after": list(os.getloadavg()),
        "cpus": os.cpu_count(),
    })  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="fresh data dirs, after install")
    parser.add_argument("--cold-cache", action="store_true",
                        help="an empty user cache instead: conversion included")  # fmt: skip
    parser.add_argument("--out", type=Path, default=RESULTS / "first_run.json")
    parser.add_argument("--phase", choices=("ingest", "answer"), help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        phase = ingest_phase if args.phase == "ingest" else answer_phase
        print(json.dumps(phase(args.data_dir)))
        return 0
    result = bench(args.runs, args.cold_cache)
    previous = json.loads(args.out.read_text()) if args.out.exists() else {}
    sessions = [*previous.get("sessions", []), result]  # the load differs: keep every session
    args.out.write_text(json.dumps({"sessions": sessions}, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result["median_total_s"]), f"load {result['load_average_before']}")
    for name, measured in result["runs"].items():
        for run in measured:
            run["answer"].pop("answer", None)
            print(name, json.dumps(run))
    return 0


if __name__ == "__main__":
    sys.exit(main())
