"""Evidence made by hand: one chunk of one article, its sentences ranked, no index needed."""

from __future__ import annotations

from bot.answers import Evidence, ScoredSentence
from ingest.sentences import split_sentences
from newsdesk.index import ArticleRecord, StoredChunk


def evidence(
    text: str, n: int = 1, *, lang: str = "ro", published: str | None = "2024-11",
    title: str = "", score: float | None = None, best: int = 0,
) -> Evidence:  # fmt: skip
    """The chunk `text` of article `a{n}`, ranked n-th (score 1/n unless `score` is given); its
    sentence number `best` scores highest (1.0, or `score`), the others lower in text order."""
    article = ArticleRecord(
        article_id=f"a{n}", title=title or f"Article {n}", source="Agerpres",
        url=f"https://example.org/{n}", published=published, lang=lang, author="",
        ingested_at="2024-11-05T00:00:00+00:00", content_hash="h", n_chunks=1,
    )  # fmt: skip
    spans = tuple(split_sentences(text))
    chunk = StoredChunk(chunk_id=f"a{n}:0", article=article, index=0, start=0, end=len(text),
                        text=text, sentences=spans)  # fmt: skip
    top = 1.0 if score is None else score
    ranked = [ScoredSentence(s, top if i == best else 0.5 - 0.01 * i) for i, s in enumerate(spans)]
    ranked.sort(key=lambda s: -s.score)
    return Evidence(chunk=chunk, score=1.0 / n if score is None else score, sentences=tuple(ranked))
