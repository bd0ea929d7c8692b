"""The composition root: what a process runs on, built from its `Settings` in one place.

    runtime = Runtime(settings)
    runtime.asker.ask("Where are the North Korean troops?")

Every command (`bot.cli`, `ingest.cli`, `bot.slack.cli`) and the Slack app take a `Runtime`;
none builds an index, an embedder, an LLM or an `Asker` of its own. Each part is made on first
use and then shared, so `newsdesk sources` never loads a model and the Slack bot answers,
ingests and lists over one index. Tests hand in the parts they already hold (an embedder
loaded once per session, a recording asker).

Imports run one way: the CLI modules and the Slack app import this module; this module imports
the index, the embedders, `bot.ask` and `bot.llm` (inside the methods, since they are heavy and
`newsdesk --help` must start fast); nothing here imports a CLI module.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from newsdesk.settings import Settings

if TYPE_CHECKING:
    from bot.ask import Asker, LLMAnswerer, QuestionRewriter
    from newsdesk.embedder import Embedder
    from newsdesk.index import Index


class Runtime:
    """The settings and what is built from them: embedder, index, LLM and asker, each made once.

    Safe to share between threads: each part is built under a lock, and the `Index` gives
    every thread its own SQLite connection. `close()` closes the indexes this runtime opened
    (not parts handed in).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        asker: Asker | None = None,
    ) -> None:
        self._settings = settings
        self._embedder = embedder
        self._asker = asker
        self._index: Index | None = None
        self._reader: Index | None = None
        self._lock = threading.RLock()

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def embedder(self) -> Embedder:
        """The embedder `NEWSDESK_EMBEDDER` names (loaded once per process)."""
        with self._lock:
            if self._embedder is None:
                from newsdesk.embeddings import embedder_for

                self._embedder = embedder_for(self._settings)
            return self._embedder

    @property
    def index(self) -> Index:
        """The index with the embedder: what asks, ingests and (in Slack) lists and forgets."""
        with self._lock:
            if self._index is None:
                from newsdesk.index import Index

                self._index = Index(self._settings, self.embedder)
            return self._index

    @property
    def reader(self) -> Index:
        """The index without loading a model: `index` when it is open, else one opened without
        an embedder (for listing, showing, forgetting, checking and re-embedding)."""
        with self._lock:
            if self._index is not None:
                return self._index
            if self._reader is None:
                from newsdesk.index import Index

                self._reader = Index(self._settings)
            return self._reader

    @property
    def asker(self) -> Asker:
        """The one answer path, over `index`, with the LLM when `NEWSDESK_LLM` names one."""
        with self._lock:
            if self._asker is None:
                self._asker = make_asker(self._settings, self.index)
            return self._asker

    def close(self) -> None:
        """Close the indexes this runtime opened; it opens them again when next used."""
        with self._lock:
            for index in (self._index, self._reader):
                if index is not None:
                    index.close()
            self._index = self._reader = None


def llm_parts(settings: Settings) -> tuple[LLMAnswerer | None, QuestionRewriter | None]:
    """The LLM answerer and follow-up rewriter `NEWSDESK_LLM` configures; (None, None) when it
    is empty. Both share one loaded model."""
    if not settings.llm:
        return None, None
    from bot.llm.factory import answerer_from_settings, rewriter_from_settings

    return answerer_from_settings(settings), rewriter_from_settings(settings)


def make_asker(settings: Settings, index: Index | None = None) -> Asker:
    """The Asker for these settings (over `index` when given), with the LLM when configured."""
    from bot.ask import Asker

    llm, rewrite = llm_parts(settings)
    return Asker(settings, index=index, llm=llm, rewrite=rewrite)
