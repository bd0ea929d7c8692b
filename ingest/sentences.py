"""Sentence boundaries for any language written with sentence punctuation.

A rule-based splitter, not a model: it returns character spans into the original text, so
chunks and quotes can point at the exact words. It knows the usual traps of news text:
abbreviations (`dl.`, `Dr.`, `U.S.`, `nr.`), initials (`J. R. R. Tolkien`), numbers
(`8.000`, `3.5`), ellipses, and closing quotes or brackets after the full stop
(`„…”`, `«…»`, `"…"`). Newlines that end a paragraph always end a sentence.
"""

from __future__ import annotations

import re

from newsdesk.articles import Span

# Lower-cased abbreviations (without the final dot) after which a full stop rarely ends a
# sentence, in the languages we see most (en, ro, fr, it, de, es). Initials and single
# letters are handled apart.
ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sr jr st mt ft gen col lt sgt capt gov sen rep rev hon pres vs etc al
    inc ltd co corp dept univ jan feb mar apr jun jul aug sep sept oct nov dec no nos approx
    est fig vol ed eds pp p e.g i.e u.s u.k u.n a.m p.m
    dl dna dnei dlui dr ing av prof conf lect nr str bd bl sc ap jud mun sec cca art alin lit
    pct vol ș.a î.e.n d.hr ex
    m mme mlle mm me st ste av bd env
    sig sigg dott ing avv prof ecc
    hr fr frau dr bzw ca usw z.b d.h
    sra srta ud uds
    """.split()
)

# A "sentence" longer than this (a page of text without punctuation, one endless line) is cut
# at the last space before the limit, or at the limit: no chunk, quote or vector is unbounded.
MAX_SENTENCE = 2000

_END = re.compile(r"[.!?…。！？]+|\n\s*\n")
_CLOSERS = "\"'”’»)]}›」』"
_OPENERS_AND_CAPS = re.compile(r"[\"'“„«(\[¿¡‹「『]*[\w\d]")


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the full stop at `dot` ends an abbreviation, an initial or a number."""
    start = dot
    while start > 0 and (text[start - 1].isalpha() or text[start - 1] == "."):
        start -= 1
    word = text[start:dot].lower()
    if not word:
        return False
    if word in ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isalpha():  # an initial: "J. Smith"
        return True
    return False


def _starts_new_sentence(text: str, pos: int) -> bool:
    """Whether the text after `pos` looks like the start of a sentence."""
    match = _OPENERS_AND_CAPS.match(text, pos)
    if not match:
        return pos >= len(text)
    first = text[match.end() - 1]
    return first.isupper() or first.isdigit() or not first.isalpha()


def split_sentences(text: str) -> list[Span]:
    """Spans of the sentences of `text`, in order, trimmed of surrounding white space.

    Every non-space character of `text` lies in exactly one span.
    """
    spans: list[Span] = []
    start = 0
    length = len(text)
    for match in _END.finditer(text):
        end = match.end()
        if match.group().startswith("\n"):
            boundary = match.start()
        else:
            mark = match.group()
            if mark == "." and (
                _is_abbreviation(text, match.start())
                or (end < length and text[end].isdigit())  # 8.000, 3.5
            ):
                continue
            while end < length and text[end] in _CLOSERS:
                end += 1
            if end < length and not text[end].isspace():
                continue  # "U.S.-led", "example.com", "?!" inside a word
            rest = end
            while rest < length and text[rest] in " \t":
                rest += 1
            if rest < length and text[rest] != "\n" and not _starts_new_sentence(text, rest):
                continue
            boundary = end
        _append(spans, text, start, boundary)
        start = boundary
    _append(spans, text, start, length)
    return spans


def _append(spans: list[Span], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    while end - start > MAX_SENTENCE:
        cut = start + MAX_SENTENCE
        space = max(text.rfind(" ", start + MAX_SENTENCE // 2, cut), text.rfind("\n", start, cut))
        piece_end = space if space > start + MAX_SENTENCE // 2 else cut
        while text[piece_end - 1].isspace():
            piece_end -= 1
        spans.append(Span(start, piece_end))
        start = piece_end
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        spans.append(Span(start, end))
