"""What a person reads, measured: answered, AC, cite@3 and false answers (`bot.evaluate`).

    python bench/answers.py [--limit N]    # writes bench/results/answers.json

The XQuAD dev questions go through the code path of `newsdesk ask` (retrieval, abstention,
the quoted sentence), each pair searched with its corpus language as filter, as
`newsdesk eval --answers` does; the mixed rows search the corpus language plus every other
article in the question's language (see bench/retrieval.py). The sentence scorer of each
question is the one fitted without its article (bench/fit_quote.py's folds), so every AC here
is held-out.

Unanswerable sets: every distinct dev question (623 English, 623 Romanian) asked over the whole
five-language index *without* its gold article and that article's translations (the other 47
stories stay: topical near misses), plus the 76 hand-written bench/unanswerable.jsonl
questions over everything.

Abstention (`bot.extractive.answer_confidence`): a logistic regression over `ABSTAIN_FEATURES`,
answerable (the four filtered pairs) against unanswerable questions, fitted with the same
article-grouped folds, so each question's confidence is held-out too. `--fit` refits it on
everything and writes it into bot/quote_weights.json. The table is at the policy's threshold
(`AnswerPolicy.answer_above`); the script also prints the lowest threshold that keeps false
answers at most 5% on every unanswerable set (held-out), to set that policy value from.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

sys.path.append(str(Path(__file__).resolve().parent))
import common  # noqa: E402
import fit_quote  # noqa: E402
from retrieval import Bench, View  # noqa: E402

from bot import evaluate  # noqa: E402
from bot.answers import Answer, Scope  # noqa: E402
from bot.extractive import (  # noqa: E402
    ABSTAIN_FEATURES,
    DEFAULT_POLICY,
    AbstainModel,
    answer_signals,
    extractive_answer,
)
from bot.quote import (
    WEIGHTS,  # noqa: E402
    QuoteModel,  # noqa: E402
)
from bot.retrieval import DEFAULT_PARAMS, SearchResult, search  # noqa: E402
from newsdesk.index import Filters  # noqa: E402

SCOPE = Scope(240, None, None)
ASK_K = fit_quote.ASK_K


@dataclass(slots=True)
class Scored:
    """One question's answer as if answered (`outcome`), its abstention signals, its fold and
    (once the abstention model is fitted) its confidence."""

    outcome: evaluate.AnswerOutcome
    signals: tuple[float, ...] | None
    fold: int
    confidence: float = 0.0


def score(record: dict, result: SearchResult, model: QuoteModel, answerable: bool) -> Scored:
    question, language = record["question"], record["question_lang"]
    signals = answer_signals(result, question, DEFAULT_POLICY, model, language=language)
    fold = fit_quote.fold_of(record.get("doc_id") or record["qid"])
    if not result.evidence:
        answer = Answer(question, "", language, abstained=True)
    else:
        answer = extractive_answer(question, language, result.evidence, SCOPE, DEFAULT_POLICY,
                                   question, model)  # fmt: skip
    return Scored(evaluate.answer_outcome(record, answer, answerable), signals, fold)


def fit_abstention(scored: list[Scored]) -> AbstainModel:
    usable = [s for s in scored if s.signals is not None]
    x = np.array([s.signals for s in usable], np.float64)
    y = np.array([float(s.outcome.answerable) for s in usable])
    return AbstainModel(*fit_quote.logistic(x, y))


def held_out_confidence(rows: dict[str, list[Scored]]) -> None:
    """Set each question's confidence by the abstention model fitted on the other folds."""
    everything = [s for name, scored in rows.items() if "mixed" not in name for s in scored]
    for f in range(fit_quote.FOLDS):
        model = fit_abstention([s for s in everything if s.fold != f])
        for scored in rows.values():
            for s in scored:
                if s.fold == f:
                    s.confidence = 0.0 if s.signals is None else model.probability(s.signals)


def at(scored: list[Scored], threshold: float) -> list[evaluate.AnswerOutcome]:
    """The outcomes when questions below `threshold` are abstained on."""
    out = []
    for s in scored:
        o = s.outcome
        if s.confidence < threshold:
            o = replace(o, answered=False, correct=False, cited=False)
        out.append(o)
    return out


def without_gold(bench: Bench, record: dict) -> View:
    """The whole index without the record's gold article and its translations."""
    gold = evaluate.translations_of(record["doc_id"])
    view = View(bench.index, lambda article_id: not gold(article_id))
    view._by_key = bench.view._by_key
    return view


@dataclass(frozen=True, slots=True)
class Case:
    """One question asked of one index: the row it counts in, what was searched (`view` with
    `filters`), what was found, and the sentence model that scores it (held out)."""

    row: str
    record: dict
    result: SearchResult
    model: QuoteModel
    answerable: bool
    view: View
    filters: Filters


def cases(bench: Bench, models: dict[int, QuoteModel]) -> Iterator[Case]:
    """The questions of every row: the four pairs, the two mixed rows, the unanswerable sets."""
    for pair in common.PAIRS:
        for r in bench.sets[pair]:
            model = models[fit_quote.fold_of(r["doc_id"])]
            result = bench.result(r, DEFAULT_PARAMS, ASK_K)
            yield Case(pair, r, result, model, True, bench.view, Filters(lang=r["corpus_lang"]))
    for pair in ("en-ro", "ro-en"):
        for r in bench.sets[pair]:
            model = models[fit_quote.fold_of(r["doc_id"])]
            result = bench.result(r, DEFAULT_PARAMS, ASK_K, mixed=True)
            view = bench.mixed_views[(r["question_lang"], r["corpus_lang"], r["doc_id"])]
            yield Case(f"{pair} mixed", r, result, model, True, view, Filters())
    distinct = {r["question"]: r for pair in ("en-ro", "ro-en") for r in bench.sets[pair]}
    for r in distinct.values():
        model = models[fit_quote.fold_of(r["doc_id"])]
        view = without_gold(bench, r)
        result = search(view, bench.vectors[r["question"]], bench.terms[r["question"]], ASK_K,  # type: ignore[arg-type]
                        Filters(), DEFAULT_PARAMS, bench.means)  # fmt: skip
        yield Case(f"{r['question_lang']} without gold", r, result, model, False, view, Filters())
    for r in bench.unanswerable:
        result = bench.result(r, DEFAULT_PARAMS, ASK_K, filtered=False)
        yield Case("unanswerable.jsonl", r, result, models[0], False, bench.view, Filters())


def run(bench: Bench, models: dict[int, QuoteModel]) -> dict[str, list[Scored]]:
    """Scored answers per row (`cases`)."""
    rows: dict[str, list[Scored]] = {}
    for c in cases(bench, models):
        rows.setdefault(c.row, []).append(score(c.record, c.result, c.model, c.answerable))
    return rows


def table(rows: dict[str, list[Scored]], threshold: float) -> dict[str, evaluate.AnswerMetrics]:
    return {name: evaluate.answer_metrics(at(scored, threshold)) for name, scored in rows.items()}


def best_threshold(rows: dict[str, list[Scored]], limit: float = 0.05) -> float:
    """The lowest threshold with every unanswerable set's false answers at most `limit`."""
    unanswerable = [s for scored in rows.values() for s in scored if not s.outcome.answerable]
    values = sorted({s.confidence for s in unanswerable if np.isfinite(s.confidence)})
    for t in values:
        if all(evaluate.answer_metrics(at(scored, t)).false_answer <= limit
               for scored in rows.values() if not scored[0].outcome.answerable):  # fmt: skip
            return t
    return values[-1] + 1e-6 if values else DEFAULT_POLICY.abstain_below


def write_abstention(model: AbstainModel) -> None:
    data = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    data["abstain"] = {"fitted_by": "bench/answers.py --fit", "features": list(ABSTAIN_FEATURES),
                       "mean": [round(v, 6) for v in model.mean],
                       "scale": [round(v, 6) for v in model.scale],
                       "weights": [round(v, 6) for v in model.weights]}  # fmt: skip
    WEIGHTS.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=0, help="first N questions per pair")
    parser.add_argument("--out", type=Path, default=common.RESULTS / "answers.json")
    parser.add_argument("--fit", action="store_true", help="refit the abstention model, write it")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    index = common.xquad_index()
    bench = Bench(index, index.embedder, "dev", args.limit)
    models = fit_quote.fold_models(fit_quote.training_rows(bench, limit=args.limit))
    rows = run(bench, models)
    held_out_confidence(rows)
    if args.fit:
        fitted_on = [s for name, sc in rows.items() if "mixed" not in name for s in sc]
        write_abstention(fit_abstention(fitted_on))
    threshold = DEFAULT_POLICY.answer_above
    metrics = table(rows, threshold)
    best = best_threshold(rows)
    result = {
        "split": "dev", "threshold": threshold,
        "rows": {name: m.as_json() for name, m in metrics.items()},
        "threshold_for_5pct_false_answers": round(best, 4),
        "rows_at_that_threshold": {n: m.as_json() for n, m in table(rows, best).items()},
        "seconds": round(time.perf_counter() - started, 1),
    }  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"abstention threshold {threshold} (AnswerPolicy.answer_above)\n")
    print(evaluate.answer_table(metrics))
    print(f"\nlowest threshold with false answers <= 5% on every unanswerable set: {best:.4f}\n")
    print(evaluate.answer_table(table(rows, best)))
    print(f"\nwritten to {args.out} ({result['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
