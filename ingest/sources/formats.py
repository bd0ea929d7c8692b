"""Which reader a document needs (by file extension, content type or first bytes); reading it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ingest.decoding import decode, html_charset
from ingest.sources.failure import Failure
from ingest.sources.feeds import read_feed
from ingest.sources.html import read_html
from ingest.sources.provenance import vouch
from ingest.sources.records import read_json
from ingest.sources.text import read_text
from newsdesk.articles import Article
from newsdesk.settings import Settings

EXTENSIONS = {
    ".txt": "text", ".text": "text", ".md": "text", ".markdown": "text",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".xml": "feed", ".rss": "feed", ".atom": "feed",
}  # fmt: skip
CONTENT_TYPES = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/json": "json",
    "text/plain": "text",
    "text/markdown": "text",
}
SNIFF_BYTES = 2048
_PROLOG = rb"(?:\s|<\?[^>]*>|<!--.*?-->|<!doctype[^>]*>)*"
_FEED = re.compile(_PROLOG + rb"<(?:rss|feed|rdf:rdf)\b", re.IGNORECASE | re.DOTALL)
_HTML = re.compile(
    rb"(?:\s|<!--.*?-->)*<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL
)


def sniff(data: bytes) -> str:
    """"feed" or "html" when the document's first element says so, else ""."""
    head = data[:SNIFF_BYTES].removeprefix(b"\xef\xbb\xbf")
    if _FEED.match(head):
        return "feed"
    return "html" if _HTML.match(head) else ""


def kind_for_type(content_type: str) -> str:
    """The reader for a served media type: any XML is taken for a feed; "" when unknown."""
    if content_type in CONTENT_TYPES:
        return CONTENT_TYPES[content_type]
    return "feed" if content_type.endswith(("/xml", "+xml")) else ""


def read_document(
    kind: str,
    data: bytes,
    origin: str,
    settings: Settings,
    charset: str | None = None,
    url: str = "",
) -> Iterator[Article | Failure]:
    """The articles in one document of `kind` ("text", "html", "json" or "feed").

    `charset` is what a server declared; `url` is where the document was fetched from, and
    what its articles may claim is limited accordingly (see `provenance.vouch`).
    """
    if kind == "feed":
        yield from read_feed(data, origin, settings, url)
        return
    text = decode(data, origin, charset or (html_charset(data) if kind == "html" else None))
    if kind == "html":
        yield read_html(text, origin, url)
    elif kind == "json":
        for item in read_json(text, origin):
            yield vouch(item, url) if isinstance(item, Article) else item
    else:
        yield vouch(read_text(text, origin), url)
