"""Completing an article: normalised text, id, title, date and language, whatever its source.

Readers fill in what their source says; `complete` derives the rest the same way for all of
them, and refuses articles that have no text worth indexing.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ingest.dates import parse_date
from ingest.errors import IngestError
from ingest.language import detect_language, normalise_language
from ingest.sentences import split_sentences
from ingest.urls import web_url
from newsdesk.articles import Article, normalise_text, text_hash

MAX_TEXT = 500_000  # characters; a longer "article" (a book, a dump) is refused, not embedded
MAX_TITLE = 300  # characters; longer titles are cut at a word
DERIVED_TITLE = 120  # a title made from the first sentence is cut shorter
TITLE_LINE = 200  # a first line up to this long, followed by a blank line, is a title
# Control characters other than tab and newline; more than 1 in 100 characters means binary.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LETTER = re.compile(r"[^\W\d_]")
# Control characters that break lines (vertical tab, form feed, separators, NEL).
_BREAKS = re.compile(r"[\x0b\x0c\x1c-\x1f\x85]")
_TERMINAL_CODE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")  # colour and cursor codes
# Lone UTF-16 surrogates (from JSON escapes like "\ud800"): no encoder accepts them.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def complete(article: Article) -> Article:
    """`article` with normalised text and every derivable field set.

    - text: `normalise_text`; IngestError if it is empty, binary, has no letters or is
      longer than MAX_TEXT. A few
      stray control characters (NUL, terminal escapes) are dropped; lone surrogates become
      U+FFFD, in every field.
    - article_id: the given id (a record's own `id`), else the canonical URL, else `text:` +
      the text hash. Articles that share a URL (translations, excerpts) keep their own ids.
    - url: canonical (no fragment or tracking parameters); "" unless it is an http(s) link
      (a `javascript:` URL, one with control characters or no host is no link to cite).
    - published: ISO (`parse_date`), None when absent or not a date.
    - lang: the given code as ISO 639-1, else detected from the text.
    - title: given (one line, at most MAX_TITLE), else the first line when it stands alone,
      else the first sentence, shortened.
    """
    article = _without_surrogates(article)
    text = normalise_text(article.text)
    problem = _text_problem(text)
    if problem:
        raise IngestError(f"no article text found in {article.origin or 'the article'}: {problem}")
    if _CONTROL.search(text):  # a few: dropped, or read as the line breaks they stand for
        text = normalise_text(_CONTROL.sub("", _BREAKS.sub("\n", _TERMINAL_CODE.sub("", text))))
    url = web_url(article.url)
    return replace(
        article,
        text=text,
        title=_shorten(_one_line(article.title), MAX_TITLE) or derive_title(text),
        source=_one_line(article.source),
        url=url,
        published=parse_date(article.published),
        lang=normalise_language(article.lang) or detect_language(text),
        author=_one_line(article.author),
        article_id=_one_line(article.article_id) or url or "text:" + text_hash(text),
    )


def _without_surrogates(article: Article) -> Article:
    fields = {
        name: _SURROGATE.sub("\ufffd", value)
        for name in ("text", "title", "source", "url", "published", "lang", "author", "article_id")
        if isinstance(value := getattr(article, name), str) and _SURROGATE.search(value)
    }
    return replace(article, **fields) if fields else article


def derive_title(text: str) -> str:
    """A title for text that came without one.

    A first line of at most TITLE_LINE characters followed by a blank line is a heading (a
    Markdown `#` is dropped); otherwise the first sentence, cut to DERIVED_TITLE characters.
    """
    first, _, rest = text.partition("\n")
    if rest.startswith("\n") and len(first) <= TITLE_LINE:
        return first.lstrip("#").strip()
    sentences = split_sentences(text[: DERIVED_TITLE * 4])
    sentence = text[sentences[0].start : sentences[0].end] if sentences else text
    return _shorten(_one_line(sentence.lstrip("#")), DERIVED_TITLE)


def _text_problem(text: str) -> str:
    if not text:
        return "it is empty"
    if len(text) > MAX_TEXT:
        return (
            f"it is too long for one article ({len(text):,} characters; at most {MAX_TEXT:,}): "
            "split it into articles"
        )
    if len(_CONTROL.findall(text)) * 100 > len(text):
        return "it looks like binary data, not text"
    if not _LETTER.search(text):
        return "it has no words"
    return ""


def _one_line(value: str) -> str:
    return " ".join(_CONTROL.sub("", _BREAKS.sub(" ", _TERMINAL_CODE.sub("", value))).split())


def _shorten(value: str, limit: int) -> str:
    if len(value) <= limit:
        return value
    cut = value[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-–—") + "…"
