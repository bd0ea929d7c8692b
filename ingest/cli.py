"""Commands that put articles into the index and look after it:
`ingest`, `follow`, `sources`, `show`, `forget`, `reindex`, `doctor`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from newsdesk.errors import NewsdeskError

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from newsdesk.cli import Commands


def register(commands: Commands) -> None:
    p = commands.add("ingest", run_ingest)
    p.add_argument("sources", nargs="+", metavar="SOURCE",
                   help="a file (.txt .md .html .json .jsonl .xml), a folder, an http(s) page or "
                        "feed URL, or - for stdin")  # fmt: skip
    p.add_argument("--title", help="title for every article read (overrides what was found)")
    p.add_argument("--source", help="outlet name, e.g. 'Reuters'")
    p.add_argument("--url", help="link to the original article")
    p.add_argument("--published", help="publication date, e.g. 2024-11-04")
    p.add_argument("--lang", help="language code, e.g. ro (detected when not given)")
    p.add_argument("--json", action="store_true", help="print a JSON summary")

    p = commands.add("follow", run_follow)
    p.add_argument("feeds", nargs="*", metavar="URL", help="feed URLs to follow")
    p.add_argument("--unfollow", action="store_true",
                   help="stop following the URLs instead (their articles stay)")  # fmt: skip

    p = commands.add("sources", run_sources)
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=0, help="at most this many, newest first")

    p = commands.add("show", run_show)
    p.add_argument("article", metavar="ID|URL",
                   help="the article's id (as `newsdesk sources` lists it) or its URL")  # fmt: skip

    p = commands.add("forget", run_forget)
    p.add_argument("articles", nargs="+", metavar="ID|URL",
                   help="article ids (as `newsdesk sources` lists them) or URLs")  # fmt: skip

    commands.add("reindex", run_reindex)

    commands.add("doctor", run_doctor)

    commands.add("migrate", run_migrate)


def run_ingest(args: argparse.Namespace, runtime: Runtime) -> int:
    """Index articles from files, folders, URLs, feeds or stdin."""
    from ingest.pipeline import ItemResult, ingest
    from ingest.sources import read_sources
    from newsdesk.display import printable
    from newsdesk.logs import redact

    overrides = {
        "title": args.title, "source": args.source, "url": args.url,
        "published": args.published, "lang": args.lang,
    }  # fmt: skip
    settings = runtime.settings
    index = runtime.index
    items = read_sources(args.sources, settings, stdin=sys.stdin, overrides=overrides)
    progress = _progress(disable=args.json)

    def on_item(result: ItemResult) -> None:
        progress.update(1)
        if result.status in ("failed", "skipped"):  # a URL may carry a token: never print one
            line = f"{result.status}: {result.source}: {result.error}"
            progress.write(printable(redact(line)), file=sys.stderr)

    try:
        report = ingest(
            items, index, chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap,
            on_item=on_item,
        )  # fmt: skip
    finally:
        progress.close()
    if args.json:
        print(redact(json.dumps(report.as_json(), ensure_ascii=False)))
    else:
        for item in report.items:
            if item.status not in ("failed", "skipped"):
                note = f"; {item.note}" if item.note else ""
                line = f"{item.status:9}  {item.title[:70]}  ({item.chunks} chunks{note})"
                print(printable(line))
        print(report.summary())
    return 1 if report.failed else 0


def run_follow(args: argparse.Namespace, runtime: Runtime) -> int:
    """Follow a feed: its new articles are ingested as they appear.

    Follow RSS or Atom feeds: each is read now (what is new in it ingested), then polled by the
    Slack bot (`serve`) every NEWSDESK_FEED_POLL_INTERVAL seconds. Without a URL, list the followed
    feeds. Exits 1 when a feed could not be read.
    """
    from ingest.follow import follow, poll
    from newsdesk.display import printable
    from newsdesk.logs import redact

    if not args.feeds:
        for feed in runtime.reader.followed_feeds():
            print(printable(f"{feed.url}  (last polled {feed.polled_at or 'never'})"))
        return 0
    if args.unfollow:
        missing = [url for url in args.feeds if not runtime.reader.unfollow_feed(url)]
        for url in missing:
            print(printable(f"not followed: {url}"), file=sys.stderr)
        return 1 if missing else 0
    index = runtime.index
    failed = False
    for url in args.feeds:
        outcome = poll(index, follow(index, url), runtime.settings)
        if outcome.error:
            failed = True
            print(printable(redact(f"following {url}, but: {outcome.error}")), file=sys.stderr)
        else:
            added = len(outcome.added)
            print(printable(redact(f"following {url}: {added} new articles ingested")))
    return 1 if failed else 0


def _progress(disable: bool) -> Any:
    from tqdm import tqdm

    return tqdm(desc="ingesting", unit=" articles", file=sys.stderr, disable=disable, leave=False)


def run_sources(args: argparse.Namespace, runtime: Runtime) -> int:
    """List the ingested articles.

    List the ingested articles, newest first. Copies of one text (the same wire story from
    several outlets, a page under two URLs, a light rewrite) are kept apart and each names the
    others: answers cite such a story once.
    """
    from newsdesk.display import printable

    index = runtime.reader
    records = index.articles(limit=args.limit or None)
    groups = index.copy_groups()
    group_of = {article_id: group for group in groups for article_id in group}
    if args.json:
        rows = [
            {
                "id": r.article_id, "title": r.title, "source": r.source, "url": r.url,
                "published": r.published, "lang": r.lang, "chunks": r.n_chunks,
                "ingested_at": r.ingested_at,
                "copies": [a for a in group_of.get(r.article_id, ()) if a != r.article_id],
            }
            for r in records
        ]  # fmt: skip
        print(json.dumps({"articles": rows, "copy_groups": groups}, ensure_ascii=False))
        return 0
    if not records:
        print("No articles yet: add some with `newsdesk ingest SOURCE`.")
        return 0
    outlets = {r.article_id: r.source or r.title for r in records}
    for r in records:
        meta = " · ".join(x for x in (r.source, r.published or "undated", r.lang) if x)
        print(f"{printable(r.article_id)}\n    {printable(r.title)}\n    {printable(meta)} · "
              f"{r.n_chunks} chunks")  # fmt: skip
        copies = [a for a in group_of.get(r.article_id, ()) if a != r.article_id]
        if copies:
            named = ", ".join(f"{a} ({outlets[a]})" if outlets.get(a) else a for a in copies)
            print(printable(f"    copies: {named}"))
    stories = ""
    if groups and not args.limit:
        count = len(records) - sum(len(group) - 1 for group in groups)
        stories = f", {count} stories (copies counted once)"
    print(f"{len(records)} articles{stories}")
    return 0


def run_show(args: argparse.Namespace, runtime: Runtime) -> int:
    """Print one article with its chunk boundaries.

    Print one article: its title, outlet, date, language and link, its copies (the same text
    elsewhere), then its text chunk by chunk, each with its character offsets and chunk id
    (what answers cite).
    """
    from newsdesk.display import printable

    index = runtime.reader
    record = _one_article(index, args.article)
    print(printable(record.title))
    details = (record.source, record.published, record.lang, record.url)
    print(printable(" · ".join(x for x in details if x)))
    print(f"id: {printable(record.article_id)}")
    copies = index.copies_of(record.article_id)
    if copies:
        print(f"copies ({len(copies)}, cited through this one or another of them):")
        for copy in copies:
            about = (copy.source, copy.published or "undated", copy.url)
            print(printable(f"  {copy.article_id} · " + " · ".join(x for x in about if x)))
    print()
    for chunk in index.article_chunks(record.article_id):
        print(f"── chunk {chunk.index} [{chunk.start}:{chunk.end}] {chunk.chunk_id}")
        print(chunk.text)
        print()
    return 0


def run_forget(args: argparse.Namespace, runtime: Runtime) -> int:
    """Remove an article and all its chunks.

    Remove articles from the index: their text, chunks and vectors. Answers stop citing them at
    once. Exits 1 when one of them was not found.
    """
    from newsdesk.display import printable

    index = runtime.reader
    missing = 0
    with index.writing():
        for key in args.articles:
            try:
                record = _one_article(index, key)
            except NewsdeskError as error:
                print(printable(f"not forgotten: {error}"), file=sys.stderr)
                missing += 1
                continue
            index.forget(record.article_id)
            print(printable(f"forgot: {record.title} ({record.article_id})"))
    return 1 if missing else 0


def _one_article(index: Any, key: str) -> Any:
    """The article `key` (an id or a URL) names; NewsdeskError when none or several do.

    Translations and excerpts of one story share its URL: then their ids are listed (on
    stderr) and the error asks for one of them.
    """
    from ingest.urls import canonical_url
    from newsdesk.display import printable

    found = index.find_articles(key, canonical_url(key))
    if not found:
        raise NewsdeskError(f"no article {key!r}: `newsdesk sources` lists the ids")
    if len(found) > 1:
        for record in found:
            line = f"  {record.article_id}  ({record.lang}) {record.title}"
            print(printable(line), file=sys.stderr)
        raise NewsdeskError(
            f"{len(found)} articles have the URL {key} (listed above): give the id of one"
        )
    return found[0]


def run_reindex(args: argparse.Namespace, runtime: Runtime) -> int:
    """Re-embed every stored chunk with the configured embedder.

    Compute every chunk's vectors again from the stored text with the embedder of NEWSDESK_EMBEDDER,
    and record it as the index's embedder. Nothing is fetched again. Needed after changing
    NEWSDESK_EMBEDDER, or when `newsdesk doctor` says so.
    """
    from ingest.reindex import reindex

    embedder = runtime.embedder
    count = reindex(runtime.reader, embedder)
    print(f"re-embedded {count} chunks with {embedder.model_id}")
    return 0


def run_migrate(args: argparse.Namespace, runtime: Runtime) -> int:
    """Create or upgrade the catalog's schema.

    On PostgreSQL (NEWSDESK_DATABASE_URL), run once per deployment before the bots and workers
    start, and after each upgrade of newsdesk; safe to run again, and from several machines at
    once. The embedded SQLite catalog needs no migration: this only creates it.
    """
    from newsdesk.index import migrate_catalog

    print(migrate_catalog(runtime.settings))
    return 0


def run_doctor(args: argparse.Namespace, runtime: Runtime) -> int:
    """Check the index and say how to repair it.

    Check that the catalog and the vector store agree, undo writes an interrupted ingest left (what
    the next ingest would do), and say how to repair what is left. Exits 0 when the index is
    healthy, 1 otherwise.
    """
    from newsdesk.index import IndexProblem

    try:
        index = runtime.reader
    except IndexProblem as exc:
        print(f"problem: {exc}")
        return 1
    unreachable = index.unreachable()
    for problem in unreachable:
        print(f"problem: {problem}")
    if unreachable:
        return 1
    undone = index.recover_if_idle()
    if undone is None:  # its half-written chunks would read as problems: check nothing now
        print("an ingest is writing now: run `newsdesk doctor` again when it has finished")
        return 0
    if undone:
        print(f"undid {undone} chunk writes an interrupted ingest left (as the next ingest would)")
    stats = index.stats()
    for line in index.locations():
        print(line)
    print(f"articles: {stats.articles}, chunks: {stats.chunks}, embedder: {index.meta('model_id')}")
    problems = index.check()
    for problem in problems:
        print(f"problem: {problem}")
    if problems:
        print("repair: run `newsdesk reindex` (re-embeds every stored chunk; no refetching)")
        return 1
    print("ok")
    return 0
