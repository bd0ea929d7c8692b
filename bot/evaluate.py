"""Retrieval evaluation in the ../shared/bench format (used by `newsdesk eval` and bench/).

Answerable questions: `{"qid","question","question_lang","corpus_lang","answers":[...],
"doc_id",...}`. A hit is a returned passage of the gold article (`article_id == doc_id`) that
contains one of the answer spans. Each question is searched within its corpus language
(`Filters(lang=corpus_lang)`), since all corpora share one index and a question in language Q
over the corpus in language C asks for C's article.

Unanswerable questions (`"answerable": false`, no `doc_id`) are searched over everything; they
count towards the false-answer rate. Answerable ones count towards the false-abstain rate.

Answer level (`newsdesk eval --answers`): what a person reads. Per question the real answer
(`bot.ask.Asker.ask` path: retrieval, abstention, the quoted sentence) is scored:

- answered: it did not say nothing was found;
- AC (answer correct): a gold answer string appears in the answer text or its first quote,
  both compared after `normalise` (case and accents folded, thousands separators dropped and
  decimal commas read as points, so "8.000" = "8,000" = "8000" and "3,5" = "3.5", quotes,
  dashes and runs of whitespace unified), as whole words. An abstention is not correct: AC
  is over all answerable questions;
- cite@3: one of the answer's first three citations is a passage of the gold article (or of a
  copy of it, which the answer cites in its place: `Citation.also_in`) holding an answer;
- false answer: an unanswerable question that was answered. Besides records marked
  `"answerable": false`, `without_gold` makes every answerable question an unanswerable one
  too, asked over the index without its gold article and the article's translations.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.answers import Answer, Evidence
from bot.retrieval import SearchResult
from bot.text import fold
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


# -- answer level ------------------------------------------------------------------------------

_THOUSANDS = re.compile(r"(?<=\d)[.,\u00a0\u202f ](?=\d{3}(?!\d))")
_DECIMAL = re.compile(r"(?<=\d),(?=\d)")
_QUOTES = str.maketrans({c: '"' for c in "\u201c\u201d\u201e\u00ab\u00bb\u2033"}
                        | {c: "'" for c in "\u2018\u2019\u201a\u2032"}
                        | {c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212"})


def normalise(text: str) -> str:
    """Text as compared for AC: folded, one number format, one quote and dash style."""
    text = fold(text).translate(_QUOTES)
    text = _DECIMAL.sub(".", _THOUSANDS.sub("", text))
    return " ".join(text.split())


def contains_answer(text: str, answers: Sequence[str]) -> bool:
    """Whether a gold answer appears in `text` (both `normalise`d), as whole words: "8.000" is
    not found in "18,000"."""
    folded = normalise(text)
    for answer in answers:
        gold = normalise(answer)
        if not gold:
            continue
        head = r"(?<!\w)" if gold[0].isalnum() else ""
        tail = r"(?!\w)" if gold[-1].isalnum() else ""
        if re.search(head + re.escape(gold) + tail, folded):
            return True
    return False


def translations_of(doc_id: str) -> Callable[[str], bool]:
    """Whether an article id is `doc_id` or one of its translations (`xquad-<lang>-<name>`)."""
    match = re.fullmatch(r"([a-z]+)-[a-z]{2}-(.+)", doc_id)
    if match is None:
        return lambda article_id: article_id == doc_id
    pattern = re.compile(rf"{re.escape(match[1])}-[a-z]{{2}}-{re.escape(match[2])}")
    return lambda article_id: bool(pattern.fullmatch(article_id))


@dataclass(slots=True)
class AnswerOutcome:
    qid: str
    pair: str
    answerable: bool
    answered: bool
    correct: bool  # AC (always False for unanswerable questions)
    cited: bool  # the gold passage among the first three citations


def answer_outcome(record: dict, answer: Answer, answerable: bool | None = None) -> AnswerOutcome:
    """Score one answer; `answerable=False` scores an answerable record asked without its gold."""
    answerable = is_answerable(record) if answerable is None else answerable
    gold = record.get("answers") or []
    answered = not answer.abstained
    correct = cited = False
    if answerable and answered:
        first = answer.citations[0].quote if answer.citations else ""
        correct = contains_answer(answer.answer, gold) or contains_answer(first, gold)
        cited = any(  # a copy of the gold article cites it too (the answer cites one of them)
            record["doc_id"] in {c.article_id, *(ref.article_id for ref in c.also_in)}
            and contains_answer(c.passage, gold)
            for c in answer.citations[:3]
        )
    pair = pair_of(record) if answerable else f"{record.get('question_lang') or '?'}-*"
    return AnswerOutcome(str(record.get("qid", "")), pair, answerable, answered, correct, cited)


@dataclass(slots=True)
class AnswerMetrics:
    n: int = 0
    answered: float = 0.0
    ac: float = 0.0
    cite3: float = 0.0
    unanswerable: int = 0
    false_answer: float = 0.0

    def as_json(self) -> dict[str, float | int]:
        return {
            "n": self.n, "answered": round(self.answered, 4), "AC": round(self.ac, 4),
            "cite@3": round(self.cite3, 4), "unanswerable": self.unanswerable,
            "false_answer": round(self.false_answer, 4),
        }  # fmt: skip


def answer_metrics(outcomes: Sequence[AnswerOutcome]) -> AnswerMetrics:
    yes = [o for o in outcomes if o.answerable]
    no = [o for o in outcomes if not o.answerable]
    m = AnswerMetrics(n=len(yes), unanswerable=len(no))
    if yes:
        m.answered = sum(o.answered for o in yes) / len(yes)
        m.ac = sum(o.correct for o in yes) / len(yes)
        m.cite3 = sum(o.cited for o in yes) / len(yes)
    if no:
        m.false_answer = sum(o.answered for o in no) / len(no)
    return m


def answer_report(outcomes: Sequence[AnswerOutcome]) -> dict[str, AnswerMetrics]:
    """`all`, then one row per answerable pair, then the unanswerable ones per question language."""
    groups: dict[str, list[AnswerOutcome]] = defaultdict(list)
    for o in outcomes:
        groups[o.pair].append(o)
    return {"all": answer_metrics(outcomes),
            **{pair: answer_metrics(g) for pair, g in sorted(groups.items())}}  # fmt: skip


def answer_table(rows: dict[str, AnswerMetrics]) -> str:
    lines = ["| set | n | answered | AC | cite@3 | unanswerable | false answer |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    for name, m in rows.items():
        scores = f"{m.answered:.3f} | {m.ac:.3f} | {m.cite3:.3f}" if m.n else "– | – | –"
        false_answer = f"{m.false_answer:.3f}" if m.unanswerable else "–"
        lines.append(f"| {name} | {m.n} | {scores} | {m.unanswerable} | {false_answer} |")
    return "\n".join(lines)
