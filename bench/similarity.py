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

from bot.evaluate import contains_answer  # noqa: E402
from bot.quote import candidates  # noqa: E402
from newsdesk.articles import Span  # noqa: E402

RERANK = 5  # passages re-ranked by their best sentence's learned similarity
RERANK_WEIGHTS = (0.0, 0.01, 0.03, 0.1)  # 0: today's order (the passage score alone)
SOURCES = ("bot/quote.py", "bot/retrieval.py", "bench/fit_quote.py", "bench/similarity.py")


def cache_path() -> Path:
    digest = hashlib.sha1()
    for name in SOURCES:
        digest.update((common.ROOT / name).read_bytes())
    return common.CACHE / f"similarity-rows-{digest.hexdigest()[:10]}.npz"


def vectors(rows: fit_quote.Rows) -> dict[str, np.ndarray]:
    """Per candidate row (in `rows` order): the sentence's stored vector and the previous
    sentence's (zeros for a chunk's first sentence)."""
    s, prev = [], []
    for record, result in zip(rows.records, rows.results, strict=True):
        for cand in candidates(record["question"], result.evidence, fit_quote.PASSAGES):
            ev = result.evidence[cand.evidence]
            raw = list(ev.chunk.sentences) or [Span(0, len(ev.chunk.text))]
            own = ev.vector_of(raw[cand.position])
            before = ev.vector_of(raw[cand.position - 1]) if cand.position else None
            s.append(own)
            prev.append(np.zeros_like(own) if before is None else before)
    return {"s": np.array(s, np.float32), "prev": np.array(prev, np.float32)}


def passages(rows: fit_quote.Rows) -> dict[str, np.ndarray]:
    """The first `RERANK` passages of every question: its index, score, whether it is a passage
    of the gold article holding an answer; and every sentence vector with its passage."""
    owner, score, hit, sentence_of, sentences = [], [], [], [], []
    for q, (record, result) in enumerate(zip(rows.records, rows.results, strict=True)):
        for ev in result.evidence[:RERANK]:
            if ev.sentence_vectors is None:
                continue
            gold = ev.chunk.article.article_id == record["doc_id"]
            sentence_of.extend([len(owner)] * len(ev.sentence_vectors))
            sentences.extend(ev.sentence_vectors)
            owner.append(q)
            score.append(ev.score)
            hit.append(float(gold and contains_answer(ev.chunk.text, record["answers"])))
    return {"passage_question": np.array(owner), "passage_score": np.array(score),
            "passage_hit": np.array(hit), "sentence_passage": np.array(sentence_of),
            "sentence_vector": np.array(sentences, np.float32)}  # fmt: skip


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
        "x": rows.x, "y": rows.y, "question": rows.question, **vectors(rows), **passages(rows),
        "question_vector": np.array([bench.vectors[r["question"]] for r in rows.records]),
        "fold": np.array([fit_quote.fold_of(r["doc_id"]) for r in rows.records]),
        "pair": np.array([f"{r['question_lang']}-{r['corpus_lang']}" for r in rows.records]),
    }  # fmt: skip
    common.CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(path, **data)
    return data


Linear = tuple[np.ndarray, np.ndarray, np.ndarray]  # mean, scale, weights (bias first)


def fit(x: np.ndarray, y: np.ndarray, train: np.ndarray, l2: float) -> Linear:
    """A logistic regression fitted on the `train` rows."""
    with_bias = np.hstack([np.ones((len(x), 1)), x])
    mean, scale, w = fit_quote.logistic(with_bias[train], y[train], l2)
    return np.array(mean), np.array(scale), np.array(w)


def logits(model: Linear, x: np.ndarray) -> np.ndarray:
    mean, scale, w = model
    return ((np.hstack([np.ones((len(x), 1)), x]) - mean) / scale) @ w


def linear(x: np.ndarray, y: np.ndarray, train: np.ndarray, l2: float) -> np.ndarray:
    """The logit of every row under a logistic regression fitted on the `train` rows."""
    return logits(fit(x, y, train, l2), x)


def cross_fitted(z: np.ndarray, y: np.ndarray, folds: np.ndarray, l2: float,
                 excluded: int | None = None) -> np.ndarray:  # fmt: skip
    """Each row's learned similarity from weights fitted without its fold (and `excluded`)."""
    out = np.zeros(len(y))
    for f in sorted(set(folds.tolist()) - {excluded}):
        rows = folds == f
        out[rows] = linear(z, y, ~rows & (folds != excluded), l2)[rows]
    return out


def hit_rates(scores: np.ndarray, owner: np.ndarray, hit: np.ndarray,
              data: dict[str, np.ndarray]) -> dict[str, float]:  # fmt: skip
    """Per pair: how often the best-scored row of a question (`owner`) is a `hit`."""
    order = np.lexsort((-scores, owner))
    first = order[np.r_[True, owner[order][1:] != owner[order][:-1]]]
    won = np.zeros(len(data["pair"]))
    won[owner[first]] = hit[first]
    return {p: round(float(won[data["pair"] == p].mean()), 3) for p in common.PAIRS}


def picked(scores: np.ndarray, data: dict[str, np.ndarray]) -> dict[str, float]:
    """Per pair: how often the best-scored candidate sentence of a question holds the answer."""
    return hit_rates(scores, data["question"], data["y"], data)


def best_sentences(data: dict[str, np.ndarray], l2: float) -> np.ndarray:
    """Each of the first `RERANK` passages' best learned similarity (q⊙s) over its sentences,
    from weights fitted on the candidate rows of the other folds."""
    owner, sentence_of = data["passage_question"], data["sentence_passage"]
    pairs = data["question_vector"][owner[sentence_of]] * data["sentence_vector"]
    rows = data["question_vector"][data["question"]] * data["s"]
    best = np.full(len(owner), -np.inf)
    for f in range(fit_quote.FOLDS):
        mine = data["fold"][owner[sentence_of]] == f
        model = fit(rows, data["y"], data["fold"][data["question"]] != f, l2)
        np.maximum.at(best, sentence_of[mine], logits(model, pairs[mine]))
    return best


def reranked(data: dict[str, np.ndarray], best: np.ndarray, weight: float) -> dict[str, float]:
    """Per pair: how often the first passage holds an answer when each passage's score gets
    `weight` times its `best_sentences` value."""
    score = data["passage_score"] + weight * best
    return hit_rates(score, data["passage_question"], data["passage_hit"], data)


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
    q = data["question_vector"][data["question"]]
    z = q * data["s"]
    result = {
        "quote model (shipped features)": picked(quote_model(data, folds), data),
        "raw e5 cosine alone": picked(z.sum(axis=1), data),
    }
    best = best_sentences(data, args.l2[0])
    for weight in RERANK_WEIGHTS:
        name = f"first passage holds an answer, re-ranked with weight {weight}, l2={args.l2[0]}"
        result[name] = reranked(data, best, weight)
    if args.context:
        z = np.hstack([z, q * data["prev"]])
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
