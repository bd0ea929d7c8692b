"""Logging: one line per event, at `NEWSDESK_LOG_LEVEL`, with every secret taken out.

    configure_logging(settings)          # once, in the entry point (`newsdesk.cli.main`)
    log_event(log, "ingest", ms=412, added=3, failed=1)
    with timed(log, "ask") as event:     # logs "ask ms=… results=5" when the block ends
        ...
        event["results"] = 5

A line reads `2025-01-31T10:00:00 INFO newsdesk.ingest ingest ms=412 added=3 failed=1`: the
event's name, then `key=value` fields (values with spaces or quotes are JSON strings). A
message or traceback that spans lines is kept on one line with its newlines escaped, so one
line is always one event.

Secrets never reach the output: a filter on the handler replaces the configured secret values
(`SLACK_BOT_TOKEN`, `SLACK_APP_TOKEN`, `SLACK_SIGNING_SECRET`, `NEWSDESK_LLM_API_KEY`) and
anything shaped like a token (`xoxb-…`, `xapp-…`, `sk-…`, `Bearer …`) in every record, from
our code or a library's, tracebacks included. `redact` does the same for error messages that
are printed rather than logged.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import urllib.parse
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

REDACTED = "[redacted]"
# Configured values shorter than this are not taken for secrets (the Slack app's own filter,
# now this one, hid values from 6 characters on; this module's from 8: the lower bound holds).
MIN_SECRET_LENGTH = 6
# Environment variables whose values are secrets, read even when the settings could not be.
SECRET_VARIABLES = (
    "SLACK_BOT_TOKEN", "NEWSDESK_SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "NEWSDESK_SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET", "NEWSDESK_SLACK_SIGNING_SECRET", "NEWSDESK_LLM_API_KEY",
    "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "NEWSDESK_DATABASE_URL",
)  # fmt: skip
_TOKEN_SHAPES = re.compile(
    r"\b(?:"
    r"xox[a-z]-[A-Za-z0-9-]{6,}"  # Slack bot, user and other tokens
    r"|xapp-[A-Za-z0-9-]{6,}"  # Slack app-level tokens
    r"|sk-[A-Za-z0-9_-]{12,}"  # OpenAI, Anthropic (sk-ant-…) and compatible API keys
    r")"
    r"|(?i:\b(?:bearer|token|api[_-]?key)\b[\"']?\s*[:=]?\s*[\"']?)(?=[A-Za-z0-9._~+/=-]{12,})"
    r"[A-Za-z0-9._~+/=-]{12,}"
)
# Libraries that log ordinary outcomes (a page without article text) as errors.
QUIET_LOGGERS = ("trafilatura", "htmldate", "courlan", "justext")
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"


def secret_values(settings: Any = None) -> list[str]:
    """The secrets to hide: those in the settings and in the environment."""
    values = [os.environ.get(name, "") for name in SECRET_VARIABLES]
    for name in ("slack_bot_token", "slack_app_token", "slack_signing_secret", "llm_api_key",
                 "database_url"):  # fmt: skip
        value = getattr(settings, name, None)
        if value is not None:
            secret = getattr(value, "get_secret_value", None)
            values.append(secret() if callable(secret) else str(value))
    # A database URL's password alone, too: a driver's message may quote it without the URL.
    return values + [_password(value) for value in values if "://" in value]


def _password(url: str) -> str:
    try:
        return urllib.parse.urlsplit(url).password or ""
    except ValueError:
        return ""


class Redactor:
    """Replaces secret values and token-shaped strings in text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # short values ("", "x") would redact half of every line; real secrets are long
        kept = {s.strip() for s in secrets if len(s.strip()) >= MIN_SECRET_LENGTH}
        self.secrets = sorted(kept, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return _TOKEN_SHAPES.sub(_hide_token, text)


def _hide_token(match: re.Match[str]) -> str:
    found = match.group()
    for prefix in ("xapp-", "xox", "sk-"):
        if found.startswith(prefix):
            return found[: len(prefix) + (2 if prefix == "xox" else 0)] + REDACTED
    # "Bearer abc…", "token=abc…": keep the word, hide the value
    word = re.match(r"(?i)(?:bearer|token|api[_-]?key)[\"']?\s*[:=]?\s*[\"']?", found)
    return (word.group() if word else "") + REDACTED


_installed: Redactor | None = None  # the one `configure_logging` made


def redact(text: str, settings: Any = None) -> str:
    """`text` without any secret: the configured ones, the environment's, and token shapes."""
    if settings is None and _installed is not None:
        return _installed(text)
    return Redactor(secret_values(settings))(text)


class RedactingFilter(logging.Filter):
    """Takes secrets out of a record's message, arguments and traceback (on a handler, it sees
    every record, whichever logger it came from)."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a record whose arguments do not fit its format
            message = f"{record.msg!s} {record.args!r}"
        clean = self.redactor(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor(record.stack_info)
        return True


def install_redaction(settings: Any, logger: logging.Logger | None = None) -> Redactor:
    """Put a `RedactingFilter` with the settings' (and the environment's) secrets on every
    handler of `logger` (the root logger by default), in place of any earlier one; `redact`
    uses the same secrets from then on. `configure_logging` calls it, and so does the Slack
    bot's `start`, which may run in a process whose logging someone else set up."""
    global _installed
    redactor = Redactor(secret_values(settings))
    _installed = redactor
    for handler in (logger or logging.getLogger()).handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(old)
        handler.addFilter(RedactingFilter(redactor))
    return redactor


class OneLineFormatter(logging.Formatter):
    """The standard line, with newlines in the message or traceback escaped: one event, one line."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        return line.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")


def configure_logging(settings: Any, stream: Any = None) -> Redactor:
    """Log to stderr at `settings.log_level`, one line per event, secrets removed.

    Replaces the root logger's handlers (call once, at start, before models are imported).
    Uncaught exceptions go through the same redaction before they are printed; Hugging Face
    progress bars are turned off.
    """
    level = logging.getLevelName(str(getattr(settings, "log_level", "WARNING")).upper())
    if not isinstance(level, int):
        level = logging.WARNING
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(OneLineFormatter(FORMAT, DATE_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    redactor = install_redaction(settings, root)
    for name in QUIET_LOGGERS:
        quiet = logging.DEBUG if level <= logging.DEBUG else logging.CRITICAL
        logging.getLogger(name).setLevel(quiet)
    logging.captureWarnings(True)
    # model loading draws progress bars on stderr between the log lines; the models are local
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    sys.excepthook = _redacting_excepthook
    return redactor


def _redacting_excepthook(kind: type[BaseException], error: BaseException, tb: Any) -> None:
    import traceback

    text = "".join(traceback.format_exception(kind, error, tb))
    sys.stderr.write(redact(text))


# -- events ---------------------------------------------------------------------------------------


def format_fields(fields: dict[str, Any]) -> str:
    """`key=value …`; numbers as they are (floats rounded), text quoted when it needs to be."""
    parts = []
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, float):
            text = f"{value:.1f}" if abs(value) >= 10 else f"{value:.3g}"
        elif isinstance(value, int):
            text = str(value)
        else:
            text = str(value)
            if not text or re.search(r"[\s\"'=\\]", text):
                text = json.dumps(text, ensure_ascii=False)
        parts.append(f"{key}={text}")
    return " ".join(parts)


def log_event(logger: logging.Logger, event: str, level: int = logging.INFO, **fields: Any) -> None:
    """One line: the event's name and its fields (what, how long, how many)."""
    if logger.isEnabledFor(level):
        details = format_fields(fields)
        logger.log(level, "%s %s", event, details) if details else logger.log(level, event)


@contextmanager
def timed(
    logger: logging.Logger, event: str, level: int = logging.INFO, **fields: Any
) -> Iterator[dict[str, Any]]:
    """Log `event` with `ms=` (and the fields the block adds to the dict it gets) when it ends.

    If the block raises, the event is logged with `error=<exception type>` and the exception
    goes on.
    """
    started = time.perf_counter()
    details: dict[str, Any] = dict(fields)
    try:
        yield details
    except BaseException as error:
        details["error"] = type(error).__name__
        raise
    finally:
        ms = round((time.perf_counter() - started) * 1000)
        log_event(logger, event, level, ms=ms, **details)
