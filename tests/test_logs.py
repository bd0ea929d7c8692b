"""Secrets and logs (issue 5): tokens and keys never appear in logs or error messages; `.env`
is git-ignored; logs are one line per event (what, how long, how many) at NEWSDESK_LOG_LEVEL."""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsdesk.logs import (
    RedactingFilter,
    Redactor,
    configure_logging,
    format_fields,
    log_event,
    redact,
    timed,
)
from tests.support import settings as support
from tests.support.logs import restored_root_logging
from tests.support.paths import MINILM, ROOT
from tests.support.settings import cli_command, make_settings

BOT_TOKEN = "xoxb-1234567890-0987654321-logsTestBotTokenValue"
APP_TOKEN = "xapp-1-A0123456789-1234567890-logsTestAppTokenValue"
USER_TOKEN = "xoxp-1111111111-2222222222-logsTestUserToken"
SIGNING_SECRET = "8f14e45fceea167a5a36dedd4bea2543"  # hex, no tell-tale prefix
LLM_KEY = "sk-proj-logsTestLlmKey0123456789abcdef"
ANTHROPIC_KEY = "sk-ant-api03-logsTestAnthropicKey0123456789"
ALL_SECRETS = (BOT_TOKEN, APP_TOKEN, USER_TOKEN, SIGNING_SECRET, LLM_KEY, ANTHROPIC_KEY)
# A line of `configure_logging`'s output: time, level, logger, event.
LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d (DEBUG|INFO|WARNING|ERROR|CRITICAL) \S+ \S")


def secret_fragments(secret: str) -> list[str]:
    """The secret and the distinctive middle of it (a partial leak is a leak)."""
    return [secret, secret[-16:]]


def assert_no_secret(text: str) -> None:
    for secret in ALL_SECRETS:
        for fragment in secret_fragments(secret):
            assert fragment not in text, f"{fragment!r} leaked"


@pytest.fixture
def captured(tmp_path: Path) -> Iterator[io.StringIO]:
    """The root logger configured as the CLI does, at DEBUG, writing into a string."""
    settings = make_settings(
        tmp_path, log_level="debug", SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET, llm_api_key=LLM_KEY,
    )  # fmt: skip
    with restored_root_logging():
        stream = io.StringIO()
        configure_logging(settings, stream=stream)
        yield stream


# -- redaction --------------------------------------------------------------------------------


def test_every_record_loses_its_secrets_whichever_logger_it_comes_from(
    captured: io.StringIO,
) -> None:
    logging.getLogger("slack_sdk.web.base_client").debug(
        "Sending a request - headers: {'Authorization': 'Bearer %s'}", BOT_TOKEN
    )
    logging.getLogger("slack_bolt.App").info("socket mode token %s ok", APP_TOKEN)
    logging.getLogger("newsdesk.slack").warning("signature check with %s", SIGNING_SECRET)
    logging.getLogger("httpx").info("POST https://api.example/v1?key=%s", LLM_KEY)
    logging.getLogger("anthropic").error("x-api-key: %s", ANTHROPIC_KEY)
    logging.getLogger("somewhere").info("pasted %s into a message", USER_TOKEN)
    logging.getLogger("newsdesk").info({"dict": BOT_TOKEN})  # a non-string message
    try:
        raise RuntimeError(f"auth failed for {BOT_TOKEN} and {SIGNING_SECRET}")
    except RuntimeError:
        logging.getLogger("newsdesk.slack").exception("slack.listener_error")
    output = captured.getvalue()
    assert_no_secret(output)
    assert output.count("[redacted]") >= 9
    assert "xoxp-[redacted]" in output and "Bearer [redacted]" in output  # still says what it was
    assert "RuntimeError" in output and "slack.listener_error" in output


def test_redact_keeps_ordinary_text() -> None:
    redactor = Redactor([SIGNING_SECRET, "short"])
    text = ("the desk-side token count was 512; xoxb- alone; sk-learn; Bearer of bad news; "
            "https://example.org/news?id=12345")  # fmt: skip
    assert redactor(text) == text
    assert redactor(f"key {SIGNING_SECRET}.") == "key [redacted]."
    assert redactor("short") == "short", "values too short to be secrets are left alone"


def test_one_redactor_catches_what_both_former_ones_did() -> None:
    """The Slack app had a redactor of its own (bot/slack/app.py `RedactSecrets`): configured
    values from 6 characters, Slack token shapes. This module's hid API keys, `Bearer`/`token=`
    values and the environment's secrets, configured values from 8 characters. One does both."""
    seven = "s3cr3t7"  # a configured secret only the Slack filter hid
    redactor = Redactor([seven])
    assert redactor(f"signing with {seven}") == "signing with [redacted]"
    slack_shapes = "token=xoxb-1-AAAA-BBBBBB other=xapp-1-AAAA-BBBBBB"  # the Slack filter's test
    assert "AAAA" not in redactor(slack_shapes)
    assert redactor(f"key {LLM_KEY}") == "key sk-[redacted]"  # only this module's
    assert redactor("Authorization: Bearer abcdefghijklmnop") == "Authorization: Bearer [redacted]"


def test_the_slack_bot_puts_the_same_filter_on_handlers_it_did_not_make(tmp_path: Path) -> None:
    """`start` may run where logging was set up by someone else (a test, an embedding app): it
    puts the one `RedactingFilter` on the root logger's handlers, replacing an earlier one."""
    from newsdesk.logs import install_redaction

    settings = make_settings(tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET="x" * 6)
    with restored_root_logging():
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        root = logging.getLogger()
        root.handlers[:] = [handler]
        root.setLevel(logging.INFO)
        install_redaction(settings)
        install_redaction(settings)
        logging.getLogger("slack_bolt").info("token %s secret %s", BOT_TOKEN, "x" * 6)
        assert [type(f) for f in handler.filters] == [RedactingFilter]
    assert BOT_TOKEN not in stream.getvalue() and "x" * 6 not in stream.getvalue()


def test_the_database_url_and_its_password_are_secrets(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path / "data", database_url="postgresql://newsdesk:pg-s3cret-pw@db:5432/news"
    )
    said = redact("connecting to postgresql://newsdesk:pg-s3cret-pw@db:5432/news", settings)
    assert "pg-s3cret-pw" not in said and "newsdesk:" not in said
    assert redact("password=pg-s3cret-pw failed", settings) == "password=[redacted] failed"


def test_redact_reads_the_environment_when_there_are_no_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setattr("newsdesk.logs._installed", None)
    assert redact(f"signed with {SIGNING_SECRET}") == "signed with [redacted]"


def test_an_uncaught_exception_is_printed_without_secrets(
    captured: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        raise ValueError(f"token {BOT_TOKEN} rejected")
    except ValueError as error:
        sys.excepthook(type(error), error, error.__traceback__)
    err = capsys.readouterr().err
    assert "ValueError" in err and "[redacted]" in err
    assert_no_secret(err)


# -- the shape of a line ----------------------------------------------------------------------


def test_one_line_per_event_with_what_how_long_and_how_many(captured: io.StringIO) -> None:
    log = logging.getLogger("newsdesk.test")
    log_event(log, "ask", ms=12.5, results=5, abstained=False, question="where are the troops?")
    with timed(log, "search", k=5) as event:
        event["results"] = 3
    with pytest.raises(KeyError), timed(log, "failing"):
        raise KeyError("x")
    log.warning("a message\nover two lines")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("with a traceback")
    lines = [line for line in captured.getvalue().splitlines() if " newsdesk.test " in line]
    assert len(lines) == 5 and all(LINE.match(line) for line in lines), lines
    assert lines[0].endswith(
        'INFO newsdesk.test ask ms=12.5 results=5 abstained=false question="where are the troops?"'
    )
    assert re.search(r"INFO newsdesk.test search ms=\d+ k=5 results=3$", lines[1])
    assert re.search(r"INFO newsdesk.test failing ms=\d+ error=KeyError$", lines[2])
    assert lines[3].endswith("a message\\nover two lines")
    assert "with a traceback\\nTraceback (most recent call last):" in lines[4]


def test_fields_are_quoted_only_when_they_need_it() -> None:
    assert format_fields({"a": 1, "b": 0.25, "c": 1234.56, "d": "x", "e": "two words",
                          "f": None, "g": True, "h": 'say "hi"'}) == (
        'a=1 b=0.25 c=1234.6 d=x e="two words" g=true h="say \\"hi\\""'
    )  # fmt: skip


def test_the_level_is_configurable_and_library_noise_is_quiet(tmp_path: Path) -> None:
    with restored_root_logging() as root:
        stream = io.StringIO()
        configure_logging(make_settings(tmp_path, log_level="warning"), stream=stream)
        logging.getLogger("newsdesk.x").info("not shown")
        logging.getLogger("newsdesk.x").warning("shown")
        logging.getLogger("trafilatura.core").error("empty HTML tree: None")
        assert stream.getvalue().count("\n") == 1 and "shown" in stream.getvalue()
        configure_logging(make_settings(tmp_path, log_level="info"), stream=stream)
        logging.getLogger("newsdesk.x").info("now shown")
        assert "now shown" in stream.getvalue()
        assert len(root.handlers) == 1 and isinstance(root.handlers[0].filters[0], RedactingFilter)


# -- the real command ---------------------------------------------------------------------------


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The command's environment with every secret set."""
    return support.cli_env(
        data_dir, NEWSDESK_EMBEDDER=MINILM, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET, NEWSDESK_LLM_API_KEY=LLM_KEY,
        ANTHROPIC_API_KEY=ANTHROPIC_KEY, **extra,
    )  # fmt: skip


def test_a_bad_setting_does_not_echo_a_secret(tmp_path: Path) -> None:
    """pydantic repeats the bad value: a token pasted into the wrong variable must not show."""
    env = cli_env(tmp_path / "data", NEWSDESK_CHUNK_SIZE=BOT_TOKEN, NEWSDESK_PORT=SIGNING_SECRET)
    done = subprocess.run(cli_command("sources"), env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2 and "bad setting" in done.stderr and "chunk_size" in done.stderr
    assert_no_secret(done.stdout + done.stderr)


@pytest.mark.slow
def test_the_cli_logs_its_events_and_never_a_token(tmp_path: Path) -> None:
    """An ingest at DEBUG with every secret set, a good file and failing sources (one of them a
    URL carrying a token): every line is one event, the ingest event says how long and how
    many, and no secret appears anywhere in what the command prints."""
    article = tmp_path / "a.txt"
    article.write_text("The Valdora council approved the harbour wall on Tuesday. Work starts "
                       "in spring.", encoding="utf-8")  # fmt: skip
    env = cli_env(tmp_path / "data", NEWSDESK_LOG_LEVEL="DEBUG")
    command = [*cli_command("ingest", "--json", str(article)),
               str(tmp_path / "missing.txt"), f"http://127.0.0.1:9/feed?token={BOT_TOKEN}",
               f"https://user:{LLM_KEY}@news.example/"]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr[-3000:]
    summary = json.loads(done.stdout)
    assert summary["added"] == 1 and len(summary["failed"]) == 3
    assert_no_secret(done.stderr)
    assert_no_secret(json.dumps([f["error"] for f in summary["failed"]]))
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    progress = re.compile(r"\d+%\|")  # a library's progress bar (models loading), not a log line
    events = [line for line in lines
              if not line.startswith("failed: ") and not progress.search(line)]  # fmt: skip
    assert all(LINE.match(line) for line in events), [e for e in events if not LINE.match(e)][:5]
    ingest_events = [line for line in events if " ingest.pipeline ingest " in line]
    assert len(ingest_events) == 1, events[-10:]
    assert re.search(r"INFO ingest.pipeline ingest ms=\d+ items=4 added=1 updated=0 unchanged=0 "
                     r"failed=3 chunks=1$", ingest_events[0])  # fmt: skip
    assert any(" ingest.pipeline ingest.batch articles=1 chunks=1 " in line for line in events)


# -- .env -----------------------------------------------------------------------------------------


def test_dot_env_is_git_ignored_and_never_committed() -> None:
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT)
    assert ignored.returncode == 0, ".env must be listed in .gitignore"
    example = subprocess.run(["git", "check-ignore", "-q", ".env.example"], cwd=ROOT)
    assert example.returncode == 1, ".env.example documents the settings and is committed"
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout
    assert ".env" not in tracked.splitlines()
    for name in tracked.splitlines():
        path = ROOT / name
        if path.suffix in (".py", ".md", ".yaml", ".toml", ".example", ".jsonl") and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            found = re.findall(r"\b(?:xox[abpr]|xapp)-\d{6,}-[A-Za-z0-9-]{8,}", text)
            real = [f for f in found if "test" not in f.lower()]
            assert not real, f"a real-looking token in {name}"
