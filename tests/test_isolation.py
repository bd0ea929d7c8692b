"""The tests see nothing of the developer's set-up and leave no logging set-up behind
(the autouse fixtures in tests/conftest.py). The last test runs the others in a pytest of
their own, started with a developer's variables set, so it fails if the fixtures go."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsdesk import cli
from newsdesk.settings import Settings
from tests.support.paths import ROOT
from tests.support.settings import OWN_PREFIXES, make_settings

# What a developer's shell or .env might hold; none of it may reach a test.
DEVELOPER = {
    "NEWSDESK_EMBEDDER": "sentence-transformers:developers-own-model",
    "NEWSDESK_LLM": "openai:developers-model",
    "NEWSDESK_ADMINS": "U_DEVELOPER",
    "SLACK_BOT_TOKEN": "xoxb-developers-real-token",
    "NEWSDESK_DATA_DIR": "/nonexistent/developers-index",
}


def test_no_newsdesk_or_slack_variable_reaches_a_test(tmp_path: Path) -> None:
    own = {k: v for k, v in os.environ.items() if k.startswith(OWN_PREFIXES)}
    assert set(own) == {"NEWSDESK_DATA_DIR"}, own
    assert Path(own["NEWSDESK_DATA_DIR"]).is_relative_to(tmp_path)
    assert Path.cwd() == tmp_path  # no developer's .env in the working directory
    settings = make_settings(tmp_path / "data")
    defaults = Settings.model_fields
    assert settings.embedder == defaults["embedder"].default and settings.llm == ""
    assert settings.admins == [] and settings.slack_bot_token.get_secret_value() == ""


def test_the_cli_points_logging_at_this_tests_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["sources"]) == 0
    streams = [getattr(h, "stream", None) for h in logging.getLogger().handlers]
    assert sys.stderr in streams  # capsys's stream, closed when this test ends


def test_a_later_test_logs_to_no_closed_stream() -> None:
    """Runs after the one above: its handler, on a stderr pytest has closed, is gone."""
    for handler in logging.getLogger().handlers:
        assert not getattr(getattr(handler, "stream", None), "closed", False), handler
    logging.getLogger("newsdesk.test").error("logged after the CLI ran in another test")


def test_a_developers_environment_does_not_reach_the_tests(tmp_path: Path) -> None:
    tests = [f"{__file__}::{name}" for name in (
        "test_no_newsdesk_or_slack_variable_reaches_a_test",
        "test_the_cli_points_logging_at_this_tests_stderr",
        "test_a_later_test_logs_to_no_closed_stream",
    )]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT), **DEVELOPER}
    (tmp_path / ".env").write_text("NEWSDESK_LLM=openai:from-dotenv\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(ROOT),
         *tests], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0 and "3 passed" in output, output[-3000:]
    assert "Logging error" not in output, output[-3000:]
