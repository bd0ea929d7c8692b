"""Set-up that must not bite (issue 10, items 6, 7, 8): where settings are read from, the
embedding model converted once per machine, and private data kept private."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from newsdesk.embeddings import Embedder
from newsdesk.errors import NewsdeskError
from newsdesk.settings import ENV_FILE_VARIABLE, Settings, get_settings
from tests.support.paths import EXAMPLES, ROOT
from tests.support.settings import make_settings
from tests.test_index import KURSK


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


# -- items 7 and 8: a fresh data dir converts nothing; everything in it is private ----------


def modes(folder: Path) -> dict[str, int]:
    """Permission bits of the folder and everything under it, by relative path."""
    found = {".": stat.S_IMODE(folder.stat().st_mode)}
    for path in folder.rglob("*"):
        found[str(path.relative_to(folder))] = stat.S_IMODE(path.lstat().st_mode)
    return found


@pytest.mark.slow
def test_a_fresh_data_dir_converts_nothing_and_is_private(tmp_path: Path) -> None:
    """`newsdesk ingest` into a new data dir: the model comes from the user cache (converted
    once per machine), and the data dir is 700 with 600 files, Chroma's included."""
    from newsdesk.e5_engine import ensure_model

    ensure_model()  # once per machine: a no-op when an earlier run (or `make install`) did it
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NEWSDESK_"))}
    env.update(PYTHONPATH=str(ROOT), NEWSDESK_DATA_DIR=str(data_dir), NEWSDESK_ENV_FILE=os.devnull,
               NEWSDESK_LOG_LEVEL="INFO", HF_HUB_OFFLINE="1")  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "newsdesk.cli", "ingest", "--json", str(EXAMPLES)], env=env,
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "converting" not in result.stderr and not (data_dir / "models").exists()
    found = modes(data_dir)
    assert any(name.startswith("chroma/") for name in found), found  # Chroma's files are there
    loose = {
        name: oct(mode) for name, mode in found.items()
        if mode != (0o700 if (data_dir / name).is_dir() else 0o600)
    }  # fmt: skip
    assert not loose, f"readable by others: {loose}"


def test_feedback_and_an_older_data_dir_are_made_private(
    tmp_path: Path, settings: Settings
) -> None:
    """In-process (no umask of ours): the feedback store and the index tighten what they own,
    and nothing else in the folder, not the folder the user chose (group-shared, say)."""
    from bot.slack.feedback import FeedbackStore
    from newsdesk.index import Index
    from newsdesk.index.feedback import open_feedback

    old_umask = os.umask(0o022)
    try:
        data_dir = settings.data_dir
        data_dir.mkdir(mode=0o750, parents=True)
        data_dir.chmod(0o750)
        (data_dir / "notes.txt").write_text("the user's own file, left alone")
        FeedbackStore(open_feedback(settings))
        Index(settings).close()
        (data_dir / "catalog.sqlite").chmod(0o644)  # as an older version left it
        Index(settings).close()
    finally:
        os.umask(old_umask)
    found = modes(data_dir)
    assert found["."] == 0o750
    assert found["feedback.sqlite"] == found["catalog.sqlite"] == 0o600
    assert found["notes.txt"] == 0o644


def test_a_data_dir_newsdesk_creates_is_private_and_chroma_is_secured_once(
    tmp_path: Path, e5: Embedder
) -> None:
    """A new data dir is 700 and Chroma's files 600 when they are made; opening the index again
    walks nothing (what is in Chroma's 700 folder is out of others' reach anyway)."""
    from ingest.pipeline import ingest
    from newsdesk.index import Index

    settings = make_settings(tmp_path / "new" / "data")
    old_umask = os.umask(0o022)
    try:
        index = Index(settings, e5)
        ingest([KURSK], index)
        index.close()
        found = modes(settings.data_dir)
        loose = {
            name: oct(mode) for name, mode in found.items()
            if mode != (0o700 if (settings.data_dir / name).is_dir() else 0o600)
        }  # fmt: skip
        assert not loose, f"readable by others: {loose}"
        chroma_file = next(p for p in (settings.data_dir / "chroma").rglob("*") if p.is_file())
        chroma_file.chmod(0o640)
        again = Index(settings, e5)
        assert again.vector_ids()
        again.close()
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(chroma_file.stat().st_mode) == 0o640
