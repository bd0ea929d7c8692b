"""Plain text and Markdown articles, with their metadata head.

Two heads are metadata, not text: YAML front matter (`---` lines around `key: value` lines)
and a first line `date <date>` (as in the bundled sample article). Front matter is read as
flat `key: value` pairs; nested YAML is not needed for the fields an article has.
"""

from __future__ import annotations

import re

from ingest.dates import parse_date
from newsdesk.articles import Article, normalise_text

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_DATE_LINE = re.compile(r"date\b[ \t]*:?[ \t]*(\S.*)", re.IGNORECASE)
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
    first, _, rest = text.partition("\n")
    if (match := _DATE_LINE.fullmatch(first.strip())) and parse_date(match.group(1)):
        fields.setdefault("published", match.group(1))
        text = rest.lstrip("\n")
    return Article(text=text, origin=origin, **fields)


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
