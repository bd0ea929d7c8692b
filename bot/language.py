"""The language of a question, so the answer can be written in it.

py3langid, restricted to the languages questions plausibly come in, decides when it is sure.
Questions are short, and a two-word question fools any character model ("Cine?" looks
Italian, "Kursk?" German), so below a confidence floor the rule is, in order: letters only one
language uses (ă ș ț → Romanian, ñ ¿ → Spanish, ß → German, Cyrillic → Russian), the
function words of the question (stopwords per language), then the language of the previous
turn, then English.
"""

from __future__ import annotations

import re
import threading
from array import array
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

PLAUSIBLE = ("en", "ro", "fr", "it", "de", "es", "pt", "nl", "ru", "uk", "pl")
CONFIDENT = 0.85  # langid's normalised probability above which it decides alone
DEFAULT = "en"

_LETTERS = (
    ("ro", re.compile(r"[ăĂșȘțȚşŞţŢ]")),
    ("es", re.compile(r"[ñÑ¿¡]")),
    ("de", re.compile(r"[ßäöüÄÖÜ]")),
    ("uk", re.compile(r"[іїєґІЇЄҐ]")),
    ("ru", re.compile(r"[А-Яа-яЁё]")),
    ("fr", re.compile(r"[çœ]|\b(?:où|qu')", re.I)),
    ("pl", re.compile(r"[łŁźŹżŻ]")),
)

_FUNCTION_WORDS = {
    "en": "what who where when why how which is are was were the a of do does did and many much",
    "ro": "ce cine unde când cand de ce cum care este sunt au a fost câți câte cati cate și si "
    "despre la din pe",
    "fr": "qui que quoi où quand pourquoi comment quel quelle est sont le la les des du et combien",
    "it": "chi che cosa dove quando perché come quale è sono il lo gli della del e quanti quante",
    "de": "wer was wo wann warum wie welche ist sind der die das und wie viele",
    "es": "qué quién dónde cuándo por qué cómo cuál es son el los las del y cuántos cuántas",
}
_WORDS = {lang: frozenset(words.split()) for lang, words in _FUNCTION_WORDS.items()}


def _stdlib_array(values: Any) -> array:
    out = array({2: "H", 4: "I", 8: "Q"}[values.dtype.itemsize])
    out.frombytes(values.tobytes())
    return out


def _model() -> tuple[Any, ...]:
    """py3langid's model tables. The packaged file is LZMA-compressed and takes ~0.8 s to read,
    most of a one-off `ask`'s language step, so a decompressed copy is kept in the user cache."""
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
def _identifier() -> Any:
    import numpy as np
    from py3langid.langid import LanguageIdentifier

    ptc, pc, classes, nextmove, row, output = _model()
    identifier = LanguageIdentifier(np.asarray(ptc), np.asarray(pc), classes, nextmove, output,
                                    norm_probs=True, tk_row=row)  # fmt: skip
    identifier.set_languages(list(PLAUSIBLE))
    return identifier


def warm_up() -> threading.Thread:
    """Load the language model in the background (it takes about a second)."""
    thread = threading.Thread(target=_identifier, name="langid-warm-up", daemon=True)
    thread.start()
    return thread


def _by_function_words(text: str) -> str | None:
    words = re.findall(r"\w+", text.casefold())
    counts = {lang: sum(w in vocab for w in words) for lang, vocab in _WORDS.items()}
    best = max(counts.values(), default=0)
    winners = [lang for lang, n in counts.items() if n == best]
    return winners[0] if best and len(winners) == 1 else None


def detect_language(text: str, previous: str | None = None, default: str = DEFAULT) -> str:
    """The ISO 639-1 code of the question's language (see the module doc for short ones)."""
    text = text.strip()
    if not re.search(r"\w", text):
        return previous or default
    language, confidence = _identifier().classify(text)
    if confidence >= CONFIDENT and len(re.findall(r"\w+", text)) >= 3:
        return str(language)
    for code, pattern in _LETTERS:
        if pattern.search(text):
            return code
    by_words = _by_function_words(text)
    if by_words:
        return by_words
    if confidence >= CONFIDENT:
        return str(language)
    return previous or default


def previous_language(languages: Sequence[str]) -> str | None:
    return languages[-1] if languages else None
