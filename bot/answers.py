"""What answering produces: evidence found, citations, and the answer itself.

These are plain data shared by the retrieval, the answer builders (extractive and LLM), the
CLI and the Slack renderer. `Answer.as_json()` is the `newsdesk ask --json` contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from newsdesk.articles import ArticleRef, Span
from newsdesk.index import StoredChunk


@dataclass(frozen=True, slots=True)
class ScoredSentence:
    """A sentence of a chunk (offsets relative to the chunk text) and how well it answers."""

    span: Span
    score: float


@dataclass(frozen=True, slots=True)
class Evidence:
    """A retrieved chunk, its retrieval score, and its sentences ranked for the question."""

    chunk: StoredChunk
    score: float
    sentences: tuple[ScoredSentence, ...] = ()
    # The stored vectors of `chunk.sentences` (in the chunk's order, not the ranked one), when
    # retrieval read them: lets the answer tell whether two sentences say the same thing.
    sentence_vectors: Any = field(default=None, compare=False, repr=False)

    def vector_of(self, span: Span) -> Any:
        """The stored vector of one of the chunk's sentences, or None."""
        if self.sentence_vectors is None:
            return None
        try:
            return self.sentence_vectors[self.chunk.sentences.index(span)]
        except (ValueError, IndexError):
            return None


@dataclass(frozen=True, slots=True)
class Citation(ArticleRef):
    """One numbered source of an answer: the article it names, the passage, and `quote`, a
    verbatim substring of `passage`. `also_in`: the other copies of the article (the same
    story told by other outlets or under other URLs, `newsdesk.copies`, or translated,
    `bot.copies.with_translations`), oldest first, which the answer cites through this one."""

    n: int
    chunk_id: str
    passage: str
    quote: str
    also_in: tuple[ArticleRef, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "n": self.n, "article_id": self.article_id, "title": self.title,
            "source": self.source, "url": self.url, "published": self.published,
            "lang": self.lang, "chunk_id": self.chunk_id, "passage": self.passage,
            "quote": self.quote, "also_in": [ref.ref() for ref in self.also_in],
        }  # fmt: skip

    def also_in_names(self) -> list[str]:
        """The outlets of the copies, each once, oldest first, without this article's own (the
        same page under two URLs); a copy without an outlet is named by its title, a
        translation (a copy in another language) with its language: "Digi24 (ro)"."""
        names = dict.fromkeys(
            (ref.source or ref.title or ref.url)
            + (f" ({ref.lang})" if ref.lang and self.lang and ref.lang != self.lang else "")
            for ref in self.also_in
        )
        return [name for name in names if name and name != self.source]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Citation:
        """The citation `as_json` wrote (`also_in` absent in what older versions wrote)."""
        also_in = tuple(ArticleRef(**ref) for ref in data.get("also_in") or ())
        return cls(**{k: v for k, v in data.items() if k != "also_in"}, also_in=also_in)


def citation(n: int, evidence: Evidence, quote: str) -> Citation:
    """Citation number `n`: `quote` (a verbatim substring of the passage) from `evidence`."""
    chunk = evidence.chunk
    return Citation(**evidence.chunk.article.ref(), n=n, chunk_id=chunk.chunk_id,
                    passage=chunk.text, quote=quote)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Scope:
    """What a question was searched over, so an abstention can say it."""

    articles: int
    first_published: str | None
    last_published: str | None


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer with `[n]` markers that refer to `citations` (numbered from 1)."""

    question: str
    answer: str
    language: str
    abstained: bool
    citations: tuple[Citation, ...] = ()
    scope: Scope | None = None
    standalone_question: str = ""  # the question after follow-up rewriting, when it changed
    generated_by: str = "extractive"  # or the LLM's name
    notes: tuple[str, ...] = field(default=())  # e.g. why an LLM answer was replaced
    figures_differ: bool = False  # the articles give different values, shown side by side

    def as_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "answer": self.answer,
            "language": self.language,
            "abstained": self.abstained,
            "citations": [c.as_json() for c in self.citations],
        }
