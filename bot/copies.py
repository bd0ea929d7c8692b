"""One story, cited once: copies of an article (`newsdesk.copies`, found at ingest) collapse into
the best-ranked of them before an answer is built, and its citation names the others. A
sentence copied into an article that is not a copy as a whole (`repeats`) is quoted once.

`Asker` applies both steps, so the extractive answer, the abstention signals and the LLM (which
reads the passages the extractive answer cites, numbered as its citations) all see one
article per story: an answer never cites two copies of one text, and a story syndicated to
ten outlets is not "ten articles about equally close" to the question.

A translation is not a copy by its words, so it is found here, at answer time, among the
passages retrieved (`with_translations`): two passages of articles in different languages are
one text translated when their chunk vectors are very close (e5 is multilingual) and what
translation does not change agrees: the numbers they state (one's all among the other's)
and, within bounds, their length.
The thresholds are measured by bench/translations.py (docs/architecture.md, "Copies").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from itertools import combinations

from bot.answer_type import number_values
from bot.answers import Answer, Evidence, ScoredSentence
from bot.retrieval import SearchResult
from newsdesk.articles import ArticleRef
from newsdesk.copies import COPY_THRESHOLD, by_member, similarity, words
from newsdesk.copies import groups as joined
from newsdesk.index import Index

# Two passages in different languages are one text translated when the longer is at most
# `TRANSLATION_LENGTH` times the shorter (in characters), the numbers of one are all among the
# other's (a translator may spell a number out, not change it), and their chunk vectors are at
# this cosine or above: `TRANSLATION_NUMBERS` when both state numbers (which then agree),
# `TRANSLATION_COSINE` when one states none (the vectors alone). Measured by
# bench/translations.py on the FLORES passages in en/ro/fr/it (docs/architecture.md, "Copies"):
# translations 0.81-0.96 (median 0.91), length ratio at most 1.47; different passages at most
# 0.85, 0.80 when their numbers agree; two reports of one story in two languages up to 0.89.
TRANSLATION_COSINE = 0.9
TRANSLATION_NUMBERS = 0.86
TRANSLATION_LENGTH = 1.5


def figures(text: str) -> frozenset[str]:
    """The numbers `text` states (`bot.answer_type.number_values`: "8.000" and "8,000" are
    "8000"), without leading zeros ("07" is "7"): a translation keeps them."""
    return frozenset(value.lstrip("0") or "0" for value in number_values(text))


def length_ratio(a: str, b: str) -> float:
    """The longer text's length over the shorter's (in characters)."""
    return max(len(a), len(b)) / max(1, min(len(a), len(b)))


def translated(a: str, b: str, cosine: float) -> bool:
    """Whether passages `a` and `b`, of articles in different languages whose chunk vectors
    are at `cosine`, are one text translated."""
    fa, fb = figures(a), figures(b)
    if length_ratio(a, b) > TRANSLATION_LENGTH or not (fa <= fb or fb <= fa):
        return False
    return cosine >= (TRANSLATION_NUMBERS if fa and fb else TRANSLATION_COSINE)


def with_translations(
    evidence: Sequence[Evidence], index: Index, copies: Sequence[Sequence[str]]
) -> list[list[str]]:
    """The copy groups `copies` joined by the translations among the passages `evidence`
    (`translated`): a translated article is cited through the one that ranks higher, as a
    copy is."""
    pairs = [(a, b) for group in copies for a, b in zip(group, group[1:])]
    chunks = {e.chunk.chunk_id: e.chunk for e in evidence}
    vectors = index.chunk_vectors(list(chunks))
    for a, b in combinations([c for c in chunks.values() if c.chunk_id in vectors], 2):
        if not a.article.lang or not b.article.lang or a.article.lang == b.article.lang:
            continue  # one language: copies are the word rule's (`newsdesk.copies`)
        cosine = float(vectors[a.chunk_id] @ vectors[b.chunk_id])
        if translated(a.text, b.text, cosine):
            pairs.append((a.article.article_id, b.article.article_id))
    return joined(pairs)


def collapse(result: SearchResult, groups: Sequence[Sequence[str]]) -> SearchResult:
    """`result` without the passages and candidates of an article whose copy ranks higher."""
    by_article = by_member(groups)
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
    first, but those the answer cites itself (a timeline lists an article whose line is its
    own)."""
    by_article = by_member(groups)
    if not any(c.article_id in by_article for c in answer.citations):
        return answer
    cited = {c.article_id for c in answer.citations}
    citations = tuple(
        replace(c, also_in=tuple(
            ArticleRef(**record.ref())
            for record in index.articles_by_id(
                [a for a in by_article.get(c.article_id, ()) if a not in cited]
            )
        ))
        for c in answer.citations
    )  # fmt: skip
    return replace(answer, citations=citations)

