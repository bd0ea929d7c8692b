"""Bolt listeners, one module per kind of Slack payload, each with `register(app, bot)`."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.core import SlackBot
from bot.slack.listeners import actions, assistant, commands, events, home, shortcuts, views


def register(app: App, bot: SlackBot) -> None:
    for module in (assistant, events, home, commands, actions, shortcuts, views):
        module.register(app, bot)
