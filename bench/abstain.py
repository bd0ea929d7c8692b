"""Abstention on Wikipedia and news in one run, fitted jointly, measured held-out.

    python bench/abstain.py --rtqa /work/rtqa [--sample 600]   # writes bench/results/abstain.json

Rows (every question through the code path of `ask`, k = 5, its quote chosen by the held-out
sentence model as in bench/answers.py):
- answerable: the four XQuAD dev pairs (each over its corpus language), RealTimeQA dev questions
  over the news index (reported on all of them and on those whose answer is written in their
  gold passage, the honest measure of false abstention);
- unanswerable: XQuAD questions over the five-language index without their article (English,
  Romanian), bench/unanswerable.jsonl, every RTQA question over the XQuAD index, every distinct
  XQuAD question over the RTQA index.

Each question's abstention signals (`bot.extractive.answer_signals`) and the raw material of
candidate signals are cached in bench/.cache, so refits take seconds. Every candidate feature
set is fitted on both domains jointly with folds grouped by XQuAD article and RTQA quiz week (a
question asked over the other domain's index falls in its own group's fold), and reported at
the lowest threshold that keeps false answers at most 5% on every unanswerable set (held-out).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import zlib
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

sys.path.append(str(Path(__file__).resolve().parent))
import answers  # noqa: E402
import common  # noqa: E402
import fit_quote  # noqa: E402
from domains import News  # noqa: E402
from retrieval import Bench, View  # noqa: E402

from bot import evaluate  # noqa: E402
from bot.extractive import DEFAULT_POLICY, AbstainModel, default_abstain_model  # noqa: E402
from bot.quote import choose, default_model  # noqa: E402
from bot.retrieval import DEFAULT_PARAMS, SearchResult, search  # noqa: E402
from bot.text import subject_terms, tokens, word_overlap  # noqa: E402
from newsdesk.index import Filters  # noqa: E402

CAP = 50  # document frequencies are counted up to this many passages
FIT_ROWS = ("en-en", "ro-ro", "en-ro", "ro-en", "en without gold", "ro without gold",
            "unanswerable.jsonl", "RTQA", "RTQA over XQuAD", "XQuAD over RTQA")  # fmt: skip


@dataclass(slots=True)
class Row:
    """One question over one index: its outcome if answered, its signals, and per subject
    term (term, passages of the searched index holding it up to CAP, in the quote's
    context, in its passage)."""

    row: str
    group: str
    scored: answers.Scored
    same_lang: bool
    terms: list[tuple[str, int, bool, bool]]
    written: bool = True


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
    context = set(tokens(f"{ev.chunk.article.title}\n{before}\n{ev.chunk.text[span.start:span.end]}"))
    passage = set(tokens(f"{ev.chunk.article.title}\n{ev.chunk.text}"))
    terms = [(t, len(view.lexical_search([t], CAP, filters)), word_overlap([t], context) > 0,
              word_overlap([t], passage) > 0) for t in subject_terms(question)]  # fmt: skip
    return Row(row, group, scored, ev.chunk.article.lang == language, terms)


def collect(rtqa: Path, sample: int, limit: int = 0) -> list[Row]:
    xquad_index = common.xquad_index()
    embedder = common.CachedQueries(xquad_index.embedder)
    bench = Bench(xquad_index, embedder, "dev", limit)
    models = fit_quote.fold_models(fit_quote.collect(bench, fit_quote.all_records(bench)))
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
             "written": r.written, "fold": r.scored.fold, "signals": r.scored.signals,
             "outcome": asdict(r.scored.outcome)} for r in rows]  # fmt: skip
    path.write_text(json.dumps(data), encoding="utf-8")


def load(path: Path) -> list[Row]:
    rows = []
    for d in json.loads(path.read_text(encoding="utf-8")):
        scored = answers.Scored(evaluate.AnswerOutcome(**d["outcome"]),
                                None if d["signals"] is None else tuple(d["signals"]), d["fold"])
        rows.append(Row(d["row"], d["group"], scored, d["same_lang"],
                        [tuple(t) for t in d["terms"]], d["written"]))  # fmt: skip
    return rows


# -- candidate signals --------------------------------------------------------------------

def weight(df: int) -> float:
    return math.log((CAP + 1) / (df + 1)) + 0.05


def rare_missing(row: Row, where: int) -> float:
    """The rarity-weighted share of subject terms the quote's context (where=2) or passage
    (where=3) lacks, when the quoted article is in the question's language; else 0."""
    if not row.same_lang or not row.terms:
        return 0.0
    total = sum(weight(t[1]) for t in row.terms)
    return sum(weight(t[1]) for t in row.terms if not t[where]) / total


def absent(row: Row) -> float:
    """The rarity-weighted share of subject terms no passage of the searched index holds
    (same-language quote only)."""
    if not row.same_lang or not row.terms:
        return 0.0
    total = sum(weight(t[1]) for t in row.terms)
    return sum(weight(t[1]) for t in row.terms if t[1] == 0) / total


def rarest_missing(row: Row) -> float:
    if not row.same_lang or not row.terms:
        return 0.0
    rarest = min(row.terms, key=lambda t: t[1])
    return float(not rarest[3])


EXTRA = {
    "rare_missing_ctx": lambda r: rare_missing(r, 2),
    "rare_missing_passage": lambda r: rare_missing(r, 3),
    "absent": absent,
    "rarest_missing": rarest_missing,
}
FEATURE_SETS = {
    "shipped (XQuAD-fitted)": None,
    "joint, current signals": (),
    "joint + rare_missing_ctx": ("rare_missing_ctx",),
    "joint + rare_missing_passage": ("rare_missing_passage",),
    "joint + absent": ("absent",),
    "joint + rarest_missing": ("rarest_missing",),
    "joint + passage + absent": ("rare_missing_passage", "absent"),
    "joint + all": tuple(EXTRA),
}


def features(row: Row, extra: tuple[str, ...]) -> tuple[float, ...] | None:
    if row.scored.signals is None:
        return None
    return (*row.scored.signals, *(EXTRA[name](row) for name in extra))


def held_out(rows: list[Row], extra: tuple[str, ...] | None) -> list[answers.Scored]:
    """Each row's Scored with its confidence from the model fitted without its fold (or from
    the shipped model when `extra` is None)."""
    out = [replace(r.scored, signals=features(r, extra or ())) for r in rows]
    if extra is None:
        model = default_abstain_model()
        for s in out:
            s.confidence = 0.0 if s.signals is None else model.probability(s.signals)
        return out
    fit = [s for s, r in zip(out, rows, strict=True) if r.row in FIT_ROWS and s.signals]
    for f in range(fit_quote.FOLDS):
        x = np.array([s.signals for s in fit if s.fold != f], np.float64)
        y = np.array([float(s.outcome.answerable) for s in fit if s.fold != f])
        model = AbstainModel(*fit_quote.logistic(x, y))
        for s in out:
            if s.fold == f:
                s.confidence = 0.0 if s.signals is None else model.probability(s.signals)
    return out


def by_row(rows: list[Row], scored: list[answers.Scored]) -> dict[str, list[answers.Scored]]:
    out: dict[str, list[answers.Scored]] = {}
    for r, s in zip(rows, scored, strict=True):
        out.setdefault(r.row, []).append(s)
        if r.row == "RTQA" and r.written:
            out.setdefault("RTQA, answer in its passage", []).append(s)
    return out


def report(rows: dict[str, list[answers.Scored]], threshold: float) -> dict[str, str]:
    cells = {}
    for name, scored in rows.items():
        m = evaluate.answer_metrics(answers.at(scored, threshold))
        cells[name] = (f"{1 - m.false_answer:.3f} abst" if not scored[0].outcome.answerable
                       else f"{m.answered:.3f} / {m.ac:.3f}")  # fmt: skip
    return cells


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
        rows = collect(args.rtqa, args.sample, args.limit)
        save(rows, cache)
    rows = load(cache)
    result = {}
    for name, extra in FEATURE_SETS.items():
        grouped = by_row(rows, held_out(rows, extra))
        best = answers.best_threshold(grouped)
        result[name] = {"threshold": round(best, 4), "at_best": report(grouped, best),
                        "at_0.55": report(grouped, DEFAULT_POLICY.answer_above)}  # fmt: skip
        print(f"\n{name}: threshold {best:.3f}")
        for k, v in result[name]["at_best"].items():
            print(f"  {k:32} {v:>16}   (at 0.55: {result[name]['at_0.55'][k]})")
    result["seconds"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
