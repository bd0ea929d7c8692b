"""Buttons on answers: "Show passage" and "Related coverage" (modals), 👍/👎 (stored votes),
"Share in channel"."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import App

from bot.slack import blocks
from bot.slack.core import SlackBot

log = logging.getLogger("newsdesk.slack")


def register(app: App, bot: SlackBot) -> None:
    @app.action(blocks.SHOW_PASSAGE)
    def show_passage(ack: Any, body: dict[str, Any], action: dict[str, Any], client: Any,
                     respond: Any) -> None:  # fmt: skip
        ack()
        chunk_id, start, end = blocks.parse_passage_value(action.get("value", ""))
        chunk = bot.chunk(chunk_id)
        if chunk is None:
            respond(text="That passage is no longer in the index (its article was removed or "
                         "updated).", response_type="ephemeral", replace_original=False)  # fmt: skip
            return
        article = chunk.article
        view = blocks.passage_view(
            title=article.title, url=article.url, source=article.source,
            published=article.published, passage=chunk.text, quote_start=start,
            quote_end=end, chunk_id=chunk_id,
        )  # fmt: skip
        client.views_open(trigger_id=body.get("trigger_id"), view=view)

    @app.action(re.compile(rf"^{blocks.RELATED}_\d+$"))
    def related_coverage(ack: Any, body: dict[str, Any], action: dict[str, Any], client: Any,
                         respond: Any) -> None:  # fmt: skip
        ack()
        coverage = bot.related(action.get("value", ""))
        if coverage is None:
            respond(text="That article is no longer in the index (it was removed).",
                    response_type="ephemeral", replace_original=False)  # fmt: skip
            return
        log.info("slack.related copies=%d same_story=%d", len(coverage.copies),
                 len(coverage.same_story))  # fmt: skip
        same_story = [(told.article, told.copies) for told in coverage.same_story]
        view = blocks.related_view(coverage.article, coverage.copies, same_story)
        client.views_open(trigger_id=body.get("trigger_id"), view=view)

    def vote(value: str) -> Any:
        def on_vote(ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
            ack()
            user = (body.get("user") or {}).get("id", "")
            assert bot.feedback is not None
            record = bot.feedback.vote(action.get("value", ""), user, value)  # type: ignore[arg-type]
            log.info("slack.vote vote=%s known=%s", value, record is not None)
            text = (
                "Sorry, I no longer have that answer, so the vote was not recorded."
                if record is None
                else "Thanks, noted. 👍" if value == "up"
                else "Thanks, noted. 👎 Votes help us see where answers fall short."
            )
            respond(text=text, response_type="ephemeral", replace_original=False)

        return on_vote

    app.action(blocks.VOTE_UP)(vote("up"))
    app.action(blocks.VOTE_DOWN)(vote("down"))

    @app.action(blocks.SHARE)
    def share(ack: Any, action: dict[str, Any], respond: Any) -> None:
        ack()
        answer_id = action.get("value", "")
        assert bot.feedback is not None
        answer = bot.feedback.answer(answer_id)
        if answer is None:
            respond(text="Sorry, I no longer have that answer; ask again to share it.",
                    response_type="ephemeral", replace_original=False)  # fmt: skip
            return
        respond(
            text=blocks.answer_fallback_text(answer),
            blocks=blocks.answer_blocks(answer, answer_id=answer_id),
            response_type="in_channel", replace_original=False,
        )  # fmt: skip
        respond(delete_original=True)
