"""Bytes to text: byte-order marks, declared charsets, UTF-8, then a best guess."""

from __future__ import annotations

import codecs
import re

from ingest.errors import IngestError

# UTF-32 first: its little-endian mark begins with UTF-16's.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE
)
# Where an HTML page must declare its charset (the HTML standard's prescan length).
META_PRESCAN_BYTES = 1024
# Legacy encodings in the order a tie between charset_normalizer's guesses is settled: the
# Western ones first (most undeclared non-UTF-8 news is Windows-1252 or Latin-1), then Central
# European, Cyrillic, Greek, Turkish, Baltic. An encoding not listed ranks after all of these.
PREFERRED = (
    "cp1252", "latin_1", "iso8859_15", "cp1250", "iso8859_2", "iso8859_16", "cp1251", "koi8_r",
    "cp1253", "iso8859_7", "cp1254", "iso8859_9", "cp1257", "iso8859_13",
)  # fmt: skip


def decode(data: bytes, origin: str, declared: str | None = None) -> str:
    """`data` as text, or IngestError when it is binary or in no encoding we can tell.

    Order: a byte-order mark; the charset the document or server declared; UTF-8;
    charset_normalizer's guess. A NUL byte outside UTF-16/32 means binary.
    """
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return _strict(data, encoding, origin)
    if b"\x00" in data:
        raise IngestError(
            f"{origin} is a binary file, not text: give a text, HTML, JSON or feed file"
        )
    for encoding in (declared, "utf-8"):
        if encoding:
            try:
                return data.decode(encoding)
            except (LookupError, UnicodeDecodeError):
                pass
    encoding = guess_encoding(data)
    if encoding is None:
        raise IngestError(f"cannot tell the text encoding of {origin}: save it as UTF-8")
    return data.decode(encoding, errors="replace")  # charset_normalizer decoded it already


def guess_encoding(data: bytes) -> str | None:
    """The most plausible single-byte encoding of `data`, or None when none is plausible.

    charset_normalizer orders its guesses by chaos and coherence; guesses that score exactly
    the same (on short texts, Latin-1 French reads as Windows-1250 as well: "à Genève" →
    "ŕ Genčve") come out in an arbitrary order. Those ties are settled by PREFERRED, over
    every encoding that decodes the bytes to the same text.
    """
    import charset_normalizer

    matches = list(charset_normalizer.from_bytes(data))  # none: too chaotic in every encoding
    if not matches:
        return None
    score = (matches[0].chaos, matches[0].coherence)
    tied = [m for m in matches if (m.chaos, m.coherence) == score]
    encodings = [name for match in tied for name in match.could_be_from_charset]
    return min(encodings, key=lambda name: _rank([name]))


def _rank(encodings: list[str]) -> int:
    """The position of the most preferred of `encodings` in PREFERRED (past its end if none)."""
    return min((PREFERRED.index(e) for e in encodings if e in PREFERRED), default=len(PREFERRED))


def html_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in a `<meta>` tag near its start, if any."""
    match = _META_CHARSET.search(data[:META_PRESCAN_BYTES])
    return match.group(1).decode("ascii") if match else None


def _strict(data: bytes, encoding: str, origin: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise IngestError(
            f"{origin} starts like {encoding} text but has invalid bytes at {error.start}: "
            "save it again as UTF-8"
        ) from None
