"""One story, cited once: copies of an article (`newsdesk.copies`, found at ingest) collapse into
the best-ranked of them before an answer is built, and its citation names the others.

`Asker` applies both steps, so the extractive answer, the abstention signals and the LLM (which
reads the passages the extractive answer cites, numbered as its citations) all see one
article per story: an answer never cites two copies of one text, and a story syndicated to
ten outlets is not "ten articles about equally close" to the question.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.answers import Answer
from bot.retrieval import SearchResult
from newsdesk.articles import ArticleRef
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

