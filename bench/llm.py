"""The local LLM, measured: speed (cold and warm), prompt size, and how often its answers are used.

    python bench/llm.py [--llm local] [--limit 30] [--threads W/B]   # writes bench/results/llm.json

Speed, over the sample article (examples/articles, ingested once into bench/.cache/llm-sample):
- cold: `newsdesk ask` in a fresh process (loads the model, answers, exits), wall time and
  exit code;
- warm: the same question asked again by one process that keeps the model, wall time of
  `Asker.ask`, time to first token, prompt tokens and tokens written per second.

Answers: `--limit` XQuAD dev questions of each pair (en-ro: English questions over Romanian
articles; en-en), spread over the file (every n-th), asked as `newsdesk ask` asks them (the
corpus language as filter) over the cached bench index (bench/common.py). The LLM is called only
for questions the extractive answer does not abstain on; of those calls, the table gives the
share whose reply passed every check of `bot.llm.verify` (and so was shown), the share of those
in the question's language (py3langid over the answer's own words), the model's refusals ("I
don't know", replaced by the extractive answer), how many replies were sent back once with what
was wrong (and then passed), and why the rest were refused. The first token is the first
reply's; the LLM time counts both replies of a retried answer.

The rows with their text (questions, replies, why refused) go to bench/.cache/NAME-rows.json,
which git ignores (XQuAD's text stays out of the repository).

Results depend on the machine's load: the load average is recorded beside every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from statistics import median

sys.path.append(str(Path(__file__).resolve().parent))
import common  # noqa: E402

from bot.llm.generate import Generated, generate_answer, prime  # noqa: E402
from bot.llm.verify import language_problem, prose_of  # noqa: E402
from newsdesk.index import Filters  # noqa: E402

# The first is asked by the cold `ask` and first after loading; the others are warm (the model
# kept, its system prompt read). "Where are the North Korean troops?" is abstained on by the
# extractive answer over the sample (answer confidence 0.09), so no model is asked.
SAMPLE_QUESTIONS = (
    "How many North Korean soldiers are in the Kursk region?",
    "Where are the North Korean troops?",
    "Who did Choe Son Hui meet in Moscow?",
    "When did Russia send its army into Ukraine?",
    "What did Antony Blinken say about the North Korean soldiers?",
)
PAIRS = ("en-ro", "en-en")
XQUAD_TEXT = ("question", "gold", "answer", "reply", "refused", "first_reply", "retried_because")


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class Recorder:
    """An LLM answerer for `Asker` that keeps each call's `Generated` (reply, costs, excerpts)."""

    def __init__(self, model: object) -> None:
        self.model = model
        self.calls: list[Generated] = []

    def __call__(self, question, language, evidence, extractive, *, on_text=None):  # noqa: ANN001
        made = generate_answer(question, language, evidence, extractive, self.model, on_text=on_text)  # type: ignore[arg-type]
        self.calls.append(made)
        return made.answer


def sample_dir() -> Path:
    path = common.CACHE / "llm-sample"
    if not (path / ".ingested").exists():
        env = {**os.environ, "NEWSDESK_DATA_DIR": str(path), "NEWSDESK_LLM": ""}
        subprocess.run([sys.executable, "-m", "newsdesk.cli", "ingest", "examples/articles"],
                       cwd=common.ROOT, env=env, check=True, capture_output=True)  # fmt: skip
        (path / ".ingested").touch()
    return path


def cold_ask(spec: str, settings_env: dict[str, str], question: str) -> dict:
    """`newsdesk ask` in a fresh process: wall time, exit code, what it printed."""
    env = {**os.environ, **settings_env, "NEWSDESK_DATA_DIR": str(sample_dir()),
           "NEWSDESK_LLM": spec, "PYTHONPATH": str(common.ROOT)}  # fmt: skip
    before = load()
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "newsdesk.cli", "ask", question],
                          cwd=common.ROOT, env=env, capture_output=True, text=True)  # fmt: skip
    seconds = time.perf_counter() - started
    return {"question": question, "wall_s": round(seconds, 1), "exit": done.returncode,
            "printed": done.stdout, "load_before": before, "load_after": load()}  # fmt: skip


def call_figures(made: Generated) -> dict:
    """The call's costs: prompt tokens, time to the first token shown (the first reply's) and
    the whole LLM time (both replies when the first failed a check and was retried)."""
    reply = made.reply
    if reply is None:
        return {}
    first = made.first or reply
    writing = reply.seconds - (reply.first_token or 0.0)
    return {
        "prompt_tokens": first.prompt_tokens, "cached_tokens": first.cached_tokens,
        "ttft_s": round(first.first_token or 0.0, 2),
        "llm_s": round(reply.seconds + (made.first.seconds if made.first else 0.0), 2),
        "output_tokens": reply.output_tokens,
        "tokens_per_s": round((reply.output_tokens or 0) / writing, 2) if writing > 0 else None,
        "excerpt_chars": sum(len(e.text) for e in made.excerpts),
        "retried": bool(made.retried), "retry_prompt_tokens": reply.prompt_tokens if made.first else None,
        "retry_cached_tokens": reply.cached_tokens if made.first else None,
    }  # fmt: skip


def in_language(text: str, language: str) -> bool:
    return language_problem(text, language) is None and bool(prose_of(text))


def warm_sample(settings, recorder: Recorder) -> list[dict]:  # noqa: ANN001
    from bot.ask import Asker

    asker = Asker(settings, llm=recorder)
    rows = []
    try:
        for i, question in enumerate(SAMPLE_QUESTIONS):
            recorder.calls.clear()
            started = time.perf_counter()
            answer = asker.ask(question)
            wall = time.perf_counter() - started
            made = recorder.calls[-1] if recorder.calls else None
            rows.append({"round": "first" if i == 0 else "warm", "question": question,
                         "wall_s": round(wall, 2), "answer": answer.answer,
                         "by": answer.generated_by,
                         "quote": answer.citations[0].quote if answer.citations else None,
                         "notes": list(answer.notes), "load": load(),
                         **(call_figures(made) if made else {})})  # fmt: skip
    finally:
        asker.close()
    return rows


def pick(pair: str, limit: int) -> list[dict]:
    records = common.questions(pair)
    step = max(1, len(records) // limit)
    return records[::step][:limit]


def run_pairs(index, model, limit: int) -> list[dict]:  # noqa: ANN001
    from bot.ask import Asker

    recorder = Recorder(model)
    settings = common.bench_settings(index.path, embedder="e5-small")
    asker = Asker(settings, index=index, embedder=index.embedder, llm=recorder)
    rows = []
    for pair in PAIRS:
        for record in pick(pair, limit):
            recorder.calls.clear()
            started = time.perf_counter()
            answer = asker.ask(record["question"], filters=Filters(lang=record["corpus_lang"]))
            wall = time.perf_counter() - started
            made = recorder.calls[-1] if recorder.calls else None
            row = {"pair": pair, "qid": record["qid"], "question": record["question"],
                   "gold": record["answers"][0] if record["answers"] else None,
                   "wall_s": round(wall, 2), "by": answer.generated_by, "answer": answer.answer,
                   "called": made is not None and made.reply is not None, "load": load()}  # fmt: skip
            if row["called"]:
                assert made is not None and made.reply is not None
                note = next((n for n in reversed(answer.notes) if n.startswith("LLM answer not used")), "")
                row.update(call_figures(made), reply=made.reply.text, refused=note,
                           first_reply=made.first.text if made.first else None,
                           retried_because="; ".join(made.retried),
                           passed=answer.generated_by != "extractive",
                           dont_know="found no answer" in note,
                           in_language=answer.generated_by != "extractive"
                           and in_language(answer.answer, "en"))  # fmt: skip
            rows.append(row)
            row["refused_check"] = row.get("refused", "").split(": ", 1)[-1].split(";")[0][:60]
            print(f"{pair} {row['qid']}: {row['by']} {row.get('ttft_s')} s / {row['wall_s']} s "
                  f"{row.get('refused') or ''}", file=sys.stderr, flush=True)  # fmt: skip
    return rows


def summary(rows: list[dict]) -> dict:
    called = [r for r in rows if r.get("called")]
    passed = [r for r in called if r["passed"]]
    ok = [r for r in passed if r["in_language"]]
    refusals = Counter(r["refused"].split(": ", 1)[-1].split(";")[0] for r in called if not r["passed"])

    def med(key: str, among: list[dict]) -> float | None:
        values = [r[key] for r in among if r.get(key) is not None]
        return round(median(values), 2) if values else None

    return {
        "questions": len(rows), "llm_calls": len(called), "passed": len(passed),
        "passed_share": round(len(passed) / len(called), 3) if called else None,
        "passed_in_language_share": round(len(ok) / len(called), 3) if called else None,
        "dont_know": sum(1 for r in called if r["dont_know"]),
        "retried": sum(1 for r in called if r.get("retried")),
        "passed_after_retry": sum(1 for r in passed if r.get("retried")),
        "median_prompt_tokens": med("prompt_tokens", called),
        "max_prompt_tokens": max((r["prompt_tokens"] or 0 for r in called), default=None),
        "median_new_prompt_tokens": med("new_prompt_tokens", called),
        "median_ttft_s": med("ttft_s", called), "max_ttft_s": max((r["ttft_s"] for r in called), default=None),
        "median_llm_s": med("llm_s", called), "median_wall_s": med("wall_s", called),
        "max_wall_s": max((r["wall_s"] for r in called), default=None),
        "median_tokens_per_s": med("tokens_per_s", called), "refused_because": dict(refusals),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm", default="local", help="NEWSDESK_LLM (default: local)")
    parser.add_argument("--limit", type=int, default=30, help="questions per pair")
    parser.add_argument("--threads", default="0/0", help="writing/reading threads (0: auto)")
    parser.add_argument("--name", default="llm", help="bench/results/NAME.json")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold `ask` subprocess")
    args = parser.parse_args(argv)
    write, read = (int(x) for x in args.threads.split("/"))
    from bot.llm.bundled import bundled_model_path
    from bot.llm.factory import close_models
    from bot.llm.local import ChatXLlamaCpp
    from bot.llm.models import load_chat_model

    env = {"NEWSDESK_LLM_THREADS": str(write)}
    settings = common.bench_settings(sample_dir(), llm=args.llm, llm_threads=write)
    if args.llm == "local":
        bundled_model_path(settings.data_dir)  # joined once, before anything is timed
    cold = [] if args.no_cold else [cold_ask(args.llm, env, q) for q in SAMPLE_QUESTIONS[:1]]
    started = time.perf_counter()
    loaded = load_chat_model(settings)
    assert isinstance(loaded, ChatXLlamaCpp)
    model = loaded
    if read:  # the same model, read by another number of threads
        model = ChatXLlamaCpp(**{**loaded.model_dump(), "n_threads_batch": read})
        loaded.close()
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    prime(model)  # as `answerer_from_settings` does, in the background, at load
    prime_s = time.perf_counter() - started
    try:
        sample = warm_sample(settings, Recorder(model))
        index = common.xquad_index()
        rows = run_pairs(index, model, args.limit)
    finally:
        close_models()
    for row in rows:
        if row.get("called"):
            row["new_prompt_tokens"] = (row["prompt_tokens"] or 0) - (row["cached_tokens"] or 0)
    result = {
        "llm": args.llm, "model": model.name, "threads": args.threads, "load_s": round(load_s, 1),
        "prime_s": round(prime_s, 1),
        "cold": cold, "sample": sample,
        "summary": {pair: summary([r for r in rows if r["pair"] == pair]) for pair in PAIRS}
        | {"all": summary(rows)},
        # XQuAD's text (CC BY-SA) stays out of the repository: ids, figures and outcomes only
        "rows": [{k: v for k, v in r.items() if k not in XQUAD_TEXT} for r in rows],
        "load_at_end": load(),
    }  # fmt: skip
    s = result["summary"]
    table = [
        "| pair | LLM calls | passed checks | passed, in the question's language | \"I don't know\" "
        "| retried (then passed) | prompt tokens (median, max) | first token (median, max) "
        "| LLM time | whole answer (median, max) | tokens/s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ] + [
        f"| {p} | {s[p]['llm_calls']}/{s[p]['questions']} | {s[p]['passed_share']} "
        f"| {s[p]['passed_in_language_share']} | {s[p]['dont_know']} "
        f"| {s[p]['retried']} ({s[p]['passed_after_retry']}) "
        f"| {s[p]['median_prompt_tokens']}, {s[p]['max_prompt_tokens']} "
        f"| {s[p]['median_ttft_s']} s, {s[p]['max_ttft_s']} s | {s[p]['median_llm_s']} s "
        f"| {s[p]['median_wall_s']} s, {s[p]['max_wall_s']} s "
        f"| {s[p]['median_tokens_per_s']} |"
        for p in (*PAIRS, "all")
    ]  # fmt: skip
    common.save_result(args.name, result, table)
    # The rows with their text (questions, replies, why refused), to read the failures: in
    # bench/.cache, which git ignores, as XQuAD's licence asks.
    common._ensure_ignored()
    (common.CACHE / f"{args.name}-rows.json").write_text(
        json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"\nload {load()}; model loaded in {load_s:.1f} s; cold ask: {cold}")
    for row in sample:
        print(row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
