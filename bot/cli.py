"""Commands that answer: `ask`, `search`, `chat`, `eval`, and `run` (what `make run` starts).

Every one of them goes through `bot.ask.Asker`, the same path the Slack bot uses.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from newsdesk.articles import DatePrecision, parse_published
from newsdesk.display import printable
from newsdesk.errors import NewsdeskError

if TYPE_CHECKING:
    from bot.answers import Answer, Citation, Evidence
    from bot.ask import Asker
    from bot.runtime import Runtime
    from newsdesk.cli import Commands
    from newsdesk.index import Filters


def register(commands: Commands) -> None:
    p = commands.add("ask", run_ask)
    p.add_argument("question", nargs="+", metavar="QUESTION")
    _add_search_options(p)

    p = commands.add("search", run_search)
    p.add_argument("query", nargs="*", metavar="QUERY")
    _add_search_options(p)
    p.add_argument("--batch", type=Path, metavar="FILE",
                   help='JSONL of {"qid","question"}: print one {"qid","results"} line each')  # fmt: skip

    p = commands.add("chat", run_chat)
    _add_filter_options(p)
    p.add_argument("-k", type=int, default=None, help="passages to retrieve (default: NEWSDESK_TOP_K)")

    p = commands.add("eval", run_eval)
    p.add_argument("questions", type=Path, nargs="+", metavar="QUESTIONS.jsonl")
    p.add_argument("--k", "-k", type=int, default=None,
                   help="passages retrieved per question (default 10; with --answers, as `ask`: "
                   "NEWSDESK_TOP_K)")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.add_argument("--limit", type=int, default=0, help="only the first N questions of each file")
    p.add_argument("--answers", action="store_true",
                   help="score the answers a person reads: answered, AC, cite@3, false answers")
    _add_as_of(p)

    p = commands.add("run", run_run)
    p.set_defaults(since=None, until=None, source=None, lang=None, k=None)


def _add_filter_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", help="only articles published on or after this date (YYYY[-MM[-DD]])")
    p.add_argument("--until", help="only articles published on or before this date (YYYY[-MM[-DD]])")
    p.add_argument("--source", help="only articles from this outlet (exact name, see `sources`)")
    p.add_argument("--lang", help="only articles in this language (ISO code, e.g. ro)")
    _add_as_of(p)


def _add_as_of(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as-of", metavar="DATE",
                   help="answer as on this date (default: now): later articles are hidden, and a "
                   "question about the present (latest, this week) prefers articles near it")  # fmt: skip


def _add_search_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON (the documented contract)")
    p.add_argument("-k", type=int, default=None, help="passages to retrieve (default: NEWSDESK_TOP_K)")
    _add_filter_options(p)


# -- filters ---------------------------------------------------------------------------------


def _parse_date(value: str, option: str) -> tuple[datetime, DatePrecision]:
    try:
        return parse_published(value)
    except ValueError:
        raise NewsdeskError(f"{option} {value!r}: write a date like 2024, 2024-11 or 2024-11-04") from None


def _end_of(moment: datetime, precision: DatePrecision) -> datetime:
    if precision == "year":
        return moment.replace(year=moment.year + 1) - timedelta(microseconds=1)
    if precision == "month":
        year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
        return moment.replace(year=year, month=month) - timedelta(microseconds=1)
    if precision == "day":
        return moment + timedelta(days=1) - timedelta(microseconds=1)
    return moment


def filters_from(args: argparse.Namespace) -> Filters:
    """`--since/--until/--source/--lang` as index filters (`--until 2024-11` includes November);
    `--as-of DATE` is an `--until` (the earlier of the two) that recency is also measured from."""
    from newsdesk.index import Filters

    since = until = None
    if getattr(args, "since", None):
        since = _parse_date(args.since, "--since")[0].timestamp()
    for option in ("until", "as_of"):
        if getattr(args, option, None):
            name = "--" + option.replace("_", "-")
            end = _end_of(*_parse_date(getattr(args, option), name)).timestamp()
            until = end if until is None else min(until, end)
    if since is not None and until is not None and since > until:
        raise NewsdeskError("--since is after --until: nothing can match")
    lang = (getattr(args, "lang", None) or "").strip().lower() or None
    return Filters(since=since, until=until, source=getattr(args, "source", None) or None, lang=lang)


# -- the index must hold something --------------------------------------------------------


def _check_not_empty(asker: Asker) -> None:
    if asker.index.stats().chunks == 0:
        raise NewsdeskError(
            f"the index in {asker.index.path} is empty: ingest articles first "
            "(e.g. `newsdesk ingest examples/articles`)"
        )


# -- ask -------------------------------------------------------------------------------------


def render_answer(answer: Answer, out: TextIO) -> None:
    from bot.phrases import phrase

    print(printable(answer.answer, lines=True), file=out)
    if answer.standalone_question:
        print(f"({phrase(answer.language, 'rewritten')}: {answer.standalone_question})", file=out)
    if answer.citations:
        print(f"\n{phrase(answer.language, 'sources')}:", file=out)
        for c in answer.citations:
            print(render_source(c.n, c.title, c.source, c.published, c.url,
                                also_in(c, answer.language)), file=out)  # fmt: skip
            print(f"    “{printable(c.quote, lines=True)}”", file=out)
    for note in answer.notes:
        print(f"({note})", file=out)


def also_in(citation: Citation, language: str) -> str:
    """"also in Daily Example, Example Post" (in `language`): the outlets of the citation's
    copies, which the answer cites through it; "" when it has none."""
    from bot.phrases import phrase

    names = citation.also_in_names()
    return f"{phrase(language, 'also_in')} {', '.join(names)}" if names else ""


def render_source(
    n: int, title: str, source: str, published: str | None, url: str, also: str = ""
) -> str:
    """A citation's head for a terminal (its fields shown with any control character escaped);
    `also`, what `also_in` says of its copies."""
    details = ", ".join(part for part in (source, published or "undated") if part)
    line = printable(f"[{n}] {title or '(untitled)'} — {details}" + (f" — {also}" if also else ""))
    if url:
        line += f"\n    {printable(url)}"
    return line


def run_ask(args: argparse.Namespace, runtime: Runtime) -> int:
    """Answer a question from the ingested news, with citations."""
    question = " ".join(args.question).strip()
    if not question:
        raise NewsdeskError("ask what? give a question")
    filters = filters_from(args)
    asker = runtime.asker
    _check_not_empty(asker)
    answer = asker.ask(question, filters=filters, k=args.k)
    if args.json:
        print(json.dumps(answer.as_json(), ensure_ascii=False))
    else:
        render_answer(answer, sys.stdout)
    return 0


# -- search ----------------------------------------------------------------------------------


def result_json(rank: int, ev: Evidence) -> dict[str, object]:
    chunk, article = ev.chunk, ev.chunk.article
    return {
        "rank": rank, "chunk_id": chunk.chunk_id, "article_id": article.article_id,
        "title": article.title, "source": article.source, "url": article.url,
        "published": article.published, "lang": article.lang, "text": chunk.text,
        "score": round(float(ev.score), 6),
    }  # fmt: skip


def run_search(args: argparse.Namespace, runtime: Runtime) -> int:
    """Print the passages that best match a query."""
    filters = filters_from(args)
    query = " ".join(args.query).strip()
    if not args.batch and not query:
        raise NewsdeskError("search for what? give a query, or --batch FILE")
    if args.batch and query:
        raise NewsdeskError("give a query or --batch FILE, not both")
    if args.batch and not args.batch.is_file():
        raise NewsdeskError(f"--batch {args.batch}: no such file")
    asker = runtime.asker
    _check_not_empty(asker)
    if args.batch:
        return _search_batch(asker, args.batch, args.k, filters)
    evidence = asker.search(query, args.k, filters)
    if args.json:
        results = [result_json(i, ev) for i, ev in enumerate(evidence, start=1)]
        print(json.dumps({"query": query, "results": results}, ensure_ascii=False))
        return 0
    if not evidence:
        print("no passages match")
    for i, ev in enumerate(evidence, start=1):
        a = ev.chunk.article
        print(printable(f"{i:2}. {ev.score:.4f}  {a.title or '(untitled)'} — {a.source or '?'}, "
                        f"{a.published or 'undated'} [{a.lang}]  {ev.chunk.chunk_id}"))  # fmt: skip
        if ev.sentences:
            best = ev.sentences[0].span
            words = " ".join(ev.chunk.text[best.start : best.end].split())
            print("    " + printable(words[:300]))
    return 0


def _search_batch(asker: Asker, path: Path, k: int | None, filters: Filters) -> int:
    status = 0
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                qid, question = record["qid"], str(record["question"])
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                print(f"newsdesk: {path}:{number}: not a {{\"qid\",\"question\"}} line ({exc})",
                      file=sys.stderr)  # fmt: skip
                status = 1
                continue
            evidence = asker.search(question, k, filters)
            results = [result_json(i, ev) for i, ev in enumerate(evidence, start=1)]
            print(json.dumps({"qid": qid, "results": results}, ensure_ascii=False), flush=True)
    return status


# -- chat ------------------------------------------------------------------------------------

CHAT_HELP = "Ask about the ingested news. /sources shows the last answer's sources, /new forgets the conversation, /quit leaves."


def chat(asker: Asker, stdin: TextIO, out: TextIO, filters: Filters | None = None,
         k: int | None = None) -> int:  # fmt: skip
    """A terminal chat: turns kept for follow-ups; works on a pipe as well as a terminal."""
    from bot.conversation import Turn
    from newsdesk.index import Filters

    interactive = stdin.isatty()
    if interactive:
        print(CHAT_HELP, file=out)
    history: list[Turn] = []
    last: Answer | None = None  # for /sources
    while True:
        if interactive:
            print("> ", end="", file=out, flush=True)
        line = stdin.readline()
        if not line:
            if interactive:
                print(file=out)
            return 0
        text = line.strip()
        if not text:
            continue
        if text in ("/quit", "/exit", "/q"):
            return 0
        if text == "/help":
            print(CHAT_HELP, file=out)
            continue
        if text == "/new":
            history.clear()
            last = None
            print("(new conversation)", file=out)
            continue
        if text == "/sources":
            if last is None or not last.citations:
                print("(no sources yet)", file=out)
            for c in last.citations if last is not None else ():
                print(render_source(c.n, c.title, c.source, c.published, c.url,
                                    also_in(c, last.language)), file=out)  # fmt: skip
                print(f"    “{printable(c.quote, lines=True)}”", file=out)
                print("    passage: " + printable(" ".join(c.passage.split())), file=out)
            continue
        if text.startswith("/"):
            print(f"unknown command {text.split()[0]}; {CHAT_HELP}", file=out)
            continue
        started = time.perf_counter()
        draft = _Draft(out)
        answer = last = asker.ask(text, history=history, filters=filters or Filters(), k=k,
                                  on_text=draft.show)  # fmt: skip
        history.append(Turn.of(answer))
        if draft.replaced_by(answer):
            print(printable(answer.answer, lines=True), file=out)
        if answer.standalone_question:
            print(f"  (searched as: {answer.standalone_question})", file=out)
        for c in answer.citations:
            also = also_in(c, answer.language)
            print(printable(f"  [{c.n}] {c.title or '(untitled)'} — "
                            f"{', '.join(p for p in (c.source, c.published or 'undated') if p)}"
                            f"{' — ' + also if also else ''}"
                            f"{'  ' + c.url if c.url else ''}"), file=out)  # fmt: skip
            if c.quote not in answer.answer:  # an LLM's words: the source's own beside them
                print(f"      “{printable(c.quote, lines=True)}”", file=out)
        if interactive:
            print(f"  ({time.perf_counter() - started:.1f} s)", file=out)
        print(file=out, flush=True)


class _Draft:
    """An LLM answer printed as the model writes it; `replaced_by` ends it and says whether
    the checked answer must be printed after it (it differs, or it is the extractive answer
    because the draft failed a check: then the note says why)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.shown = ""

    def show(self, draft: str) -> None:
        if draft.startswith(self.shown) and len(draft) > len(self.shown):
            piece, self.shown = draft[len(self.shown) :], draft
            print(printable(piece, lines=True), end="", file=self.out, flush=True)

    def replaced_by(self, answer: Answer) -> bool:
        if not self.shown:
            return True
        print(file=self.out)
        if answer.answer.strip() == self.shown.strip():
            return False
        why = next((n for n in reversed(answer.notes) if n.startswith("LLM answer not used")),
                   "checked and renumbered")  # fmt: skip
        print(f"  ({printable(why)}; the answer is:)", file=self.out)
        return True


def run_chat(args: argparse.Namespace, runtime: Runtime) -> int:
    """A terminal chat over the ingested news (follow-ups work)."""
    filters = filters_from(args)
    asker = runtime.asker
    _check_not_empty(asker)
    return chat(asker, sys.stdin, sys.stdout, filters, args.k)


def run_run(args: argparse.Namespace, runtime: Runtime) -> int:
    """Start the Slack bot when tokens are set, else a terminal chat.

    What `make run` starts. With SLACK_BOT_TOKEN set it runs the Slack bot as `newsdesk serve` does:
    Socket Mode with SLACK_APP_TOKEN, else HTTP mode on NEWSDESK_PORT (needs SLACK_SIGNING_SECRET).
    Without a bot token it opens `newsdesk chat`.
    """
    if runtime.settings.slack_bot_token.get_secret_value():
        from bot.slack.app import serve

        return int(serve(runtime) or 0)
    return run_chat(args, runtime)


# -- eval ------------------------------------------------------------------------------------


def run_eval(args: argparse.Namespace, runtime: Runtime) -> int:
    """Retrieval (or answer) quality on benchmark files (../shared/bench format)."""
    from bot import evaluate
    from bot.extractive import confidence

    records: list[dict] = []
    for path in args.questions:
        if not path.is_file():
            raise NewsdeskError(f"{path}: no such file")
        loaded = evaluate.read_questions(path)
        records.extend(loaded[: args.limit] if args.limit else loaded)
    asker = runtime.asker
    _check_not_empty(asker)
    gold = {r["doc_id"] for r in records if evaluate.is_answerable(r)}
    missing = [d for d in sorted(gold) if asker.index.article(d) is None]
    if missing:
        raise NewsdeskError(
            f"{len(missing)} gold articles are not in the index (e.g. {missing[0]}): ingest the "
            "benchmark corpus files first, e.g. `newsdesk ingest ../shared/bench/xquad/corpus.*.jsonl`"
        )
    if args.answers:
        return _eval_answers(asker, records, args)
    args.k = args.k or 10
    started = time.perf_counter()
    outcomes = evaluate.run(records, asker.search_result, confidence, k=args.k,
                            base_filters=filters_from(args))
    seconds = time.perf_counter() - started
    report = evaluate.report(outcomes, asker.policy.abstain_below)
    if args.json:
        print(json.dumps({**report.as_json(), "k": args.k, "threshold": asker.policy.abstain_below,
                          "seconds": round(seconds, 1)}, ensure_ascii=False))  # fmt: skip
        return 0
    rows = {"all": report.overall, **dict(sorted(report.by_pair.items()))}
    print(evaluate.markdown_table(rows))
    print(f"\n{len(records)} questions, k={args.k}, abstention threshold "
          f"{asker.policy.abstain_below}, {seconds:.1f} s")  # fmt: skip
    return 0


def _eval_answers(asker: Asker, records: list[dict], args: argparse.Namespace) -> int:
    """`eval --answers`: every question asked as `ask` asks it (answerable ones within their
    corpus language), its answer scored by `bot.evaluate.answer_outcome`."""
    from bot import evaluate

    started = time.perf_counter()
    base = filters_from(args)
    outcomes = []
    for record in records:
        lang = record.get("corpus_lang") if evaluate.is_answerable(record) else None
        filters = replace(base, lang=lang or None)
        answer = asker.ask(record["question"], filters=filters, k=args.k)
        outcomes.append(evaluate.answer_outcome(record, answer))
    seconds = time.perf_counter() - started
    rows = evaluate.answer_report(outcomes)
    if args.json:
        print(json.dumps({"by_pair": {n: m.as_json() for n, m in rows.items()},
                          "k": args.k or asker.settings.top_k,
                          "threshold": asker.policy.answer_above, "seconds": round(seconds, 1)},
                         ensure_ascii=False))  # fmt: skip
        return 0
    print(evaluate.answer_table(rows))
    print(f"\n{len(records)} questions, abstention threshold {asker.policy.answer_above}, "
          f"{seconds:.1f} s")  # fmt: skip
    return 0
