"""The two storage backends side by side at 100k chunks: SQLite + embedded Chroma (the default)
and PostgreSQL + a Chroma server (issue 15), in one run on one machine.

    python bench/backends.py                  # 100k chunks; writes bench/results/backends.json
    python bench/backends.py --chunks 10000   # a quicker run

What is measured, per backend:

- ingest rate: `Index.write` of prepared articles (500 articles, 2,500 chunks per call, under
  the writer lock), chunks per second, journal + Chroma upsert + catalog transaction included;
- `ask` p50/p95: `latency.warm_latency`, the same 60 questions as bench/latency.py, answered by
  the real `Asker` (the query embedded by the real e5-small, the extractive answer, no LLM);
- the storage calls one ask makes: `dense_search` (k=50) and `lexical_search` (k=50) of the
  questions' vectors and words, and the sentence vectors of 40 chunks (what the re-ranking
  reads), p50/p95 each;
- sentence vectors kept in the catalog (one BLOB/bytea per chunk: what newsdesk does) against
  a second Chroma collection (one vector per sentence, the chunk id as metadata): the extra time
  to store them there (per chunk), and to read those of 40 chunks, over the first 20k chunks;
- size on disk: the data dir, or the PostgreSQL database plus the Chroma server's folder.

What is synthetic, said plainly: as in bench/latency.py, the 100k chunks are recombined real
sentences (XQuAD and Wikinews) with their real sentence vectors, each chunk's vector the mean of
its sentences' (embedding 100k chunks would take hours on two cores; this measures storage, not
the embedder). The servers are the tests' throwaway ones (tests/support/servers.py) but durable
here (fsync on), on 127.0.0.1: no network latency, which a deployment adds per call.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).resolve().parent))
sys.path.append(str(Path(__file__).resolve().parent.parent))
import common
import latency

from newsdesk.index import Index, data_dir_size
from newsdesk.index.vectors import Vectors

BATCH_ARTICLES = 500
SENTENCE_SAMPLE_CHUNKS = 20_000
READ_CHUNKS = 40


def build(settings: Any, embedder: Any, chunks: int, pool: tuple) -> dict[str, float]:
    """Write `chunks` synthetic chunks into the index; the ingest rate."""
    texts, langs, vectors = pool
    by_lang: dict[str, list[int]] = {}
    for i, lang in enumerate(langs):
        by_lang.setdefault(lang, []).append(i)
    rng = random.Random(chunks)
    articles = chunks // latency.CHUNKS_PER_ARTICLE
    index = Index(settings, embedder)
    writing = 0.0
    try:
        with index.writing():
            for done in range(0, articles, BATCH_ARTICLES):
                count = min(BATCH_ARTICLES, articles - done)
                batch = latency.synthetic_batch(rng, done, count, by_lang, texts, vectors)
                started = time.perf_counter()
                index.write(batch)
                writing += time.perf_counter() - started
                written = (done + count) * latency.CHUNKS_PER_ARTICLE
                print(f"  {written} chunks ({writing:.0f} s writing)", file=sys.stderr)
        stored = index.stats().chunks
    finally:
        index.close()
    return {"chunks": stored, "write_s": round(writing, 1),
            "chunks_per_s": round(stored / writing, 1)}  # fmt: skip


def timed(calls: list[Any]) -> dict[str, float]:
    """p50/p95 in ms of calling each of `calls` once."""
    times = []
    for call in calls:
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(latency.percentile(times, 0.95), 2)}  # fmt: skip


def storage_calls(settings: Any, embedder: Any, asks: list[str]) -> dict[str, Any]:
    """The storage calls of an ask, timed alone."""
    from bot.text import query_terms

    index = Index(settings, embedder)
    try:
        query_vectors = embedder.embed_queries(asks)
        ids = index.all_chunk_ids()
        rng = random.Random(7)
        samples = [rng.sample(ids, READ_CHUNKS) for _ in asks]
        index.stats()  # cached from here on, as in production
        return {
            "dense_search_k50": timed(
                [lambda v=v: index.dense_search(v, 50) for v in query_vectors]
            ),
            "lexical_search_k50": timed(
                [lambda q=q: index.lexical_search(query_terms(q), 50) for q in asks]
            ),
            "sentence_vectors_40_chunks": timed(
                [lambda s=s: index.sentence_vectors(s) for s in samples]
            ),
        }
    finally:
        index.close()


def sentence_vectors_in_chroma(settings: Any, embedder: Any) -> dict[str, Any]:
    """Sentence vectors of the first 20k chunks in a second Chroma collection (one per
    sentence) against the catalog's: the extra time to store them there (per chunk), and the
    time to read 40 chunks' worth from each."""
    index = Index(settings, embedder)
    try:
        ids = index.all_chunk_ids()[:SENTENCE_SAMPLE_CHUNKS]
        stored = index.sentence_vectors(ids)
        other = settings.model_copy(update={"chroma_collection": "bench_sentence_vectors"})
        sentences = Vectors(other, index.path, lambda: None)
        sentence_ids, vectors, metadatas = [], [], []
        for chunk_id in ids:
            for n, vector in enumerate(stored[chunk_id]):
                sentence_ids.append(f"{chunk_id}#{n}")
                vectors.append(vector)
                metadatas.append({"chunk_id": chunk_id})
        started = time.perf_counter()
        sentences.upsert(sentence_ids, vectors, metadatas)
        chroma_write = time.perf_counter() - started
        by_chunk: dict[str, list[str]] = {}
        for sentence_id in sentence_ids:
            by_chunk.setdefault(sentence_id.rsplit("#", 1)[0], []).append(sentence_id)
        rng = random.Random(11)
        samples = [rng.sample(ids, READ_CHUNKS) for _ in range(60)]
        chroma_read = timed(
            [lambda s=s: sentences.get([i for c in s for i in by_chunk[c]]) for s in samples]
        )
        catalog_read = timed([lambda s=s: index.sentence_vectors(s) for s in samples])
        sentences.drop()
        # In the catalog they go in with the chunk's row (in the ingest rate above): no call
        # of their own to time.
        return {
            "chunks": len(ids), "sentences": len(sentence_ids),
            "chroma_collection": {
                "extra_write_ms_per_chunk": round(chroma_write * 1000 / len(ids), 3),
                f"read_{READ_CHUNKS}_chunks": chroma_read,
            },
            "catalog": {f"read_{READ_CHUNKS}_chunks": catalog_read},
        }  # fmt: skip
    finally:
        index.close()


def server_size(settings: Any, chroma_folder: Path) -> dict[str, float]:
    from newsdesk.index.postgres import connect

    with connect(settings.database_url.get_secret_value()) as connection:
        database = connection.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    return {"postgres_mb": round(database / 1e6, 1),
            "chroma_server_mb": round(data_dir_size(chroma_folder) / 1e6, 1)}  # fmt: skip


def measure(name: str, settings: Any, embedder: Any, chunks: int, pool: tuple,
            asks: list[str]) -> dict[str, Any]:  # fmt: skip
    print(f"{name}: building {chunks} chunks", file=sys.stderr)
    result: dict[str, Any] = {"ingest": build(settings, embedder, chunks, pool)}
    print(f"{name}: asking", file=sys.stderr)
    result["ask"] = latency.warm_latency(settings, embedder, asks)
    result["storage_calls"] = storage_calls(settings, embedder, asks)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=common.ROOT / "bench/results/backends.json")
    args = parser.parse_args()

    from newsdesk.embeddings import load_embedder
    from tests.support.servers import running_servers

    embedder = load_embedder("e5-small")
    pool = latency.sentence_pool(embedder)
    asks = latency.questions()
    results: dict[str, Any] = {"chunks": args.chunks, "questions": len(asks)}
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-backends-") as folder:
        root = Path(folder)
        embedded = common.bench_settings(root / "embedded")
        results["embedded"] = measure("embedded", embedded, embedder, args.chunks, pool, asks)
        size = data_dir_size(root / "embedded")
        results["embedded"]["size"] = {"data_dir_mb": round(size / 1e6, 1)}
        results["embedded"]["sentence_vectors"] = sentence_vectors_in_chroma(embedded, embedder)
        with running_servers(root / "servers", durable=True) as servers:
            served = common.bench_settings(root / "served", **servers.settings_fields())
            results["servers"] = measure("servers", served, embedder, args.chunks, pool, asks)
            results["servers"]["size"] = server_size(served, root / "servers" / "chroma")
            results["servers"]["sentence_vectors"] = sentence_vectors_in_chroma(served, embedder)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
