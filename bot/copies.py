"""One story, cited once: copies of an article (`newsdesk.copies`, found at ingest) collapse into
the best-ranked of them before an answer is built, and its citation names the others. A
sentence copied into an article that is not a copy as a whole (`repeats`) is quoted once.

`Asker` applies both steps, so the extractive answer, the abstention signals and the LLM (which
reads the passages the extractive answer cites, numbered as its citations) all see one
article per story: an answer never cites two copies of one text, and a story syndicated to
ten outlets is not "ten articles about equally close" to the question.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.answers import Answer, Evidence, ScoredSentence
from bot.retrieval import SearchResult
from newsdesk.articles import ArticleRef
from newsdesk.copies import COPY_THRESHOLD, similarity, words
from newsdesk.index import Index


def group_of(groups: Sequence[Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """Each grouped article id → its whole group."""
    return {article_id: tuple(group) for group in groups for article_id in group}


def collapse(result: SearchResult, groups: Sequence[Sequence[str]]) -> SearchResult:
    """`result` without the passages and candidates of an article whose copy ranks higher."""
    by_article = group_of(groups)
    kept: dict[tuple[str, ...], str] = {}  # group -> the article that speaks for it

    def keep(article_id: str) -> bool:
        group = by_article.get(article_id)
        if group is None:
            return True
        return kept.setdefault(group, article_id) == article_id

    candidates = [c for c in result.candidates if keep(c.article_id)]
    evidence = [e for e in result.evidence if keep(e.chunk.article.article_id)]
    return SearchResult(evidence=evidence, candidates=candidates)


def repeats(a: Evidence, sa: ScoredSentence, b: Evidence, sb: ScoredSentence) -> bool:
    """Whether sentence `sb` of `b` repeats the quote `sa` of `a` (or one of the sentences it
    joins) as a copy would: word sets at least as close as `newsdesk.copies` asks of whole
    articles. A passage copied into an article that is not a copy as a whole, such as a wire
    paragraph in a news roundup, is quoted once."""
    other = words(b.chunk.text[sb.span.start : sb.span.end])
    inside = [s for s in a.chunk.sentences if sa.span.start <= s.start and s.end <= sa.span.end]
    return any(
        similarity(words(a.chunk.text[span.start : span.end]), other) >= COPY_THRESHOLD
        for span in (sa.span, *inside)
    )


def cite_copies(answer: Answer, index: Index, groups: Sequence[Sequence[str]]) -> Answer:
    """`answer` with each citation's `also_in`: the other articles of its copy group, oldest
    first."""
    by_article = group_of(groups)
    if not any(c.article_id in by_article for c in answer.citations):
        return answer
    citations = tuple(
        replace(c, also_in=tuple(
            ArticleRef(**record.ref())
            for record in index.articles_by_id(
                [a for a in by_article.get(c.article_id, ()) if a != c.article_id]
            )
        ))
        for c in answer.citations
    )  # fmt: skip
    return replace(answer, citations=citations)

