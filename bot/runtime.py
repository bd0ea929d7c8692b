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
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from newsdesk.settings import Settings

if TYPE_CHECKING:
    from bot.ask import Asker, LLMAnswerer, QuestionRewriter
    from newsdesk.embedder import Embedder
    from newsdesk.index import Index

T = TypeVar("T")


class Runtime:
    """The settings and what is built from them: embedder, index, LLM and asker, each made once.

    Safe to share between threads: each part is built under a lock, and the `Index` gives
    every thread its own SQLite connection. `close()` closes the connections of the indexes this
    runtime opened (not of parts handed in); an index opens them again when next used.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        asker: Asker | None = None,
    ) -> None:
        self._settings = settings
        self._parts: dict[str, Any] = {"embedder": embedder, "asker": asker}
        self._opened: list[Index] = []
        self._lock = threading.RLock()
        self._built_llm = False  # an LLM loaded for the asker made here, freed by `close()`

    @property
    def settings(self) -> Settings:
        return self._settings

    def _once(self, name: str, make: Callable[[], T]) -> T:
        """The part `name`, made by `make` the first time it is asked for."""
        with self._lock:
            if self._parts.get(name) is None:
                self._parts[name] = make()
            return self._parts[name]

    def _open(self, embedder: Embedder | None) -> Index:
        from newsdesk.index import Index

        index = Index(self._settings, embedder)
        self._opened.append(index)
        return index

    @property
    def embedder(self) -> Embedder:
        """The embedder `NEWSDESK_EMBEDDER` names (loaded once per process)."""
        from newsdesk.embeddings import embedder_for

        return self._once("embedder", lambda: embedder_for(self._settings))

    @property
    def index(self) -> Index:
        """The index with the embedder: what asks, ingests and (in Slack) lists and forgets."""
        return self._once("index", lambda: self._open(self.embedder))

    @property
    def reader(self) -> Index:
        """The index without loading a model: `index` when it is open, else one opened without
        an embedder (for listing, showing, forgetting, checking and re-embedding)."""
        with self._lock:
            if self._parts.get("index") is not None:
                return self._parts["index"]
            return self._once("reader", lambda: self._open(None))

    @property
    def asker(self) -> Asker:
        """The one answer path, over `index`, with the LLM when `NEWSDESK_LLM` names one."""
        def make() -> Asker:
            self._built_llm = bool(self._settings.llm)
            return make_asker(self._settings, self.index)

        return self._once("asker", make)

    def close(self) -> None:
        """Close the connections of the indexes this runtime opened, and free the local LLM the
        asker it built loaded: now, in this thread (a model left for the interpreter's teardown
        can crash the process on its way out, or be freed while it still writes)."""
        with self._lock:
            for index in self._opened:
                index.close()
            if self._settings.llm and self._built_llm:
                from bot.llm.factory import close_models

                close_models()


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
