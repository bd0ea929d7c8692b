"""The bot in HTTP mode (no app token): every request's signature is checked."""

from __future__ import annotations

import json
import logging
import time

from newsdesk.embeddings import Embedder
from newsdesk.settings import Settings
from tests import fake_slack
from tests.fake_slack import FakeSlackAPI
from tests.support.logs import collected
from tests.support.slack import (
    QUESTION,
    SIGNING_SECRET,
    RecordingAsker,
    all_text,
    post,
    posted_in,
    posts_in,
    running_bot,
    signed,
    slack_settings,
)


def test_http_mode_verifies_the_signing_secret(
    api: FakeSlackAPI, settings: Settings, asker: RecordingAsker, e5: Embedder
) -> None:
    http_settings = slack_settings(
        settings.data_dir, api, SLACK_APP_TOKEN="", SLACK_SIGNING_SECRET=SIGNING_SECRET
    )
    with running_bot(http_settings, asker, e5, host="127.0.0.1", port=0) as running:
        assert running.mode == "http"
        url = f"http://127.0.0.1:{running.port}/slack/events"
        event = fake_slack.mention(QUESTION, channel="C_HTTP")
        body = json.dumps(fake_slack.event_callback(event))
        assert post(url, body, signed(body, "not-the-secret")) == 401
        assert post(url, body, {"Content-Type": "application/json"}) == 401
        stale = int(time.time()) - 3600
        assert post(url, body, signed(body, SIGNING_SECRET, stale)) == 401
        assert not posts_in(api, "C_HTTP")  # refused before any listener ran

        assert post(url, body, signed(body, SIGNING_SECRET)) == 200
        call = posted_in(api, "C_HTTP", thread_ts=event["ts"])
        assert "Kursk" in all_text(call.params["blocks"])
        # Slack's retry of the same event (X-Slack-Retry-Num) is acknowledged, not answered
        retry = {**signed(body, SIGNING_SECRET), "X-Slack-Retry-Num": "1",
                 "X-Slack-Retry-Reason": "http_timeout"}  # fmt: skip
        with collected(logging.INFO, ("newsdesk",)) as logs:
            assert post(url, body, retry) == 200
            dropped = logs.wait_for("slack.redelivery_ignored")  # before the 200 was sent
        assert "retry=1 reason=http_timeout" in dropped
    assert len(posts_in(api, "C_HTTP")) == 1  # the bot stopped: every answer is in
