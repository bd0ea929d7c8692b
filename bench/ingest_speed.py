"""Ingest throughput beside the bare encoder's, on the same texts, in one run.

    python bench/ingest_speed.py [--articles 40] [--embedder e5-small]

The pipeline (chunking, embedding chunks and their sentences, writing SQLite + Chroma) is timed
on real Wikinews articles; then the bare encoder embeds exactly the texts the pipeline embedded
(chunk texts with titles, and every sentence) in the same batch size. The ratio is the figure
that matters (target ≥ 90%): absolute speeds depend on the machine and its load, which is
printed with them. Results go to bench/results/ingest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from ingest.chunking import chunk_text
from ingest.pipeline import content_hash, embedding_text, ingest, sentence_texts
from ingest.sources import read_sources
from newsdesk.embeddings import embedder_for
from newsdesk.index import Index
from newsdesk.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
NEWS = ROOT.parent / "shared" / "news" / "wikinews_en_full.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--embedder", default="e5-small")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "articles.jsonl"
        lines = NEWS.read_text(encoding="utf-8").splitlines()[: args.articles]
        source.write_text("\n".join(lines) + "\n", encoding="utf-8")
        settings = Settings(_env_file=None, data_dir=Path(tmp) / "data", embedder=args.embedder)
        embedder = embedder_for(settings)
        embedder.embed_passages(["load the passage engine before timing"])
        articles = [a for a in read_sources([str(source)], settings)]

        start = time.perf_counter()
        report = ingest(articles, Index(settings, embedder),
                        chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap)
        pipeline_s = time.perf_counter() - start

        chunked = [
            (a.title, chunk_text(a.text, a.article_id, content_hash(a), settings.chunk_size,
                                 settings.chunk_overlap))
            for a in articles
        ]  # fmt: skip
        texts = [embedding_text(title, c.text) for title, chunks in chunked for c in chunks]
        texts += [s for _, chunks in chunked for c in chunks for s in sentence_texts(c)]
        start = time.perf_counter()
        embedder.embed_passages(texts)
        encoder_s = time.perf_counter() - start

    chunks = report.chunks
    result = {
        "embedder": args.embedder,
        "articles": len(articles),
        "chunks": chunks,
        "texts_embedded": len(texts),
        "pipeline_chunks_per_s": chunks / pipeline_s,
        "encoder_chunks_per_s": chunks / encoder_s,
        "pipeline_vs_encoder": encoder_s / pipeline_s,
        "load_average": os.getloadavg(),
    }
    out = ROOT / "bench" / "results" / "ingest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print("| articles | chunks | texts embedded | ingest chunks/s | bare encoder chunks/s | ratio |")
    print("|---|---|---|---|---|---|")
    print(f"| {len(articles)} | {chunks} | {len(texts)} | {result['pipeline_chunks_per_s']:.2f} "
          f"| {result['encoder_chunks_per_s']:.2f} | {result['pipeline_vs_encoder']:.0%} |")


if __name__ == "__main__":
    main()
