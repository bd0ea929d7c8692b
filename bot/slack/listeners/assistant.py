"""The assistant container (Slack's split view for AI apps), with bolt's `Assistant` middleware.

A new thread gets a greeting saying what the index holds and suggested prompts about the
newest articles. A question in the thread titles it (the first one), shows a status line
while it is searched ("Searching 2,397 passages…") and while an LLM writes, and is answered
in the thread with the thread's earlier turns, exactly as a Slack thread or `chat` does.

Both are lazy listeners (the event is acknowledged first); they build bolt's utilities
(`say`, `set_title`, `set_status`, `set_suggested_prompts`) from the event and the client
rather than take them as arguments, which lazy listeners get only as deep copies.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, Assistant
from slack_bolt.context.assistant.assistant_utilities import AssistantUtilities
from slack_bolt.context.set_status import SetStatus
from slack_bolt.context.set_suggested_prompts import SetSuggestedPrompts

from bot.slack import blocks
from bot.slack.answering import AnswerMessage, answer_into, quietly
from bot.slack.core import SlackBot, question_from_slack
from bot.slack.listeners.events import is_question, offer_ingest, thread_history

log = logging.getLogger("newsdesk.slack")


def register(app: App, bot: SlackBot) -> None:
    assistant = Assistant(logger=logging.getLogger("newsdesk.slack.bolt"))

    def ack_event(ack: Any) -> None:
        ack()

    def thread_started(event: dict[str, Any], client: Any, context: Any) -> None:
        thread = event.get("assistant_thread") or {}
        channel, thread_ts = thread.get("channel_id", ""), thread.get("thread_ts", "")
        say = AssistantUtilities(payload=event, context=context).say
        try:
            holdings = bot.holdings(latest=blocks.ASSISTANT_PROMPTS * 3)
        except Exception:  # noqa: BLE001 - the greeting goes out even when the index cannot
            log.exception("slack.holdings_failed")
            say(text="Hi! Ask me a question about the news and I answer with my sources.")
            return
        say(text=blocks.greeting_text(holdings.articles, holdings.languages, holdings.newest))
        prompts = blocks.suggested_prompts(holdings.latest)
        if prompts:
            SetSuggestedPrompts(client, channel, thread_ts)(
                prompts, title="Recent in the news:"
            )
        log.info("slack.assistant_thread_started channel=%s prompts=%d", channel, len(prompts))

    def user_message(event: dict[str, Any], client: Any, context: Any) -> None:
        if not is_question(event, bot, context):
            return
        channel, ts, thread_ts = event.get("channel", ""), event.get("ts", ""), event["thread_ts"]
        if not bot.dedupe.claim(f"message:{channel}:{ts}"):
            return
        user = event.get("user", "")
        if offer_ingest(bot, client, event, thread_ts=thread_ts):
            return
        bot_user_id = bot.bot_user_id or (context or {}).get("bot_user_id") or ""
        question = question_from_slack(event.get("text", ""), bot_user_id)
        utilities = AssistantUtilities(payload=event, context=context)
        if not question:
            utilities.say(text="Ask me a question about the news, e.g. “Where are the North "
                               "Korean troops?”")  # fmt: skip
            return
        status = SetStatus(client, channel, thread_ts)
        reply = AnswerMessage(client, channel=channel, thread_ts=thread_ts, user=user,
                              team=(context or {}).get("team_id") or "", status=status)  # fmt: skip
        try:
            history = thread_history(client, channel, thread_ts, ts, bot_user_id, bot.bot_id)
            passages = bot.passages()
        except Exception:  # noqa: BLE001 - never silence: the apology is the reply
            log.exception("slack.assistant_failed channel=%s ts=%s", channel, ts)
            reply.finish(text=blocks.apology_text())
            return
        # a plain DM thread is no assistant thread: there these fail, and are only logged
        if not history:
            quietly(utilities.set_title, blocks.thread_title(question))
        quietly(status, blocks.searching_status(passages))
        answer_into(bot, reply, question, history, user=user, kind="assistant")

    assistant.thread_started(lazy=[thread_started])(ack_event)
    assistant.user_message(lazy=[user_message])(ack_event)
    app.assistant(assistant)
