"""Retrieval on two domains in one run: XQuAD (Wikipedia paragraphs) and RealTimeQA (news).

    python bench/domains.py --rtqa /work/rtqa          # writes bench/results/domains.json
    python bench/domains.py --rtqa DIR --sample 600    # a fixed random 600 RTQA questions (tuning)

RealTimeQA (see ../shared/bench/README.md) is built outside the repository and has no licence:
only numbers are written. Its 5,005 passages and the XQuAD corpora are two cached indexes
(bench/common.py). Every method runs through `bot.retrieval.search` with only
`RetrievalParams` switches changed; "ask" is `DEFAULT_PARAMS`, the code path of `newsdesk ask`.

Rows, R@1 / R@5 / MRR@10 (RTQA also per kind of question: length, asking about the present):
- XQuAD dev pairs (en-en, ro-ro, en-ro, ro-en), each searched with its corpus language as filter
  (as bench/retrieval.py);
- RealTimeQA dev: a hit is the gold passage (one article each) within the first k. "as of" runs
  every question as `--as-of` its quiz date does: later passages hidden, recency weighed when the
  question asks for it. The passages are dated with the quiz date by construction, so this number
  is reported beside the dateless one and never tunes the dateless ranking.

Answers, "ask" only (`bot.extractive.answer_from` over the `ask` default of 5 passages, the real
abstention and quote): answered, AC (a gold answer in the answer or its first quote; RTQA's
answers are quiz choices, found verbatim in their gold passage for 52% of the dev questions,
which bounds its AC; so the rows "answer in its passage" count only those questions, the
honest measure of false abstention) and out-of-index abstention: every RTQA question over the XQuAD index and
every distinct XQuAD question over the RTQA index, none of which the other index answers.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent))
import common  # noqa: E402
import fit_quote  # noqa: E402
from retrieval import Bench, View  # noqa: E402

from bot import evaluate  # noqa: E402
from bot.answers import Scope  # noqa: E402
from bot.extractive import answer_from  # noqa: E402
from bot.language_directions import directions  # noqa: E402
from bot.retrieval import DEFAULT_PARAMS, RetrievalParams, SearchResult, language_means, search  # noqa: E402
from bot.text import asks_recent, query_terms  # noqa: E402
from newsdesk.index import Filters, Index  # noqa: E402

METHODS: dict[str, RetrievalParams] = {
    "BM25": replace(DEFAULT_PARAMS, use_dense=False, use_sentences=False),
    "dense": replace(DEFAULT_PARAMS, use_lexical=False, use_sentences=False),
    "hybrid (RRF, no sentence step)": replace(DEFAULT_PARAMS, use_sentences=False),
    "ask": DEFAULT_PARAMS,
}
K = 10
ASK_K = fit_quote.ASK_K  # passages `ask` answers from


def kind_of(question: str) -> str:
    """The RTQA breakdown of the retrieval rows: question length, and asking about the present."""
    if asks_recent(question):
        return "asks about the present"
    words = len(question.split())
    return "short (< 12 words)" if words < 12 else "long (25+ words)" if words >= 25 else "12-24 words"


def end_of_day(day: str) -> float:
    """The last moment of an ISO date, as `--as-of DAY` reads it."""
    start = datetime.fromisoformat(day[:10]).replace(tzinfo=UTC)
    return (start + timedelta(days=1) - timedelta(microseconds=1)).timestamp()


class News:
    """The RealTimeQA dev questions over their passages' index."""

    def __init__(self, index: Index, embedder: object, rtqa: Path, sample: int = 0) -> None:
        self.index = index
        self.view = View(index)
        records = list(common.read_jsonl(rtqa / "questions.en-en.dev.jsonl"))
        if sample and sample < len(records):
            records = random.Random(0).sample(records, sample)
        self.records = records
        texts = [r["question"] for r in records]
        self.vectors = dict(zip(texts, embedder.embed_queries(texts), strict=True))  # type: ignore[attr-defined]
        self.terms = {t: query_terms(t) for t in texts}
        self.means = language_means(index, directions(embedder))

    def result(self, record: dict, params: RetrievalParams, as_of: bool = False,
               view: View | None = None, k: int = K) -> SearchResult:  # fmt: skip
        q = record["question"]
        filters, recent = Filters(), None
        if as_of:
            moment = end_of_day(record["date"])
            filters = Filters(until=moment)
            recent = moment if asks_recent(q) else None
        return search(view or self.view, self.vectors[q], self.terms[q], k, filters, params,  # type: ignore[arg-type]
                      self.means, recent_as_of=recent)  # fmt: skip


def rank_of(result: SearchResult, doc_id: str) -> int | None:
    """1-based rank of the gold passage's article, None when not in the results."""
    for rank, ev in enumerate(result.evidence, start=1):
        if ev.chunk.article.article_id == doc_id:
            return rank
    return None


def retrieval_metrics(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks) or 1
    return {
        "n": len(ranks),
        "R@1": round(sum(r == 1 for r in ranks) / n, 4),
        "R@5": round(sum(r is not None and r <= 5 for r in ranks) / n, 4),
        "MRR@10": round(sum(1 / r for r in ranks if r is not None and r <= 10) / n, 4),
    }


def scope(index: Index) -> Scope:
    stats = index.stats()
    return Scope(stats.articles, stats.first_published, stats.last_published)


def answer_outcome(record: dict, result: SearchResult, where: Scope,
                   answerable: bool) -> evaluate.AnswerOutcome:  # fmt: skip
    answer = answer_from(record["question"], record.get("question_lang") or "en", result, where)
    return evaluate.answer_outcome(record, answer, answerable)


def answer_row(outcomes: list[evaluate.AnswerOutcome]) -> dict[str, float | int]:
    m = evaluate.answer_metrics(outcomes)
    if outcomes and not outcomes[0].answerable:
        return {"n": m.unanswerable, "abstained": round(1 - m.false_answer, 4)}
    return {"n": m.n, "answered": round(m.answered, 4), "false_abstain": round(1 - m.answered, 4),
            "AC": round(m.ac, 4)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rtqa", type=Path, default=common.RTQA,
                        help="directory of the locally built RealTimeQA dev set (NEWSDESK_RTQA)")  # fmt: skip
    parser.add_argument("--sample", type=int, default=0, help="a fixed random N RTQA questions")
    parser.add_argument("--out", type=Path, default=common.RESULTS / "domains.json")
    args = parser.parse_args(argv)
    started = time.perf_counter()

    xquad_index = common.xquad_index()
    embedder = common.CachedQueries(xquad_index.embedder)
    xquad = Bench(xquad_index, embedder)
    news_index = common.rtqa_index(args.rtqa)
    news = News(news_index, embedder, args.rtqa, args.sample)
    xquad_scope, news_scope = scope(xquad_index), scope(news_index)

    rows: dict[str, dict[str, dict]] = {}
    by_kind: dict[str, dict[str, dict]] = {}  # RTQA without dates, per `kind_of`
    for method, params in METHODS.items():
        row = rows.setdefault(method, {})
        for pair in common.PAIRS:
            records = xquad.sets[pair]
            ranks = [evaluate.hit_rank(xquad.result(r, params).evidence, r["doc_id"], r["answers"])
                     for r in records]  # fmt: skip
            row[f"XQuAD {pair}"] = retrieval_metrics(ranks)
        for as_of in (False, True):
            ranks = [rank_of(news.result(r, params, as_of), r["doc_id"]) for r in news.records]
            row["RTQA as of quiz date" if as_of else "RTQA"] = retrieval_metrics(ranks)
            if not as_of:
                kinds = [kind_of(r["question"]) for r in news.records]
                by_kind[method] = {kind: retrieval_metrics([x for x, k in zip(ranks, kinds, strict=True) if k == kind])
                                   for kind in sorted(set(kinds))}  # fmt: skip

    answers: dict[str, dict] = {}
    for pair in common.PAIRS:
        answers[f"XQuAD {pair}"] = answer_row([
            answer_outcome(r, xquad.result(r, DEFAULT_PARAMS, ASK_K), xquad_scope, True)
            for r in xquad.sets[pair]])  # fmt: skip
    # the honest subset: questions whose quiz answer is written in their gold passage (an
    # extractive answer can only quote what is written)
    written = [evaluate.contains_answer(r["gold_passage"], r["answers"]) for r in news.records]
    for as_of in (False, True):
        name = "RTQA as of quiz date" if as_of else "RTQA"
        outcomes = [answer_outcome(r, news.result(r, DEFAULT_PARAMS, as_of, k=ASK_K), news_scope, True)
                    for r in news.records]  # fmt: skip
        answers[name] = answer_row(outcomes)
        answers[f"{name}, answer in its passage"] = answer_row(
            [o for o, w in zip(outcomes, written, strict=True) if w])
    # out of index: each set's questions over the other set's index
    over_xquad = View(xquad_index)
    answers["RTQA questions over XQuAD"] = answer_row([
        answer_outcome(r, search(over_xquad, news.vectors[r["question"]], news.terms[r["question"]],  # type: ignore[arg-type]
                                 ASK_K, Filters(), DEFAULT_PARAMS, xquad.means), xquad_scope, False)
        for r in news.records])  # fmt: skip
    distinct = {r["question"]: r for rs in xquad.sets.values() for r in rs}
    answers["XQuAD questions over RTQA"] = answer_row([
        answer_outcome(r, search(news.view, xquad.vectors[q], xquad.terms[q], ASK_K, Filters(),  # type: ignore[arg-type]
                                 DEFAULT_PARAMS, news.means), news_scope, False)
        for q, r in distinct.items()])  # fmt: skip

    result = {
        "split": "dev",
        "rtqa_questions": len(news.records),
        "rtqa_sample_seed": 0 if args.sample else None,
        "params": asdict(DEFAULT_PARAMS),
        "retrieval": rows,
        "rtqa_by_kind": by_kind,
        "answers": answers,
        "seconds": round(time.perf_counter() - started, 1),
    }  # fmt: skip
    columns = [*(f"XQuAD {p}" for p in common.PAIRS), "RTQA", "RTQA as of quiz date"]
    table = [f"R@1 / R@5 / MRR@10; RTQA dev {len(news.records)} questions\n",
             "| method | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]  # fmt: skip
    for method, row in rows.items():
        cells = [f"{row[c]['R@1']:.3f} / {row[c]['R@5']:.3f} / {row[c]['MRR@10']:.3f}" for c in columns]
        table.append(f"| {method} | " + " | ".join(cells) + " |")
    kinds = list(next(iter(by_kind.values())))
    table += ["", "RTQA without dates by kind of question, R@5 (n)", "",
              "| method | " + " | ".join(f"{k} ({by_kind['ask'][k]['n']})" for k in kinds) + " |",
              "|---|" + "---|" * len(kinds)]  # fmt: skip
    for method, row in by_kind.items():
        table.append(f"| {method} | " + " | ".join(f"{row[k]['R@5']:.3f}" for k in kinds) + " |")
    table += ["", "| ask: answers | n | answered / abstained | AC |", "|---|---|---|---|"]
    for name, row in answers.items():
        share = row.get("answered", row.get("abstained"))
        table.append(f"| {name} | {row['n']} | {share:.3f} | {row.get('AC', '')} |")
    common.write_result(args.out, result, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
