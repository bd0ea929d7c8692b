"""Web pages and feeds at http(s) URLs, fetched safely (see ingest.fetch)."""

from __future__ import annotations

from collections.abc import Iterator

from ingest.fetch import fetch
from ingest.sources.failure import Failure
from ingest.sources.formats import kind_for_type, read_document, sniff
from newsdesk.articles import Article
from newsdesk.settings import Settings


def read_url(url: str, settings: Settings) -> Iterator[Article | Failure]:
    """The article on a web page, or the entries of a feed, at `url`.

    A document that starts like a feed is one, whatever its content type says; otherwise the
    content type decides, then the first bytes, then it is taken for text.
    """
    fetched = fetch(url, settings)
    sniffed = sniff(fetched.body)
    kind = "feed" if sniffed == "feed" else kind_for_type(fetched.content_type) or sniffed or "text"
    yield from read_document(kind, fetched.body, url, settings, fetched.charset, fetched.url)
