"""What deploys the bot: the Slack app manifest, and `newsdesk serve` in its own process."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from bot.slack.listeners.commands import COMMAND
from bot.slack.listeners.shortcuts import INGEST_LINKS
from newsdesk.embeddings import Embedder
from tests import fake_slack
from tests.support.paths import ROOT
from tests.support.settings import cli_command, cli_env, make_settings
from tests.support.slack import (
    APP_TOKEN,
    BOT_TOKEN,
    QUESTION,
    all_text,
    fake_slack_servers,
    index_sample,
    posted_in,
    send_event,
    validate_blocks,
)


def test_the_manifest_matches_the_listeners() -> None:
    manifest = yaml.safe_load((ROOT / "slack_manifest.yaml").read_text(encoding="utf-8"))
    settings_ = manifest["settings"]
    assert settings_["socket_mode_enabled"] is True
    assert settings_["interactivity"]["is_enabled"] is True
    assert set(settings_["event_subscriptions"]["bot_events"]) == {
        "app_mention", "message.im", "assistant_thread_started", "app_home_opened"}
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["assistant_view"]["assistant_description"]
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == [COMMAND]
    (shortcut,) = manifest["features"]["shortcuts"]
    assert shortcut == {**shortcut, "type": "message", "callback_id": INGEST_LINKS,
                        "name": "Ingest links in this message"}  # fmt: skip
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert scopes == {"app_mentions:read", "assistant:write", "chat:write", "commands",
                      "im:history", "reactions:write", "channels:history",
                      "groups:history"}  # fmt: skip


@pytest.mark.slow
def test_newsdesk_serve_answers_a_mention(tmp_path: Path, e5: Embedder) -> None:
    """`newsdesk serve`, configured only by its environment, against the fake Slack."""
    data_dir = tmp_path / "data"
    index_sample(make_settings(data_dir), e5)
    with fake_slack_servers() as (api, socket_server):
        env = cli_env(
            data_dir, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN,
            SLACK_API_URL=api.base_url, NEWSDESK_LOG_LEVEL="DEBUG",
        )  # fmt: skip
        process = subprocess.Popen(
            cli_command("serve"), cwd=tmp_path, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        call = None
        try:
            socket_server.wait_connected(timeout=120)
            event = fake_slack.mention(QUESTION, channel="C_PROC")
            send_event(socket_server, event)
            call = posted_in(api, "C_PROC", thread_ts=event["ts"], timeout=120)
        finally:
            process.terminate()
            output, _ = process.communicate(timeout=60)
    assert call is not None and "blocks" in call.params, output  # an answer, not an apology
    validate_blocks(call.params["blocks"])
    assert "Kursk" in all_text(call.params["blocks"])
    assert process.returncode == 0, output
    assert "connected to Slack (Socket Mode)" in output
    for secret in (BOT_TOKEN, APP_TOKEN):
        assert secret not in output  # not even at DEBUG
