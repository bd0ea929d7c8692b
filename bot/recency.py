"""Answers about the present, and the date every answer is true as of.

- A question about the present ("the latest", "now", "still", "this week": `bot.text.asks_recent`)
  weighs recency as of `recency_moment`: the `--until`/`--as-of` date when given, else the
  newest article of the story the question finds (`bot.timeline.story_of`; or now, when that
  is in the future). Measuring
  age from the story's newest article rather than from the clock keeps "latest" meaningful over
  an archive: a 2024 story read in 2026 still prefers its 5 November report to its 18 October
  one, whatever newer stories the index holds.
- Every answer ends with the date it is true as of: the newest cited article's date and
  outlet ("As of 5 Nov 2024, per Example Post [1]."), added in code after the answer is built
  or checked, so an LLM is never asked to write it and its checks never see it.
- When a question about the present is answered from evidence older than `STALE_AFTER_DAYS`
  at the moment asked (the `--until` date, else now), the answer says how old ("The newest
  article on this is from 5 Nov 2024.").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.answers import Answer, Citation, Evidence
from bot.phrases import format_date, phrase
from newsdesk.articles import published_timestamp

STALE_AFTER_DAYS = 30.0


def recency_moment(story: Sequence[Evidence], now: float) -> float:
    """The moment a question about the present is asked at when no `--until`/`--as-of` date
    says it: when the newest article of `story` was published, or `now` (for a story without
    dates, or a date in the future)."""
    stamps = [e.chunk.article.published_ts for e in story if e.chunk.article.published_ts]
    return min(max(stamps), now) if stamps else now


def newest_citation(citations: tuple[Citation, ...]) -> Citation | None:
    """The cited article published last (the first cited when none is dated)."""
    dated = [c for c in citations if published_timestamp(c.published) is not None]
    if not dated:
        return citations[0] if citations else None
    return max(dated, key=lambda c: published_timestamp(c.published) or 0.0)


def dated(answer: Answer, recent: bool, moment: float) -> Answer:
    """`answer` with the line that says what it is true as of, and, for a question about the
    present (`recent`) answered from evidence older than `STALE_AFTER_DAYS` at `moment`, the
    line that says how old the newest evidence is. An abstention is returned as is."""
    newest = newest_citation(answer.citations)
    if answer.abstained or newest is None:
        return answer
    language = answer.language
    date = format_date(newest.published, language)
    # An article with neither outlet nor link (a pasted text) is named by its number alone: its
    # title, the fallback that tells figures apart, is a whole sentence in such a text.
    source = newest.outlet()
    named = source != newest.title
    if date is None:
        key = "as_of_undated" if named else "undated_unattributed"
        lines = [phrase(language, key, source=source, n=newest.n)]
    else:
        key = "as_of" if named else "as_of_unattributed"
        lines = [phrase(language, key, date=date[0], source=source, n=newest.n)]
        published = published_timestamp(newest.published) or moment
        if recent and (moment - published) / 86400.0 > STALE_AFTER_DAYS:
            lines.append(phrase(language, "stale", date=date[0]))
    return replace(answer, answer=answer.answer + "\n" + " ".join(lines))
