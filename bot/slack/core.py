"""What the Slack listeners share: the asker, the stores, deduplication and Slack text helpers.

The listeners stay thin: they parse what Slack sent, call `SlackBot`, and render with
`bot.slack.blocks`. Nothing here talks to Slack itself.
"""

from __future__ import annotations

import html
import logging
import re
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from bot.answers import Answer
from bot.conversation import Turn
from bot.slack.feedback import FeedbackStore
from newsdesk.index.feedback import open_feedback
from newsdesk.settings import Settings

if TYPE_CHECKING:
    from newsdesk.index import Index

log = logging.getLogger("newsdesk.slack")

THINKING_REACTION = "hourglass_flowing_sand"
# Message subtypes that are a person writing: everything else (edits, joins, bot posts) is not
# a question.
QUESTION_SUBTYPES = frozenset({None, "", "thread_broadcast", "file_share"})
HISTORY_TURNS = 12
MAX_INGEST_LINKS = 20  # links fetched per command or shortcut


class Asker(Protocol):
    def ask(
        self, question: str, history: Sequence[Turn] = ...,
        on_text: Callable[[str], None] | None = ...,
    ) -> Answer: ...  # fmt: skip


class Claims(Protocol):
    """What drops a Slack event or message already being answered: `claim(key)` is true once."""

    def claim(self, key: str) -> bool: ...


class Deduper:
    """Keys seen recently (event ids, message timestamps) by this process; thread-safe, bounded,
    with a TTL. Enough for one bot process; replicas share `SharedClaims` (`claims_for`)."""

    def __init__(self, max_items: int = 20_000, ttl: float = 6 * 3600) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()
        self.max_items, self.ttl = max_items, ttl

    def claim(self, key: str) -> bool:
        """True the first time `key` is claimed (within the TTL), False afterwards."""
        now = time.monotonic()
        with self._lock:
            while self._seen:
                oldest, when = next(iter(self._seen.items()))
                if now - when <= self.ttl and len(self._seen) < self.max_items:
                    break
                self._seen.pop(oldest)
            if key in self._seen:
                return False
            self._seen[key] = now
            return True


def claims_for(settings: Settings) -> Claims:
    """Claims shared by every replica through the database when there is one, else this
    process's own."""
    url = settings.database_url.get_secret_value()
    if url:
        from newsdesk.index.events import SharedClaims

        return SharedClaims(url)
    return Deduper()


# -- Slack text ------------------------------------------------------------------------------

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
_SPECIAL = re.compile(r"<([!#@][^>|]*)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^>|]+)(?:\|([^>]*))?>")
_BARE_URL = re.compile(r"https?://[^\s<>|\"']+")


def question_from_slack(text: str, bot_user_id: str | None = None) -> str:
    """A question as a person typed it: the bot's mention dropped, links and entities undone."""
    text = text or ""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _SPECIAL.sub(lambda m: m.group(2) or "", text)
    text = html.unescape(text)
    return " ".join(text.split())


def links_in(text: str, blocks: Sequence[dict[str, Any]] | None = None) -> list[str]:
    """The http(s) links of a Slack message (from its text and rich-text blocks), in order."""
    found: list[str] = []
    for match in _LINK.finditer(text or ""):
        found.append(html.unescape(match.group(1)))
    rest = _LINK.sub(" ", text or "")
    rest = _SPECIAL.sub(" ", rest)
    found.extend(html.unescape(m.group()).rstrip(".,;:!?)]}'\"") for m in _BARE_URL.finditer(rest))
    for element in _walk(blocks or []):
        if element.get("type") == "link" and element.get("url"):
            found.append(str(element["url"]))
    return [url for url in dict.fromkeys(found) if url.startswith(("http://", "https://"))]


def strip_links(text: str) -> str:
    """Slack text with its links (`<url|label>` and bare ones) removed."""
    return _BARE_URL.sub(" ", _LINK.sub(" ", text or ""))


def _walk(items: Iterable[Any]) -> Iterable[dict[str, Any]]:
    for item in items:
        if isinstance(item, dict):
            yield item
            for value in item.values():
                if isinstance(value, list):
                    yield from _walk(value)


# -- conversation turns in a thread ------------------------------------------------------------

ANSWER_EVENT = "newsdesk_answer"  # the event_type of the metadata on the bot's answers


def answer_metadata(turn: Turn) -> dict[str, Any]:
    """Slack message metadata carrying an answer's turn: flat string values, escaped as Slack
    text is (an article's `<!channel>` is inert wherever it travels)."""
    payload = {
        "question": turn.question, "standalone": turn.standalone, "language": turn.language,
        "article_ids": "\n".join(turn.article_ids), "answer": turn.answer,
    }  # fmt: skip
    escaped = {key: html.escape(value, quote=False) for key, value in payload.items()}
    return {"event_type": ANSWER_EVENT, "event_payload": escaped}


def turn_from_metadata(metadata: Any) -> Turn | None:
    """The turn an answer's metadata carries, or None (another app's, or none at all)."""
    if not isinstance(metadata, dict) or metadata.get("event_type") != ANSWER_EVENT:
        return None
    payload = metadata.get("event_payload")
    if not isinstance(payload, dict):
        return None
    question, standalone, language, article_ids, answer = (
        html.unescape(str(payload.get(key) or ""))
        for key in ("question", "standalone", "language", "article_ids", "answer")
    )
    if not question.strip():
        return None
    return Turn(question, standalone or question, language,
                tuple(filter(None, article_ids.split("\n"))), answer)  # fmt: skip


def turns_from_replies(
    messages: Sequence[dict[str, Any]], *, before_ts: str, bot_user_id: str | None,
    bot_id: str | None = None,
) -> list[Turn]:  # fmt: skip
    """The thread's earlier turns, oldest first: this bot's answers before `before_ts`, read
    from their metadata (conversations.replies with include_all_metadata)."""
    turns: list[Turn] = []
    for message in sorted(messages, key=lambda m: _ts(m.get("ts"))):
        from_bot = bool(
            (bot_user_id and message.get("user") == bot_user_id)
            or (bot_id and message.get("bot_id") == bot_id)
        )
        turn = turn_from_metadata(message.get("metadata")) if from_bot else None
        if turn is not None and _ts(message.get("ts")) < _ts(before_ts):
            turns.append(turn)
    return turns[-HISTORY_TURNS:]


def _ts(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


# -- the bot's services ----------------------------------------------------------------------


@dataclass(frozen=True)
class Holdings:
    """What the index holds, as the App Home and the assistant's greeting say it."""

    articles: int
    passages: int
    languages: tuple[str, ...]  # most articles first
    newest: str | None  # the latest publication date
    latest: tuple[Any, ...]  # ArticleRecords, newest published first


def new_write_executor() -> ThreadPoolExecutor:
    """The pool of the bot's ingests and forgets: one at a time, apart from the answers."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsdesk-writes")


def _log_failure(future: Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("slack.background_failed error=%r", future.exception())


@dataclass
class SlackBot:
    """The services the listeners use; one per running app."""

    settings: Settings
    asker: Asker
    # The one index the bot lists, shows, ingests into and forgets from (with the embedder, for
    # ingests); the Index gives each thread its own SQLite connection, so listeners share it.
    index: Index
    feedback: FeedbackStore | None = None
    dedupe: Claims | None = None  # default: `claims_for(settings)`
    bot_user_id: str = ""
    bot_id: str = ""
    # Outside a thread (where nothing can be streamed), post a "looking…" message and replace it
    # with the answer (default: when an LLM writes the answers, which takes seconds); otherwise
    # the reaction alone shows the bot is working.
    update_in_place: bool | None = None
    # Ingests and forgets run here, one at a time (they take the index's writer lock anyway),
    # not on the listener pool: queued ones must not hold the threads answers need.
    writes: ThreadPoolExecutor | None = None
    _ingest_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.writes is None:
            self.writes = new_write_executor()
        if self.feedback is None:
            self.feedback = FeedbackStore(open_feedback(self.settings))
        if self.dedupe is None:
            self.dedupe = claims_for(self.settings)
        if self.update_in_place is None:
            self.update_in_place = bool(self.settings.llm)

    def in_background(self, work: Callable[[], None]) -> None:
        """Queue an ingest or forget (`work` replies to the user itself)."""
        assert self.writes is not None
        future = self.writes.submit(work)
        future.add_done_callback(_log_failure)

    # who may do what

    def is_admin(self, user_id: str) -> bool:
        return bool(user_id) and user_id in set(self.settings.admins)

    def refusal(self, what: str) -> str:
        admins = ", ".join(f"<@{a}>" for a in self.settings.admins if re.fullmatch(r"[A-Z0-9]+", a))
        ask = f" Please ask one of them: {admins}." if admins else ""
        return f"Sorry, only newsdesk admins can {what}.{ask}"

    # answering

    def ask(
        self, question: str, history: Sequence[Turn] = (),
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:  # fmt: skip
        """The asker's answer; `on_text` (given only when an LLM writes) gets its draft."""
        started = time.perf_counter()
        answer = self.asker.ask(question, history=tuple(history), on_text=on_text)
        log.info(
            "slack.answer ms=%d citations=%d abstained=%s history=%d",
            (time.perf_counter() - started) * 1000, len(answer.citations), answer.abstained,
            len(history),
        )  # fmt: skip
        return answer

    def save_answer(self, answer: Answer, *, user: str, channel: str) -> str | None:
        try:
            assert self.feedback is not None
            return self.feedback.save_answer(answer, user=user, channel=channel)
        except Exception:  # noqa: BLE001 - votes are a nicety; the answer still goes out
            log.exception("slack.feedback_store_failed")
            return None

    # the index

    def ingest(self, urls: Sequence[str]) -> Any:
        """Fetch and index `urls` through the same code as `newsdesk ingest`; the IngestReport."""
        from ingest.pipeline import ingest
        from ingest.sources import read_sources

        started = time.perf_counter()
        with self._ingest_lock:
            items = read_sources(list(urls), self.settings)
            report = ingest(
                items, self.index, chunk_size=self.settings.chunk_size,
                chunk_overlap=self.settings.chunk_overlap,
            )  # fmt: skip
        log.info(
            "slack.ingest ms=%d urls=%d added=%d updated=%d unchanged=%d failed=%d",
            (time.perf_counter() - started) * 1000, len(urls), report.count("added"),
            report.count("updated"), report.count("unchanged"), len(report.failed),
        )  # fmt: skip
        return report

    def ingest_reply(self, urls: Sequence[str]) -> str:
        """Ingest up to `MAX_INGEST_LINKS` links; the reply saying what happened to each (mrkdwn)."""
        from bot.slack.blocks import ingest_report_text

        report = self.ingest(list(urls)[:MAX_INGEST_LINKS])
        text = ingest_report_text(report.items)
        if len(urls) > MAX_INGEST_LINKS:
            text += f"\n_Only the first {MAX_INGEST_LINKS} of {len(urls)} links were fetched._"
        return text

    # followed feeds

    def follow(self, url: str, user: str) -> Any:
        """Follow the feed at `url` and read it now; the first poll's `PollOutcome`."""
        from ingest.follow import follow, poll

        with self._ingest_lock:
            outcome = poll(self.index, follow(self.index, url, by=user), self.settings)
        log.info("slack.follow added=%d error=%s", len(outcome.added), bool(outcome.error))
        return outcome

    def unfollow(self, url: str) -> bool:
        return self.index.unfollow_feed(url)

    def followed(self) -> list[str]:
        """The URLs of the followed feeds."""
        return [feed.url for feed in self.index.followed_feeds()]

    def forget(self, key: str) -> Any:
        """Remove an article by id, URL or id prefix; the record removed, or None."""
        with self._ingest_lock, self.index.writing():
            record = self.index.find_article(key)
            if record is None or not self.index.forget(record.article_id):
                return None
            log.info("slack.forget article=%s", record.article_id)
            return record

    def sources(self, query: str = "", limit: int = 15) -> tuple[list[Any], int]:
        """Recent articles, or those whose title, outlet, URL or id contains `query`."""
        records = self.index.articles()
        total = len(records)
        if query:
            folded = query.casefold()
            records = [
                r for r in records
                if any(folded in (x or "").casefold() for x in (r.title, r.source, r.url, r.article_id))
            ]  # fmt: skip
        return records[:limit], total

    def passages(self) -> int:
        """How many passages (chunks) an answer is searched among."""
        return self.index.stats().chunks

    def holdings(self, latest: int = 10) -> Holdings:
        """Counts, languages and the `latest` newest articles of the index."""
        stats = self.index.stats()
        records = self.index.articles()
        languages = Counter(r.lang for r in records if r.lang)
        return Holdings(
            articles=stats.articles, passages=stats.chunks,
            languages=tuple(lang for lang, _ in languages.most_common()),
            newest=stats.last_published, latest=tuple(records[:latest]),
        )  # fmt: skip

    def chunk(self, chunk_id: str) -> Any:
        found = self.index.chunks([chunk_id])
        return found[0] if found else None

    def related(self, article_id: str) -> Any:
        """The article's copies and other coverage of its story (`bot.related.Coverage`), or
        None when it is no longer in the index."""
        from bot.related import related_coverage

        return related_coverage(self.index, article_id)
