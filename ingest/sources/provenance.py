"""What a document fetched from one site may claim: only that site's URLs, only its own ids.

A page's canonical link, a feed entry's link and a JSON record's `url` are the identity of
the article they carry; believed blindly, a document on one site could replace another
site's article (and have it cited under that site's name). So a document fetched from a URL
is believed about URLs on its own host only, and the ids it gives are kept under its URL.
Local files and stdin are the admin's own and are believed.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

from ingest.urls import canonical_url
from newsdesk.articles import Article


def same_site(url: str, other: str) -> bool:
    """Whether two URLs name the same host (`www.` aside)."""
    return _host(url) == _host(other) != ""


def vouch(article: Article, document_url: str) -> Article:
    """`article`, read from a document fetched at `document_url`, claiming only what it may.

    A URL on another host is replaced by `document_url` (where the text really came from); an
    id the document gives, or the other host's URL, becomes `<document URL>#<it>`, so it can
    name no article but this document's. A URL on the document's own host, without an id,
    stays the article's identity, as when that page is fetched itself.
    """
    if not document_url:
        return article
    own_url = article.url if article.url and same_site(article.url, document_url) else ""
    claimed = article.article_id.strip() or (article.url.strip() if not own_url else "")
    article_id = f"{canonical_url(document_url)}#{claimed}" if claimed else ""
    return replace(article, url=own_url or document_url, article_id=article_id)


def _host(url: str) -> str:
    try:
        host = (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""
    return host.removeprefix("www.")
