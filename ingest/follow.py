"""Followed feeds: each poll fetches a feed conditionally and ingests only its new entries.

    follow(index, url, by="U123")        # stored in the catalog, so every process sees it
    outcome = poll(index, feed, settings)   # one feed: new entries ingested
    FeedPoller(interval, work).start()    # `serve` polls every NEWSDESK_FEED_POLL_INTERVAL s

A poll sends back the validators of the last fetch (`If-None-Match`, `If-Modified-Since`), so
an unchanged feed costs the site a 304 and us nothing. A changed feed is read with the same
safe fetcher and readers as `newsdesk ingest`, leaving out the entries seen before (by link,
else id); an entry that failed (its page could not be fetched) is not marked seen, so the
next poll tries it again.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from ingest.errors import IngestError
from ingest.fetch import fetch
from ingest.pipeline import IngestReport, ItemResult, ingest
from ingest.sources import completed
from ingest.sources.feeds import entry_key, read_feed
from newsdesk.index import FollowedFeed, Index
from newsdesk.settings import Settings

log = logging.getLogger(__name__)

SEEN_LIMIT = 5000  # entry keys remembered per feed (far more than a feed lists at once)


@dataclass(frozen=True)
class PollOutcome:
    """One poll of one feed: what was ingested, or why nothing was."""

    feed: FollowedFeed  # as stored after the poll
    report: IngestReport | None = None  # None when the feed was unchanged or failed
    error: str = ""
    first: bool = False  # the feed's first poll (its backlog, not news to announce)

    @property
    def added(self) -> list[ItemResult]:
        return [i for i in self.report.items if i.status == "added"] if self.report else []


def conditional_headers(feed: FollowedFeed) -> dict[str, str]:
    """The validators of the feed's last fetch, as a conditional GET sends them back."""
    headers = {"If-None-Match": feed.etag, "If-Modified-Since": feed.last_modified}
    return {name: value for name, value in headers.items() if value}


def feed_keys(data: bytes) -> list[str]:
    """The `entry_key` of every entry of the feed in `data`, in the feed's order."""
    import feedparser

    return [k for k in (entry_key(e) for e in feedparser.parse(io.BytesIO(data)).entries) if k]


def seen_after(feed: FollowedFeed, keys: list[str], failed: set[str]) -> tuple[str, ...]:
    """The keys to remember: the feed's current entries (less those that failed), then the
    earlier ones, newest first, at most SEEN_LIMIT."""
    current = [k for k in keys if k not in failed]
    return tuple(dict.fromkeys([*current, *feed.seen]))[:SEEN_LIMIT]


def follow(index: Index, url: str, by: str = "") -> FollowedFeed:
    """Follow `url` (kept as it is if already followed); the stored feed."""
    for feed in index.followed_feeds():
        if feed.url == url:
            return feed
    feed = FollowedFeed(url=url, added_by=by)
    index.save_feed(feed)
    return feed


def poll(index: Index, feed: FollowedFeed, settings: Settings) -> PollOutcome:
    """Fetch `feed` (conditionally), ingest its new entries, store its state; never raises for
    a feed that cannot be read (the outcome's `error` says why)."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    first = feed.polled_at is None
    try:
        fetched = fetch(feed.url, settings, headers=conditional_headers(feed))
        if fetched.not_modified:
            stored = replace(feed, polled_at=now)
            index.save_feed(stored)
            return PollOutcome(stored, first=first)
        keys = feed_keys(fetched.body)
        items = read_feed(fetched.body, feed.url, settings, fetched.url, known=set(feed.seen))
        report = ingest(completed(items), index, chunk_size=settings.chunk_size,
                        chunk_overlap=settings.chunk_overlap)  # fmt: skip
    except IngestError as error:
        stored = replace(feed, polled_at=now)
        index.save_feed(stored)
        log.warning("feed poll failed: %s", error)
        return PollOutcome(stored, error=str(error), first=first)
    failed = {item.source for item in report.items if item.status in ("failed", "skipped")}
    stored = replace(feed, etag=fetched.etag, last_modified=fetched.last_modified,
                     seen=seen_after(feed, keys, failed), polled_at=now)  # fmt: skip
    index.save_feed(stored)
    log.info("feed polled url=%s added=%d updated=%d failed=%d", feed.url, report.count("added"),
             report.count("updated"), len(report.failed))  # fmt: skip
    return PollOutcome(stored, report, first=first)


def poll_all(index: Index, settings: Settings) -> list[PollOutcome]:
    """Poll every followed feed once, one after another."""
    return [poll(index, feed, settings) for feed in index.followed_feeds()]


class FeedPoller:
    """A daemon thread calling `work` every `interval` seconds (the first time at once) until
    `stop()`; an exception in `work` is logged and the next round still comes."""

    def __init__(self, interval: float, work: Callable[[], None]) -> None:
        self.interval, self.work = interval, work
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="newsdesk-feeds", daemon=True)

    def start(self) -> FeedPoller:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.work()
            except Exception:  # noqa: BLE001 - one bad round must not end the polling
                log.exception("feed poll round failed")
            self._stop.wait(self.interval)

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        self._thread.join(timeout)
