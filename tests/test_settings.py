"""The settings object and .env.example stay in step; secrets never print."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from newsdesk.settings import Settings
from tests.support.paths import ROOT


def example_names() -> list[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return re.findall(r"^([A-Z][A-Z0-9_]+)=", text, flags=re.M)


def env_name(field: str, info: object) -> str:
    alias = getattr(info, "validation_alias", None)
    choices = getattr(alias, "choices", None)
    return str(choices[0]) if choices else f"NEWSDESK_{field.upper()}"


def test_every_setting_is_in_env_example_with_a_comment() -> None:
    names = example_names()
    expected = {env_name(name, info) for name, info in Settings.model_fields.items()}
    assert expected == set(names)
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^[A-Z][A-Z0-9_]+=", line):
            assert lines[i - 1].startswith("#"), f"{line} needs a comment above it"


def test_env_example_values_parse(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = Settings(_env_file=ROOT / ".env.example")
    assert settings.embedder.startswith("e5-small")


def test_environment_overrides_and_admin_list(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("NEWSDESK_ADMINS", "U1, U2;U3")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-secret-value")
    settings = Settings(_env_file=None)
    assert settings.data_dir == tmp_path / "d"
    assert settings.admins == ["U1", "U2", "U3"]
    assert "xoxb-secret-value" not in repr(settings) and "xoxb-secret-value" not in str(settings)
    assert settings.slack_bot_token.get_secret_value() == "xoxb-secret-value"


def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_CHUNK_SIZE", "10")
    with pytest.raises(ValueError, match="chunk_size"):
        Settings(_env_file=None)
