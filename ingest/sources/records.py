"""JSON and JSONL: articles as objects with `title`, `text` or `html`, `url`, `source`, …

Fields: `text` (or `html`, extracted with trafilatura), and optionally `title`, `url`,
`source`, `published` (or `date`), `lang` (or `language`), `author`, `id`. Unknown fields
are ignored. The id is the article's id (records that share a URL stay apart); without one,
the URL is.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping

from ingest.errors import IngestError
from ingest.sources.failure import Failure, guarded
from ingest.sources.html import read_html
from newsdesk.articles import Article

# Record keys → Article fields; the first key present wins.
FIELDS = {
    "title": ("title",),
    "url": ("url",),
    "source": ("source",),
    "published": ("published", "date"),
    "lang": ("lang", "language"),
    "author": ("author",),
    "article_id": ("id",),
}


def read_record(record: object, origin: str) -> Article:
    """One article from a decoded JSON value; IngestError if it is not an article object."""
    if not isinstance(record, Mapping):
        raise IngestError(f"{origin}: expected a JSON object with a \"text\" field")
    fields = {name: _string(record, keys, origin) for name, keys in FIELDS.items()}
    text = _string(record, ("text",), origin)
    html = _string(record, ("html",), origin)
    if not text.strip() and html.strip():
        return read_html(html, origin, fields["url"]).with_overrides(**fields)
    if "text" not in record:
        raise IngestError(f"no article text found in {origin}: give a \"text\" or \"html\" field")
    return Article(text=text, origin=origin, **fields)


def read_json(text: str, origin: str) -> Iterator[Article | Failure]:
    """A .json document: one article object, or a list of them."""
    value = _loads(text, origin, f"{origin} is not valid JSON")
    if isinstance(value, list):
        if not value:
            raise IngestError(f"no articles in {origin}: the list is empty")
        for number, record in enumerate(value):
            where = f"{origin}[{number}]"
            yield from guarded(where, _read_value(record, where))
    else:
        yield read_record(value, origin)


def read_jsonl(
    lines: Iterable[bytes], origin: str, max_line: int | None = None
) -> Iterator[Article | Failure]:
    """One article per line of UTF-8 JSON; a bad line is a Failure `origin:N`, not the end.

    A line longer than `max_line` bytes is a Failure too (the reader cut it, see
    `files.bounded_lines`).

    A file without a single non-blank line is one Failure, and so is a file whose first line
    holds a NUL byte (binary data, which would otherwise fail once per "line").
    """
    seen = False
    for number, raw in enumerate(lines, start=1):
        where = f"{origin}:{number}"
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if not raw.strip():
            continue
        if not seen and b"\x00" in raw:
            raise IngestError(
                f"{origin} is a binary file, not JSONL: give one JSON object per line"
            )
        seen = True
        if max_line is not None and len(raw.rstrip(b"\r\n")) > max_line:
            yield Failure(
                where,
                f"{where}: the line is over {max_line:,} bytes (NEWSDESK_MAX_FILE_BYTES); "
                "split the article",
            )
            continue
        yield from guarded(where, _read_line(raw, where))
    if not seen:
        raise IngestError(f"no articles in {origin}: the file has no JSON lines")


def _read_value(record: object, where: str) -> Iterator[Article]:
    yield read_record(record, where)


def _read_line(raw: bytes, where: str) -> Iterator[Article]:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise IngestError(
            f"{where}: not UTF-8 text (bad byte at column {error.start + 1}); JSONL must be UTF-8"
        ) from None
    yield read_record(_loads(line, where, f"{where}: not valid JSON"), where)


def _loads(text: str, where: str, invalid: str) -> object:
    """`json.loads`, with every way hostile JSON fails turned into one IngestError."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise IngestError(f"{invalid}: {_explain(error)}") from None
    except ValueError as error:  # e.g. an integer of more than 4300 digits
        raise IngestError(f"{invalid}: {' '.join(str(error).split(';')[0].split())}") from None
    except RecursionError:
        raise IngestError(f"{where}: the JSON is nested too deeply to be an article") from None


def _string(record: Mapping[str, object], keys: tuple[str, ...], origin: str) -> str:
    for key in keys:
        value = record.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return str(value)
        kind = type(value).__name__ if not isinstance(value, float) else str(value)
        raise IngestError(f'{origin}: the "{key}" field should be a string, not {kind}')
    return ""


def _explain(error: json.JSONDecodeError) -> str:
    return f"{error.msg} at line {error.lineno} column {error.colno}"
