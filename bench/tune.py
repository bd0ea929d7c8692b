"""Tune `RetrievalParams` on the XQuAD dev questions (coordinate search; a developer's tool).

    python bench/tune.py [--limit N]

The objective is the mean, over en-en, ro-ro, en-ro, ro-en and the two mixed rows, of
R@1 + MRR@10. It prints each improvement and the best setting; the defaults in
bot/retrieval.py are set by hand from its output. Dev questions only: the published numbers
are re-checked on held-back ones.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict, replace
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent))
import common  # noqa: E402
from retrieval import Bench  # noqa: E402

from bot import evaluate  # noqa: E402
from bot.retrieval import DEFAULT_PARAMS, RetrievalParams  # noqa: E402

GRID: dict[str, list[float]] = {
    "rrf_k": [5, 10, 20, 40, 60, 100],
    "lexical_weight": [0.0, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0],
    "fused_weight": [0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8],
    "sentence_lexical": [0.0, 0.02, 0.05, 0.1, 0.2, 0.3],
    "sentence_weight": [0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0],
    "passage_weight": [0.0, 0.5, 1.0, 1.5],
    "rerank": [10, 20, 30, 40],
    "centering": [0.0, 0.5, 0.75, 1.0, 1.25, 1.5],
    "sentence_top": [1, 2, 3],
}


def objective(bench: Bench, params: RetrievalParams) -> tuple[float, dict[str, float]]:
    scores = {}
    for pair in common.PAIRS:
        m = evaluate.metrics(bench.outcomes(pair, params), 0.0)
        scores[pair] = m.r1 + m.mrr10
    for pair in ("en-ro", "ro-en"):
        m = evaluate.metrics(bench.outcomes(pair, params, mixed=True), 0.0)
        scores[f"{pair} mixed"] = m.r1 + m.mrr10
    return sum(scores.values()) / len(scores), scores


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    index = common.xquad_index()
    bench = Bench(index, index.embedder, "dev", args.limit)
    best = DEFAULT_PARAMS
    best_score, detail = objective(bench, best)
    print(f"start {best_score:.4f} {detail}", flush=True)
    for _ in range(args.rounds):
        improved = False
        for name, values in GRID.items():
            for value in values:
                trial = replace(best, **{name: type(getattr(best, name))(value)})
                score, detail = objective(bench, trial)
                if score > best_score + 1e-6:
                    best, best_score, improved = trial, score, True
                    print(f"{name}={value}: {score:.4f} {detail}", flush=True)
        if not improved:
            break
    print("best:", {k: v for k, v in asdict(best).items() if k in GRID}, f"{best_score:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
