"""Retrieval evaluation in the ../shared/bench format (used by `newsdesk eval` and bench/).

Answerable questions: `{"qid","question","question_lang","corpus_lang","answers":[...],
"doc_id",...}`. A hit is a returned passage of the gold article (`article_id == doc_id`) that
contains one of the answer spans. Each question is searched within its corpus language
(`Filters(lang=corpus_lang)`), since all corpora share one index and a question in language Q
over the corpus in language C asks for C's article.

Unanswerable questions (`"answerable": false`, no `doc_id`) are searched over everything; they
count towards the false-answer rate. Answerable ones count towards the false-abstain rate.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.answers import Evidence
from bot.retrieval import SearchResult
from newsdesk.index import Filters

Searcher = Callable[[str, int, Filters], SearchResult]


@dataclass(slots=True)
class Outcome:
    qid: str
    pair: str  # "en-ro": question language - corpus language ("en-*" when unanswerable)
    answerable: bool
    rank: int | None  # 1-based rank of the first hit within k, None if missed
    confidence: float


@dataclass(slots=True)
class Metrics:
    n: int = 0
    r1: float = 0.0
    r5: float = 0.0
    mrr10: float = 0.0
    abstain: float = 0.0  # share of answerable questions abstained on (false abstentions)
    unanswerable: int = 0
    false_answer: float = 0.0  # share of unanswerable questions answered

    def as_json(self) -> dict[str, float | int]:
        return {
            "n": self.n, "R@1": round(self.r1, 4), "R@5": round(self.r5, 4),
            "MRR@10": round(self.mrr10, 4), "false_abstain": round(self.abstain, 4),
            "unanswerable": self.unanswerable, "false_answer": round(self.false_answer, 4),
        }  # fmt: skip


@dataclass(slots=True)
class Report:
    overall: Metrics
    by_pair: dict[str, Metrics] = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "overall": self.overall.as_json(),
            "by_pair": {pair: m.as_json() for pair, m in sorted(self.by_pair.items())},
        }


def read_questions(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def hit_rank(evidence: Sequence[Evidence], doc_id: str, answers: Sequence[str]) -> int | None:
    for rank, ev in enumerate(evidence, start=1):
        if ev.chunk.article.article_id == doc_id and any(a and a in ev.chunk.text for a in answers):
            return rank
    return None


def is_answerable(record: dict) -> bool:
    return bool(record.get("answerable", True)) and bool(record.get("doc_id"))


def pair_of(record: dict) -> str:
    question_lang = record.get("question_lang") or "?"
    corpus_lang = record.get("corpus_lang") or "*"
    return f"{question_lang}-{corpus_lang}"


def outcome(
    record: dict, result: SearchResult, confidence: Callable[[SearchResult], float]
) -> Outcome:
    answerable = is_answerable(record)
    rank = hit_rank(result.evidence, record["doc_id"], record.get("answers") or []) if answerable else None
    return Outcome(str(record.get("qid", "")), pair_of(record), answerable, rank, confidence(result))


def run(
    records: Iterable[dict],
    searcher: Searcher,
    confidence: Callable[[SearchResult], float],
    k: int = 10,
    base_filters: Filters = Filters(),
) -> list[Outcome]:
    outcomes = []
    for record in records:
        filters = base_filters
        if is_answerable(record) and record.get("corpus_lang"):
            filters = Filters(base_filters.since, base_filters.until, base_filters.source,
                              record["corpus_lang"])  # fmt: skip
        result = searcher(record["question"], k, filters)
        outcomes.append(outcome(record, result, confidence))
    return outcomes


def metrics(outcomes: Sequence[Outcome], threshold: float) -> Metrics:
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    m = Metrics(n=len(answerable), unanswerable=len(unanswerable))
    if answerable:
        m.r1 = sum(1 for o in answerable if o.rank == 1) / len(answerable)
        m.r5 = sum(1 for o in answerable if o.rank is not None and o.rank <= 5) / len(answerable)
        m.mrr10 = sum(1 / o.rank for o in answerable if o.rank is not None and o.rank <= 10) / len(
            answerable
        )
        m.abstain = sum(1 for o in answerable if o.confidence < threshold) / len(answerable)
    if unanswerable:
        m.false_answer = sum(1 for o in unanswerable if o.confidence >= threshold) / len(unanswerable)
    return m


def report(outcomes: Sequence[Outcome], threshold: float) -> Report:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[o.pair].append(o)
    return Report(
        overall=metrics(outcomes, threshold),
        by_pair={pair: metrics(group, threshold) for pair, group in groups.items()},
        outcomes=list(outcomes),
    )


def markdown_table(rows: dict[str, Metrics]) -> str:
    lines = [
        "| set | n | R@1 | R@5 | MRR@10 | false abstain | unanswerable | false answer |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, m in rows.items():
        recall = (f"{m.r1:.3f} | {m.r5:.3f} | {m.mrr10:.3f}" if m.n else "– | – | –")
        abstain = f"{m.abstain:.3f}" if m.n else "–"
        false_answer = f"{m.false_answer:.3f}" if m.unanswerable else "–"
        lines.append(f"| {name} | {m.n} | {recall} | {abstain} | {m.unanswerable} | {false_answer} |")
    return "\n".join(lines)


def calibrate(outcomes: Sequence[Outcome]) -> tuple[float, float, float]:
    """The threshold minimising false abstain + false answer (each a rate, equally weighted).

    Returns (threshold, false-abstain rate, false-answer rate).
    """
    answerable = sorted(o.confidence for o in outcomes if o.answerable)
    unanswerable = sorted(o.confidence for o in outcomes if not o.answerable)
    if not answerable or not unanswerable:
        raise ValueError("calibration needs both answerable and unanswerable questions")
    candidates = sorted(set(answerable) | set(unanswerable))
    best = (float("inf"), 0.0, 0.0, 0.0)
    for t in candidates:
        fa = sum(1 for c in answerable if c < t) / len(answerable)
        fn = sum(1 for c in unanswerable if c >= t) / len(unanswerable)
        if fa + fn < best[0]:
            best = (fa + fn, t, fa, fn)
    return best[1], best[2], best[3]
