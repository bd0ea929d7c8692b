"""The language of a question, so the answer can be written in it.

The process's one identifier (`newsdesk.language_id`), among the languages questions plausibly
come in, decides when it is sure.
Questions are short, and a two-word question fools any character model ("Cine?" looks
Italian, "Kursk?" German), so below a confidence floor the rule is, in order: letters only one
language uses (ă ș ț → Romanian, ñ ¿ → Spanish, ß → German, Cyrillic → Russian), the
function words of the question (stopwords per language), then the language of the previous
turn, then English.
"""

from __future__ import annotations

import re

from newsdesk import language_id
from newsdesk.language_id import warm_up

__all__ = ["detect_language", "warm_up"]

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
    language, confidence = language_id.rank(text, among=PLAUSIBLE)[0]
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
