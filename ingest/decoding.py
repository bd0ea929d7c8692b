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
    import charset_normalizer

    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise IngestError(f"cannot tell the text encoding of {origin}: save it as UTF-8")
    return str(best)


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
