"""The followed feeds while the bot runs: a poller thread, and announcements of what is new.

`start_poller` (called by `bot.slack.app.start`) polls every followed feed each
`NEWSDESK_FEED_POLL_INTERVAL` seconds, the first time at once, and posts the articles a poll
added in `NEWSDESK_ANNOUNCE_CHANNEL` when that is set. A feed's first poll reads its backlog,
which is not news: it is not announced.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.slack import blocks
from ingest.follow import FeedPoller, PollOutcome, poll_all

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger("newsdesk.slack")

ANNOUNCED_AT_MOST = 20  # articles listed in one announcement


def start_poller(runtime: Runtime, client: Any) -> FeedPoller | None:
    """The started poller, or None when polling is off (an interval of 0). It polls over the
    runtime's index; the embedder is loaded only once there is a followed feed to read."""
    settings = runtime.settings
    if settings.feed_poll_interval <= 0:
        return None

    def work() -> None:
        if not runtime.reader.followed_feeds():
            return  # nothing to poll: no embedder loaded for nothing
        outcomes = poll_all(runtime.index, settings)
        if settings.announce_channel:
            announce(client, settings.announce_channel, outcomes)

    log.info("slack.feed_poller interval=%gs", settings.feed_poll_interval)
    return FeedPoller(settings.feed_poll_interval, work).start()


def announce(client: Any, channel: str, outcomes: Sequence[PollOutcome]) -> None:
    """Post each feed's newly added articles in `channel` (one message per feed)."""
    for outcome in outcomes:
        added = outcome.added
        if outcome.first or not added:
            continue
        text = blocks.announcement_text(outcome.feed.url, added[:ANNOUNCED_AT_MOST], len(added))
        try:
            client.chat_postMessage(channel=channel, text=text, blocks=blocks.text_blocks(text),
                                    unfurl_links=False, unfurl_media=False)  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - the articles are ingested all the same
            log.warning("slack.announce_failed channel=%s error=%s", channel, type(exc).__name__)
