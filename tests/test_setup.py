"""Set-up that must not bite (issue 10, items 6, 7, 8): where settings are read from, the
embedding model converted once per machine, and private data kept private."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from newsdesk.errors import NewsdeskError
from newsdesk.settings import ENV_FILE_VARIABLE, Settings, get_settings
from tests.conftest import EXAMPLES, ROOT


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No NEWSDESK_*/SLACK_* variables, an empty user config folder; returns that folder."""
    for name in list(os.environ):
        if name.startswith(("NEWSDESK_", "SLACK_")):
            monkeypatch.delenv(name)
    config = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    get_settings.cache_clear()
    yield config / "newsdesk"
    get_settings.cache_clear()


# -- item 6: settings come from one documented place; empty means default --------------------


def test_env_example_as_is_changes_nothing(clean_env: Path) -> None:
    """`cp .env.example .env`: every value is the default (before, the data dir became ".")."""
    copied, defaults = Settings(_env_file=ROOT / ".env.example"), Settings(_env_file=None)
    assert copied.data_dir == defaults.data_dir != Path(".")
    assert copied.model_dump() == defaults.model_dump()


def test_an_empty_variable_means_the_default(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSDESK_DATA_DIR", "")
    monkeypatch.setenv("NEWSDESK_TOP_K", "")
    settings = Settings(_env_file=None)
    assert settings.data_dir.is_absolute() and settings.top_k == 5


def test_a_env_file_in_the_current_folder_is_not_read(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A `.env` dropped in any folder must not open private URLs or redirect the bot token."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / ".env").write_text(
        "NEWSDESK_ALLOW_PRIVATE_URLS=true\nSLACK_API_URL=http://attacker.example/api/\n"
    )
    monkeypatch.chdir(folder)
    settings = get_settings()
    assert settings.allow_private_urls is False
    assert settings.slack_api_url == "https://slack.com/api/"


def test_settings_come_from_the_user_config_file_or_the_named_one(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.mkdir(parents=True)
    (clean_env / ".env").write_text("NEWSDESK_TOP_K=7\n")
    assert get_settings().top_k == 7

    named = tmp_path / "project.env"
    named.write_text("NEWSDESK_TOP_K=9\n")
    monkeypatch.setenv(ENV_FILE_VARIABLE, str(named))
    get_settings.cache_clear()
    assert get_settings().top_k == 9
    monkeypatch.setenv("NEWSDESK_TOP_K", "3")  # the environment wins over the file
    get_settings.cache_clear()
    assert get_settings().top_k == 3

    monkeypatch.setenv(ENV_FILE_VARIABLE, str(tmp_path / "missing.env"))
    get_settings.cache_clear()
    with pytest.raises(NewsdeskError, match="NEWSDESK_ENV_FILE=.*missing.env: no such file"):
        get_settings()


def test_make_run_reads_the_project_env_file(tmp_path: Path) -> None:
    """`make run` passes the project folder's .env (the README's set-up) to newsdesk: run the
    real Makefile in a project folder whose `newsdesk` prints what it was given."""
    project, bin_dir = tmp_path / "project", tmp_path / "project" / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (project / "pyproject.toml").write_text("")
    os.utime(project / "pyproject.toml", (0, 0))  # older than the install marker
    (bin_dir / ".installed").write_text("")
    fake = bin_dir / "newsdesk"
    fake.write_text('#!/bin/sh\necho "$1 env=${NEWSDESK_ENV_FILE}"\n')
    fake.chmod(0o755)
    make = ["make", "-s", "-f", str(ROOT / "Makefile"), "-C", str(project), "run"]
    env = {k: v for k, v in os.environ.items() if k != ENV_FILE_VARIABLE}
    without = subprocess.run(make, env=env, capture_output=True, text=True, timeout=60)
    assert without.stdout.split("\n")[:2] == ["ingest env=", "run env="], without.stderr
    (project / ".env").write_text("NEWSDESK_TOP_K=7\n")
    with_file = subprocess.run(make, env=env, capture_output=True, text=True, timeout=60)
    assert f"run env={project / '.env'}" in with_file.stdout, with_file.stderr
