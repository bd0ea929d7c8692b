"""Article language: a given code tidied to ISO 639-1, or detected offline by the process's one
language identifier (`newsdesk.language_id`)."""

from __future__ import annotations

import re

from newsdesk import language_id

# Enough text to tell the language; classifying all of a long article only costs time.
DETECTION_SAMPLE = 3000


def normalise_language(code: str) -> str:
    """`en-US`, `EN`, `ro_RO` → `en`, `en`, `ro`; "" for anything that is not such a code."""
    primary = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    return primary if re.fullmatch(r"[a-z]{2}", primary) else ""


def detect_language(text: str) -> str:
    """The ISO 639-1 code of the language `text` is most likely written in."""
    return language_id.classify(text[:DETECTION_SAMPLE])[0]
