"""Related coverage of an article: its copies (`newsdesk.copies`, found at ingest) and the other
articles on the same story (Slack's "Related coverage" button lists them).

Another article tells the same story when one of its passages is close to the article's own
vector (the mean of its chunk vectors, cosine at least `SAME_STORY`) and, when the article is
dated, it was published within `WINDOW_DAYS` of it (an undated article: by closeness alone).
On bench/stories and the 315 shared Wikinews articles, the default embedder's (e5-small) cosine
of title and passage (as ingest embeds them) is 0.89-0.93 between the six North Korean troops
reports and at most 0.85 between any of them and a Wikinews article; Wikinews pairs above 0.89
within 30 days are one developing story (a hurricane upgraded then landing, Navalny airlifted
then found poisoned, the primaries week by week). Another embedder spreads its cosines
differently: `SAME_STORY` is calibrated for the default one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from newsdesk.index import ArticleRecord, Filters, Index

SAME_STORY = 0.89
WINDOW_DAYS = 30
SEARCHED = 50  # passages looked at: several per article, for `limit` articles


@dataclass(frozen=True, slots=True)
class Told:
    """Another article on the story, with its own copies (shown once, as answers cite them)."""

    article: ArticleRecord
    copies: list[ArticleRecord]


@dataclass(frozen=True, slots=True)
class Coverage:
    """An article and its related coverage, each list oldest first."""

    article: ArticleRecord
    copies: list[ArticleRecord]
    same_story: list[Told]


def article_vector(index: Index, article_id: str) -> np.ndarray | None:
    """The mean of the article's chunk vectors, unit length; None without stored vectors."""
    chunk_ids = [chunk.chunk_id for chunk in index.article_chunks(article_id)]
    vectors = list(index.chunk_vectors(chunk_ids).values())
    if not vectors:
        return None
    mean = np.mean(np.asarray(vectors, np.float32), axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm else None


def related_coverage(index: Index, article_id: str, limit: int = 20) -> Coverage | None:
    """`article_id`'s copies and up to `limit` other articles on its story (copies of one
    another shown as one, the oldest); None when the article is not in the index."""
    found = index.articles_by_id([article_id])
    if not found:
        return None
    article = found[0]
    copies = index.copies_of(article_id)
    vector = article_vector(index, article_id)
    if vector is None:
        return Coverage(article, copies, [])
    filters = Filters()
    if article.published_ts is not None:
        window = WINDOW_DAYS * 86400
        filters = Filters(since=article.published_ts - window, until=article.published_ts + window)
    skip = {article_id, *(c.article_id for c in copies)}
    hits = [c for c, score in index.dense_search(vector, SEARCHED, filters) if score >= SAME_STORY]
    closest = dict.fromkeys(
        chunk.article.article_id for chunk in index.chunks(hits)
        if chunk.article.article_id not in skip
    )  # fmt: skip
    others = index.articles_by_id(list(closest))
    groups = {a: g for g in index.copy_groups([r.article_id for r in others]) for a in g}
    told: list[Told] = []
    shown: set[str] = set()
    for record in others:
        if record.article_id in shown:
            continue
        group = groups.get(record.article_id, (record.article_id,))
        shown.update(group)
        members = index.articles_by_id(list(group))
        told.append(Told(record, [r for r in members if r.article_id != record.article_id]))
    return Coverage(article, copies, told[:limit])
