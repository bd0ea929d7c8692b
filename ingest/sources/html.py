"""HTML: a whole page's main text and metadata with trafilatura; a feed entry's fragment as text."""

from __future__ import annotations

from ingest.errors import IngestError
from ingest.sources.provenance import same_site
from newsdesk.articles import Article

# Elements after which a fragment's text breaks a line (paragraphs stay paragraphs).
BLOCKS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 blockquote pre table tr figure figcaption hr "
    "section article header footer dd dt".split()
)


def read_html(html: str, origin: str, url: str = "") -> Article:
    """The article in a web page: main text, title, date, author, site name, canonical URL.

    `url` is where the page was fetched from. The page's own canonical link is believed only
    when it names the same host: a page must not claim another site's article (its id).
    Extraction favours precision: on a page without an article, recall mode returns menus.
    """
    import trafilatura

    document = trafilatura.bare_extraction(
        html, url=url or None, with_metadata=True, include_comments=False, favor_precision=True
    )
    text = (document.text or "") if document is not None else ""
    if not text.strip():
        raise IngestError(
            f"no article text found in {origin}: the page has no readable main text "
            "(is it an index page, or does it need JavaScript?)"
        )
    canonical = document.url or ""
    if url and not same_site(canonical, url):
        canonical = url
    return Article(
        text="\n\n".join(text.split("\n")),  # one block per line: paragraphs, as everywhere
        title=document.title or "",
        source=document.sitename or document.hostname or "",
        url=canonical,
        published=document.date,
        lang=document.language or "",
        author=document.author or "",
        origin=origin,
    )


def fragment_text(html: str) -> str:
    """The text of an HTML fragment (a feed entry's content), one paragraph per block."""
    import lxml.html
    from lxml.etree import ParserError

    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except ParserError:
        return ""
    for element in list(root.iter("script", "style")):
        element.drop_tree()
    for element in root.iter(*BLOCKS):
        element.tail = ("\n" if element.tag == "br" else "\n\n") + (element.tail or "")
    return str(root.text_content())
