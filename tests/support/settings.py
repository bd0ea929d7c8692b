"""Settings and subprocess environments for tests: nothing comes from the developer's setup."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from newsdesk.settings import Settings
from tests.support.paths import MINILM, ROOT

# Prefixes of the variables newsdesk reads; a test sets the ones it means explicitly.
OWN_PREFIXES = ("NEWSDESK_", "SLACK_")


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings for a test: nothing read from the developer's .env or environment."""
    return Settings(_env_file=None, data_dir=data_dir, **overrides)  # type: ignore[call-arg]


def cli_env(data_dir: Path, **variables: str) -> dict[str, str]:
    """The environment for a `newsdesk` subprocess: this process's, minus every NEWSDESK_* and
    SLACK_* variable, offline, with this worktree's code first and `variables` added."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_PREFIXES)}
    env.update({
        "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
        "NEWSDESK_DATA_DIR": str(data_dir), **variables,
    })  # fmt: skip
    return env


def cli_command(*args: str) -> list[str]:
    """`newsdesk ARGS...` run with this interpreter."""
    return [sys.executable, "-m", "newsdesk.cli", *args]


def run_cli(
    data_dir: Path, *args: str, stdin: bytes | None = None, text: bool = False
) -> subprocess.CompletedProcess:  # type: ignore[type-arg] - bytes, or str with `text`
    """`newsdesk ARGS` on `data_dir` with the small English embedder, as a user would run it."""
    env = cli_env(data_dir, NEWSDESK_EMBEDDER=MINILM, NEWSDESK_LOG_LEVEL="WARNING")
    return subprocess.run(cli_command(*args), env=env, cwd=data_dir.parent, input=stdin,
                          capture_output=True, text=text, timeout=300)  # fmt: skip
