"""Answers on news: bench/newsqa/questions.jsonl over the shared Wikinews articles and the
Romanian FLORES passages, through the code path of `newsdesk ask` (no language filter).

    python bench/news_answers.py      # writes bench/results/news_answers.json

The corpus (cached under bench/.cache): the 315 English Wikinews articles (CC BY 2.5) and the
100 Romanian FLORES-200 Wikinews passages (CC BY-SA 4.0), read from ../shared/news. The
questions were written for this project over them (bench/newsqa/README.md): most answers are
not in the article's first sentence, as in real use, where XQuAD's questions copy their
paragraph's words. Each answerable question is scored like bench/answers.py scores XQuAD:
answered, AC, cite@3, and whether the quoted span holds an answer before abstention; the
unanswerable ones (topical near misses) give the false-answer rate. The sentence model of
each question is fitted without its article (bench/fit_quote.py's folds, over XQuAD dev and
these questions); the abstention model is fitted on XQuAD only, so every number is held-out.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent))
import answers  # noqa: E402
import common  # noqa: E402
import fit_quote  # noqa: E402
from retrieval import Bench  # noqa: E402

NEWS = common.SHARED / "news"
QUESTIONS = common.ROOT / "bench" / "newsqa" / "questions.jsonl"


def corpus_files() -> list[Path]:
    return [NEWS / "wikinews_en_full.jsonl", NEWS / "flores_wikinews_ro.jsonl"]


def articles() -> list:
    """The English Wikinews articles and the Romanian FLORES passages, as articles."""
    return common.articles_of([
        *common.read_jsonl(corpus_files()[0]),
        *(dict(r, source="Wikinews (ro)") for r in common.read_jsonl(corpus_files()[1])),
    ])


def news_index(quiet: bool = False):
    """The cached index of the news corpus (built on first use: several minutes)."""
    return common._cached_index("newsqa", corpus_files(), articles, "e5-small", quiet=quiet)


class NewsBench(Bench):
    """The news questions with their vectors, searched as `ask` searches (no language filter:
    `result` as bench/fit_quote.py's `collect` calls it)."""

    def __init__(self, index, records: list[dict]) -> None:
        self.sets, self.unanswerable = {}, []
        embedder = common.CachedQueries(index.embedder)
        self._prepare(index, embedder, sorted({r["question"] for r in records}))

    def result(self, record: dict, params, k: int = 10, **_: object):
        return super().result(record, params, k, filtered=False)


def questions(path: Path = QUESTIONS) -> list[dict]:
    """The news questions (none before the file exists), marked as this set's."""
    return [dict(r, set="news") for r in common.read_jsonl(path)] if path.exists() else []


def row_of(record: dict) -> str:
    if not record.get("answerable", True):
        return f"{record['question_lang']} unanswerable"
    return f"{record['question_lang']}-{record['corpus_lang']}"


def scored_rows(bench: NewsBench, records: list[dict], models: dict[int, object]
                ) -> dict[str, list]:  # fmt: skip
    """Each question answered as `ask` would (the quote model of its fold), by row."""
    from bot.retrieval import DEFAULT_PARAMS

    rows: dict[str, list] = {}
    for r in records:
        answerable = bool(r.get("answerable", True))
        model = models[fit_quote.fold_of(r["doc_id"])]
        result = bench.result(r, DEFAULT_PARAMS, answers.ASK_K)
        rows.setdefault(row_of(r), []).append(answers.score(r, result, model, answerable))
    return rows


def main(argv: list[str] | None = None) -> int:
    import argparse

    from bot import evaluate
    from bot.extractive import DEFAULT_POLICY, default_abstain_model

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=common.RESULTS / "news_answers.json")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    xquad = common.xquad_index()
    training = fit_quote.training_rows(Bench(xquad, xquad.embedder, "dev"))
    models = fit_quote.fold_models(training)  # each question's model never saw its article
    records = questions()
    bench = NewsBench(news_index(), records)
    rows = scored_rows(bench, records, models)
    abstain = default_abstain_model()  # fitted on XQuAD only (bench/answers.py --fit)
    for scored in rows.values():
        for s in scored:
            s.confidence = 0.0 if s.signals is None else abstain.probability(s.signals)
    table = answers.table(rows, DEFAULT_POLICY.answer_above)
    holds = {pair.removeprefix("news "): rates["quote_contains_answer"]
             for pair, rates in fit_quote.held_out_rates(training, models).items()
             if pair.startswith("news ")}  # fmt: skip
    result = {
        "questions": len(records), "threshold": DEFAULT_POLICY.answer_above,
        "rows": {name: m.as_json() for name, m in table.items()},
        "quote_holds_an_answer_no_abstention": {k: round(v, 4) for k, v in holds.items()},
        "seconds": round(time.perf_counter() - started, 1),
    }  # fmt: skip
    lines = [evaluate.answer_table(table), "",
             "quote holds an answer (no abstention): "
             + ", ".join(f"{pair} {rate:.3f}" for pair, rate in holds.items())]  # fmt: skip
    common.write_result(args.out, result, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
