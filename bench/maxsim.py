"""Late interaction (token-level MaxSim) from multilingual-e5-small as a quote-sentence signal.

    python bench/maxsim.py [--limit N] [--latency N]

The rows of `bench/fit_quote.py` (every sentence of the first passages of every dev question,
searched as `ask` searches) get extra columns computed from the torch copy of the model's
last hidden states, each token's state L2-normalised (`<s>`, `</s>`, the "query: " /
"passage: " prefix and punctuation-only pieces dropped):

- `ms`: MaxSim(q, s) = mean over the question's tokens of the max cosine over the sentence's;
- `ms_idf`: the same mean weighted by the tokens' idf (document frequency over every distinct
  candidate sentence);
- `ms_gap`: `ms` minus the best `ms` of the other sentences of its passage (contrast);
- `ms_ctx`: `ms` against the sentence encoded after its previous sentence (both their tokens).

Each variant is added to `bot.quote.FEATURES` and scored exactly as fit_quote scores it (the
same article-grouped 5 folds, L2, adjacent-sentence rule); `--latency N` times, warm, what the
feature would cost at query time (the question and the ~24 candidates encoded token by token)
beside the retrieval `ask` already does. Token states are cached in bench/.cache.

Result (2026-12-01, base ba3b4c3, 2,492 dev questions, 36,306 candidates; held-out share of
questions whose quoted span holds an answer, and questions won/lost against the base):

    base     en-en .867         ro-ro .841         en-ro .742         ro-en .737
    ms       en-en .872 (+3/-0)   ro-ro .841 (+2/-2)   en-ro .746 (+3/-0)   ro-en .735 (+1/-2)
    ms_idf   en-en .867 (+3/-3)   ro-ro .843 (+3/-2)   en-ro .750 (+5/-0)   ro-en .734 (+3/-5)
    ms+gap   en-en .870 (+10/-8)  ro-ro .836 (+11/-14) en-ro .756 (+18/-9)  ro-en .748 (+19/-12)
    ms_ctx   en-en .872 (+4/-1)   ro-ro .846 (+6/-3)   en-ro .750 (+5/-0)   ro-en .742 (+6/-3)
    all4     en-en .862 (+12/-15) ro-ro .833 (+14/-19) en-ro .766 (+23/-8)  ro-en .762 (+25/-9)
    gap_all  en-en .873 (+10/-6)  ro-ro .836 (+10/-13) en-ro .754 (+16/-8)  ro-en .745 (+17/-12)
    ctx+gaps en-en .867 (+10/-10) ro-ro .843 (+14/-13) en-ro .756 (+18/-9)  ro-en .746 (+21/-15)
    gap+x    en-en .872 (+10/-7)  ro-ro .841 (+10/-10) en-ro .756 (+17/-8)  ro-en .745 (+17/-12)
    all4+x   en-en .864 (+13/-15) ro-ro .835 (+14/-18) en-ro .772 (+26/-7)  ro-en .766 (+28/-10)
    all4 x   en-en .873 (+5/-1)   ro-ro .841 (+4/-4)   en-ro .766 (+16/-1)  ro-en .745 (+8/-3)
    all      en-en .862 (+11/-14) ro-ro .838 (+15/-17) en-ro .761 (+21/-9)  ro-en .756 (+21/-9)

MaxSim helps the cross-lingual pairs (all four variants together: +2.4 / +2.5 points, +3.0 /
+2.9 with the cross-lingual interactions) but costs the monolingual ones (-0.5 / -0.8), where
word overlap already carries what token alignment adds; used for cross-lingual questions only
(`all4 x`), en-ro gains +2.4 (+16/-1) but ro-en only +0.8. No variant reaches the bar set for
shipping (>= +1.5 on en-ro and ro-en, no pair worse).

Cost (`--latency 30`, warm, torch fp32, not niced, load average 6.5-7 from three other jobs on
the 2 cores): retrieval p50 9.7 ms; the question's token states p50 40.5 ms (p95 60); the
candidates' (14.7 per question from 3 passages) p50 528 ms (p95 863), ~36 ms a sentence, so
~0.9 s for 24. Today's warm `ask` p50 is 74 ms (README, 1k chunks): computed at query time the
feature makes `ask` ~8x slower. Computed at ingest, a query pays only the question (+40 ms,
~1.5x, and `ask` must load torch, which `QuickStartE5` avoids for one-off asks: +5-15 s cold),
but every sentence stores its token states: 37.6 content tokens on average x 384 x fp16 =
28.9 KB (19x its 1.5 KB sentence vector; `ms_ctx` doubles it). Not shipped.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

sys.path.append(str(Path(__file__).resolve().parent))
import common
import fit_quote
from retrieval import Bench

from bot.evaluate import contains_answer
from bot.quote import FEATURES, Candidate, candidates, quoted_span
from newsdesk.e5_engine import PASSAGE_PREFIX, QUERY_PREFIX, TorchE5Embedder, open_torch

BATCH = 32
# Column sets added to fit_quote's features; `_x_cross` is the column times 1 when the question
# and the passage are in different languages (MaxSim for cross-lingual questions only).
VARIANTS = {
    "ms": ["ms"], "ms_idf": ["ms_idf"], "ms+gap": ["ms", "ms_gap"], "ms_ctx": ["ms_ctx"],
    "all4": ["ms", "ms_idf", "ms_gap", "ms_ctx"], "gap_all": ["ms", "ms_gap", "ms_gap_all"],
    "ctx+gaps": ["ms_ctx", "ctx_gap", "ms_gap"],
    "gap+x": ["ms", "ms_gap", "ms_gap_all", "ms_gap_x_cross", "ms_gap_all_x_cross"],
    "all4+x": ["ms", "ms_idf", "ms_gap", "ms_ctx", "ms_x_cross", "ms_idf_x_cross",
               "ms_gap_x_cross", "ms_ctx_x_cross"],
    "all4 x": ["ms_x_cross", "ms_idf_x_cross", "ms_gap_x_cross", "ms_ctx_x_cross"],
    "all": ["ms", "ms_idf", "ms_gap", "ms_gap_all", "ms_ctx", "ctx_gap"],
}  # fmt: skip


@dataclass(slots=True)
class Question:
    """One question's candidates, their sentence texts and the sentence before each."""

    record: dict
    evidence: list
    found: list[Candidate]
    texts: list[str]
    previous: list[str]  # the sentence before in its chunk ("" for the first)


class TokenStates:
    """Normalised last hidden states of the content tokens of texts, cached on disk."""

    def __init__(self, engine: TorchE5Embedder, prefix: str, name: str) -> None:
        self.engine = engine
        self.prefix = prefix
        self.skip = len(engine.token_ids([""], prefix)[0]) - 1  # the prefix's own tokens
        tokenizer = engine._tokenizer
        self.content = np.array([
            any(ch.isalnum() for ch in tokenizer.id_to_token(i) or "")
            for i in range(tokenizer.get_vocab_size())
        ])  # fmt: skip
        self.path = common.CACHE / f"maxsim-{name}.npz"
        self.states: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if self.path.exists():
            with np.load(self.path) as data:  # each data[key] reads the whole array again
                texts, lengths = data["texts"].tolist(), data["lengths"]
                states, ids = data["states"], data["ids"]
            ends = np.cumsum(lengths)
            for text, end, n in zip(texts, ends, lengths, strict=True):
                self.states[text] = (states[end - n : end], ids[end - n : end])

    def get(self, texts: Sequence[str]) -> list[np.ndarray]:
        missing = sorted({t for t in texts if t not in self.states})
        if missing:
            self.states.update(zip(missing, self.encode(missing), strict=True))
            self.save()
        return [self.states[t][0].astype(np.float32) for t in texts]

    def ids(self, text: str) -> np.ndarray:
        return self.states[text][1]

    def encode(self, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """(states float16 [n, 384], token ids [n]) of each text's content tokens."""
        import torch

        bos, eos, pad = self.engine._special
        all_ids = [ids[self.skip :][:500] for ids in self.engine.token_ids(texts, self.prefix)]
        order = sorted(range(len(texts)), key=lambda i: len(all_ids[i]))
        out: list[tuple[np.ndarray, np.ndarray]] = [None] * len(texts)  # type: ignore[list-item]
        head = [bos, *self.engine.token_ids([""], self.prefix)[0][: self.skip]]
        started = time.perf_counter()
        with torch.inference_mode():
            for b in range(0, len(order), BATCH):
                rows = order[b : b + BATCH]
                width = max(len(all_ids[i]) for i in rows) + len(head) + 1
                ids = torch.full((len(rows), width), pad, dtype=torch.long)
                mask = torch.zeros((len(rows), width), dtype=torch.long)
                for r, i in enumerate(rows):
                    seq = [*head, *all_ids[i], eos]
                    ids[r, : len(seq)] = torch.tensor(seq)
                    mask[r, : len(seq)] = 1
                hidden = self.engine._bert(input_ids=ids, attention_mask=mask).last_hidden_state
                hidden = torch.nn.functional.normalize(hidden.float(), dim=-1).numpy()
                for r, i in enumerate(rows):
                    tok = np.array(all_ids[i], np.int64)
                    keep = self.content[tok] if len(tok) else np.zeros(0, bool)
                    states = hidden[r, len(head) : len(head) + len(tok)][keep]
                    out[i] = (states.astype(np.float16), tok[keep])
                if len(texts) > 100 and b // BATCH % 20 == 0:
                    print(f"  {self.path.name}: {b + len(rows)}/{len(texts)} "
                          f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)  # fmt: skip
        return out

    def save(self) -> None:
        texts = list(self.states)
        np.savez(self.path, texts=np.array(texts),
                 lengths=np.array([len(self.states[t][1]) for t in texts]),
                 states=np.concatenate([self.states[t][0] for t in texts]),
                 ids=np.concatenate([self.states[t][1] for t in texts]))  # fmt: skip


def maxsim(question: np.ndarray, sentence: np.ndarray, weights: np.ndarray | None = None
           ) -> float:  # fmt: skip
    """Mean (weighted) over the question's tokens of the best cosine with a sentence token."""
    if not len(question) or not len(sentence):
        return 0.0
    best = (question @ sentence.T).max(axis=1)
    return float(np.average(best, weights=weights))


def questions(rows: fit_quote.Rows) -> list[Question]:
    out = []
    for record, result in zip(rows.records, rows.results, strict=True):
        found = candidates(record["question"], result.evidence, fit_quote.PASSAGES)
        texts, previous = [], []
        for c in found:
            chunk = result.evidence[c.evidence].chunk
            texts.append(chunk.text[c.span.start : c.span.end])
            before = [o for o in found if o.evidence == c.evidence and o.position == c.position - 1]
            previous.append(chunk.text[before[0].span.start : before[0].span.end] if before else "")
        out.append(Question(record, result.evidence, found, texts, previous))
    return out


def idf_table(states: TokenStates, texts: Sequence[str]) -> np.ndarray:
    df = np.zeros(len(states.content), np.float64)
    for text in set(texts):
        df[np.unique(states.ids(text))] += 1
    n = len(set(texts))
    return np.log((n + 1) / (df + 1)) + 1.0


def columns(qs: list[Question], passages: TokenStates, queries: TokenStates
            ) -> dict[str, np.ndarray]:  # fmt: skip
    """The MaxSim variants of every candidate row (fit_quote's row order)."""
    sentences = sorted({t for q in qs for t in q.texts})
    in_context = sorted({f"{p} {t}".strip() for q in qs for p, t in zip(q.previous, q.texts,
                                                                        strict=True)})  # fmt: skip
    passages.get(sentences)
    passages.get(in_context)
    queries.get([q.record["question"] for q in qs])
    idf = idf_table(passages, sentences)
    out: dict[str, list[float]] = {
        k: [] for k in ("ms", "ms_idf", "ms_gap", "ms_gap_all", "ms_ctx", "ctx_gap", "cross")
    }
    for q in qs:
        text = q.record["question"]
        qv = queries.get([text])[0]
        weights = idf[queries.ids(text)] if len(qv) else None
        svs = passages.get(q.texts)
        plain = [maxsim(qv, s) for s in svs]
        out["ms"] += plain
        out["ms_idf"] += [maxsim(qv, s, weights) for s in svs]
        for i, c in enumerate(q.found):
            others = [plain[j] for j, o in enumerate(q.found)
                      if o.evidence == c.evidence and j != i]  # fmt: skip
            out["ms_gap"].append(plain[i] - max(others, default=plain[i]))
        out["ms_gap_all"] += [v - max(plain) for v in plain]
        ctx = passages.get([f"{p} {t}".strip() for p, t in zip(q.previous, q.texts, strict=True)])
        in_ctx = [maxsim(qv, s) for s in ctx]
        out["ms_ctx"] += in_ctx
        out["ctx_gap"] += [v - max(in_ctx) for v in in_ctx]
        cross = float(q.record["question_lang"] != q.record["corpus_lang"])
        out["cross"] += [cross] * len(plain)
    return {k: np.array(v) for k, v in out.items()}


def held_out(qs: list[Question], rows: fit_quote.Rows, x: np.ndarray) -> dict[str, np.ndarray]:
    """fit_quote.held_out_rates for any feature matrix: the held-out model's quoted span
    (best sentence, plus an adjacent one at >= `second`) holds an answer, per pair."""
    models = fit_quote.fold_models(replace(rows, x=x))
    hits: dict[str, list[bool]] = {}
    start = 0
    for q in qs:
        n = len(q.found)
        model = models[fit_quote.fold_of(q.record["doc_id"])]
        hit = False
        if n:
            probs = model.probabilities(x[start : start + n])
            best, span = quoted_span(q.found, probs, model.second)
            chunk = q.evidence[q.found[best].evidence].chunk
            hit = contains_answer(chunk.text[span.start : span.end], q.record["answers"])
        start += n
        pair = f"{q.record['question_lang']}-{q.record['corpus_lang']}"
        hits.setdefault(pair, []).append(hit)
    return {pair: np.array(v) for pair, v in hits.items()}


def summary(hits: dict[str, np.ndarray], base: dict[str, np.ndarray]) -> str:
    """Per pair: the held-out rate, and questions won / lost against the base features."""
    return "  ".join(f"{p} {v.mean():.3f} (+{(v & ~base[p]).sum()}/-{(~v & base[p]).sum()})"
                     for p, v in hits.items())  # fmt: skip


def latency(bench: Bench, qs: list[Question], engine: TorchE5Embedder, count: int) -> dict:
    """Warm ms per question, uncached: retrieval as `ask` runs it, the question's token states
    (all a query would compute if sentence states were stored at ingest), the candidates'."""
    from bot.retrieval import DEFAULT_PARAMS

    fresh_p = TokenStates(engine, PASSAGE_PREFIX, "latency-unused")
    fresh_q = TokenStates(engine, QUERY_PREFIX, "latency-unused")
    times: dict[str, list[float]] = {"search": [], "question": [], "candidates": []}
    steps = {
        "search": lambda q: bench.result(q.record, DEFAULT_PARAMS, fit_quote.ASK_K),
        "question": lambda q: fresh_q.encode([q.record["question"]]),
        "candidates": lambda q: fresh_p.encode(q.texts),
    }
    for n, q in enumerate(qs[:3] + qs[:count]):  # three warm-up questions first
        for name, step in steps.items():
            started = time.perf_counter()
            step(q)
            if n >= 3:
                times[name].append(1000 * (time.perf_counter() - started))
    out: dict[str, float] = {
        "questions": count,
        "candidates_mean": float(np.mean([len(q.texts) for q in qs[:count]])),
    }
    for name, ms in times.items():
        out[f"{name}_ms_p50"] = round(float(np.median(ms)), 1)
        out[f"{name}_ms_p95"] = round(float(np.percentile(ms, 95)), 1)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=0, help="first N questions per pair")
    parser.add_argument("--latency", type=int, default=0, help="time N questions (0: skip)")
    args = parser.parse_args(argv)
    index = common.xquad_index()
    bench = Bench(index, index.embedder, "dev", args.limit)
    rows = fit_quote.collect(bench, fit_quote.all_records(bench))
    qs = questions(rows)
    assert sum(len(q.found) for q in qs) == len(rows.y)
    engine = open_torch("fp32", 16)
    if args.latency:
        print(json.dumps(latency(bench, qs, engine, args.latency)))
        return 0
    tag = hashlib.sha1(engine.path.as_posix().encode()).hexdigest()[:6]
    passages = TokenStates(engine, PASSAGE_PREFIX, f"passages-{tag}")
    queries = TokenStates(engine, QUERY_PREFIX, f"queries-{tag}")
    extra = columns(qs, passages, queries)
    results = {"base": held_out(qs, rows, rows.x)}
    for name in ("ms", "ms_idf", "ms_gap", "ms_gap_all", "ms_ctx"):
        extra[f"{name}_x_cross"] = extra[name] * extra["cross"]
    for name, cols in VARIANTS.items():
        x = np.column_stack([rows.x, *(extra[c] for c in cols)])
        results[name] = held_out(qs, rows, x)
    print(f"{len(qs)} questions, {len(rows.y)} candidates, features {len(FEATURES)} + MaxSim")
    for name, hits in results.items():
        print(f"{name:8s} " + summary(hits, results["base"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
