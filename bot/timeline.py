"""Timelines: "How did X develop?", "timeline of X" (any language the project handles) answered
with a dated list, oldest to newest, one cited line per dated article, copies collapsed.

The story is what retrieval finds for the question without its timeline words (`subject`):
the articles whose best passage scores within `STORY_MARGIN` of the best one, down to the
first gap of `STORY_GAP` between two articles in score order (where another story starts),
that give most of the names the question gives that the best one gives (`STORY_WORDS`), at most
`MAX_EVENTS` of them (the best-scoring). Each gives its best sentence for the question. An
article whose line repeats an earlier one's words (a wire copy, a light rewrite: at least
`COPY_OVERLAP` of their words shared) is not listed again: the earlier line names it ("also
in …"). Undated articles have no place on a timeline and are left out; with fewer than two
dated articles there is no timeline and the question is answered as any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.answers import Answer, Citation, Evidence, Scope, citation
from bot.extractive import quote_of
from bot.phrases import format_date, phrase, quoted
from bot.text import query_terms, term_overlap, tokens

STORY_PASSAGES = 20  # passages retrieved for a timeline
STORY_MARGIN = 0.15  # in passage score, below the best passage, an article is still the story's
STORY_GAP = 0.06  # ... unless a gap this wide separates it from the article ranked before it
STORY_WORDS = 0.75  # ... and it gives this share of the question's names the best article gives
MAX_EVENTS = 10
COPY_OVERLAP = 0.6  # share of words two lines have in common to be copies of one text
QUOTE_CHARS = 300

# Folded word beginnings that ask for a timeline by themselves ("timeline", "cronologia",
# "Zeitleiste") or after a "how" ("how did it develop", "cum a evoluat", "wie hat es sich
# entwickelt"); en ro fr it de es.
TIMELINE_STEMS = ("timeline", "chronolog", "cronolog", "zeitleiste", "zeitstrahl", "zeitlinie",
                  "evolution", "evolutia", "evolutie", "evoluzione", "evolucion", "entwicklung")  # fmt: skip
DEVELOP_STEMS = ("develop", "evolv", "evolu", "unfold", "dezvolt", "desfasur", "svilupp",
                 "deroul", "entwickel", "entwickelt", "desarroll")  # fmt: skip
HOW_WORDS = frozenset("how cum comment come wie como".split())


def _timeline_word(word: str) -> bool:
    return word.startswith(TIMELINE_STEMS) or word.startswith(DEVELOP_STEMS)


def asks_timeline(question: str) -> bool:
    """Whether `question` asks how a story developed (a timeline)."""
    words = tokens(question)
    if any(w.startswith(TIMELINE_STEMS) for w in words):
        return True
    return bool(HOW_WORDS.intersection(words)) and any(w.startswith(DEVELOP_STEMS) for w in words)


def subject(question: str) -> str:
    """The question without the words that ask for a timeline: what to search for."""
    kept = [w for w in question.split() if not any(_timeline_word(t) for t in tokens(w))]
    return " ".join(kept) or question


@dataclass(slots=True)
class _Event:
    evidence: Evidence
    quote: str
    words: frozenset[str]
    copies: list[Evidence] = field(default_factory=list)


def _copy_of(words: frozenset[str], events: Sequence[_Event]) -> _Event | None:
    for event in events:
        shared = len(words & event.words) / max(1, min(len(words), len(event.words)))
        if shared >= COPY_OVERLAP:
            return event
    return None


def names(question: str) -> list[str]:
    """The question's capitalised content words, folded: the names a story is told with in
    every language ("Valmora", "Hong Kong", "Bernie Sanders")."""
    return query_terms(" ".join(w for w in question.split() if w[:1].isupper()))


def story_of(evidence: Sequence[Evidence], terms: Sequence[str] = ()) -> list[Evidence]:
    """The best passage of each article of the story `evidence` tells (the best-scoring one
    and those close enough to it, see the module docstring), best first. With the names the
    question gives (`terms`, from `names`), an article must also give at least `STORY_WORDS`
    of the share of them the best one gives (in its title and passage): "the Valmora floods"
    are not any flood, whatever language each report is in."""
    best: dict[str, Evidence] = {}
    for ev in sorted((e for e in evidence if e.sentences), key=lambda e: -e.score):
        best.setdefault(ev.chunk.article.article_id, ev)
    story: list[Evidence] = []
    bar = 0.0
    for ev in best.values():
        if story and (ev.score < story[0].score - STORY_MARGIN or ev.score < story[-1].score - STORY_GAP):
            break
        said = term_overlap(terms, f"{ev.chunk.article.title}\n{ev.chunk.text}") if terms else 0.0
        if not story:
            bar = STORY_WORDS * said
        elif said < bar:
            continue
        story.append(ev)
    return story


def story_events(evidence: Sequence[Evidence], terms: Sequence[str] = ()) -> list[_Event]:
    """The story's dated articles as events, oldest first, copies folded into the earliest."""
    story = story_of(evidence, terms)
    chosen = [ev for ev in story if ev.chunk.article.published_ts is not None][:MAX_EVENTS]
    chosen.sort(key=lambda e: (e.chunk.article.published_ts or 0.0, e.chunk.article.article_id))
    events: list[_Event] = []
    for ev in chosen:
        quote = quote_of(ev, ev.sentences[0], QUOTE_CHARS)
        words = frozenset(tokens(quote))
        original = _copy_of(words, events)
        if original is not None:
            original.copies.append(ev)
        else:
            events.append(_Event(ev, quote, words))
    return events


def timeline_answer(
    question: str, language: str, evidence: Sequence[Evidence], scope: Scope | None = None,
    searched: str = "",
) -> Answer | None:  # fmt: skip
    """The timeline of the story `evidence` tells, or None when fewer than two dated articles
    tell it. `searched`: the question as searched (a follow-up made standalone)."""
    events = story_events(evidence, names(subject(searched or question)))
    if len(events) < 2:
        return None
    lines = [phrase(language, "timeline")]
    citations: list[Citation] = []
    for n, event in enumerate(events, start=1):
        article = event.evidence.chunk.article
        citations.append(citation(n, event.evidence, event.quote))
        date = format_date(article.published, language)
        source_lang = article.lang or language
        line = phrase(language, "timeline_line", date=date[0] if date else "", n=n,
                      source=article.outlet(), quote=quoted(event.quote, source_lang))  # fmt: skip
        if event.copies:
            also = ", ".join(dict.fromkeys(c.chunk.article.outlet() for c in event.copies))
            line += phrase(language, "timeline_also", sources=also)
        lines.append(line)
    return Answer(question=question, answer="\n".join(lines), language=language,
                  abstained=False, citations=tuple(citations), scope=scope)  # fmt: skip
