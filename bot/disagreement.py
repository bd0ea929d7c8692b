"""Figures that sources give differently for the same thing, found to be shown side by side.

A figure is a number in a sentence (not a year), the thing it counts (`unit`: the first
content word after it that is not a proper name, "8,000 North Korean *soldiers*") and the
words around it (`frame`: up to `FRAME` content words either side). Two figures are about the
same thing when their units are the same word (`similar`) and their frames share a word: "12
people died in the fire" and "the fire killed 15 people" are; "40 primaries" and "270 electoral
votes" are not (other units), nor are "12 people died" and "15 people were injured" unless
their frames share a word (then this rule errs: bench/stories.py measures how often).

`similar` decides whether two folded words are the same: by default they share their first
four letters (inflections, and "soldiers"/"soldați"); `bot.ask.Asker` passes one that also
accepts words whose embeddings are very close ("troops"/"soldiers", "killed"/"died"), so the
rule works in every language the embedder reads.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.answer_type import is_year
from bot.answers import Citation, Evidence, ScoredSentence, citation
from bot.phrases import format_date, phrase
from bot.text import NUMBER, STOPWORDS, number_value, tokens, word_overlap

SameWord = Callable[[str, str], bool]

# The answer types (`bot.answer_type`) of questions that ask for a figure: "how many …",
# "câți …", "combien …". Any other question asks for something else, and the figures its quote
# holds are beside the point ("From which port were the soldiers moved?" quotes "1,500 soldiers
# had been moved from Chongjin", which other reports' troop numbers do not contradict).
ASKS_FIGURES = ("count",)
FRAME = 6  # content words either side of a figure that say what it is about
UNIT_WINDOW = 5  # tokens after a number in which its unit is looked for
MAX_FIGURES = 4  # distinct values shown side by side

# Words between a number and what it counts that are not what it counts ("up to 12,000", "12,000
# of the soldiers", "circa 3.000 de soldați").
_NOT_UNITS = STOPWORDS | frozenset(
    "dintre among entre unter tra fra circa about around approximately up least most some "
    "nearly almost over more than".split()
)


def lexical_same(a: str, b: str) -> bool:
    """Two folded words are the same word when they share their first four letters."""
    return a == b or (len(a) >= 4 and len(b) >= 4 and a[:4] == b[:4])


@dataclass(frozen=True, slots=True)
class Claim:
    """One figure of a sentence: its value (digits only), as written, and what it is about."""

    value: str
    written: str
    unit: str
    frame: tuple[str, ...]


def claims(text: str) -> list[Claim]:
    """Every figure of `text` with the word it counts; years and numbers counting nothing
    (no content word follows) are left out."""
    found = []
    for match in NUMBER.finditer(text):
        if is_year(match.group()) or _CLOCK.match(text, match.end()) or text[: match.start()].endswith(":"):
            continue
        after_raw = text[match.end() : match.end() + 80].split()[:UNIT_WINDOW]
        unit = _unit(after_raw)
        if unit is None:
            continue
        before = [w for w in tokens(text[: match.start()]) if _content(w)][-FRAME:]
        after = [w for w in tokens(text[match.end() :]) if _content(w) and w != unit][:FRAME]
        found.append(Claim(number_value(match.group()), match.group(), unit, (*before, *after)))
    return found


# A number that is a time of day ("5 p.m.", "17:30", "9 h", "9 Uhr") counts nothing.
_CLOCK = re.compile(r"\s?(?:[ap]\.?\s?m\b|h\b|uhr\b|:\d)", re.IGNORECASE)


def _content(word: str) -> bool:
    return word not in _NOT_UNITS and not word.isdigit() and len(word) >= 3


def _unit(raw_words: Sequence[str]) -> str | None:
    """The first content word of `raw_words` that is not capitalised (a name, "North Korean"),
    else the first content word at all (German capitalises every noun)."""
    words = [(raw, folded) for raw in raw_words for folded in tokens(raw)[:1] if _content(folded)]
    if not words:
        return None
    return next((f for raw, f in words if not raw[:1].isupper()), words[0][1])


def same_thing(a: Claim, b: Claim, similar: SameWord = lexical_same) -> bool:
    """Whether two figures count the same thing: the same unit, and a word of context shared
    (when both have context)."""
    if not similar(a.unit, b.unit):
        return False
    if not a.frame or not b.frame:  # nothing else to tell them apart by ("8,000 soldiers")
        return True
    return any(similar(x, y) for x in a.frame for y in b.frame)


def disagree(a: str, b: str, similar: SameWord = lexical_same) -> bool:
    """Both sentences give a figure of the same thing, and never the same value for it."""
    pairs = [(x, y) for x in claims(a) for y in claims(b) if same_thing(x, y, similar)]
    return bool(pairs) and all(x.value != y.value for x, y in pairs)


@dataclass(frozen=True, slots=True)
class Figure:
    """The value one article gives, and the sentence that gives it."""

    evidence: Evidence
    sentence: ScoredSentence
    claim: Claim


def differing_figures(
    quoted: Sequence[tuple[Evidence, ScoredSentence]],
    evidence: Sequence[Evidence],
    similar: SameWord = lexical_same,
    terms: Sequence[str] = (),
    limit: int = MAX_FIGURES,
) -> list[Figure]:
    """The distinct values the articles of `quoted` (the answer's quotes, the first one the
    reference) and `evidence` give for a figure of the first quote, newest article first; one
    article per value: a quoted one when one gives it (no copy cited twice), else the newest.
    Empty when they all agree or no other article gives that figure.

    Each figure of the quote is tried; the one most articles give differently wins. An article
    counts with its best-ranked sentence that gives a figure of the same thing (as the quote's,
    or as one already found: "8,000 soldiers in Kursk" joins through "10,000 soldiers in
    Russia") and that says as much of what is asked as the quote does, but for one of the
    question's content words `terms` (two in another language than the quote's): "10,000
    soldiers sent to train in Russia" does not answer "how many had already been moved to
    Vladivostok". A value the quote itself also gives
    ("50 kilometres (31 miles)") agrees with it."""
    if not quoted:
        return []
    best: list[Figure] = []
    ev0, s0 = quoted[0]
    cited = {ev.chunk.chunk_id for ev, _ in quoted}
    if isinstance(similar, EmbeddedWords):  # one batch for every word the figures compare
        similar.embed({*terms, *(w for ev in [ev0, *evidence] for c in claims(ev.chunk.text)
                                 for w in (c.unit, *c.frame))})  # fmt: skip
    quote = ev0.chunk.text[s0.span.start : s0.span.end]
    in_quote = {c.value for c in claims(quote)}
    for claim in claims(quote):
        # the counted thing is matched by `same_thing`; the question's other words say whose
        # figure it is, and a quote that says none of them gives nothing to compare by
        subject = [t for t in terms if not similar(t, claim.unit)]
        asked = _asked(subject, quote, claim, similar, ev0.chunk.article.title)
        if subject and not asked:
            continue
        found = [Figure(ev0, s0, claim)]
        seen = {ev0.chunk.article.article_id}
        for ev in [ev for ev, _ in quoted[1:]] + list(evidence):
            if ev.chunk.article.article_id in seen:
                continue
            # a report in another language shares fewer of the question's words by spelling
            bar = asked - (1 if ev.chunk.article.lang == ev0.chunk.article.lang else 2)
            figure = _figure_in(ev, found, similar, subject, bar, in_quote - {claim.value})
            if figure is not None:
                found.append(figure)
                seen.add(ev.chunk.article.article_id)
        distinct = _one_per_value(found, cited)
        if len(distinct) > max(1, len(best)):
            best = distinct
    return best[:limit]


def _asked(terms: Sequence[str], sentence: str, claim: Claim, similar: SameWord,
           title: str = "") -> int:  # fmt: skip
    """How many of the question's content words `terms` a sentence giving `claim` says: among
    its words or its article's `title` (the same five first letters: a title names whom a
    sentence's "the mayor" or "he" is about), or close to the figure (`similar`)."""
    words = set(tokens(sentence)) | set(tokens(title))
    near = (claim.unit, *claim.frame)
    return sum(1 for t in terms
               if word_overlap([t], words) or any(similar(t, w) for w in near))  # fmt: skip


def _figure_in(
    ev: Evidence, found: Sequence[Figure], similar: SameWord, terms: Sequence[str], bar: int,
    agreeing: set[str],
) -> Figure | None:  # fmt: skip
    for sentence in ev.sentences:
        text = ev.chunk.text[sentence.span.start : sentence.span.end]
        for claim in claims(text):
            if claim.value in agreeing or not any(same_thing(f.claim, claim, similar) for f in found):
                continue
            if _asked(terms, text, claim, similar, ev.chunk.article.title) >= bar:
                return Figure(ev, sentence, claim)
    return None


def _one_per_value(figures: Sequence[Figure], cited: set[str]) -> list[Figure]:
    def newest(f: Figure) -> float:
        return -(f.evidence.chunk.article.published_ts or float("-inf"))

    by_value: dict[str, Figure] = {}
    for figure in sorted(figures, key=lambda f: (f.evidence.chunk.chunk_id not in cited, newest(f))):
        by_value.setdefault(figure.claim.value, figure)
    return sorted(by_value.values(), key=newest)


def side_by_side(
    language: str, figures: Sequence[Figure], citations: Sequence[Citation]
) -> tuple[str, tuple[Citation, ...]]:
    """The lines that show `figures` side by side ("11,000 — Example Post, 5 Nov 2024 [1]"),
    after a line saying the sources differ, and the citations with those of articles not yet
    cited added (numbered on)."""
    cited = list(citations)
    lines = [phrase(language, "differ")]
    for figure in figures:
        article = figure.evidence.chunk.article
        n = next((c.n for c in cited if c.chunk_id == figure.evidence.chunk.chunk_id
                  and figure.claim.written in c.quote), None)  # fmt: skip
        if n is None:
            span = figure.sentence.span
            n = len(cited) + 1
            cited.append(citation(n, figure.evidence, figure.evidence.chunk.text[span.start : span.end]))
        date = format_date(article.published, language)
        who = ", ".join(p for p in (article.outlet(), date[0] if date else "") if p)
        lines.append(phrase(language, "figure", value=figure.claim.written, source=who, n=n))
    return "\n".join(lines), tuple(cited)


WORD_SAME = 0.92  # cosine of two words' query embeddings (e5) above which they mean the same


class EmbeddedWords:
    """A `SameWord` that also accepts two words whose embeddings are at least `WORD_SAME`
    close ("troops"/"soldiers": 0.93, "killed"/"died": 0.93; "killed"/"injured": 0.89,
    "euros"/"dollars": 0.89 are not). Vectors are kept for the process, up to `keep` words."""

    def __init__(self, embed: Callable[[Sequence[str]], np.ndarray], keep: int = 20000) -> None:
        self._embed = embed
        self._vectors: dict[str, np.ndarray] = {}
        self._keep = keep
        self._lock = threading.Lock()

    def embed(self, words: Iterable[str]) -> None:
        """Embed the words not yet embedded, in one batch."""
        with self._lock:
            missing = sorted({w for w in words if w not in self._vectors})
        if not missing:
            return
        vectors = np.asarray(self._embed(missing))
        with self._lock:
            if len(self._vectors) + len(missing) > self._keep:
                self._vectors.clear()
            self._vectors.update(zip(missing, vectors, strict=True))

    def _vector(self, word: str) -> np.ndarray:
        with self._lock:
            vector = self._vectors.get(word)
        if vector is None:
            vector = np.asarray(self._embed([word])[0])
            with self._lock:
                self._vectors[word] = vector
        return vector

    def __call__(self, a: str, b: str) -> bool:
        if lexical_same(a, b):
            return True
        return float(np.dot(self._vector(a), self._vector(b))) >= WORD_SAME
