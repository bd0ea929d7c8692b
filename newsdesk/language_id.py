"""The one language identifier of a process: py3langid's model over all its languages.

Articles (`ingest.language`), questions (`bot.language`) and the LLM's answers
(`bot.llm.verify`) are all classified by this one instance, loaded once. The packaged model
file is LZMA-compressed and takes ~0.8 s to read, so a decompressed copy of its tables is kept
in the user cache (`newsdesk.user_cache`).

The instance is never restricted to some languages (`set_languages` would change it for every
caller, in every thread): `rank(text, among=...)` gives the probabilities within a set of
languages instead, which is the same softmax over that set.
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Collection
from functools import lru_cache
from pathlib import Path
from typing import Any


def _stdlib_array(values: Any) -> array:
    out = array({2: "H", 4: "I", 8: "Q"}[values.dtype.itemsize])
    out.frombytes(values.tobytes())
    return out


def _model() -> tuple[Any, ...]:
    """py3langid's model tables, from the user cache (written from the packaged file once)."""
    import numpy as np
    from py3langid.langid import MODEL_DIR, MODEL_FILE
    from py3langid.modelio import load_model

    from newsdesk.user_cache import cached_arrays

    packaged = Path(MODEL_DIR) / MODEL_FILE

    def decompressed() -> dict[str, Any]:
        ptc, pc, classes, nextmove, row, output = load_model(packaged)
        return {
            "ptc": ptc, "pc": pc, "classes": np.array(classes),
            "nextmove": np.frombuffer(nextmove, dtype=f"u{nextmove.itemsize}"),
            "row": np.frombuffer(row, dtype=f"u{row.itemsize}"),
            "output": np.array(output, dtype=np.int64),
        }  # fmt: skip

    stat = packaged.stat()
    data = cached_arrays(f"langid-{stat.st_size}-{stat.st_mtime_ns}", decompressed)
    return (data["ptc"], data["pc"], data["classes"].tolist(), _stdlib_array(data["nextmove"]),
            _stdlib_array(data["row"]), data["output"].tolist())  # fmt: skip


@lru_cache(maxsize=1)
def identifier() -> Any:
    """py3langid's `LanguageIdentifier` over every language it knows, with probabilities."""
    import numpy as np
    from py3langid.langid import LanguageIdentifier

    ptc, pc, classes, nextmove, row, output = _model()
    return LanguageIdentifier(np.asarray(ptc), np.asarray(pc), classes, nextmove, output,
                              norm_probs=True, tk_row=row)  # fmt: skip


def warm_up() -> threading.Thread:
    """Load the identifier in the background (it takes about a second the first time)."""
    thread = threading.Thread(target=identifier, name="langid-warm-up", daemon=True)
    thread.start()
    return thread


def knows(language: str) -> bool:
    """Whether the identifier can name `language` (an ISO 639-1 code)."""
    return language in identifier().labels


def classify(text: str) -> tuple[str, float]:
    """The most likely language of `text` among all, with its probability."""
    language, probability = identifier().classify(text)
    return str(language), float(probability)


def rank(text: str, among: Collection[str] | None = None) -> list[tuple[str, float]]:
    """(language, probability) best first; with `among`, only those languages, their
    probabilities summing to 1 over them (all 0.0 when the text is so clearly another language
    that none of them keeps any probability)."""
    ranked = [(str(lang), float(p)) for lang, p in identifier().rank(text)]
    if among is None:
        return ranked
    kept = [(lang, p) for lang, p in ranked if lang in among]
    total = sum(p for _lang, p in kept)
    return [(lang, p / total if total > 0 else 0.0) for lang, p in kept]
