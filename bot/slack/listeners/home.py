"""The App Home tab, its admin buttons and modals, and the offer to ingest a shared link.

`app_home_opened` publishes the Home (views.publish): how to ask, what the index holds, the
latest articles, and for admins "Ingest a link" and "Follow a feed", each opening a modal
whose submission is ingested on the bot's writes pool; the result comes as a DM and the Home
is published again. "Ingest" under a link an admin sent the bot in a DM ingests it.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.slack import blocks
from bot.slack.core import SlackBot, links_in

log = logging.getLogger("newsdesk.slack")


def publish_home(bot: SlackBot, client: Any, user: str) -> None:
    holdings = bot.holdings()
    admin = bot.is_admin(user)
    view = blocks.home_view(
        articles=holdings.articles, languages=holdings.languages, newest=holdings.newest,
        latest=holdings.latest, admin=admin, feeds=bot.followed() if admin else (),
    )  # fmt: skip
    client.views_publish(user_id=user, view=view)


def register(app: App, bot: SlackBot) -> None:
    def ack_event(ack: Any) -> None:
        ack()

    def home_opened(event: dict[str, Any], client: Any) -> None:
        if event.get("tab", "home") == "home":
            publish_home(bot, client, event.get("user", ""))

    app.event("app_home_opened")(ack=ack_event, lazy=[home_opened])

    def open_modal(callback_id: str) -> Any:
        def on_click(ack: Any, body: dict[str, Any], client: Any) -> None:
            ack()
            user = (body.get("user") or {}).get("id", "")
            if not bot.is_admin(user):  # the buttons are shown to admins only; check anyway
                log.info("slack.refused action=%s user=%s", callback_id, user)
                return
            client.views_open(trigger_id=body.get("trigger_id"), view=blocks.url_modal(callback_id))

        return on_click

    app.action(blocks.HOME_INGEST)(open_modal(blocks.INGEST_VIEW))
    app.action(blocks.HOME_FOLLOW)(open_modal(blocks.FOLLOW_VIEW))

    def submitted(callback_id: str) -> Any:
        def on_submit(ack: Any, body: dict[str, Any], view: dict[str, Any], client: Any) -> None:
            user = (body.get("user") or {}).get("id", "")
            values = (view.get("state") or {}).get("values") or {}
            url = ((values.get(blocks.URL_BLOCK) or {}).get(blocks.URL_INPUT) or {}).get("value")
            urls = links_in(url or "")
            if not urls:
                ack(response_action="errors", errors={blocks.URL_BLOCK: "Give an http(s) link."})
                return
            ack()
            if not bot.is_admin(user):
                log.info("slack.refused action=%s user=%s", callback_id, user)
                return
            bot.in_background(lambda: work(callback_id, urls[0], user, client))

        return on_submit

    def work(callback_id: str, url: str, user: str, client: Any) -> None:
        try:
            if callback_id == blocks.FOLLOW_VIEW:
                text = blocks.follow_text(bot.follow(url, user))
            else:
                text = bot.ingest_reply([url])
        except Exception:  # noqa: BLE001 - tell the admin, log the detail
            log.exception("slack.home_work_failed view=%s", callback_id)
            text = blocks.apology_text("fetching that link")
        client.chat_postMessage(channel=user, text=text, blocks=blocks.text_blocks(text),
                                unfurl_links=False)  # fmt: skip
        publish_home(bot, client, user)

    app.view_submission(blocks.INGEST_VIEW)(submitted(blocks.INGEST_VIEW))
    app.view_submission(blocks.FOLLOW_VIEW)(submitted(blocks.FOLLOW_VIEW))

    @app.action(blocks.INGEST_OFFERED)
    def ingest_offered(ack: Any, body: dict[str, Any], action: dict[str, Any],
                       respond: Any) -> None:  # fmt: skip
        ack()
        user = (body.get("user") or {}).get("id", "")
        if not bot.is_admin(user):
            respond(text=bot.refusal("add articles"), response_type="ephemeral",
                    replace_original=False)  # fmt: skip
            return
        urls = [u for u in (action.get("value") or "").split("\n") if u]
        respond(text=f":inbox_tray: Fetching {len(urls)} link(s)…", replace_original=True)

        def ingest() -> None:
            try:
                text = bot.ingest_reply(urls)
            except Exception:  # noqa: BLE001 - tell the admin, log the detail
                log.exception("slack.offered_ingest_failed")
                text = blocks.apology_text("fetching those links")
            respond(text=text, blocks=blocks.text_blocks(text), replace_original=True)

        bot.in_background(ingest)
