"""Article language: a given code tidied to ISO 639-1, or detected offline with py3langid."""

from __future__ import annotations

import re

# Enough text to tell the language; classifying all of a long article only costs time.
DETECTION_SAMPLE = 3000


def normalise_language(code: str) -> str:
    """`en-US`, `EN`, `ro_RO` → `en`, `en`, `ro`; "" for anything that is not such a code."""
    primary = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    return primary if re.fullmatch(r"[a-z]{2}", primary) else ""


def detect_language(text: str) -> str:
    """The ISO 639-1 code of the language `text` is most likely written in."""
    import py3langid

    language, _score = py3langid.classify(text[:DETECTION_SAMPLE])
    return str(language)
