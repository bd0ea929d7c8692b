"""Abstention on Wikipedia and news in one run, fitted jointly, measured held-out.

    python bench/abstain.py --rtqa /work/rtqa   # writes bench/results/abstain.json (~15 min
                                                # the first time, then seconds from the cache)

Rows (every question through the code path of `ask`, k = 5, its quote chosen by the held-out
sentence model as in bench/answers.py):
- answerable: the four XQuAD dev pairs (each over its corpus language), RealTimeQA dev questions
  over the news index (reported on those whose answer is written in their gold passage, the
  honest measure of false abstention);
- unanswerable: XQuAD questions over the five-language index without their article (English,
  Romanian), bench/unanswerable.jsonl, every RTQA question over the XQuAD index, every distinct
  XQuAD question over the RTQA index (also per question language).

Each question's abstention signals (`bot.extractive.answer_signals`) and the raw material of
the candidate signals are cached in bench/.cache, so refits take seconds. Candidate signals:
`rare_missing` (the question's subject terms the quoted passage lacks, weighted by rarity in
the searched index: a name or a rare word counts, "first" or "year" hardly) and `absent` (those
no passage of the searched index holds), both 0 when the quote is in another language than the
question (words cannot match); `peak`, how far the top passage stands above the 20th
candidate. Each model is fitted with folds grouped by XQuAD article and RTQA quiz week (a question asked over the other domain's index falls in its own group's fold) and
reported at three thresholds: XQuAD's own rule (the lowest with false answers at most 5% on
its unanswerable sets, how `AnswerPolicy.answer_above` was set), the lowest with out-of-index
abstention at least .95 both ways as well, and the one with 5% false abstention on news. The
last column: of the XQuAD questions answered over the news index, the share whose quoted news
sentence holds the Wikipedia answer (so those are wrong answers, not a labelling artefact).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import zlib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

sys.path.append(str(Path(__file__).resolve().parent))
import answers  # noqa: E402
import common  # noqa: E402
import fit_quote  # noqa: E402
from domains import News  # noqa: E402
from retrieval import Bench, View  # noqa: E402

from bot import evaluate  # noqa: E402
from bot.extractive import MAX_MARGIN, AbstainModel  # noqa: E402
from bot.quote import choose, default_model  # noqa: E402
from bot.retrieval import DEFAULT_PARAMS, SearchResult, search  # noqa: E402
from bot.text import subject_terms, tokens, word_overlap  # noqa: E402
from newsdesk.index import Filters  # noqa: E402

TAIL = 40  # candidates whose scores are kept
CAP = 50  # document frequencies are counted up to this many passages
XQUAD_UNANSWERABLE = ("en without gold", "ro without gold", "unanswerable.jsonl")
XQUAD_ROWS = (*common.PAIRS, *XQUAD_UNANSWERABLE)  # what the shipped model is fitted on
CROSS = ("RTQA over XQuAD", "XQuAD over RTQA")
FIT_ROWS = (*XQUAD_ROWS, "RTQA", *CROSS)


@dataclass(slots=True)
class Row:
    """One question over one index: its outcome if answered, its signals, and per subject
    term (term, passages of the searched index holding it up to CAP, in the quote with its
    title and previous 300 characters, in its passage with its title). `rare_missing` over the
    quote's context instead of the passage moved every number by at most .002."""

    row: str
    group: str
    scored: answers.Scored
    same_lang: bool
    terms: list[tuple[str, int, bool, bool]]
    written: bool = True
    holds: bool = False  # the quote holds a gold answer (of any set: news may answer Wikipedia)
    scores: list[float] = field(default_factory=list)  # the candidates' scores, best first


def rtqa_group(record: dict) -> str:
    return "rtqa-" + record["qid"].split("-")[1].split("_")[0]  # the quiz week


def raw_row(row: str, group: str, record: dict, result: SearchResult, model, answerable: bool,
            view: View, filters: Filters) -> Row:  # fmt: skip
    """`answers.score` plus what candidate signals are computed from."""
    question, language = record["question"], record.get("question_lang") or "en"
    record = {**record, "question_lang": language}
    scored = answers.score(record, result, model, answerable)
    scored.fold = zlib.crc32(group.encode()) % fit_quote.FOLDS
    ranked = [e for e in result.evidence if e.sentences]
    choice = choose(question, ranked, model) if ranked else None
    if choice is None or scored.signals is None:
        return Row(row, group, scored, False, [])
    ev = ranked[choice.evidence]
    span = choice.sentence.span
    before = ev.chunk.text[max(0, span.start - 300) : span.start]
    quote = ev.chunk.text[span.start : span.end]
    context = set(tokens(f"{ev.chunk.article.title}\n{before}\n{quote}"))
    passage = set(tokens(f"{ev.chunk.article.title}\n{ev.chunk.text}"))
    terms = [(t, len(view.lexical_search([t], CAP, filters)), word_overlap([t], context) > 0,
              word_overlap([t], passage) > 0) for t in subject_terms(question)]  # fmt: skip
    holds = evaluate.contains_answer(quote, record.get("answers") or [])
    scores = [c.score for c in result.candidates[:TAIL]]
    return Row(row, group, scored, ev.chunk.article.lang == language, terms, holds=holds,
               scores=scores)


def collect(rtqa: Path, sample: int, limit: int = 0) -> list[Row]:
    xquad_index = common.xquad_index()
    embedder = common.CachedQueries(xquad_index.embedder)
    bench = Bench(xquad_index, embedder, "dev", limit)
    models = fit_quote.fold_models(fit_quote.training_rows(bench))
    rows = [raw_row(c.row, fit_quote.group_of(c.record["doc_id"]) if "doc_id" in c.record
                    else c.record["qid"], c.record, c.result, c.model, c.answerable, c.view,
                    c.filters)
            for c in answers.cases(bench, models) if "mixed" not in c.row]  # fmt: skip
    news_index = common.rtqa_index(rtqa)
    news = News(news_index, embedder, rtqa, sample)
    quote = default_model()
    for r in news.records:
        result = news.result(r, DEFAULT_PARAMS, k=answers.ASK_K)
        row = raw_row("RTQA", rtqa_group(r), r, result, quote, True, news.view, Filters())
        row.written = evaluate.contains_answer(r["gold_passage"], r["answers"])
        rows.append(row)
    over_xquad = View(xquad_index)
    for r in news.records:
        q = r["question"]
        result = search(over_xquad, news.vectors[q], news.terms[q], answers.ASK_K, Filters(),  # type: ignore[arg-type]
                        DEFAULT_PARAMS, bench.means)  # fmt: skip
        rows.append(raw_row("RTQA over XQuAD", rtqa_group(r), r, result, quote, False,
                            over_xquad, Filters()))  # fmt: skip
    distinct = {r["question"]: r for rs in bench.sets.values() for r in rs}
    for q, r in distinct.items():
        result = search(news.view, bench.vectors[q], bench.terms[q], answers.ASK_K, Filters(),  # type: ignore[arg-type]
                        DEFAULT_PARAMS, news.means)  # fmt: skip
        rows.append(raw_row("XQuAD over RTQA", fit_quote.group_of(r["doc_id"]), r, result,
                            models[fit_quote.fold_of(r["doc_id"])], False, news.view, Filters()))
    return rows


def save(rows: list[Row], path: Path) -> None:
    data = [{"row": r.row, "group": r.group, "same_lang": r.same_lang, "terms": r.terms,
             "written": r.written, "holds": r.holds, "fold": r.scored.fold,
             "signals": r.scored.signals, "scores": r.scores,
             "outcome": asdict(r.scored.outcome)} for r in rows]  # fmt: skip
    path.write_text(json.dumps(data), encoding="utf-8")


def load(path: Path) -> list[Row]:
    rows = []
    for d in json.loads(path.read_text(encoding="utf-8")):
        scored = answers.Scored(evaluate.AnswerOutcome(**d["outcome"]),
                                None if d["signals"] is None else tuple(d["signals"]), d["fold"])
        rows.append(Row(d["row"], d["group"], scored, d["same_lang"],
                        [tuple(t) for t in d["terms"]], d["written"], d["holds"],
                        d.get("scores", [])))  # fmt: skip
    return rows


# -- candidate signals --------------------------------------------------------------------


def rarity(passages: int) -> float:
    """A term's weight: high when few passages of the searched index hold it (IDF up to CAP)."""
    return math.log((CAP + 1) / (passages + 1)) + 0.05


def rare_missing(row: Row) -> float:
    """The rarity-weighted share of the question's subject terms that the quoted passage (with
    its title) lacks; 0 when the quote is in another language than the question (its words
    cannot match)."""
    if not row.same_lang or not row.terms:
        return 0.0
    total = sum(rarity(t[1]) for t in row.terms)
    return sum(rarity(t[1]) for t in row.terms if not t[3]) / total


def absent(row: Row) -> float:
    """The rarity-weighted share of the question's subject terms that no passage of the
    searched index holds (an index that never says "Huguenots" cannot answer about them);
    0 when the quote is in another language than the question."""
    if not row.same_lang or not row.terms:
        return 0.0
    total = sum(rarity(t[1]) for t in row.terms)
    return sum(rarity(t[1]) for t in row.terms if t[1] == 0) / total


def peak(row: Row, depth: int = 20) -> float:
    """How far the top passage scores above the `depth`-th candidate: an index that answers
    has one passage (or one story) standing out of the crowd, not only out of the next one."""
    if len(row.scores) < 2:
        return MAX_MARGIN
    return min(row.scores[0] - row.scores[min(depth, len(row.scores)) - 1], MAX_MARGIN)


EXTRA = {"rare_missing": rare_missing, "absent": absent, "peak": peak}
RARE = ("rare_missing", "absent")


@dataclass(frozen=True, slots=True)
class Spec:
    """A candidate abstention model: the extra signals, and whether quotes in the question's
    language and in another get a model each."""

    extra: tuple[str, ...] = ()
    by_language: bool = False
    fit_on: tuple[str, ...] = FIT_ROWS


SPECS = {
    "fitted on XQuAD (as shipped)": Spec(fit_on=XQUAD_ROWS),
    "fitted on XQuAD + rare terms": Spec(RARE, fit_on=XQUAD_ROWS),
    "fitted on XQuAD + peak": Spec(("peak",), fit_on=XQUAD_ROWS),
    "joint, current signals": Spec(),
    "joint + rare terms": Spec(RARE),
    "joint + rare terms, per language relation": Spec(RARE, by_language=True),
    "joint + rare terms + peak, per language relation": Spec(tuple(EXTRA), by_language=True),
}


def features(row: Row, extra: tuple[str, ...]) -> tuple[float, ...] | None:
    if row.scored.signals is None:
        return None
    return (*row.scored.signals, *(EXTRA[name](row) for name in extra))


def held_out(rows: list[Row], spec: Spec) -> list[answers.Scored]:
    """Each row's Scored with its confidence from the model fitted without its fold."""
    out = [replace(r.scored, signals=features(r, spec.extra)) for r in rows]
    part = [r.same_lang and spec.by_language for r in rows]
    for f in range(fit_quote.FOLDS):
        for p in set(part):
            fit = [s for s, r, q in zip(out, rows, part, strict=True)
                   if r.row in spec.fit_on and s.signals and s.fold != f and q == p]  # fmt: skip
            x = np.array([s.signals for s in fit], np.float64)
            y = np.array([s.outcome.answerable for s in fit], np.float64)
            model = AbstainModel(*fit_quote.logistic(x, y))
            for s, q in zip(out, part, strict=True):
                if s.fold == f and q == p:
                    s.confidence = 0.0 if s.signals is None else model.probability(s.signals)
    return out


def by_row(rows: list[Row], scored: list[answers.Scored]) -> dict[str, list[answers.Scored]]:
    """The reported rows: the collected ones, RTQA's answer-in-passage subset, and the XQuAD
    questions over RTQA per question language."""
    out: dict[str, list[answers.Scored]] = {}
    for r, s in zip(rows, scored, strict=True):
        out.setdefault(r.row, []).append(s)
        if r.row == "RTQA" and r.written:
            out.setdefault(WRITTEN, []).append(s)
        if r.row == "XQuAD over RTQA":
            out.setdefault(f"XQuAD {s.outcome.pair[:2]} over RTQA", []).append(s)
    return out


WRITTEN = "RTQA, answer in its passage"
COLUMNS = (*common.PAIRS, "XQuAD false (max)", WRITTEN, *CROSS, "XQuAD en over RTQA",
           "XQuAD ro over RTQA", "news quote holds the Wikipedia answer")  # fmt: skip


def thresholds(rows: dict[str, list[answers.Scored]]) -> dict[str, float]:
    """The three operating points: XQuAD's own rule (false answers at most 5% on its
    unanswerable sets, as `AnswerPolicy.answer_above` was set), out-of-index abstention at
    least .95 both ways as well, and false abstention on news at most 5%."""
    news = sorted(s.confidence for s in rows[WRITTEN])
    xquad = {k: rows[k] for k in XQUAD_ROWS}
    return {"XQuAD rule": answers.best_threshold(xquad),
            "out of index >= .95 both ways": answers.best_threshold(
                {**xquad, **{k: rows[k] for k in CROSS}}),
            "news false abstention 5%": news[int(0.05 * len(news))]}  # fmt: skip


def cells(rows: dict[str, list[answers.Scored]], raw: list[Row], scored: list[answers.Scored],
          threshold: float) -> dict[str, float]:  # fmt: skip
    """The columns at `threshold`: answered or abstained per row, and how many XQuAD questions
    answered over the news index quote a news sentence that holds their Wikipedia answer."""
    rate = {k: evaluate.answer_metrics(answers.at(v, threshold)) for k, v in rows.items()}
    out = {p: rate[p].answered for p in common.PAIRS}
    out["XQuAD false (max)"] = max(rate[k].false_answer for k in XQUAD_UNANSWERABLE)
    out[WRITTEN] = rate[WRITTEN].answered
    for k in (*CROSS, "XQuAD en over RTQA", "XQuAD ro over RTQA"):
        out[k] = 1 - rate[k].false_answer
    answered = [r.holds for r, s in zip(raw, scored, strict=True)
                if r.row == "XQuAD over RTQA" and s.confidence >= threshold]  # fmt: skip
    out[COLUMNS[-1]] = sum(answered) / len(answered) if answered else 0.0
    return {k: round(v, 3) for k, v in out.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rtqa", type=Path, default=common.RTQA)
    parser.add_argument("--sample", type=int, default=0, help="a fixed random N RTQA questions")
    parser.add_argument("--limit", type=int, default=0, help="first N XQuAD questions per pair")
    parser.add_argument("--refresh", action="store_true", help="recompute the cached rows")
    parser.add_argument("--out", type=Path, default=common.RESULTS / "abstain.json")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    cache = common.CACHE / f"abstain-rows-{args.sample or 'all'}-{args.limit or 'all'}.json"
    if args.refresh or not cache.exists():
        save(collect(args.rtqa, args.sample, args.limit), cache)
    raw = load(cache)
    result: dict[str, object] = {"rtqa_sample": args.sample, "xquad_limit": args.limit}
    table = ["| model | operating point | threshold | " + " | ".join(COLUMNS) + " |",
             "|---|---|---|" + "---|" * len(COLUMNS)]  # fmt: skip
    for name, spec in SPECS.items():
        scored = held_out(raw, spec)
        rows = by_row(raw, scored)
        for point, threshold in thresholds(rows).items():
            row = cells(rows, raw, scored, threshold)
            result[f"{name} / {point}"] = {"threshold": round(threshold, 4), **row}
            table.append(f"| {name} | {point} | {threshold:.3f} | "
                         + " | ".join(f"{row[c]:.3f}" for c in COLUMNS) + " |")  # fmt: skip
    result["seconds"] = round(time.perf_counter() - started, 1)
    common.write_result(args.out, result, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
