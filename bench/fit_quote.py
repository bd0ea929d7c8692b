"""Fit the sentence scorer of `bot.quote` on XQuAD dev and news questions; write its weights.

    python bench/fit_quote.py [--limit N] [--second P] [--runner-up S] [--news-weight W]
                               [--listwise L] [--no-write]

Every XQuAD dev question (en-en, ro-ro, en-ro, ro-en) is searched as `newsdesk ask` searches
it (its corpus language as filter), and every answerable news question of bench/newsqa over
the news index of bench/news_answers.py (no filter; each counts `--news-weight` times: they
are fewer, and news is what the tool is for); every candidate sentence (`bot.quote.pool`) is
a row of `bot.quote.FEATURES`, labelled 1 when it belongs to the gold article and contains a
gold answer (`bot.evaluate.contains_answer`). A logistic regression (numpy, Newton steps, L2)
whose loss also holds each question's choice among its candidates (`--listwise`, see
`logistic`) is fitted with article-grouped 5-fold cross-validation: the folds split the
articles, and a question is always scored by a model that never saw its article in any
language. The printed rates are held-out ones (the quote holds an answer, with the runner-up
sentence when one is quoted); the written weights are refitted on all questions.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

sys.path.append(str(Path(__file__).resolve().parent))
import common  # noqa: E402
from retrieval import Bench  # noqa: E402

from bot.evaluate import contains_answer  # noqa: E402
from bot.quote import FEATURES, WEIGHTS, QuoteModel, candidates, choose  # noqa: E402
from bot.retrieval import DEFAULT_PARAMS  # noqa: E402
from newsdesk.settings import Settings  # noqa: E402

FOLDS = 5
L2 = 1.0
PASSAGES = 3
SECOND = 0.25
NEWS_WEIGHT = 4.0
RUNNER_UP = 0.6
LISTWISE = 4.0  # weight of each question's choice among its sentences (`logistic`)
ASK_K = Settings.model_fields["top_k"].default  # passages `ask` retrieves by default


def group_of(doc_id: str) -> str:
    """The article a question is about, the same in every language (`xquad-ro-x` -> `x`)."""
    return doc_id.split("-", 2)[-1]


def fold_of(doc_id: str, folds: int = FOLDS) -> int:
    return zlib.crc32(group_of(doc_id).encode()) % folds


@dataclass(slots=True)
class Rows:
    """Feature rows of every candidate sentence, and which question each belongs to."""

    x: np.ndarray
    y: np.ndarray
    question: np.ndarray  # index into `records`
    records: list[dict]
    results: list  # the SearchResult of each record
    weight: np.ndarray  # each row's weight in the fit (a question of a smaller set counts more)

    def __add__(self, other: Rows) -> Rows:
        return Rows(np.vstack([self.x, other.x]), np.concatenate([self.y, other.y]),
                    np.concatenate([self.question, other.question + len(self.records)]),
                    self.records + other.records, self.results + other.results,
                    np.concatenate([self.weight, other.weight]))  # fmt: skip


def collect(bench: Bench, records: Sequence[dict], passages: int = PASSAGES,
            weight: float = 1.0) -> Rows:  # fmt: skip
    xs: list[tuple[float, ...]] = []
    ys: list[float] = []
    owner: list[int] = []
    results = []
    for q, record in enumerate(records):
        result = bench.result(record, DEFAULT_PARAMS, ASK_K)
        results.append(result)
        for cand in candidates(record["question"], result.evidence, passages):
            ev = result.evidence[cand.evidence]
            text = ev.chunk.text[cand.span.start : cand.span.end]
            gold = ev.chunk.article.article_id == record["doc_id"]
            xs.append(cand.features)
            ys.append(float(gold and contains_answer(text, record["answers"])))
            owner.append(q)
    return Rows(np.array(xs, np.float64), np.array(ys, np.float64), np.array(owner, int),
                list(records), results, np.full(len(ys), weight))  # fmt: skip


def logistic(x: np.ndarray, y: np.ndarray, l2: float = L2, steps: int = 30,
             weight: np.ndarray | None = None, question: np.ndarray | None = None,
             listwise: float = 0.0,
             ) -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]:  # fmt: skip
    """Logistic regression by Newton steps on standardised features; column 0 is the bias
    (not standardised, not penalised); `weight`: each row's (default 1). Returns (mean, scale,
    weights).

    With `question` (each row's question) and `listwise` > 0, the loss also holds, times
    `listwise`, each question's choice among its rows: minus the log of the softmax mass of its
    positive rows (questions without one left out). The pointwise part keeps the output a
    probability (abstention and the second and runner-up quotes read it as one); the choice
    part is what a quote is: the best sentence of one question, not every sentence of all
    questions ranked together, which a news lead, likely for every question of its story,
    wins too often otherwise."""
    weight = np.ones(len(y)) if weight is None else weight
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    mean[0], scale[0] = 0.0, 1.0
    scale[scale < 1e-9] = 1.0
    z = (x - mean) / scale
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[0] = 0.0
    choice = None
    if question is not None and listwise > 0:
        choice = QuestionChoice(z, y, question, weight)

    def loss(w: np.ndarray) -> float:
        a = z @ w
        point = weight @ (np.logaddexp(0.0, a) - y * a)
        return point + 0.5 * w @ (penalty * w) + (listwise * choice.loss(a) if choice else 0.0)

    current = loss(w)
    for _ in range(steps):
        a = z @ w
        p = 1.0 / (1.0 + np.exp(-a))
        gradient = z.T @ (weight * (p - y)) + penalty * w
        hessian = (z * (weight * p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-9)
        if choice:
            g, h = choice.derivatives(a)
            gradient += listwise * g
            hessian += listwise * h
        step = np.linalg.solve(hessian, gradient)
        shrink = 1.0  # halve the step until the loss falls (the choice part is not convex)
        while (trial := loss(w - shrink * step)) > current and shrink > 1e-3:
            shrink /= 2
        w -= shrink * step
        current = trial
        if np.abs(shrink * step).max() < 1e-8:
            break
    return tuple(mean), tuple(scale), tuple(w)


class QuestionChoice:
    """The per-question softmax term of `logistic`: -log(sum over a question's positive rows
    of exp(a)) + log(sum over all its rows), weighted by the question's weight."""

    def __init__(self, z: np.ndarray, y: np.ndarray, question: np.ndarray, weight: np.ndarray):
        _, self.owner = np.unique(question, return_inverse=True)
        n = int(self.owner.max()) + 1 if len(self.owner) else 0  # a fold may train on none
        has = np.zeros(n)
        np.add.at(has, self.owner, y)
        self.keep = has > 0
        self.qweight = np.zeros(n)
        self.qweight[self.owner] = weight
        self.qweight[~self.keep] = 0.0
        self.z, self.y, self.n = z, y, n

    def _masses(self, a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each row's exp(a) (shifted by its question's largest a, which cancels), and each
        question's sum of them over all its rows and over its positive ones."""
        top = np.full(self.n, -np.inf)
        np.maximum.at(top, self.owner, a)
        e = np.exp(a - top[self.owner])
        total = np.zeros(self.n)
        np.add.at(total, self.owner, e)
        positive = np.zeros(self.n)
        np.add.at(positive, self.owner, e * self.y)
        return e, total, positive

    def loss(self, a: np.ndarray) -> float:
        _, total, positive = self._masses(a)
        kept = self.keep
        return float(self.qweight[kept] @ (np.log(total[kept]) - np.log(positive[kept])))

    def derivatives(self, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gradient and Hessian: the difference of the softmax over all rows and over the
        positive ones, in mean (gradient) and covariance (Hessian)."""
        e, total, positive = self._masses(a)
        rw = self.qweight[self.owner]
        p_all = e / total[self.owner]
        p_pos = np.where(self.y > 0, e / np.maximum(positive[self.owner], 1e-300), 0.0)
        gradient = (rw * (p_all - p_pos)) @ self.z
        return gradient, self._covariance(p_all, rw) - self._covariance(p_pos, rw)

    def _covariance(self, p: np.ndarray, rw: np.ndarray) -> np.ndarray:
        """Sum over questions of the covariance of z under each question's distribution p."""
        mean = np.zeros((self.n, self.z.shape[1]))
        np.add.at(mean, self.owner, p[:, None] * self.z)
        centred = self.z - mean[self.owner]
        return (centred * (rw * p)[:, None]).T @ centred


def fit_logistic(rows: Rows, keep: np.ndarray | None = None, l2: float = L2,
                 listwise: float = LISTWISE) -> QuoteModel:  # fmt: skip
    """The model fitted on `rows` (those `keep` selects)."""
    keep = np.ones(len(rows.y), bool) if keep is None else keep
    return QuoteModel(*logistic(rows.x[keep], rows.y[keep], l2, weight=rows.weight[keep],
                                question=rows.question[keep], listwise=listwise),
                      PASSAGES, SECOND)  # fmt: skip


def fold_models(rows: Rows, l2: float = L2, second: float = SECOND,
                runner_up: float = RUNNER_UP, listwise: float = LISTWISE,
                ) -> dict[int, QuoteModel]:  # fmt: skip
    """One model per fold, fitted on the other folds' articles."""
    folds = np.array([fold_of(rows.records[q]["doc_id"]) for q in rows.question])
    return {
        f: replace(fit_logistic(rows, folds != f, l2, listwise), second=second,
                   runner_up=runner_up)
        for f in range(FOLDS)
    }


def held_out_rates(rows: Rows, models: dict[int, QuoteModel]) -> dict[str, dict[str, float]]:
    """Per pair: how often the quoted span (chosen by the held-out model) contains an answer,
    how often the top passage's best sentence did (the old quote), the share of quotes of two
    adjacent sentences, and of answers that quote a runner-up too."""
    out: dict[str, list[tuple[bool, bool, bool, bool]]] = {}
    for record, result in zip(rows.records, rows.results, strict=True):
        model = models[fold_of(record["doc_id"])]
        choice = choose(record["question"], result.evidence, model)
        new = old = two = more = False
        if choice is not None:
            ev = result.evidence[choice.evidence]
            span = choice.sentence.span
            new = contains_answer(ev.chunk.text[span.start : span.end], record["answers"])
            two = sum(1 for s in ev.chunk.sentences if span.start <= s.start < span.end) > 1
            if choice.runner_up is not None:
                more = True
                other, sentence = choice.runner_up
                text = result.evidence[other].chunk.text
                new |= contains_answer(text[sentence.span.start : sentence.span.end],
                                       record["answers"])  # fmt: skip
        if result.evidence and result.evidence[0].sentences:
            top = result.evidence[0]
            span = top.sentences[0].span
            old = contains_answer(top.chunk.text[span.start : span.end], record["answers"])
        pair = f"{record.get('set', '')} {record['question_lang']}-{record['corpus_lang']}"
        out.setdefault(pair.strip(), []).append((new, old, two, more))
    return {
        pair: {"quote_contains_answer": float(np.mean([v[0] for v in vals])),
               "old_quote_contains_answer": float(np.mean([v[1] for v in vals])),
               "two_sentences": float(np.mean([v[2] for v in vals])),
               "runner_up": float(np.mean([v[3] for v in vals]))}
        for pair, vals in out.items()
    }  # fmt: skip


def all_records(bench: Bench) -> list[dict]:
    return [r for pair in common.PAIRS for r in bench.sets[pair]]


def training_rows(bench: Bench, news_weight: float = NEWS_WEIGHT, limit: int = 0) -> Rows:
    """What every quote model is fitted on: the XQuAD dev questions of `bench` and the news
    questions of bench/newsqa (each of those counts `news_weight` times: there are fewer, and
    they are what the tool is for)."""
    import news_answers as newsqa

    rows = collect(bench, all_records(bench))
    news = [r for r in newsqa.questions() if r.get("answerable", True)]
    news = news[:limit] if limit else news
    if not news:
        return rows
    return rows + collect(newsqa.NewsBench(newsqa.news_index(), news), news, weight=news_weight)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=0, help="first N questions per pair")
    parser.add_argument("--l2", type=float, default=L2)
    parser.add_argument("--second", type=float, nargs="+", default=[SECOND])
    parser.add_argument("--runner-up", type=float, nargs="+", default=[RUNNER_UP])
    parser.add_argument("--news-weight", type=float, default=NEWS_WEIGHT)
    parser.add_argument("--listwise", type=float, nargs="+", default=[LISTWISE],
                        help="weight of each question's choice among its sentences (0: pointwise)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    index = common.xquad_index()
    bench = Bench(index, index.embedder, "dev", args.limit)
    rows = training_rows(bench, args.news_weight, args.limit)
    print(f"{len(rows.records)} questions, {len(rows.y)} candidate sentences, "
          f"{int(rows.y.sum())} answer-bearing", file=sys.stderr)  # fmt: skip
    for listwise, second, share in itertools.product(args.listwise, args.second, args.runner_up):
        rates = held_out_rates(rows, fold_models(rows, args.l2, second, share, listwise))
        print(f"listwise {listwise}, second >= {second}, runner-up >= {share}: "
              + json.dumps({p: {k: round(v, 3) for k, v in r.items()}
                            for p, r in rates.items()}))  # fmt: skip
    if not args.no_write:
        model = fit_logistic(rows, l2=args.l2, listwise=args.listwise[0])
        old = json.loads(WEIGHTS.read_text(encoding="utf-8")) if WEIGHTS.exists() else {}
        WEIGHTS.write_text(json.dumps({**old,
            "fitted_by": "bench/fit_quote.py", "data": "XQuAD dev, 4 pairs; bench/newsqa",
            "features": list(FEATURES), "mean": [round(v, 6) for v in model.mean],
            "scale": [round(v, 6) for v in model.scale],
            "weights": [round(v, 6) for v in model.weights],
            "passages": PASSAGES, "second": args.second[0], "runner_up": args.runner_up[0],
        }, indent=1) + "\n", encoding="utf-8")  # fmt: skip
        print(f"written {WEIGHTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
