"""The message shortcut "Ingest links in this message" (admins only)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.slack import blocks
from bot.slack.core import SlackBot, links_in

log = logging.getLogger("newsdesk.slack")

INGEST_LINKS = "ingest_links"


def register(app: App, bot: SlackBot) -> None:
    def acknowledge(ack: Any) -> None:
        ack()

    def work(shortcut: dict[str, Any], respond: Any) -> None:
        user = (shortcut.get("user") or {}).get("id", "")
        if not bot.is_admin(user):
            log.info("slack.refused action=ingest_links user=%s", user)
            respond(text=bot.refusal("add articles"), response_type="ephemeral",
                    replace_original=False)  # fmt: skip
            return
        message = shortcut.get("message") or {}
        urls = links_in(message.get("text", ""), message.get("blocks"))
        if not urls:
            respond(text="I found no links in that message.", response_type="ephemeral",
                    replace_original=False)  # fmt: skip
            return
        bot.in_background(lambda: ingest(urls, respond))

    def ingest(urls: list[str], respond: Any) -> None:
        try:
            text = bot.ingest_reply(urls)
        except Exception:  # noqa: BLE001 - tell the user, log the detail
            log.exception("slack.shortcut_ingest_failed")
            text = blocks.apology_text("fetching those links")
        respond(text=text, blocks=blocks.text_blocks(text), response_type="ephemeral",
                replace_original=False)  # fmt: skip

    app.shortcut(INGEST_LINKS)(ack=acknowledge, lazy=[work])
