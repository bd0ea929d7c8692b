"""Any sentence-transformers model as an embedder (spec `sentence-transformers:<name or path>`)."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from newsdesk.embedder import EmbedderError, normalised


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
        return normalised(vectors, self.dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        prompts = getattr(self._model, "prompts", {}) or {}
        return self._encode(texts, "document" if "document" in prompts else "passage")

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "query")


def load_sentence_transformer(target: str, batch_size: int) -> SentenceTransformerEmbedder:
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
