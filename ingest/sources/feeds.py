"""RSS and Atom feeds, with feedparser: one article per entry.

Many feeds carry only a teaser. An entry whose text is shorter than SUMMARY_ONLY characters
gets its linked page fetched (safely, see ingest.fetch) and extracted; when that fails the
teaser is kept, so the entry is still ingested, and the reason is logged.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Container, Iterator, Mapping
from typing import Any

from ingest.decoding import decode, html_charset
from ingest.errors import IngestError
from ingest.fetch import fetch
from ingest.sources.failure import Failure, guarded
from ingest.sources.html import fragment_text, read_html
from ingest.sources.provenance import vouch
from newsdesk.articles import Article, normalise_text
from newsdesk.settings import Settings

log = logging.getLogger(__name__)

SUMMARY_ONLY = 500  # characters
PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml", ""})


def entry_key(entry: Mapping[str, Any]) -> str:
    """What names an entry across fetches of its feed: its link, else its id, else its title."""
    return str(entry.get("link") or entry.get("id") or entry.get("title") or "")


def read_feed(
    data: bytes, origin: str, settings: Settings, url: str = "",
    known: Container[str] = frozenset(),
) -> Iterator[Article | Failure]:  # fmt: skip
    """The entries of the feed in `data`, at most `feed_max_entries` (then a skipped Failure
    says how many were left); `url` (where it was fetched) resolves relative links.

    Entries whose `entry_key` is in `known` (a followed feed's entries seen before) are left
    out before the limit is applied."""
    import feedparser

    # A stream, never bytes or str: feedparser opens a string that names a file or URL.
    parsed = feedparser.parse(io.BytesIO(data), response_headers={"content-location": url})
    if not parsed.entries:
        problem = parsed.get("bozo_exception")
        if isinstance(problem, feedparser.NonXMLContentType | feedparser.CharacterEncodingOverride):
            problem = None  # a file has no Content-Type; that is not what is wrong with it
        if parsed.get("version") and problem is None:
            raise IngestError(f"{origin} is a feed with no entries: there is nothing to ingest")
        reason = " ".join(str(problem or "no <rss> or <feed> element").split())
        raise IngestError(f"{origin} is not a readable RSS or Atom feed: {reason}")
    feed = parsed.feed
    cap = settings.feed_max_entries
    entries = [(n, e) for n, e in enumerate(parsed.entries, start=1) if entry_key(e) not in known]
    for number, entry in entries[:cap]:
        where = entry.get("link") or f"{origin} entry {number}"
        yield from guarded(where, _read_entry(entry, feed, where, settings, url))
    if len(entries) > cap:
        yield Failure(
            origin,
            f"only the first {cap} of its {len(entries)} entries were read "
            "(NEWSDESK_FEED_MAX_ENTRIES sets the limit)",
            skipped=True,
        )


def _read_entry(
    entry: Mapping[str, Any],
    feed: Mapping[str, Any],
    where: str,
    settings: Settings,
    feed_url: str,
) -> Iterator[Article]:
    """One entry; its text from the feed (its claims vouched for by the feed's own URL, see
    `provenance.vouch`), or from its linked page when the feed gives only a teaser."""
    content = [*entry.get("content", []), entry.get("summary_detail")]
    text = max((_detail_text(detail) for detail in content if detail), key=len, default="")
    link = entry.get("link", "")
    article = Article(
        text=text,
        title=_detail_text(entry.get("title_detail")) or entry.get("title", ""),
        source=feed.get("title", ""),
        url=link,
        published=entry.get("published") or entry.get("updated"),
        lang=(entry.get("content") or [{}])[0].get("language") or feed.get("language") or "",
        author=entry.get("author", ""),
        article_id="" if link else entry.get("id", ""),  # a linked entry is its page
        origin=where,
    )
    if link and len(normalise_text(text)) < SUMMARY_ONLY:
        page = _linked_page(link, settings)
        if page is not None and len(page.text) > len(text):
            yield page.with_overrides(
                title=article.title, source=article.source, published=article.published,
                lang=article.lang, author=article.author, origin=where,
            )  # fmt: skip
            return
    yield vouch(article, feed_url)


def _linked_page(link: str, settings: Settings) -> Article | None:
    """The article on an entry's page, or None (logged) when it cannot be had."""
    try:
        fetched = fetch(link, settings)
        if fetched.content_type not in PAGE_TYPES:
            raise IngestError(f"{link} is {fetched.content_type}, not a web page")
        html = decode(fetched.body, link, fetched.charset or html_charset(fetched.body))
        return read_html(html, link, fetched.url)
    except IngestError as error:
        log.warning("keeping the feed's summary: %s", error)
        return None


def _detail_text(detail: Mapping[str, Any] | None) -> str:
    """The text of a feedparser text construct (title, summary, content), HTML or plain."""
    if not detail:
        return ""
    value = str(detail.get("value") or "")
    return fragment_text(value) if "html" in str(detail.get("type", "")) else value
