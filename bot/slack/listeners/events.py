"""Events: an @mention answers in the question's thread; a direct message answers in the DM.

Events are acknowledged at once (bolt acks events before listeners run); the answering is a
lazy listener on bolt's thread pool. A thinking reaction marks the question while it is worked
on and is removed whatever happens; an LLM's answer streams into its reply
(`bot.slack.answering`); a failure posts a short apology in the thread. A DM of nothing but
links from an admin is answered with an offer to ingest them. (DM threads, the assistant
container's included, are `bot.slack.listeners.assistant`'s.)
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import App

from bot.conversation import Turn
from bot.slack import blocks
from bot.slack.answering import AnswerMessage, answer_into
from bot.slack.core import (
    QUESTION_SUBTYPES,
    THINKING_REACTION,
    SlackBot,
    links_in,
    question_from_slack,
    strip_links,
    turns_from_replies,
)

log = logging.getLogger("newsdesk.slack")


def register(app: App, bot: SlackBot) -> None:
    def ack_event(ack: Any) -> None:
        ack()

    def on_mention(event: dict[str, Any], client: Any, context: Any) -> None:
        answer_message(bot, client, event, context, in_thread=True)

    def on_message(event: dict[str, Any], client: Any, context: Any) -> None:
        if event.get("channel_type") != "im":
            return  # channel messages are answered only when the bot is mentioned
        if is_question(event, bot, context) and offer_ingest(bot, client, event,
                                                             thread_ts=event.get("thread_ts")):
            return  # fmt: skip
        answer_message(bot, client, event, context, in_thread=bool(event.get("thread_ts")))

    app.event("app_mention")(ack=ack_event, lazy=[on_mention])
    app.event("message")(ack=ack_event, lazy=[on_message])


def is_question(event: dict[str, Any], bot: SlackBot, context: Any = None) -> bool:
    """A person's new message: not a bot (this one or another), not an edit, join or the like."""
    if event.get("bot_id") or event.get("bot_profile"):
        return False
    own = bot.bot_user_id or (context or {}).get("bot_user_id")
    if not event.get("user") or event.get("user") == own:
        return False
    return event.get("subtype") in QUESTION_SUBTYPES


def offer_ingest(bot: SlackBot, client: Any, event: dict[str, Any], *,
                 thread_ts: str | None) -> bool:  # fmt: skip
    """An admin sent the bot a DM of nothing but links: offer to ingest them (a button) instead
    of answering. A message with words besides its links is a question like any other (an
    article's pasted "/news ingest …" included). True when the offer was made."""
    if event.get("channel_type") != "im" or not bot.is_admin(event.get("user", "")):
        return False
    text = event.get("text", "")
    urls = links_in(text, event.get("blocks"))
    if not urls or re.search(r"\w", question_from_slack(strip_links(text))):
        return False
    if not bot.dedupe.claim(f"offer:{event.get('channel')}:{event.get('ts')}"):
        return True
    client.chat_postMessage(channel=event.get("channel", ""), thread_ts=thread_ts,
                            text="Shall I ingest this link?", unfurl_links=False,
                            blocks=blocks.ingest_offer_blocks(urls))  # fmt: skip
    log.info("slack.ingest_offered links=%d", len(urls))
    return True


def answer_message(
    bot: SlackBot, client: Any, event: dict[str, Any], context: Any, *, in_thread: bool
) -> None:
    """Answer one message: reaction on, history from the thread, answer posted, reaction off."""
    if not is_question(event, bot, context):
        return
    channel, ts = event.get("channel", ""), event.get("ts", "")
    if not bot.dedupe.claim(f"message:{channel}:{ts}"):
        log.info("slack.duplicate_message channel=%s ts=%s", channel, ts)
        return  # the same message reached us twice (e.g. as a mention and as a DM)
    bot_user_id = bot.bot_user_id or (context or {}).get("bot_user_id") or ""
    question = question_from_slack(event.get("text", ""), bot_user_id)
    thread_ts = event.get("thread_ts")
    reply_ts = (thread_ts or ts) if in_thread else None
    if not question:
        client.chat_postMessage(
            channel=channel, thread_ts=reply_ts,
            text="Ask me a question about the news, e.g. “Where are the North Korean troops?” "
                 "(`/news help` says more).",
        )  # fmt: skip
        return
    reacted = _react(client, "reactions_add", channel, ts)
    # without a thread there is no stream: a slow (LLM) answer replaces a "Looking…" message
    placeholder = (
        _placeholder(client, channel, reply_ts) if bot.update_in_place and not reply_ts else None
    )
    reply = AnswerMessage(
        client, channel=channel, thread_ts=reply_ts, user=event.get("user", ""),
        team=(context or {}).get("team_id") or "", placeholder=placeholder,
    )  # fmt: skip
    try:
        history: list[Turn] = []
        if thread_ts and thread_ts != ts:
            try:
                history = thread_history(client, channel, thread_ts, ts, bot_user_id, bot.bot_id)
            except Exception:  # noqa: BLE001 - answer_into apologises; this must too
                log.exception("slack.history_failed channel=%s ts=%s", channel, ts)
                reply.finish(text=blocks.apology_text())
                return
        answer_into(bot, reply, question, history, user=event.get("user", ""),
                    kind=str(event.get("type")))  # fmt: skip
    finally:
        if reacted:
            _react(client, "reactions_remove", channel, ts)


def _placeholder(client: Any, channel: str, thread_ts: str | None) -> str | None:
    """Post "looking…" to be replaced by the answer (for slow, LLM-written answers)."""
    try:
        response = client.chat_postMessage(channel=channel, thread_ts=thread_ts,
                                           text=blocks.thinking_text())  # fmt: skip
        return response.get("ts")
    except Exception as exc:  # noqa: BLE001 - the answer is then posted as a new message
        log.warning("slack.placeholder_failed channel=%s error=%s", channel, type(exc).__name__)
        return None


def thread_history(
    client: Any, channel: str, thread_ts: str, before_ts: str, bot_user_id: str, bot_id: str
) -> list[Turn]:
    messages: list[dict[str, Any]] = []
    cursor = None
    for _ in range(5):  # at most 5 pages of 200: a longer thread is cut to its recent turns
        response = client.conversations_replies(
            channel=channel, ts=thread_ts, limit=200, cursor=cursor, include_all_metadata=True
        )
        messages.extend(response.get("messages", []) or [])
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return turns_from_replies(messages, before_ts=before_ts, bot_user_id=bot_user_id, bot_id=bot_id)


def _react(client: Any, method: str, channel: str, ts: str) -> bool:
    try:
        getattr(client, method)(channel=channel, timestamp=ts, name=THINKING_REACTION)
        return True
    except Exception as exc:  # noqa: BLE001 - a missing reaction must not stop the answer
        log.warning("slack.%s_failed channel=%s error=%s", method, channel, type(exc).__name__)
        return False
