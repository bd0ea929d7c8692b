"""One answer's way into Slack: streamed while an LLM writes it, posted at once otherwise.

An extractive answer (no LLM) exists whole the moment it is found, so it is posted in one
message. An LLM's draft streams into a reply with slack-sdk's `ChatStream` (chat.startStream,
appendStream, stopStream); where a stream cannot be had (a message outside a thread, or
Slack refusing the stream) the draft goes into a "Looking…" placeholder with chat.update
instead, at most once a second. The draft is unchecked: when the answer is done, the message
is replaced (chat.update) by the checked answer with its sources, buttons and turn metadata,
exactly what a non-streamed answer shows. Whatever fails, the message ends as the answer or
as an apology: never a half-written draft, never silence.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from bot.answers import Answer
from bot.conversation import Turn
from bot.slack import blocks
from bot.slack.core import SlackBot, answer_metadata

log = logging.getLogger("newsdesk.slack")

STREAM_BUFFER = 128  # characters of draft gathered before each chat.appendStream
UPDATE_EVERY = 1.0  # seconds between chat.update calls of the fallback
WRITING = "Writing the answer…"

Status = Callable[[str], Any]


class AnswerMessage:
    """The bot's reply to one question in `channel` (in the thread `thread_ts`, if any).

    `draft(text)` is the LLM's `on_text` callback; `finish(...)` puts the final message in
    place, replacing whatever was streamed or shown so far. `placeholder` is the ts of a
    "Looking…" message already posted, used when there is no stream."""

    def __init__(
        self, client: Any, *, channel: str, thread_ts: str | None, user: str = "",
        team: str = "", placeholder: str | None = None, status: Status | None = None,
    ) -> None:  # fmt: skip
        self.client, self.channel, self.thread_ts = client, channel, thread_ts
        self.user, self.team = user, team
        self.placeholder = placeholder
        self.status = status
        self._stream: Any = None  # slack_sdk ChatStream, once the first draft arrives
        self._can_stream = bool(thread_ts)  # Slack streams replies only
        self._shown = ""  # the draft text streamed so far
        self._updated = 0.0  # when the fallback last updated the placeholder
        self._lock = threading.Lock()

    @property
    def streamed(self) -> bool:
        return self._stream is not None

    @property
    def ts(self) -> str | None:
        """The message the final answer replaces: the streamed one, else the placeholder."""
        streamed = self._stream.ts if self._stream is not None else None
        return streamed or self.placeholder

    def draft(self, text: str) -> None:
        """Show the draft so far: appended to the stream, or (fallback) into the placeholder."""
        with self._lock:
            if not self._shown and self._stream is None and self.status is not None:
                quietly(self.status, WRITING)
            if self._can_stream:
                try:
                    self._append(text)
                    return
                except Exception as exc:  # noqa: BLE001 - the fallback below takes over
                    log.warning("slack.stream_failed channel=%s error=%s", self.channel,
                                type(exc).__name__)  # fmt: skip
                    self._can_stream = False
                    if self._stream is not None and self._stream.ts:
                        self.placeholder = self._stream.ts  # what was streamed is updated
                    self._stream = None
            self._update(text)

    def _append(self, text: str) -> None:
        if not text.startswith(self._shown):
            return  # the model rewrote what was shown: the final answer replaces it anyway
        if self._stream is None:
            self._stream = self.client.chat_stream(
                channel=self.channel, thread_ts=self.thread_ts, buffer_size=STREAM_BUFFER,
                recipient_user_id=self.user or None, recipient_team_id=self.team or None,
            )  # fmt: skip
        self._stream.append(markdown_text=blocks.escape(text[len(self._shown) :]))
        self._shown = text

    def _update(self, text: str) -> None:
        now = time.monotonic()
        if now - self._updated < UPDATE_EVERY:
            return
        self._updated = now
        shown = blocks.clip(text, blocks.FALLBACK_TEXT - 2) + " …"
        try:
            if self.placeholder is None:
                response = self.client.chat_postMessage(
                    channel=self.channel, thread_ts=self.thread_ts, text=shown,
                    unfurl_links=False, unfurl_media=False,
                )  # fmt: skip
                self.placeholder = response.get("ts")
            else:
                self.client.chat_update(channel=self.channel, ts=self.placeholder, text=shown)
        except Exception as exc:  # noqa: BLE001 - the draft is a nicety; the answer still comes
            log.warning("slack.draft_update_failed channel=%s error=%s", self.channel,
                        type(exc).__name__)  # fmt: skip

    def finish(self, **message: Any) -> None:
        """Put `message` (text, blocks, metadata) in place: the streamed or placeholder message
        is replaced by it, or it is posted when nothing was shown yet."""
        with self._lock:
            if self._stream is not None:
                try:
                    self._stream.stop()
                except Exception as exc:  # noqa: BLE001 - the update below still replaces it
                    log.warning("slack.stream_stop_failed channel=%s error=%s", self.channel,
                                type(exc).__name__)  # fmt: skip
            ts = self.ts
            if ts:
                self.client.chat_update(channel=self.channel, ts=ts, **message)
            else:
                self.client.chat_postMessage(
                    channel=self.channel, thread_ts=self.thread_ts, unfurl_links=False,
                    unfurl_media=False, **message,
                )  # fmt: skip


def quietly(call: Status, text: str) -> None:
    """Set a status line or title; a failure (e.g. outside an assistant thread) is logged."""
    try:
        call(text)
    except Exception as exc:  # noqa: BLE001 - a status line must never cost the answer
        log.warning("slack.status_failed error=%s", type(exc).__name__)


def answer_into(
    bot: SlackBot, reply: AnswerMessage, question: str, history: Sequence[Turn], *,
    user: str, kind: str,
) -> Answer | None:  # fmt: skip
    """Ask, then finish `reply` with the answer (streamed meanwhile when an LLM writes it), or
    with an apology when anything fails; the answer, or None after an apology."""
    started = time.perf_counter()
    try:
        on_text = reply.draft if bot.settings.llm else None
        answer = bot.ask(question, history, on_text=on_text)
        answer_id = bot.save_answer(answer, user=user, channel=reply.channel)
        reply.finish(text=blocks.answer_fallback_text(answer),
                     blocks=blocks.answer_blocks(answer, answer_id=answer_id),
                     metadata=answer_metadata(Turn.of(answer)))  # fmt: skip
        log.info(
            "slack.answered kind=%s channel=%s ms=%d citations=%d abstained=%s streamed=%s",
            kind, reply.channel, (time.perf_counter() - started) * 1000,
            len(answer.citations), answer.abstained, reply.streamed,
        )  # fmt: skip
        return answer
    except Exception:  # noqa: BLE001 - any failure becomes an apology, never silence
        log.exception("slack.answer_failed channel=%s", reply.channel)
        try:
            reply.finish(text=blocks.apology_text())
        except Exception:  # noqa: BLE001 - the placeholder or stream could not be replaced
            try:
                reply.client.chat_postMessage(channel=reply.channel, thread_ts=reply.thread_ts,
                                              text=blocks.apology_text())  # fmt: skip
            except Exception:  # noqa: BLE001
                log.exception("slack.apology_failed channel=%s", reply.channel)
        return None
