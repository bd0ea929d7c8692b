"""The extractive answer: the best sentence(s) of the evidence, quoted verbatim and dated.

Without an LLM this is the answer; with one it is what the LLM answer falls back to. Rules:

- The answer quotes the sentence `bot.quote.choose` picks among the best passages' sentences
  (sometimes with the sentence next to it), followed by `[n]`; every citation carries the
  passage (the stored chunk text) and the quote (a verbatim substring of it).
- Every quote is dated by its article ("According to an article of Nov 2024 …"), in the
  question's language (templates in `bot/phrases.py`).
- A quote in another language than the question is introduced as such ("in Romanian:") and
  shown in its original words.
- A second sentence is added when another article's best sentence scores almost as well
  (`AnswerPolicy.second_margin`). The newer article comes first. When articles give different
  values for a figure of the quote, the values follow side by side (`bot.disagreement`).
- When the index is unlikely to answer (`answer_confidence`, below `answer_above`), the
  answer says nothing was found and what was searched: how many articles, which dates, which
  filters.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

import numpy as np

from bot.answer_type import answer_type, unmatched
from bot.answers import Answer, Citation, Evidence, Scope, ScoredSentence, citation
from bot.copies import repeats
from bot.disagreement import (
    ASKS_FIGURES,
    SameWord,
    differing_figures,
    lexical_same,
    side_by_side,
)
from bot.phrases import format_date, language_name, phrase, quoted
from bot.quote import NEEDS_TYPE, WEIGHTS, Choice, QuoteModel, choose
from bot.retrieval import Candidate, SearchResult
from bot.text import query_terms, subject_terms, term_overlap
from newsdesk.index import Filters, Index


@dataclass(frozen=True, slots=True)
class AnswerPolicy:
    """When to abstain and how much to quote (thresholds calibrated in bench/answers.py and
    bench/retrieval.py)."""

    # Answer when the best passage stands out from the best passage of any other article by
    # at least `abstain_below` (in passage score), or when its own score reaches `strong` (a
    # story several articles tell equally well); never when its best sentence scores below
    # `floor`. Calibrated on XQuAD dev and bench/unanswerable.jsonl by bench/retrieval.py.
    abstain_below: float = 0.045
    # With the question, the answer is given when `answer_confidence` (the probability that
    # the index answers it) reaches this; calibrated by bench/answers.py (held-out, the false
    # answers of every unanswerable set stay at most 5% from about 0.52 up).
    answer_above: float = 0.55
    strong: float = -0.14
    floor: float = -0.2
    max_quotes: int = 2
    second_margin: float = 0.02  # a second article's sentence within this of the best is shown
    same_topic: float = 0.85  # ... when the two sentences' vectors are at least this similar
    max_quote_chars: int = 600


DEFAULT_POLICY = AnswerPolicy()


NO_OTHER_ARTICLE = 1.0  # the margin reported when no other article was a candidate


def confidence(result: SearchResult, policy: AnswerPolicy | None = None) -> float:
    """Retrieval's evidence strength `policy.abstain_below` applies to (higher is surer).

    Two signals, either of which is enough to answer. The margin (`article_margin`): an
    answerable question usually has one article that answers it and others that merely share
    its topic, while a question the index cannot answer finds several articles about equally
    close. The top passage's own score: when several articles tell the same story the margin
    vanishes, but the passage still scores high. The second is shifted so that reaching
    `policy.strong` scores `abstain_below`, which keeps one number to calibrate. -inf when
    there is no evidence or the best sentence scores below the policy's floor.
    """
    policy = policy or DEFAULT_POLICY
    if not result.evidence or not result.evidence[0].sentences:
        return float("-inf")
    if result.evidence[0].sentences[0].score < policy.floor:
        return float("-inf")
    return strength(result, article_margin(result), policy)


def strength(result: SearchResult, margin: float, policy: AnswerPolicy) -> float:
    """The larger of `margin` and the top passage's score shifted so that `policy.strong`
    scores `policy.abstain_below`."""
    return max(margin, result.candidates[0].score - policy.strong + policy.abstain_below)


def fair_score(candidate: Candidate) -> float:
    """A passage's score without its word-overlap parts (BM25 rank, sentence term overlap):
    what passages in different languages are compared on, since only a text in the
    question's language can share its words."""
    return candidate.dense + candidate.sentence_cosine


def margin_over(result: SearchResult, rivals: frozenset[str] | None = None) -> float:
    """How far the top passage scores above the best passage of another article (of one of
    `rivals`, when given); `NO_OTHER_ARTICLE` when there is none.

    Two passages in different languages are compared on `fair_score`, so an English article
    that shares a word with an English question does not crowd out a Romanian one that
    answers it."""
    top = result.candidates[0]
    margins = [
        top.score - c.score if c.lang == top.lang else fair_score(top) - fair_score(c)
        for c in result.candidates
        if c.article_id != top.article_id and (rivals is None or c.article_id in rivals)
    ]
    return min(margins, default=NO_OTHER_ARTICLE)


def article_margin(result: SearchResult) -> float:
    """How far the top passage scores above the best passage of any other article."""
    return margin_over(result)


def corroborating(result: SearchResult, threshold: float) -> frozenset[str]:
    """The articles that tell the top passage's story: the top article, and every article
    with a retrieved passage whose best sentence says about what the top passage's best
    sentence says (`same_topic` at `threshold`: copies of one wire text, outlets reporting one
    event, one article in two languages). They corroborate an answer, not compete with it."""
    first = result.evidence[0]
    found = {result.candidates[0].article_id}
    for ev in result.evidence[1:]:
        article = ev.chunk.article.article_id
        if article in found or not ev.sentences:
            continue
        if same_topic(first, first.sentences[0], ev, ev.sentences[0], threshold):
            found.add(article)
    return frozenset(found)


def story_margin(result: SearchResult, threshold: float) -> float:
    """How far the top passage scores above the best passage of another story: articles
    that `corroborating` finds telling the top's story are no rivals."""
    story = corroborating(result, threshold)
    return margin_over(result, frozenset(c.article_id for c in result.candidates) - story)


ABSTAIN_FEATURES = ("bias", "margin", "top_score", "retrieval", "sentence", "type_fit", "coverage",
                    "type_miss", "unmatched")

MAX_MARGIN = 0.3  # margins are capped here: beyond it, a margin says nothing more


def answer_signals(
    result: SearchResult,
    question: str,
    policy: AnswerPolicy,
    model: QuoteModel | None = None,
    choice: Choice | None = None,
    language: str = "",
) -> tuple[float, ...] | None:
    """What says whether the index answers `question` (in `language`, when known; order
    `ABSTAIN_FEATURES`); None when there is no evidence or its best sentence is below the floor.

    Besides retrieval's own signals (the top passage's margin, its score, their `strength`),
    what the answer would quote: how likely `bot.quote` finds its sentence to answer, whether
    it holds the expected answer type, and the share of the question's content words it
    covers with its title and previous sentence (`subject_terms`: not "now" or "still"). A topical near miss (an article on the
    question's subject that does not hold its answer) scores high on retrieval and low on
    these. `type_miss` is 1 when a "how many" or "when" question would be answered by a
    quote that holds no number or date: `AbstainModel` never answers then. `unmatched`: the
    share of the question's numbers (and, when the quoted article is in the question's
    language, names) its passage lacks (`bot.answer_type.unmatched`): an article about Super
    Bowl 50 does not answer a question about Super Bowl 51.

    The margin is taken over other articles, and over other stories as far as the quote
    covers the question: several articles telling one story (copies of a wire text, outlets
    covering one event) leave no article standing out, which is what a well-covered story
    looks like, not ambiguity; but any small index is "one story" for a question about
    something else, so corroboration counts only in the share of the question's words the
    quote and its context hold (`coverage`).
    """
    if not np.isfinite(confidence(result, policy)):
        return None
    ranked = [e for e in result.evidence if e.sentences]
    choice = choice or choose(question, ranked, model)
    if choice is None:
        return None
    ev = ranked[choice.evidence]
    span = choice.sentence.span
    before = ev.chunk.text[max(0, span.start - 300) : span.start]
    context = f"{ev.chunk.article.title}\n{before}\n{ev.chunk.text[span.start : span.end]}"
    coverage = term_overlap(subject_terms(question), context)
    by_article = min(article_margin(result), MAX_MARGIN)
    by_story = min(story_margin(result, policy.same_topic), MAX_MARGIN)
    margin = min(by_article + max(0.0, by_story - by_article) * coverage, MAX_MARGIN)
    miss = float(answer_type(question) in NEEDS_TYPE and choice.fit == 0.0)
    passage = f"{ev.chunk.article.title}\n{ev.chunk.text}"
    lacks = unmatched(question, passage, names=bool(language) and ev.chunk.article.lang == language)
    return (1.0, margin, result.candidates[0].score,
            min(strength(result, margin, policy), MAX_MARGIN), choice.probability, choice.fit,
            coverage, miss, lacks)  # fmt: skip


@dataclass(frozen=True, slots=True)
class AbstainModel:
    """Logistic regression over `ABSTAIN_FEATURES` (fitted by bench/answers.py --fit)."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]

    def probability(self, signals: Sequence[float]) -> float:
        if signals[ABSTAIN_FEATURES.index("type_miss")]:
            return 0.0
        z = (np.asarray(signals) - np.asarray(self.mean)) / np.asarray(self.scale)
        return float(1.0 / (1.0 + np.exp(-(z @ np.asarray(self.weights)))))


@lru_cache(maxsize=1)
def default_abstain_model() -> AbstainModel:
    data = json.loads(WEIGHTS.read_text(encoding="utf-8"))["abstain"]
    if tuple(data["features"]) != ABSTAIN_FEATURES:
        raise ValueError(f"{WEIGHTS} was fitted on other signals: run bench/answers.py --fit")
    return AbstainModel(tuple(data["mean"]), tuple(data["scale"]), tuple(data["weights"]))


def answer_confidence(
    result: SearchResult,
    question: str,
    policy: AnswerPolicy = DEFAULT_POLICY,
    model: QuoteModel | None = None,
    abstain_model: AbstainModel | None = None,
    choice: Choice | None = None,
    language: str = "",
) -> float:
    """How likely the index answers `question` (0..1; `policy.answer_above` applies).
    `choice`: what `bot.quote.choose` picked for this result, when already known; `language`:
    the question's."""
    signals = answer_signals(result, question, policy, model, choice, language)
    if signals is None:
        return 0.0
    return (abstain_model or default_abstain_model()).probability(signals)


def scope_of(index: Index, filters: Filters = Filters()) -> Scope:
    """How many articles (and which dates) a search with these filters covers."""
    stats = index.stats(filters)
    return Scope(stats.articles, stats.first_published, stats.last_published)


def describe_filters(filters: Filters) -> str:
    parts = []
    if filters.since is not None:
        parts.append("since " + _iso_day(filters.since))
    if filters.until is not None:
        parts.append("until " + _iso_day(filters.until))
    if filters.source:
        parts.append(f"source {filters.source}")
    if filters.lang:
        parts.append(f"lang {filters.lang}")
    return ", ".join(parts)


def _iso_day(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).date().isoformat()


def abstention(
    question: str, language: str, scope: Scope, filters: Filters = Filters()
) -> Answer:
    """The answer that says nothing was found, and what was searched."""
    first = format_date(scope.first_published, language)
    last = format_date(scope.last_published, language)
    if first and last and first[0] != last[0]:
        dates = phrase(language, "range", first=first[0], last=last[0])
    elif first:
        dates = phrase(language, "range_single", first=first[0])
    else:
        dates = ""
    key = "searched_one" if scope.articles == 1 else "searched"
    text = phrase(language, "nothing") + " " + phrase(language, key, articles=scope.articles, range=dates)
    if not filters.is_empty():
        text = text[:-1] + phrase(language, "filters", filters=describe_filters(filters)) + "."
    return Answer(question=question, answer=text, language=language, abstained=True, scope=scope)


def quote_of(evidence: Evidence, sentence: ScoredSentence, max_chars: int) -> str:
    """The sentence's words, verbatim; a very long one is cut at a word boundary."""
    text = evidence.chunk.text[sentence.span.start : sentence.span.end]
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    return cut[: cut.rfind(" ")] if " " in cut else cut


def same_topic(a: Evidence, sa: ScoredSentence, b: Evidence, sb: ScoredSentence,
               threshold: float) -> bool:  # fmt: skip
    """Whether two sentences say about the same thing (their stored vectors are close).

    Without vectors, they must share at least half of the first one's content words.
    """
    va, vb = a.vector_of(sa.span), b.vector_of(sb.span)
    if va is not None and vb is not None:
        return float(np.dot(va, vb)) >= threshold
    text_a = a.chunk.text[sa.span.start : sa.span.end]
    text_b = b.chunk.text[sb.span.start : sb.span.end]
    return term_overlap(query_terms(text_a), text_b) >= 0.5


def pick_quotes(
    evidence: Sequence[Evidence],
    policy: AnswerPolicy = DEFAULT_POLICY,
    question: str = "",
    model: QuoteModel | None = None,
    choice: Choice | None = None,
) -> list[tuple[Evidence, ScoredSentence]]:
    """The sentence `bot.quote.choose` picks (with `question`; else the top passage's best
    sentence), plus near-equal ones of other articles on the same topic; newer first."""
    ranked = [e for e in evidence if e.sentences]
    if not ranked:
        return []
    if choice is None and question:
        choice = choose(question, ranked, model)
    best, first = ranked[0], ranked[0].sentences[0]
    if choice is not None:
        best, first = ranked[choice.evidence], choice.sentence
    chosen = [(best, first)]
    if choice is not None and choice.runner_up is not None:
        other, sentence = choice.runner_up
        chosen.append((ranked[other], sentence))
    # the best-ranked stored sentence inside the quote (it may join two): what a second
    # article's sentence must be about, by their stored vectors
    quoted_sentence = next(
        (s for s in best.sentences if first.span.start <= s.span.start and s.span.end <= first.span.end),
        best.sentences[0],
    )
    seen = {ev.chunk.article.article_id for ev, _ in chosen}
    top_score = ranked[0].sentences[0].score  # retrieval's best sentence: the bar for others
    for ev in sorted(ranked, key=lambda e: -e.sentences[0].score):
        if len(chosen) >= policy.max_quotes:
            break
        if ev.chunk.article.article_id in seen:
            continue
        if ev.sentences[0].score < top_score - policy.second_margin:
            break
        if not same_topic(best, quoted_sentence, ev, ev.sentences[0], policy.same_topic):
            continue
        if repeats(best, first, ev, ev.sentences[0]):  # the same words: one quote is enough
            continue
        chosen.append((ev, ev.sentences[0]))
        seen.add(ev.chunk.article.article_id)
    chosen.sort(key=lambda pair: -(pair[0].chunk.article.published_ts or float("-inf")))
    return chosen


def _lead(language: str, published: str | None, first: bool, older: bool,
          same: bool = False) -> str:  # fmt: skip
    """How a quote is introduced: the first, an earlier article's, another's, or (`same`) one
    more from the article quoted just before."""
    if same:
        return phrase(language, "same_article")
    date = format_date(published, language)
    if first:
        key = f"according_{date[1]}" if date else "according_undated"
    elif older:
        key = f"older_{date[1]}" if date else "older_undated"
    else:
        key = "also" if date else "also_undated"
    return phrase(language, key, date=date[0] if date else "")


def extractive_answer(
    question: str,
    language: str,
    evidence: Sequence[Evidence],
    scope: Scope | None = None,
    policy: AnswerPolicy = DEFAULT_POLICY,
    searched: str = "",
    model: QuoteModel | None = None,
    choice: Choice | None = None,
    similar: SameWord = lexical_same,
    others: Sequence[Evidence] = (),
) -> Answer:
    """The answer quoting the best sentence(s) of `evidence` (which must not be empty).

    `searched` is the question as searched (a follow-up made standalone); it picks the quote
    (`choice`, when the caller already made it for these evidence). When the articles of
    `evidence` (and `others`, passages ranked after them) give different values for a figure
    of the quote, they follow side by side (`bot.disagreement`; `similar` says which words are
    the same).
    """
    picked = pick_quotes(evidence, policy, searched or question, model, choice)
    if not picked:
        return abstention(question, language, scope or Scope(0, None, None))
    citations: list[Citation] = []
    parts: list[str] = []
    newest_ts = picked[0][0].chunk.article.published_ts
    for i, (ev, sentence) in enumerate(picked):
        quote = quote_of(ev, sentence, policy.max_quote_chars)
        n = len(citations) + 1
        citations.append(citation(n, ev, quote))
        article = ev.chunk.article
        older = (
            article.published_ts is not None
            and newest_ts is not None
            and article.published_ts < newest_ts
        )
        same = i > 0 and picked[i - 1][0].chunk.article.article_id == article.article_id
        lead = _lead(language, article.published, i == 0, older, same)
        source_lang = article.lang or language
        if source_lang != language:
            lead += ", " + phrase(language, "in_language", language=language_name(source_lang, language))
            shown = quoted(quote, source_lang)
        else:
            shown = quoted(quote, language)
        ellipsis = "…" if len(quote) < sentence.span.end - sentence.span.start else ""
        parts.append(f"{lead}: {shown}{ellipsis} [{n}]")
    text = "\n".join(parts)
    figures = []
    if answer_type(searched or question) in ASKS_FIGURES:
        figures = differing_figures(picked, [*evidence, *(e for e in others if e.sentences)],
                                    similar, query_terms(searched or question))
    cited = tuple(citations)
    if figures:
        shown, cited = side_by_side(language, figures, cited)
        text += "\n" + shown
    return Answer(
        question=question, answer=text, language=language, abstained=False,
        citations=cited, scope=scope, figures_differ=bool(figures),
    )  # fmt: skip


def answer_from(
    question: str,
    language: str,
    result: SearchResult,
    scope: Scope,
    filters: Filters = Filters(),
    policy: AnswerPolicy = DEFAULT_POLICY,
    searched: str = "",
    model: QuoteModel | None = None,
    similar: SameWord = lexical_same,
    others: Sequence[Evidence] = (),
) -> Answer:
    """The extractive answer to a search, or the abstention when the evidence is too weak."""
    searched = searched or question
    ranked = [e for e in result.evidence if e.sentences]
    choice = choose(searched, ranked, model) if ranked else None
    likely = answer_confidence(result, searched, policy, model, choice=choice, language=language)
    if likely < policy.answer_above:
        return abstention(question, language, scope, filters)
    return extractive_answer(question, language, ranked, scope, policy, searched, model, choice,
                             similar, others)
