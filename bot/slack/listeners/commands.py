"""The `/news` slash command: ask, ingest, forget, sources, follow, unfollow, help.

The command is acknowledged at once (help and refusals are the acknowledgement itself); the
work runs in a lazy listener (ingest and forget on the bot's writes pool, so they never hold
a thread an answer needs) and answers through the command's `response_url`, privately.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.slack import blocks
from bot.slack.core import SlackBot, links_in, question_from_slack

log = logging.getLogger("newsdesk.slack")

COMMAND = "/news"
SUBCOMMANDS = ("ask", "ingest", "forget", "sources", "follow", "unfollow", "help")
ADMIN_ONLY = {"ingest": "add or remove articles", "forget": "remove articles",
              "follow": "follow feeds", "unfollow": "unfollow feeds"}  # fmt: skip


def parse(text: str) -> tuple[str, str]:
    """(`subcommand`, rest). Text that starts with no known subcommand is a question."""
    words = (text or "").strip().split(maxsplit=1)
    if not words:
        return "help", ""
    first = words[0].lower()
    if first in SUBCOMMANDS:
        return first, words[1].strip() if len(words) > 1 else ""
    return "ask", text.strip()


def register(app: App, bot: SlackBot, command: str = COMMAND) -> None:
    def acknowledge(ack: Any, command: dict[str, Any]) -> None:
        sub, rest = parse(command.get("text", ""))
        user = command.get("user_id", "")
        if sub == "help":
            ack(text=blocks.HELP, blocks=blocks.text_blocks(blocks.HELP))
        elif sub in ADMIN_ONLY and not bot.is_admin(user):
            log.info("slack.refused action=%s user=%s", sub, user)
            ack(text=bot.refusal(ADMIN_ONLY[sub]))
        elif sub == "ask" and not question_from_slack(rest):
            ack(text="What would you like to know? Try `/news ask where are the North Korean troops?`")
        elif sub == "ingest" and not links_in(rest):
            ack(text="Give me one or more links: `/news ingest https://example.com/article`.")
        elif sub == "forget" and not rest:
            ack(text="Which article? `/news forget <id|url>` (`/news sources` lists the ids).")
        elif sub == "unfollow" and not links_in(rest):
            ack(text="Which feed? `/news unfollow <feed url>` (`/news follow` lists them).")
        elif sub == "follow" and links_in(rest):
            ack(text=":inbox_tray: Following that feed and reading it now…")
        elif sub == "ask":
            ack(text=blocks.thinking_text())
        elif sub == "ingest":
            ack(text=f":inbox_tray: Fetching {len(links_in(rest))} link(s)…")
        else:
            ack()

    def work(command: dict[str, Any], respond: Any) -> None:
        if parse(command.get("text", ""))[0] in ("ingest", "forget", "follow", "unfollow"):
            bot.in_background(lambda: run(command, respond))
        else:
            run(command, respond)

    def run(command: dict[str, Any], respond: Any) -> None:
        sub, rest = parse(command.get("text", ""))
        user = command.get("user_id", "")
        try:
            if sub == "ask":
                question = question_from_slack(rest)
                if question:
                    _ask(bot, respond, question, user, command.get("channel_id", ""))
            elif sub == "ingest" and bot.is_admin(user) and links_in(rest):
                text = bot.ingest_reply(links_in(rest))
                respond(text=text, blocks=blocks.text_blocks(text), response_type="ephemeral",
                        replace_original=False)  # fmt: skip
            elif sub == "forget" and bot.is_admin(user) and rest:
                key = (links_in(rest) or [question_from_slack(rest)])[0]
                record = bot.forget(key)
                if record is None:
                    text = f"No article {blocks.escape(key)!s} (`/news sources` lists the ids)."
                else:
                    text = (f"Forgot {blocks.link(record.url, record.title)} "
                            f"(`{blocks.escape(record.article_id)}`).")  # fmt: skip
                respond(text=text, response_type="ephemeral", replace_original=False)
            elif sub == "follow" and bot.is_admin(user):
                urls = links_in(rest)
                text = blocks.follow_text(bot.follow(urls[0], user)) if urls else blocks.feeds_text(
                    bot.followed())
                respond(text=text, blocks=blocks.text_blocks(text), response_type="ephemeral",
                        replace_original=False)  # fmt: skip
            elif sub == "unfollow" and bot.is_admin(user) and links_in(rest):
                url = links_in(rest)[0]
                text = (f"Stopped following {blocks.link(url, url, 200)} (its articles stay)."
                        if bot.unfollow(url)
                        else f"{blocks.link(url, url, 200)} is not followed.")  # fmt: skip
                respond(text=text, response_type="ephemeral", replace_original=False)
            elif sub == "sources":
                query = question_from_slack(rest)
                records, total = bot.sources(query)
                copies = bot.copies([r.article_id for r in records])
                text = blocks.sources_text(records, query, total, copies)
                respond(text=text, blocks=blocks.text_blocks(text), response_type="ephemeral",
                        replace_original=False)  # fmt: skip
        except Exception:  # noqa: BLE001 - tell the user, log the detail
            log.exception("slack.command_failed sub=%s", sub)
            doing = {"ask": "answering that", "ingest": "fetching those links",
                     "forget": "removing that article", "sources": "listing the articles",
                     "follow": "following that feed", "unfollow": "unfollowing that feed"}[sub]
            respond(text=blocks.apology_text(doing), response_type="ephemeral",
                    replace_original=False)  # fmt: skip

    app.command(command)(ack=acknowledge, lazy=[work])


def _ask(bot: SlackBot, respond: Any, question: str, user: str, channel: str) -> None:
    answer = bot.ask(question)
    answer_id = bot.save_answer(answer, user=user, channel=channel)
    respond(
        text=blocks.answer_fallback_text(answer),
        blocks=blocks.answer_blocks(answer, answer_id=answer_id, shareable=answer_id is not None),
        response_type="ephemeral", replace_original=False,
    )  # fmt: skip
