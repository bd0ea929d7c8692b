"""Does a learned question/sentence similarity help the quote model choose the sentence?

    python bench/similarity.py [--l2 A B ...] [--context] [--nested]

Every candidate sentence of bench/fit_quote.py (XQuAD dev, four pairs, the first three passages)
already has its stored e5 vector, and the question its query vector. The learned similarity is
a diagonal bilinear score: a logistic regression (`fit_quote.logistic`, L2 on standardised
features) over q⊙s (with `--context` also q⊙(previous sentence)), labelled like the quote
model's rows ("this sentence of the gold article holds an answer"). Cross-fitted by article
(`fit_quote.fold_of`): a question's score comes from weights fitted without its article in any
language. It is then one more column of the quote model; with `--nested`, the quote model of
fold f is trained on similarity scores that exclude fold f too (inner folds), so it never sees
in-sample scores.

Printed per pair: how often the held-out argmax sentence is an answer-bearing sentence of the
gold article, for the quote model as shipped, the raw e5 cosine alone, the learned similarity
alone, and the quote model with the learned similarity. The candidate rows and vectors are
cached in bench/.cache (keyed by the code that makes them), so a rerun takes seconds plus the
fits (~7 s each).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

sys.path.append(str(Path(__file__).resolve().parent))
import common  # noqa: E402
import fit_quote  # noqa: E402
from retrieval import Bench  # noqa: E402

from bot.quote import candidates  # noqa: E402
from newsdesk.articles import Span  # noqa: E402

SOURCES = ("bot/quote.py", "bot/retrieval.py", "bench/fit_quote.py", "ingest/chunking.py")


def cache_path() -> Path:
    digest = hashlib.sha1()
    for name in SOURCES:
        digest.update((common.ROOT / name).read_bytes())
    return common.CACHE / f"similarity-rows-{digest.hexdigest()[:10]}.npz"


def vectors(rows: fit_quote.Rows, bench: Bench) -> dict[str, np.ndarray]:
    """Per candidate row (in `rows` order): the question's vector, the sentence's stored vector
    and the previous sentence's (zeros for a chunk's first sentence)."""
    q, s, prev = [], [], []
    for record, result in zip(rows.records, rows.results, strict=True):
        for cand in candidates(record["question"], result.evidence, fit_quote.PASSAGES):
            ev = result.evidence[cand.evidence]
            raw = list(ev.chunk.sentences) or [Span(0, len(ev.chunk.text))]
            own = ev.vector_of(raw[cand.position])
            before = ev.vector_of(raw[cand.position - 1]) if cand.position else None
            q.append(bench.vectors[record["question"]])
            s.append(own)
            prev.append(np.zeros_like(own) if before is None else before)
    return {"q": np.array(q, np.float32), "s": np.array(s, np.float32),
            "prev": np.array(prev, np.float32)}  # fmt: skip


def load_rows() -> dict[str, np.ndarray]:
    """The quote model's rows with their vectors, questions, folds and pairs (cached)."""
    path = cache_path()
    if path.exists():
        with np.load(path) as stored:
            return dict(stored)
    index = common.xquad_index()
    bench = Bench(index, index.embedder, "dev")
    rows = fit_quote.collect(bench, fit_quote.all_records(bench))
    data = {
        "x": rows.x, "y": rows.y, "question": rows.question, **vectors(rows, bench),
        "fold": np.array([fit_quote.fold_of(r["doc_id"]) for r in rows.records]),
        "pair": np.array([f"{r['question_lang']}-{r['corpus_lang']}" for r in rows.records]),
    }  # fmt: skip
    common.CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(path, **data)
    return data


def linear(x: np.ndarray, y: np.ndarray, train: np.ndarray, l2: float) -> np.ndarray:
    """The logit of every row under a logistic regression fitted on the `train` rows."""
    with_bias = np.hstack([np.ones((len(x), 1)), x])
    mean, scale, w = fit_quote.logistic(with_bias[train], y[train], l2)
    return ((with_bias - np.array(mean)) / np.array(scale)) @ np.array(w)


def cross_fitted(z: np.ndarray, y: np.ndarray, folds: np.ndarray, l2: float,
                 excluded: int | None = None) -> np.ndarray:  # fmt: skip
    """Each row's learned similarity from weights fitted without its fold (and `excluded`)."""
    out = np.zeros(len(y))
    for f in sorted(set(folds.tolist()) - {excluded}):
        rows = folds == f
        out[rows] = linear(z, y, ~rows & (folds != excluded), l2)[rows]
    return out


def picked(scores: np.ndarray, data: dict[str, np.ndarray]) -> dict[str, float]:
    """Per pair: how often the best-scored candidate of a question holds the answer."""
    owner, y = data["question"], data["y"]
    order = np.lexsort((-scores, owner))
    first = order[np.r_[True, owner[order][1:] != owner[order][:-1]]]
    hit = np.zeros(len(data["pair"]))
    hit[owner[first]] = y[first]
    return {p: round(float(hit[data["pair"] == p].mean()), 3) for p in common.PAIRS}


def quote_model(data: dict[str, np.ndarray], folds: np.ndarray,
                extra: dict[int, np.ndarray] | None = None) -> np.ndarray:  # fmt: skip
    """Held-out quote-model logits; `extra[f]` is a column added for the model of fold f."""
    out = np.zeros(len(folds))
    for f in range(fit_quote.FOLDS):
        x = data["x"] if extra is None else np.hstack([data["x"], extra[f][:, None]])
        mean, scale, w = fit_quote.logistic(x[folds != f], data["y"][folds != f])
        out[folds == f] = (((x - np.array(mean)) / np.array(scale)) @ np.array(w))[folds == f]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--l2", type=float, nargs="+", default=[100.0])
    parser.add_argument("--context", action="store_true", help="add q⊙(previous sentence)")
    parser.add_argument("--nested", action="store_true", help="inner folds for the quote model")
    args = parser.parse_args(argv)
    data = load_rows()
    folds = data["fold"][data["question"]]
    z = data["q"] * data["s"]
    if args.context:
        z = np.hstack([z, data["q"] * data["prev"]])
    result = {
        "quote model (shipped features)": picked(quote_model(data, folds), data),
        "raw e5 cosine alone": picked(z[:, : data["q"].shape[1]].sum(axis=1), data),
    }
    for l2 in args.l2:
        learned = cross_fitted(z, data["y"], folds, l2)
        result[f"learned similarity alone, l2={l2}"] = picked(learned, data)
        inner = {f: np.where(folds == f, learned, cross_fitted(z, data["y"], folds, l2, f))
                 if args.nested else learned for f in range(fit_quote.FOLDS)}  # fmt: skip
        name = f"quote model + learned similarity, l2={l2}, {'nested' if args.nested else 'plain'}"
        result[name] = picked(quote_model(data, folds, inner), data)
        print(json.dumps({name: result[name]}), flush=True)
    out = common.RESULTS / "similarity.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for name, rates in result.items():
        print(f"{name:60s} " + "  ".join(f"{p} {v:.3f}" for p, v in rates.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
