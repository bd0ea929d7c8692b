"""Which stored article an incoming one is: itself again, a new revision, or another article.

An article's id is its own (a record's `id`), else its canonical URL. Two different articles
may still arrive under one id, most often a URL: the four FLORES languages of one Wikinews
story, or a passage of an article whose full text is stored. Replacing the stored one would
lose it, so when the id is taken by different text:

- another language (and other text): a translation, kept beside it as `<id>#<lang>`;
- text that is a part of the stored article (every sentence of it found there, at most half
  as long): an excerpt, kept beside it as `<id>#excerpt-<hash>`;
- otherwise: the same page re-fetched, so an update, which replaces the stored text and is
  reported as a replacement.

URL fragments never survive canonicalisation, so these ids cannot collide with a URL id.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from ingest.sentences import split_sentences
from newsdesk.articles import Article, text_hash
from newsdesk.index import ArticleRecord, Index

Relation = Literal["", "translation", "excerpt"]


@dataclass(frozen=True, slots=True)
class Identity:
    """An incoming article under the id it is stored as, and how it relates to what is there."""

    article: Article
    relation: Relation = ""  # "translation" or "excerpt" of the article `of`
    of: str = ""
    replaces: ArticleRecord | None = None  # the stored article (other text) this one updates


def identify(article: Article, digest: str, index: Index) -> Identity:
    """Where `article` (content hash `digest`) belongs in `index`; call under the writer lock.

    A record with both an id and a URL was once stored under its canonical URL: when that
    stored copy has the same content, it is the article (kept under the URL id), not a new one.
    """
    status = index.status(article.article_id, digest)
    if status == "new" and article.url and index.status(article.url, digest) == "same":
        return Identity(replace(article, article_id=article.url))
    if status != "changed":
        return Identity(article)
    stored = index.article(article.article_id)
    assert stored is not None  # "changed" means it is there
    relation = relation_to(article, stored)
    if not relation:
        return Identity(article, replaces=stored)
    variant = replace(article, article_id=variant_id(article, relation))
    previous = None
    if index.status(variant.article_id, digest) == "changed":
        previous = index.article(variant.article_id)
    return Identity(variant, relation, stored.article_id, previous)


def relation_to(article: Article, stored: ArticleRecord) -> Relation:
    """How `article` relates to the different `stored` article under the same id. The same text
    under another language is a correction of the language, not a translation."""
    other_text = text_hash(article.text) != text_hash(stored.text)
    if other_text and article.lang and stored.lang and article.lang != stored.lang:
        return "translation"
    return "excerpt" if is_excerpt(article.text, stored.text) else ""


def is_excerpt(part: str, whole: str) -> bool:
    """Whether `part` is a passage of `whole`: every sentence of it is there, and it is at most
    half as long (a revision that cut a paragraph is still an update)."""
    if not part or len(part) * 2 > len(whole):
        return False
    folded = _fold(whole)
    return all(_fold(part[s.start : s.end]) in folded for s in split_sentences(part))


def variant_id(article: Article, relation: Relation) -> str:
    if relation == "translation":
        return f"{article.article_id}#{article.lang}"
    return f"{article.article_id}#excerpt-{text_hash(article.text)[:12]}"


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()
