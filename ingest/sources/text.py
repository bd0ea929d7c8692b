"""Plain text and Markdown articles, with their metadata head.

Two heads are metadata, not text: YAML front matter (`---` lines around `key: value` lines)
and a leading `date <date>` (or `Date: <date>`), either alone on the first line or followed on
that line by the article's first sentence, as in the bundled sample article
(` date 2024-11 Coreea de Nord va sprijini…`). Front matter is read as flat `key: value`
pairs; nested YAML is not needed for the fields an article has.
"""

from __future__ import annotations

import re

from ingest.dates import leading_date, parse_date
from newsdesk.articles import Article, normalise_text

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_DATE_LINE = re.compile(r"date\b[ \t]*:?[ \t]*(\S.*)", re.IGNORECASE)
_SEPARATOR = re.compile(r"[ \t]*[-–—|:][ \t]+|[ \t]+")  # between an inline date and the text
# Front matter keys → Article fields.
FIELDS = {
    "title": "title",
    "source": "source",
    "outlet": "source",
    "url": "url",
    "link": "url",
    "published": "published",
    "date": "published",
    "lang": "lang",
    "language": "lang",
    "author": "author",
    "id": "article_id",
}


def read_text(text: str, origin: str) -> Article:
    """One article from plain text or Markdown, its head turned into fields."""
    text = normalise_text(text)
    fields: dict[str, str] = {}
    if match := _FRONT_MATTER.match(text):
        fields = parse_front_matter(match.group(1))
        text = text[match.end() :].lstrip("\n")
    first, newline, rest = text.partition("\n")
    if dated := date_head(first.strip()):
        published, first = dated
        fields.setdefault("published", published)
        text = (first + newline + rest) if first else rest.lstrip("\n")
    return Article(text=text, origin=origin, **fields)


def date_head(line: str) -> tuple[str, str] | None:
    """(the date, the rest of the line) when `line` starts with `date <date>`, else None.

    A line that is only `date <date>` gives its date and ""; `date 2024-11 Coreea…` gives
    "2024-11" and "Coreea…"."""
    match = _DATE_LINE.fullmatch(line)
    if not match:
        return None
    value = match.group(1)
    found = leading_date(value)
    if found is None:  # a date only dateparser reads, alone on its line
        return (value, "") if parse_date(value) else None
    iso, end = found
    after = value[end:]
    if not after.strip():
        return iso, ""
    separator = _SEPARATOR.match(after)
    return (iso, after[separator.end() :]) if separator else None


def parse_front_matter(block: str) -> dict[str, str]:
    """Article fields from flat `key: value` lines; other keys, lists and blanks are ignored."""
    fields: dict[str, str] = {}
    for line in block.split("\n"):
        key, colon, value = line.partition(":")
        name = FIELDS.get(key.strip().lower())
        value = _unquote(value.strip())
        if colon and name and value and not line[:1].isspace() and name not in fields:
            fields[name] = value
    return fields


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value
