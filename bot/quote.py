"""Which sentence the answer quotes: a logistic regression over per-sentence signals.

Retrieval ranks passages; inside the best few (`QuoteModel.passages`) and every other
retrieved passage of the first one's article (`pool`: a news article's lead ranks first for
any question about its event, the answer is often further down), every sentence is a
candidate, described by signals that are the same for every article and language:

- its retrieval score (language-centred cosine with the question plus term overlap), and how
  far it is from the best sentence of its passage and of all candidates; its passage's rank,
  and whether it is of the first passage's article;
- the question's words it holds, plain and weighted by how few candidates hold them
  (`pool_rarity`: the words of the ask, not of the topic every sentence of the story shares);
- its context: the scores of the sentences before and after it, and the share of the
  question's content words found in the title, the two sentences before it (reaching into the
  previous chunk of the article when that was retrieved too) and the sentence together, and
  whether it opens with or holds a pronoun (so "8.000 dintre aceștia" — "8,000 of them" — is
  read with what "them" refers to);
- the answer-type fit (`bot.answer_type`): a "how many" question wants a number the question
  does not already hold, "when" a date, "who" and "where" a name (and "where" a place noun);
- whether it is the article's lead (which restates the topic and so matches every question).

The weights are fitted on the XQuAD dev questions and the news questions of bench/newsqa,
with article-grouped cross-validation (`bench/fit_quote.py`, which writes
`bot/quote_weights.json`), on a loss that holds each sentence's label and each question's
choice among its sentences: the output stays a probability, and the weights are those that
pick one question's answering sentence, not those that sort every sentence of every question.
The model's probability that the chosen sentence answers is also a signal for abstention
(`bot.extractive.confidence`). When the sentence next to the chosen one is itself likely to
answer (`QuoteModel.second`), it is quoted too: the answer stays a sentence or two, and stays
a verbatim substring of the passage. When another sentence is nearly as likely as the best
(`QuoteModel.runner_up`), the model cannot tell them apart and the reader gets both, the
likelier first (unless it is a near copy of the chosen one: a roundup repeating the wire's
sentence says nothing more).

A dateline glued to the lead ("Monday, August 3, 2020\nOn Thursday, ...") is not part of any
quote: a first line made only of date words and numbers is skipped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.answer_type import MONTH_WORDS, answer_type, content
from bot.answers import Evidence, ScoredSentence
from bot.text import query_terms, tokens, word_overlap
from newsdesk import copies
from newsdesk.articles import Span

WEIGHTS = Path(__file__).with_name("quote_weights.json")
# answer types a sentence cannot answer without holding one: a number for "how many", a date
# or number for "when" (`bot.extractive` never answers with such a quote either)
NEEDS_TYPE = ("count", "when")
TYPE_PAIRS = (
    ("count", "numbers"), ("when", "dates"), ("when", "numbers"), ("who", "names"),
    ("where", "names"), ("what", "names"), ("what", "numbers"), ("what", "dates"),
)  # fmt: skip
FEATURES = (
    "bias", "score", "gap_passage", "gap_all", "passage_gap", "top_passage", "top_article",
    "prev_score", "next_score", "after_best", "before_best", "anaphor", "anaphor_x_prev",
    "context_score", "refers_x_context", "overlap", "rare_overlap", "context_overlap", "lead",
    "log_chars", "numbers", "dates", "names", "where_x_places",
    *(f"{q}_x_{c}" for q, c in TYPE_PAIRS),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Candidate:
    """One sentence of one retrieved passage, with its signals."""

    evidence: int  # index into the evidence list
    position: int  # the sentence's index in its chunk
    span: Span  # offsets in the chunk text (a leading dateline removed)
    score: float  # its retrieval score
    features: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Choice:
    """The quoted span (one sentence, or two adjacent ones) and how likely it answers; and
    `runner_up`, another sentence (evidence index, sentence) nearly as likely, quoted too."""

    evidence: int
    sentence: ScoredSentence
    probability: float
    fit: float  # 1.0 when the chosen sentence holds what the question's type asks for
    runner_up: tuple[int, ScoredSentence] | None = None


@dataclass(frozen=True, slots=True)
class QuoteModel:
    """Standardisation and weights of the sentence scorer, and how to use its output."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    passages: int = 3  # candidates come from this many passages, best first
    second: float = 0.25  # an adjacent sentence at least this likely to answer is quoted too
    # another sentence at least this share as likely as the best is quoted after it (>1: never)
    runner_up: float = 1.01

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        z = (rows - np.asarray(self.mean)) / np.asarray(self.scale)
        return 1.0 / (1.0 + np.exp(-(z @ np.asarray(self.weights))))


@lru_cache(maxsize=1)
def default_model() -> QuoteModel:
    """The model fitted by bench/fit_quote.py (its features must be `FEATURES`)."""
    data = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{WEIGHTS} was fitted on other features: run bench/fit_quote.py")
    return QuoteModel(tuple(data["mean"]), tuple(data["scale"]), tuple(data["weights"]),
                      int(data["passages"]), float(data["second"]),
                      float(data["runner_up"]))  # fmt: skip


def dateline_end(text: str) -> int:
    """Where the sentence starts after a leading line of only date words and numbers (else 0)."""
    newline = text.find("\n")
    if newline <= 0 or newline > 60:
        return 0
    words = tokens(text[:newline])
    if not words or not all(w.isdigit() or w in MONTH_WORDS for w in words):
        return 0
    rest = text[newline:]
    return newline + len(rest) - len(rest.lstrip())


def sentence_spans(chunk_text: str, spans: Sequence[Span], first_chunk: bool) -> list[Span]:
    """The chunk's sentences; the lead of an article loses a glued dateline."""
    out = list(spans) or [Span(0, len(chunk_text))]
    if first_chunk and out:
        head = out[0]
        skip = dateline_end(chunk_text[head.start : head.end])
        if skip and head.start + skip < head.end:
            out[0] = Span(head.start + skip, head.end)
    return out


# Words that open a sentence about something named before it (en, ro, fr, de, es, it), folded.
ANAPHORS = frozenset(
    """
    he she it they this these those his her its their there then such both
    el ea ei ele acesta aceasta acestia acestea aceste acest lui sa sau lor acolo apoi
    il elle ils elles ce cette ces cet son sa ses leur leurs
    er sie es dies diese dieser dieses sein seine ihr ihre dort dann
    ella ellos ellas este esta estos estas ese esa su sus alli luego
    egli lei essi esse questo questa questi queste suo sua suoi loro li poi
    """.split()
)


# Pronouns that stand for a group named before ("8.000 dintre aceștia", "8,000 of them").
REFERRING = frozenset(
    """
    them they these those acestia acestea dintre ei ele eux ceux ils elles
    diese ihnen ellos ellas estos estas essi questi loro
    """.split()
)
# Nouns that say a place is named (a "where" answer): region, city, country, ... (folded).
PLACE_NOUNS = frozenset(
    """
    region city country province state town village capital border area territory county
    district island coast river regiunea regiune orasul oras tara provincia judetul capitala
    granita zona teritoriul raionul satul insula region ville pays province frontiere capitale
    territoire departement regione citta paese provincia confine capitale territorio
    stadt land provinz grenze hauptstadt gebiet bezirk ciudad pais frontera territorio
    """.split()
)


@lru_cache(maxsize=8192)
def word_set(text: str) -> frozenset[str]:
    """The folded words of a sentence or title (cached: neighbours are read several times)."""
    return frozenset(tokens(text))


STEM = 5  # letters a word is compared by: "succeeded"/"successor", "survived"/"survivor"


def stems(words: Sequence[str] | frozenset[str]) -> frozenset[str]:
    """Words cut to their first `STEM` letters: a stemmer for any language written with an
    alphabet, crude but enough to match a question's verb with the sentence's noun."""
    return frozenset(w[:STEM] for w in words)


@lru_cache(maxsize=8192)
def stem_set(text: str) -> frozenset[str]:
    return stems(word_set(text))


def starts_with_anaphor(sentence: str) -> bool:
    """Whether the sentence opens with a pronoun or demonstrative ("It is the county seat")."""
    words = tokens(sentence[:40])
    return bool(words) and words[0] in ANAPHORS


def preceding(evidence: Sequence[Evidence], scored: list[dict[Span, float]]
              ) -> dict[tuple[str, int], list[tuple[str, float]]]:  # fmt: skip
    """Each retrieved chunk's sentences and scores, by (article, chunk index): the context of
    the first sentences of the chunk after it, when that one was retrieved too."""
    return {
        (ev.chunk.article.article_id, ev.chunk.index): [
            (ev.chunk.text[sp.start : sp.end], scored[e].get(sp, 0.0))
            for sp in (ev.chunk.sentences or (Span(0, len(ev.chunk.text)),))
        ]
        for e, ev in enumerate(evidence)
    }


def fit_of(kind: str, numbers: float, dates: float, names: float) -> dict[str, float]:
    """The type-pair features: the question's type times what the sentence holds."""
    held = {"numbers": numbers, "dates": dates, "names": names}
    return {f"{q}_x_{c}": (held[c] if q == kind else 0.0) for q, c in TYPE_PAIRS}


def type_fit(kind: str, sentence: str, question: str) -> float:
    """1.0 when the sentence holds what the question's type asks for (0.5 for `what`)."""
    held = content(sentence, question)
    wanted = {"count": held.new_numbers, "when": held.dates, "who": held.new_names,
              "where": held.new_names}.get(kind)  # fmt: skip
    if wanted is None:
        return 0.5
    return 1.0 if wanted else 0.0


def pool(evidence: Sequence[Evidence], passages: int) -> list[int]:
    """Which passages the quote may come from: the first `passages`, and every other retrieved
    passage of the first one's article. A news article tells one event: its lead matches every
    question about it and ranks first, while the answer is often a later paragraph that ranks
    lower than other articles' leads."""
    if not evidence:
        return []
    top = evidence[0].chunk.article.article_id
    return [e for e, ev in enumerate(evidence)
            if e < passages or ev.chunk.article.article_id == top]  # fmt: skip


def pool_rarity(terms: Sequence[str], sentences: Sequence[frozenset[str]]) -> dict[str, float]:
    """Each question term's weight by how few candidate sentences hold it (inverse document
    frequency over the pool, summing to 1): the words every sentence of a story shares name
    its topic; the ones few share name what the question asks about it."""
    n = len(sentences)
    idf = {t: math.log((n + 1) / (1 + sum(t in words for words in sentences))) for t in set(terms)}
    total = sum(idf.values())
    return {t: w / total for t, w in idf.items()} if total > 0 else {}


def candidates(question: str, evidence: Sequence[Evidence], passages: int = 3) -> list[Candidate]:
    """Every sentence of the passages in `pool`, with its features (order `FEATURES`)."""
    kind = answer_type(question)
    terms = query_terms(question)
    top_score = evidence[0].score if evidence else 0.0
    top_article = evidence[0].chunk.article.article_id if evidence else ""
    scored = [{s.span: s.score for s in ev.sentences} for ev in evidence]
    chosen = pool(evidence, passages)
    best_all = max((max(scored[e].values()) for e in chosen if scored[e]), default=0.0)
    chunks = preceding(evidence, scored)
    pooled = [stem_set(evidence[e].chunk.text[sp.start : sp.end])
              for e in chosen for sp in evidence[e].chunk.sentences]  # fmt: skip
    rarity = pool_rarity(stems(terms), pooled)
    out: list[Candidate] = []
    for e in chosen:
        ev = evidence[e]
        chunk = ev.chunk
        raw = list(chunk.sentences) or [Span(0, len(chunk.text))]
        spans = sentence_spans(chunk.text, raw, chunk.index == 0)
        scores = [scored[e].get(s, 0.0) for s in raw]
        best_here = max(scores) if scores else 0.0
        own = [(chunk.text[sp.start : sp.end], scores[j]) for j, sp in enumerate(spans)]
        earlier = chunks.get((chunk.article.article_id, chunk.index - 1), [])
        for i, span in enumerate(spans):
            text = chunk.text[span.start : span.end]
            context = (earlier + own[:i])[-2:]  # the two sentences before it
            context_gap = max((sc for _, sc in context), default=scores[i]) - scores[i]
            words = word_set(text)
            around = word_set(chunk.article.title).union(words, *(word_set(t) for t, _ in context))
            held = content(text, question)
            prev_gap = scores[i - 1] - scores[i] if i else 0.0
            anaphor = float(starts_with_anaphor(text))
            numbers, dates, names = (min(held.new_numbers, 3) / 3, min(held.dates, 2) / 2,
                                     min(held.new_names, 4) / 4)  # fmt: skip
            values = {
                "bias": 1.0,
                "score": scores[i],
                "gap_passage": scores[i] - best_here,
                "gap_all": scores[i] - best_all,
                "passage_gap": ev.score - top_score,
                "top_passage": float(e == 0),
                "top_article": float(chunk.article.article_id == top_article),
                "prev_score": prev_gap,
                "next_score": scores[i + 1] - scores[i] if i + 1 < len(spans) else 0.0,
                "after_best": float(i > 0 and scores[i - 1] == best_here),
                "before_best": float(i + 1 < len(spans) and scores[i + 1] == best_here),
                "anaphor": anaphor,
                "anaphor_x_prev": anaphor * max(prev_gap, 0.0),
                "context_score": context_gap,
                "refers_x_context": float(bool(words & REFERRING)) * max(context_gap, 0.0),
                "overlap": word_overlap(terms, words),
                "rare_overlap": sum(w for t, w in rarity.items() if t in stem_set(text)),
                "context_overlap": word_overlap(terms, around),
                "lead": float(chunk.index == 0 and i == 0),
                "log_chars": math.log1p(len(text)),
                "numbers": numbers,
                "dates": dates,
                "names": names,
                "where_x_places": float(kind == "where" and bool(words & PLACE_NOUNS)),
                **fit_of(kind, numbers, dates, names),
            }
            out.append(Candidate(e, i, span, scores[i], tuple(values[f] for f in FEATURES)))
    return out


def choose(
    question: str, evidence: Sequence[Evidence], model: QuoteModel | None = None
) -> Choice | None:
    """The span to quote: the likeliest sentence, plus an adjacent one that is likely too;
    and a runner-up elsewhere when the model can hardly tell it from the best (a news lead
    restates the event every question is about, and often scores as high as the sentence
    holding the answer: the reader then sees both, the likelier first)."""
    model = model or default_model()
    found = candidates(question, evidence, model.passages)
    if not found:
        return None
    probs = model.probabilities(np.array([c.features for c in found], np.float64))
    best, span = quoted_span(found, probs, model.second)
    pick = found[best]
    chunk = evidence[pick.evidence].chunk
    kind = answer_type(question)
    fit = type_fit(kind, chunk.text[span.start : span.end], question)
    other = runner_up(found, probs, pick, span, model.runner_up, evidence)
    if other and kind in NEEDS_TYPE and fit and not type_fit(
        kind, evidence[other[0]].chunk.text[other[1].span.start : other[1].span.end], question
    ):
        other = None  # a "how many" quote with a number gains nothing from one without
    return Choice(pick.evidence, ScoredSentence(span, pick.score), float(probs[best]), fit, other)


def quoted_span(found: Sequence[Candidate], probs: np.ndarray, second: float
                ) -> tuple[int, Span]:  # fmt: skip
    """The likeliest candidate (its index) and the span to quote: its sentence, joined with
    the likelier of its neighbours when that one is at least `second` likely to answer."""
    best = int(np.argmax(probs))
    pick = found[best]
    span = pick.span
    neighbours = [
        (float(p), c) for p, c in zip(probs, found, strict=True)
        if c.evidence == pick.evidence and abs(c.position - pick.position) == 1
    ]  # fmt: skip
    if neighbours:
        p_next, nxt = max(neighbours, key=lambda pc: pc[0])
        if p_next >= second:
            span = Span(min(span.start, nxt.span.start), max(span.end, nxt.span.end))
    return best, span


def runner_up(found: Sequence[Candidate], probs: np.ndarray, pick: Candidate, span: Span,
              share: float, evidence: Sequence[Evidence],
              ) -> tuple[int, ScoredSentence] | None:  # fmt: skip
    """The likeliest candidate that is neither in the quoted span nor next to it, nor a near
    copy of it (a roundup repeating the wire's sentence says nothing more), when it is at
    least `share` as likely as the best."""
    best = float(probs.max())
    quoted = copies.words(evidence[pick.evidence].chunk.text[span.start : span.end])
    for p, other in sorted(zip(probs, found, strict=True), key=lambda pc: -pc[0]):
        if p < share * best:
            return None
        if other.evidence == pick.evidence and (
            abs(other.position - pick.position) <= 1
            or (other.span.start < span.end and span.start < other.span.end)
        ):
            continue
        text = evidence[other.evidence].chunk.text[other.span.start : other.span.end]
        if copies.similarity(copies.words(text), quoted) >= copies.COPY_THRESHOLD:
            continue
        return other.evidence, ScoredSentence(other.span, other.score)
    return None
