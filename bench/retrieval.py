"""Retrieval quality side by side: BM25 alone, dense alone, hybrid (RRF), hybrid + sentence step.

    python bench/retrieval.py            # dev questions; writes bench/results/retrieval.json
    python bench/retrieval.py --split test   # the held-back files, when present

The five XQuAD corpora (en, ro, de, es, ru; 240 paragraphs each) are ingested together into one
index (cached under bench/.cache/). Every method runs through `bot.retrieval.search`, the code
path of `newsdesk ask`, with only the switches of `RetrievalParams` changed.

Rows:
- `Q-C` (en-en, ro-ro, en-ro, ro-en): questions in language Q over the corpus in language C,
  searched with `--lang C` (the corpora are translations of each other, so without the filter
  the question's own language version would answer it).
- `Q-C mixed`: the same questions over corpus C *plus* every other article in language Q: what
  a newsroom index looks like, where an English question meets English articles that share
  its words but not its answer. Only the gold article's own translation in Q is left out.

A hit is a returned passage of the gold article containing an answer span. Abstention: the
answerable dev questions (all four pairs) against bench/unanswerable.jsonl (questions about
things the corpora do not cover, en and ro, some near misses), searched over everything; both
error rates at the threshold `bot.extractive.AnswerPolicy.abstain_below`, and the threshold that
would minimise their sum on this data.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.append(str(Path(__file__).resolve().parent))
import common  # noqa: E402

from bot import evaluate  # noqa: E402
from bot.extractive import DEFAULT_POLICY, confidence  # noqa: E402
from bot.retrieval import (  # noqa: E402
    DEFAULT_PARAMS,
    RetrievalParams,
    SearchResult,
    language_means,
    search,
)  # noqa: E402
from bot.text import query_terms  # noqa: E402
from newsdesk.index import Filters, Index  # noqa: E402

METHODS: dict[str, RetrievalParams] = {
    "BM25": replace(DEFAULT_PARAMS, use_dense=False, use_sentences=False),
    "dense (raw cosine)": replace(DEFAULT_PARAMS, use_lexical=False, use_sentences=False, centering=0.0),
    "dense (language-centred)": replace(DEFAULT_PARAMS, use_lexical=False, use_sentences=False),
    "hybrid (RRF)": replace(DEFAULT_PARAMS, use_sentences=False),
    "hybrid + sentences": DEFAULT_PARAMS,
}


class View:
    """An index as `search` sees it, memoised, optionally restricted to some articles.

    Searching the same question many times (one per method, or per setting while tuning)
    reads each ranked list and each chunk once. A restriction (`keep`) drops other articles'
    chunks from both retrievers, asking the real index for more to fill the depth.
    """

    def __init__(self, index: Index, keep: Any = None) -> None:
        self.index = index
        self.keep = keep  # a predicate on article ids, or None for everything
        self._by_key: dict[str, str] = {}
        self._memo: dict[Any, Any] = {}
        self._chunks: dict[str, Any] = {}
        self._sentences: dict[str, np.ndarray] = {}
        self._vectors: dict[str, np.ndarray] = {}

    def _article_of(self, chunk_id: str) -> str:
        if not self._by_key:
            from ingest.chunking import chunk_key

            self._by_key = {chunk_key(a.article_id): a.article_id for a in self.index.articles()}
        return self._by_key.get(chunk_id.split("-")[0], "")

    def _restricted(self, hits: list[tuple[str, float]], k: int) -> list[tuple[str, float]]:
        if self.keep is None:
            return hits[:k]
        return [h for h in hits if self.keep(self._article_of(h[0]))][:k]

    def dense_search(self, vector: np.ndarray, k: int, filters: Filters = Filters()) -> list:
        key = ("d", np.asarray(vector, np.float32).tobytes(), k, filters)
        if key not in self._memo:
            wide = k if self.keep is None else k * 4
            self._memo[key] = self._restricted(self.index.dense_search(vector, wide, filters), k)
        return self._memo[key]

    def lexical_search(self, terms: Any, k: int, filters: Filters = Filters()) -> list:
        key = ("l", tuple(terms), k, filters)
        if key not in self._memo:
            wide = k if self.keep is None else k * 4
            self._memo[key] = self._restricted(self.index.lexical_search(terms, wide, filters), k)
        return self._memo[key]

    def chunks(self, chunk_ids: Any) -> list:
        missing = [c for c in chunk_ids if c not in self._chunks]
        for chunk in self.index.chunks(missing):
            self._chunks[chunk.chunk_id] = chunk
        return [self._chunks[c] for c in chunk_ids if c in self._chunks]

    def sentence_vectors(self, chunk_ids: Any) -> dict:
        missing = [c for c in chunk_ids if c not in self._sentences]
        if missing:
            self._sentences.update(self.index.sentence_vectors(missing))
        return {c: self._sentences[c] for c in chunk_ids if c in self._sentences}

    def chunk_vectors(self, chunk_ids: Any) -> dict:
        missing = [c for c in chunk_ids if c not in self._vectors]
        if missing:
            self._vectors.update(self.index.chunk_vectors(missing))
        return {c: self._vectors[c] for c in chunk_ids if c in self._vectors}


def mixed_keep(question_lang: str, corpus_lang: str, doc_id: str):
    """Articles of the corpus language, and of the question's language except the gold's twin."""
    twin = doc_id.replace(f"xquad-{corpus_lang}-", f"xquad-{question_lang}-", 1)

    def keep(article_id: str) -> bool:
        lang = article_id.split("-")[1] if article_id.startswith("xquad-") else ""
        return lang == corpus_lang or (lang == question_lang and article_id != twin)

    return keep


class Bench:
    """Questions with their vectors, and the views to search them in."""

    def __init__(self, index: Index, embedder: Any, split: str = "dev", limit: int = 0) -> None:
        self.sets: dict[str, list[dict]] = {}
        for pair in common.PAIRS:
            records = common.questions(pair, split)
            self.sets[pair] = records[:limit] if limit else records
        self.unanswerable = list(common.read_jsonl(common.ROOT / "bench" / "unanswerable.jsonl"))
        texts = sorted({r["question"] for rs in self.sets.values() for r in rs}
                       | {r["question"] for r in self.unanswerable})  # fmt: skip
        self._prepare(index, embedder, texts)

    def _prepare(self, index: Index, embedder: Any, texts: list[str]) -> None:
        """The questions' vectors and terms, and the index's views and language means."""
        self.index = index
        self.view = View(index)
        started = time.perf_counter()
        vectors = embedder.embed_queries(texts)
        self.embed_seconds = time.perf_counter() - started
        self.vectors = dict(zip(texts, vectors, strict=True))
        self.terms = {t: query_terms(t) for t in texts}
        self.mixed_views: dict[tuple[str, str, str], View] = {}
        from bot.language_directions import directions

        self.means = language_means(index, directions(embedder))

    def result(self, record: dict, params: RetrievalParams, k: int = 10, mixed: bool = False,
               filtered: bool = True) -> SearchResult:  # fmt: skip
        question = record["question"]
        filters = Filters(lang=record["corpus_lang"]) if filtered and not mixed else Filters()
        view = self.view
        if mixed:
            key = (record["question_lang"], record["corpus_lang"], record["doc_id"])
            if key not in self.mixed_views:
                self.mixed_views[key] = View(self.index, mixed_keep(*key))
                self.mixed_views[key]._by_key = self.view._by_key or {}
            view = self.mixed_views[key]
        return search(view, self.vectors[question], self.terms[question], k, filters, params,  # type: ignore[arg-type]
                      self.means)  # fmt: skip

    def outcomes(self, pair: str, params: RetrievalParams, mixed: bool = False,
                 filtered: bool = True) -> list[evaluate.Outcome]:  # fmt: skip
        return [
            evaluate.outcome(r, self.result(r, params, mixed=mixed, filtered=filtered), confidence)
            for r in self.sets[pair]
        ]

    def unanswerable_outcomes(self, params: RetrievalParams) -> list[evaluate.Outcome]:
        out = []
        for r in self.unanswerable:
            result = search(self.view, self.vectors[r["question"]], self.terms[r["question"]], 10,  # type: ignore[arg-type]
                            Filters(), params, self.means)  # fmt: skip
            out.append(evaluate.outcome(r, result, confidence))
        return out


def sentence_hit_rate(bench: Bench, pair: str, params: RetrievalParams) -> float:
    """How often the best sentence of the top passage contains the answer (the quote answers)."""
    hits = 0
    records = bench.sets[pair]
    for r in records:
        evidence = bench.result(r, params).evidence
        if evidence and evidence[0].sentences:
            span = evidence[0].sentences[0].span
            sentence = evidence[0].chunk.text[span.start : span.end]
            hits += any(a and a in sentence for a in r["answers"])
    return hits / len(records) if records else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", default="dev", help="question files questions.*.SPLIT.jsonl")
    parser.add_argument("--limit", type=int, default=0, help="first N questions per pair (quick runs)")
    parser.add_argument("--out", type=Path, default=common.RESULTS / "retrieval.json")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    index = common.xquad_index()
    embedder = index.embedder
    bench = Bench(index, embedder, args.split, args.limit)
    stats = index.stats()
    rows: dict[str, dict[str, evaluate.Metrics]] = {}
    answerable: list[evaluate.Outcome] = []
    threshold = DEFAULT_POLICY.abstain_below
    for method, params in METHODS.items():
        rows[method] = {}
        for pair in common.PAIRS:
            outcomes = bench.outcomes(pair, params)
            rows[method][pair] = evaluate.metrics(outcomes, threshold)
            if method == "hybrid + sentences":
                answerable.extend(outcomes)
        for pair in ("en-ro", "ro-en"):
            rows[method][f"{pair} mixed"] = evaluate.metrics(bench.outcomes(pair, params, mixed=True), threshold)
    unanswerable = bench.unanswerable_outcomes(DEFAULT_PARAMS)
    both = answerable + unanswerable
    at_threshold = evaluate.metrics(both, threshold)
    best_t, best_fa, best_fn = evaluate.calibrate(both)
    # the same questions over all five languages: every story is there five times, so no
    # article stands out from the others (the case of several outlets covering one event)
    redundant = [o for pair in common.PAIRS for o in bench.outcomes(pair, DEFAULT_PARAMS, filtered=False)]
    redundant_abstain = evaluate.metrics(redundant, threshold).abstain
    near = [o for o, r in zip(unanswerable, bench.unanswerable, strict=True) if r.get("near_miss")]
    sentence_rates = {pair: sentence_hit_rate(bench, pair, DEFAULT_PARAMS) for pair in common.PAIRS}

    result = {
        "split": args.split,
        "index": {"articles": stats.articles, "chunks": stats.chunks, "embedder": index.meta("model_id")},
        "questions": {pair: len(rs) for pair, rs in bench.sets.items()},
        "params": asdict(DEFAULT_PARAMS),
        "methods": {m: {p: v.as_json() for p, v in r.items()} for m, r in rows.items()},
        "sentence_step": {"best_sentence_contains_answer": {p: round(v, 4) for p, v in sentence_rates.items()}},
        "abstention": {
            "signal": "bot.extractive.confidence: the top passage's margin over other articles, or its own score above AnswerPolicy.strong",
            "threshold": threshold,
            "answerable": len(answerable),
            "unanswerable": len(unanswerable),
            "false_abstain": round(at_threshold.abstain, 4),
            "false_answer": round(at_threshold.false_answer, 4),
            "false_abstain_unfiltered": round(redundant_abstain, 4),
            "false_answer_near_misses": round(
                sum(o.confidence >= threshold for o in near) / len(near), 4) if near else None,
            "best_threshold_on_this_data": {"threshold": round(best_t, 4),
                                            "false_abstain": round(best_fa, 4),
                                            "false_answer": round(best_fn, 4)},
        },  # fmt: skip
        "seconds": round(time.perf_counter() - started, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    pairs = [*common.PAIRS, "en-ro mixed", "ro-en mixed"]
    print(f"XQuAD {args.split}: {stats.articles} articles / {stats.chunks} chunks in one index "
          f"(5 languages); R@1 / R@5 / MRR@10\n")  # fmt: skip
    print("| method | " + " | ".join(pairs) + " |")
    print("|---|" + "---|" * len(pairs))
    for method, by_pair in rows.items():
        cells = [f"{m.r1:.3f} / {m.r5:.3f} / {m.mrr10:.3f}" for m in (by_pair[p] for p in pairs)]
        print(f"| {method} | " + " | ".join(cells) + " |")
    print("\nbest sentence of the top passage contains the answer: "
          + ", ".join(f"{p} {v:.3f}" for p, v in sentence_rates.items()))  # fmt: skip
    ab = result["abstention"]
    print(f"\nabstention at threshold {threshold}: false abstain {ab['false_abstain']:.3f} "
          f"({len(answerable)} answerable), false answer {ab['false_answer']:.3f} "
          f"({len(unanswerable)} unanswerable; near misses {ab['false_answer_near_misses']}); "
          f"false abstain over all five languages unfiltered {redundant_abstain:.3f}")
    print(f"threshold minimising their sum here: {best_t:.4f} "
          f"(false abstain {best_fa:.3f}, false answer {best_fn:.3f})")
    print(f"\nwritten to {args.out} ({result['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
