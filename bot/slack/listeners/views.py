"""Modals: the passage modal is read-only; closing or submitting it only needs an ack."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.slack import blocks
from bot.slack.core import SlackBot


def register(app: App, bot: SlackBot) -> None:
    @app.view_closed(blocks.PASSAGE_VIEW)
    def passage_closed(ack: Any) -> None:
        ack()

    @app.view_submission(blocks.PASSAGE_VIEW)
    def passage_submitted(ack: Any) -> None:
        ack()
