"""Hybrid retrieval: dense and BM25 candidates fused by reciprocal rank, then a sentence step.

Functions here take data (an `Index`, a query vector, query terms) and return data; nothing
loads a model. The steps:

1. `query_terms`: the question's words, lower-cased and accent-folded (as FTS5 folds them),
   minus a small multilingual stopword list.
2. `fuse`: dense candidates (cosine, from Chroma) and lexical candidates (BM25, from FTS5) are
   merged by weighted reciprocal rank fusion, `w / (rrf_k + rank)`.
3. `sentence_scores`, the sentence step of `search`: inside the best fused passages, every sentence is scored
   with the query vector against its stored vector, plus its lexical overlap with the query
   terms; the best sentence's score then re-ranks the passages.
4. Ties (equal scores after rounding) go to the newer article: news goes stale.
5. When the question asks about the present ("the latest", "this week": `bot.text.asks_recent`),
   the caller passes the moment it is asked as of, and a passage's score gains
   `recency_weight` halved every `recency_half_life` days of its age at that moment.

The weights live in `RetrievalParams`; their defaults were tuned on the XQuAD dev questions
(`bench/retrieval.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from bot.answers import Evidence, ScoredSentence
from bot.text import term_overlap
from newsdesk.articles import Span
from newsdesk.index import Filters, Index, StoredChunk


@dataclass(frozen=True, slots=True)
class RetrievalParams:
    """The knobs of hybrid retrieval (defaults tuned on XQuAD dev; see bench/retrieval.py)."""

    depth: int = 40  # candidates taken from each retriever
    rrf_k: float = 10.0
    dense_weight: float = 1.0  # RRF weight of the dense ranking
    lexical_weight: float = 1.0  # RRF weight of the BM25 ranking
    rerank: int = 40  # passages (best fused first) whose sentences are scored
    sentence_lexical: float = 0.05  # weight of the query-term overlap in a sentence's score
    fused_weight: float = 0.02  # weight of the RRF score (scaled to 0..1) in a passage's score
    passage_weight: float = 1.0  # weight of the passage's own cosine
    sentence_weight: float = 1.0  # weight of the best sentence's score
    sentence_top: int = 1  # the passage's sentence score is the mean of its best this many
    centering: float = 1.25  # weight of the language centring of similarities (LanguageMeans)
    tie: float = 0.002  # scores within this share of the best are tied: the newer one wins
    followup_boost: float = 0.1  # added to passages of the articles the previous answer cited
    recency_weight: float = 0.1  # added to a passage published at the as-of moment (see search)
    recency_half_life: float = 7.0  # days after which that bonus is halved
    use_dense: bool = True
    use_lexical: bool = True
    use_sentences: bool = True

    @property
    def fused_max(self) -> float:
        """The RRF score of a passage ranked first by both retrievers."""
        weights = self.dense_weight * self.use_dense + self.lexical_weight * self.use_lexical
        return max(weights / (self.rrf_k + 1.0), 1e-12)


DEFAULT_PARAMS = RetrievalParams()


@dataclass(frozen=True, slots=True)
class Candidate:
    """A passage with the signals that ranked it."""

    chunk_id: str
    article_id: str = ""  # filled once the chunk is read
    lang: str = ""  # the article's language, filled once the chunk is read
    dense: float = 0.0  # cosine of the query and the chunk vector
    dense_rank: int | None = None
    lexical: float = 0.0  # BM25, higher is better (0 when BM25 did not find it)
    lexical_rank: int | None = None
    fused: float = 0.0  # the RRF score
    sentence_cosine: float = 0.0  # the best sentence's cosine with the query
    sentence: float = 0.0  # the best sentence's score (cosine plus weighted term overlap)
    score: float = 0.0  # what the final order is by


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Ranked evidence plus the candidates' signals (for abstention and benchmarks)."""

    evidence: list[Evidence]
    candidates: list[Candidate]  # every scored candidate, best first (evidence is the first k)


def fuse(
    dense: Sequence[tuple[str, float]],
    lexical: Sequence[tuple[str, float]],
    params: RetrievalParams = DEFAULT_PARAMS,
) -> list[Candidate]:
    """Weighted reciprocal rank fusion of two ranked lists, best first."""
    found: dict[str, dict[str, float | int | None]] = {}
    for rank, (chunk_id, score) in enumerate(dense, start=1):
        found.setdefault(chunk_id, {}).update(dense=score, dense_rank=rank)
    for rank, (chunk_id, score) in enumerate(lexical, start=1):
        found.setdefault(chunk_id, {}).update(lexical=score, lexical_rank=rank)
    candidates = []
    for chunk_id, signals in found.items():
        fused = 0.0
        if signals.get("dense_rank"):
            fused += params.dense_weight / (params.rrf_k + float(signals["dense_rank"]))  # type: ignore[arg-type]
        if signals.get("lexical_rank"):
            fused += params.lexical_weight / (params.rrf_k + float(signals["lexical_rank"]))  # type: ignore[arg-type]
        candidates.append(Candidate(chunk_id=chunk_id, fused=fused, score=fused, **signals))  # type: ignore[arg-type]
    candidates.sort(key=lambda c: -c.fused)
    return candidates


def sentence_scores(
    chunk: StoredChunk,
    sentence_vectors: np.ndarray | None,
    query_vector: np.ndarray | None,
    terms: Sequence[str],
) -> tuple[tuple[Span, ...], np.ndarray, np.ndarray]:
    """The chunk's sentence spans, their cosines with the query and their term overlaps."""
    spans = chunk.sentences or (Span(0, len(chunk.text)),)
    if (
        query_vector is not None
        and sentence_vectors is not None
        and len(sentence_vectors) == len(spans)
    ):
        cosines = sentence_vectors @ np.asarray(query_vector, np.float32)
    else:  # no stored vectors (an index being re-embedded): lexical overlap alone
        cosines = np.zeros(len(spans), np.float32)
    overlaps = np.array([term_overlap(terms, chunk.text[s.start : s.end]) for s in spans], np.float32)
    return spans, cosines.astype(np.float32), overlaps


def passage_score(candidate: Candidate, params: RetrievalParams = DEFAULT_PARAMS) -> float:
    """A passage's final score: its RRF score (scaled), its own cosine, its best sentence."""
    return (
        params.fused_weight * candidate.fused / params.fused_max
        + params.passage_weight * candidate.dense
        + params.sentence_weight * candidate.sentence
    )


def recency(published_ts: float | None, as_of: float, params: RetrievalParams = DEFAULT_PARAMS) -> float:
    """The bonus of a passage published at `published_ts` for a question about the present."""
    if published_ts is None:
        return 0.0
    age_days = max(0.0, as_of - published_ts) / 86400.0
    return params.recency_weight * 0.5 ** (age_days / params.recency_half_life)


def prefer_recent(
    ranked: Sequence[Candidate], published: dict[str, float | None], tie: float
) -> list[Candidate]:
    """Best first; runs of scores within `tie` (a share of the best score) go newest first."""
    ordered = sorted(ranked, key=lambda c: -c.score)
    if not ordered:
        return []
    unit = tie * max(abs(c.score) for c in ordered)
    out: list[Candidate] = []
    group: list[Candidate] = []

    def flush() -> None:
        out.extend(sorted(group, key=lambda c: -(published.get(c.chunk_id) or float("-inf"))))

    for cand in ordered:
        if group and group[0].score - cand.score > unit:
            flush()
            group = []
        group.append(cand)
    flush()
    return out


class _Sums:
    """Vector sums per language and per article, so a mean can leave one article out."""

    def __init__(self) -> None:
        self.total = np.zeros(0, np.float32)
        self.count = 0
        self.lang: dict[str, list] = {}  # lang -> [sum, count, set of article ids]
        self.article: dict[str, tuple[np.ndarray, int]] = {}

    def add(self, lang: str, article_id: str, vectors: np.ndarray) -> None:
        total, n = vectors.sum(axis=0), len(vectors)
        if not self.count:
            self.total = np.zeros_like(total)
        self.total = self.total + total
        self.count += n
        entry = self.lang.setdefault(lang, [np.zeros_like(total), 0, set()])
        entry[0] = entry[0] + total
        entry[1] += n
        entry[2].add(article_id)
        old_sum, old_n = self.article.get(article_id, (np.zeros_like(total), 0))
        self.article[article_id] = (old_sum + total, old_n + n)

    def rest_mean(self, article_id: str) -> np.ndarray | None:
        """The mean of everything but `article_id`."""
        own_sum, own_n = self.article.get(article_id, (0.0, 0))
        rest_n = self.count - own_n
        return (self.total - own_sum) / rest_n if rest_n > 0 else None

    def mean(self, lang: str, article_id: str, prior: float, rest: np.ndarray) -> np.ndarray:
        """The mean of `lang` without `article_id`, shrunk towards `rest` (its `rest_mean`)."""
        entry = self.lang.get(lang)
        if entry is None:
            return rest
        own_sum, own_n = self.article.get(article_id, (0.0, 0))
        mine = article_id in entry[2]
        lang_n = entry[1] - (own_n if mine else 0)
        others = len(entry[2]) - mine
        if lang_n <= 0 or others == 0:
            return rest
        lang_mean = (entry[0] - (own_sum if mine else 0.0)) / lang_n
        weight = others / (others + prior)
        return weight * lang_mean + (1 - weight) * rest


@dataclass(frozen=True, slots=True)
class LanguageMeans:
    """What to subtract from a passage's similarity so that languages compete fairly.

    Multilingual embedders put a text's language into its vector: an English question is
    closer to any English passage than to a Romanian one saying the same thing. Centring each
    language (subtracting the question's similarity to the mean vector of the passage's
    language; Libovický et al. 2020, "On the language neutrality of pre-trained multilingual
    representations") removes most of that pull and leaves the topic.

    A passage's own topic must not count against it, so every mean leaves its article out.
    When every language of the index has at least `min_articles` articles, each language
    uses the mean of its own other articles (shrunk towards the mean of all other articles
    by `prior` articles' weight): measured, that is best. Otherwise (a small or lopsided
    index, like one Romanian article among English ones) a language's mean is the mean of
    all other articles plus its direction from `bot.language_directions` (the same sentences
    in six languages, so their differences are language only); a language without a
    reference direction gets its shrunk own mean.
    """

    chunks: _Sums
    sentences: _Sums
    prior: float
    directions: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    chunks_seen: int = 0
    own_means: bool = False  # every language has enough articles for a mean of its own

    def _offset(self, sums: _Sums, which: int, q: np.ndarray, lang: str, article_id: str) -> float:
        rest = sums.rest_mean(article_id)
        if rest is None:
            return 0.0
        if not self.own_means and lang in self.directions:
            return float((rest + self.directions[lang][which]) @ q)
        return float(sums.mean(lang, article_id, self.prior, rest) @ q)

    def chunk_offset(self, query_vector: np.ndarray, lang: str, article_id: str) -> float:
        return self._offset(self.chunks, 0, query_vector, lang, article_id)

    def sentence_offset(self, query_vector: np.ndarray, lang: str, article_id: str) -> float:
        return self._offset(self.sentences, 1, query_vector, lang, article_id)


def language_means(
    index: Index,
    directions: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
    sample: int = 3000,
    prior: float = 2.0,
    seed: int = 0,
    min_articles: int = 10,
) -> LanguageMeans | None:
    """Sums of a random sample of the index's chunk and sentence vectors (None if empty)."""
    import random

    ids = index.all_chunk_ids()
    if not ids:
        return None
    picked = random.Random(seed).sample(ids, min(sample, len(ids)))
    chunks = {c.chunk_id: c for c in index.chunks(picked)}
    chunk_vectors = index.chunk_vectors(picked)
    sentence_vectors = index.sentence_vectors(picked)
    chunk_sums, sentence_sums = _Sums(), _Sums()
    for chunk_id, vector in chunk_vectors.items():
        chunk = chunks.get(chunk_id)
        if chunk is None:
            continue
        lang, article_id = chunk.article.lang, chunk.article.article_id
        chunk_sums.add(lang, article_id, vector[None, :])
        if chunk_id in sentence_vectors:
            sentence_sums.add(lang, article_id, sentence_vectors[chunk_id])
    if not chunk_sums.count:
        return None
    own = all(len(entry[2]) >= min_articles for entry in chunk_sums.lang.values())
    return LanguageMeans(chunk_sums, sentence_sums, prior, dict(directions or {}), len(ids), own)


def search(
    index: Index,
    query_vector: np.ndarray | None,
    terms: Sequence[str],
    k: int,
    filters: Filters = Filters(),
    params: RetrievalParams = DEFAULT_PARAMS,
    means: LanguageMeans | None = None,
    context_articles: frozenset[str] = frozenset(),
    recent_as_of: float | None = None,
) -> SearchResult:
    """The `k` best passages for a query, with their sentences ranked.

    `context_articles` (a follow-up's previously cited articles) get `params.followup_boost`:
    a follow-up is most likely about the same story. `recent_as_of` (a timestamp, given when
    the question asks about the present) adds each passage's `recency` at that moment.

    With `means`, dense similarities are language-centred (see `LanguageMeans`) with weight
    `params.centering` before fusion, in the passage score and in the sentence scores.
    """
    if query_vector is None:
        params = replace(params, use_dense=False)
        means = None
    q = None if query_vector is None else np.asarray(query_vector, np.float32)
    depth = max(params.depth, k)
    dense_hits = index.dense_search(q, depth, filters) if params.use_dense else []
    lexical_hits = index.lexical_search(terms, depth, filters) if params.use_lexical else []
    wanted = list(dict.fromkeys([c for c, _ in dense_hits] + [c for c, _ in lexical_hits]))
    chunks = {c.chunk_id: c for c in index.chunks(wanted)} if wanted else {}
    centering = params.centering if means is not None and q is not None else 0.0

    def chunk_shift(chunk_id: str) -> float:
        if not centering or chunk_id not in chunks:
            return 0.0
        article = chunks[chunk_id].article
        return centering * means.chunk_offset(q, article.lang, article.article_id)  # type: ignore[union-attr, arg-type]

    if centering:
        dense_hits = sorted(((c, s - chunk_shift(c)) for c, s in dense_hits), key=lambda h: -h[1])
    candidates = [c for c in fuse(dense_hits, lexical_hits, params) if c.chunk_id in chunks]
    if not candidates:
        return SearchResult([], [])
    pool = candidates[: max(params.rerank, k)] if params.use_sentences else candidates[:k]
    if q is not None:
        pool = with_dense(index, pool, q, chunk_shift)
    vectors = index.sentence_vectors([c.chunk_id for c in pool]) if q is not None else {}
    sentences: dict[str, tuple[ScoredSentence, ...]] = {}
    scored = []
    for cand in pool:
        chunk = chunks[cand.chunk_id]
        spans, cosines, overlaps = sentence_scores(chunk, vectors.get(cand.chunk_id), q, terms)
        if centering and cand.chunk_id in vectors:
            shift = means.sentence_offset(q, chunk.article.lang, chunk.article.article_id)  # type: ignore[union-attr, arg-type]
            cosines = cosines - centering * shift
        values = cosines + params.sentence_lexical * overlaps
        order = sorted(range(len(spans)), key=lambda i: -float(values[i]))
        sentences[cand.chunk_id] = tuple(ScoredSentence(spans[i], float(values[i])) for i in order)
        pooled = float(np.mean([values[i] for i in order[: max(1, params.sentence_top)]]))
        cand = replace(cand, article_id=chunk.article.article_id, lang=chunk.article.lang or "",
                       sentence_cosine=float(cosines[order[0]]), sentence=pooled)  # fmt: skip
        if params.use_sentences:
            boost = params.followup_boost if chunk.article.article_id in context_articles else 0.0
            if recent_as_of is not None:
                boost += recency(chunk.article.published_ts, recent_as_of, params)
            cand = replace(cand, score=passage_score(cand, params) + boost)
        scored.append(cand)
    ranked = prefer_recent(scored, {c: chunks[c].article.published_ts for c in chunks}, params.tie)
    evidence = [
        Evidence(chunks[c.chunk_id], c.score, sentences[c.chunk_id], vectors.get(c.chunk_id))
        for c in ranked[:k]
    ]
    return SearchResult(evidence, ranked)


def with_dense(
    index: Index,
    candidates: list[Candidate],
    query_vector: np.ndarray,
    shift: Callable[[str], float] = lambda _chunk_id: 0.0,
) -> list[Candidate]:
    """Give candidates that only BM25 found their (centred) cosine too: Chroma returns only
    its top hits."""
    missing = [c.chunk_id for c in candidates if c.dense_rank is None]
    if not missing:
        return candidates
    cosine = {
        chunk_id: float(vector @ query_vector) - shift(chunk_id)
        for chunk_id, vector in index.chunk_vectors(missing).items()
    }
    return [
        replace(c, dense=cosine[c.chunk_id]) if c.chunk_id in cosine else c for c in candidates
    ]
