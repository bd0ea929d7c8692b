"""The one code path for answers: the CLI (`ask`, `chat`, `search`, `eval`) and Slack call this.

    asker = Asker(settings)                       # opens the index, loads the embedder
    answer = asker.ask("Where are the North Korean troops?")
    evidence = asker.search("Kursk", k=5)

`ask` takes the conversation so far as `bot.conversation.Turn`s (the same from `chat` and
from a Slack thread), makes a follow-up standalone (`bot.followup`), detects the question's
language (`bot.language`), retrieves (`bot.retrieval`), abstains when the evidence is too weak or
builds the extractive answer (`bot.extractive`) with copies of one story cited once
(`bot.copies`), and, when an LLM answerer is given, lets it
rewrite that answer. The answerer is any callable
`(question, language, evidence, extractive) -> Answer`; it is expected to verify its own
output and fall back to `extractive`, and if it raises, the extractive answer is returned with
a note.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from bot.answers import Answer, Evidence
from bot.conversation import Turn, cited_before, language_before
from bot.copies import cite_copies, collapse, with_translations
from bot.disagreement import EmbeddedWords
from bot.extractive import DEFAULT_POLICY, AnswerPolicy, answer_from, confidence, scope_of
from bot.followup import standalone_question
from bot.language import detect_language, warm_up
from bot.recency import dated, recency_moment
from bot.retrieval import (
    DEFAULT_PARAMS,
    LanguageMeans,
    RetrievalParams,
    SearchResult,
    language_means,
    search,
)
from bot.text import asks_recent, query_terms
from bot.timeline import (
    STORY_PASSAGES,
    asks_timeline,
    names,
    story_of,
    subject,
    timeline_answer,
)
from newsdesk.embedder import Embedder
from newsdesk.embeddings import embedder_for
from newsdesk.index import Filters, Index
from newsdesk.logs import timed
from newsdesk.settings import Settings

log = logging.getLogger(__name__)

LLMAnswerer = Callable[[str, str, Sequence[Evidence], Answer], Answer]
QuestionRewriter = Callable[[str, Sequence[Turn]], str]


class Asker:
    """Answers questions over one index. Build once per process; `ask` is cheap after that."""

    def __init__(
        self,
        settings: Settings,
        *,
        index: Index | None = None,
        embedder: Embedder | None = None,
        llm: LLMAnswerer | None = None,
        rewrite: QuestionRewriter | None = None,
        params: RetrievalParams = DEFAULT_PARAMS,
        policy: AnswerPolicy = DEFAULT_POLICY,
    ) -> None:
        self.settings = settings
        warm_up()  # the language model loads while the embedder and the index open
        if embedder is None:
            embedder = index.embedder if index is not None and index.embedder else None
        self.embedder = embedder or embedder_for(settings)
        self.index = index or Index(settings, self.embedder)
        self.llm = llm
        self.rewrite = rewrite or standalone_question
        self.params = params
        self.policy = policy
        self._means: LanguageMeans | None = None
        self._directions: dict | None = None
        self._means_lock = threading.Lock()
        self.similar_words = EmbeddedWords(self.embedder.embed_queries)

    # -- retrieval ---------------------------------------------------------------------------

    def language_means(self) -> LanguageMeans | None:
        """The index's per-language means, recomputed when the index has grown or shrunk
        (at once while it is small, by a tenth once it is large)."""
        if not self.params.centering:
            return None
        chunks = self.index.stats().chunks
        with self._means_lock:
            seen = self._means.chunks_seen if self._means is not None else -1
            if seen != chunks and (chunks < 5000 or abs(chunks - seen) > 0.1 * seen):
                if self._directions is None:
                    from bot.language_directions import directions

                    self._directions = directions(self.embedder)
                self._means = language_means(self.index, self._directions)
            return self._means

    def query_vector(self, query: str) -> np.ndarray:
        return self.embedder.embed_queries([query])[0]

    def search_result(
        self,
        query: str,
        k: int | None = None,
        filters: Filters = Filters(),
        context_articles: frozenset[str] = frozenset(),
    ) -> SearchResult:
        """Ranked evidence with the signals behind it (for abstention and the benchmarks).

        A question about the present ("the latest", "this week") weighs recency as of
        `filters.until` (`--as-of`/`--until`), else as of the newest article of the story the
        question finds without it (`bot.recency.recency_moment`, `bot.timeline.story_of`)."""
        k = k or self.settings.top_k
        vector = self.query_vector(query) if self.params.use_dense or self.params.use_sentences else None
        means = self.language_means() if vector is not None else None
        terms = query_terms(query)
        if not asks_recent(query):
            return search(self.index, vector, terms, k, filters, self.params, means,
                          context_articles)  # fmt: skip
        as_of = filters.until
        if as_of is None:  # the story's newest article: found by a search without recency
            found = search(self.index, vector, terms, max(k, STORY_PASSAGES), filters,
                           self.params, means, context_articles)  # fmt: skip
            as_of = recency_moment(story_of(found.evidence, names(query)), time.time())
        return search(self.index, vector, terms, k, filters, self.params, means,
                      context_articles, as_of)  # fmt: skip

    def search(self, query: str, k: int | None = None, filters: Filters = Filters()) -> list[Evidence]:
        """The `k` best passages for `query`, best first, with their sentences ranked."""
        return self.search_result(query, k, filters).evidence

    # -- answering ---------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: Filters = Filters(),
        k: int | None = None,
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer `question`, asked after the turns `history` (oldest first).

        `on_text` gets the LLM's unchecked draft as it is written (the text so far, each time);
        it is never called for an extractive answer or an abstention."""
        question = question.strip()
        with timed(log, "ask", followup=bool(history), llm=self.llm is not None) as fields:
            answer = self._answer(question, history, filters, k, on_text)
            fields.update(language=answer.language, abstained=answer.abstained,
                          citations=len(answer.citations), by=answer.generated_by)  # fmt: skip
        return answer

    def _answer(
        self, question: str, history: Sequence[Turn], filters: Filters, k: int | None,
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:  # fmt: skip
        standalone = self.rewrite(question, history) if history else question
        # a follow-up: the previous answer's articles are its context
        context = cited_before(history) if standalone != question else frozenset()
        rewritten = standalone if standalone != question else ""
        moment = filters.until if filters.until is not None else time.time()
        recent = asks_recent(standalone)
        if asks_timeline(standalone):
            timeline = self._timeline(question, standalone, history, filters, context)
            if timeline is not None:
                return dated(replace(timeline, standalone_question=rewritten), recent, moment)
        k = k or self.settings.top_k
        # the passages after the first k cost nothing more (retrieval ranks the sentences of
        # `RetrievalParams.rerank` passages anyway): other articles' figures are looked for there
        found = self.search_result(standalone, max(k, STORY_PASSAGES), filters, context)
        copies = self.copies(found)
        result = collapse(SearchResult(found.evidence[:k], found.candidates), copies)
        others = collapse(SearchResult(found.evidence[k:], found.candidates), copies).evidence
        # after the search: the language model finishes loading in the background meanwhile
        language = detect_language(question, previous=language_before(history))
        scope = scope_of(self.index, filters)
        answer = answer_from(question, language, result, scope, filters, self.policy, standalone,
                             similar=self.similar_words, others=others)  # fmt: skip
        answer = replace(answer, standalone_question=rewritten)
        # figures that differ are shown side by side as they are: not rewritten by the LLM
        if not answer.abstained and self.llm is not None and not answer.figures_differ:
            answer = self._with_llm(question, language, result.evidence, answer, on_text)
        return dated(cite_copies(answer, self.index, copies), recent, moment)

    def _timeline(
        self, question: str, standalone: str, history: Sequence[Turn], filters: Filters,
        context: frozenset[str],
    ) -> Answer | None:  # fmt: skip
        """The timeline of the story the question names (`bot.timeline`), or None when the
        index holds no such story (then the question is answered as any other)."""
        result = self.search_result(subject(standalone), STORY_PASSAGES, filters, context)
        if not np.isfinite(confidence(result, self.policy)):
            return None
        language = detect_language(question, previous=language_before(history))
        answer = timeline_answer(question, language, result.evidence,
                                 scope_of(self.index, filters), standalone)  # fmt: skip
        return None if answer is None else cite_copies(answer, self.index, self.copies(result))

    def copies(self, found: SearchResult) -> list[list[str]]:
        """The copy groups among `found`'s articles: the index's (by words) joined by the
        translations among its passages (`bot.copies.with_translations`)."""
        groups = self.index.copy_groups([c.article_id for c in found.candidates])
        return with_translations(found.evidence, self.index, groups)

    def _with_llm(
        self, question: str, language: str, evidence: Sequence[Evidence], extractive: Answer,
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:  # fmt: skip
        assert self.llm is not None
        try:
            if on_text is not None:  # only answerers that stream take it (LLMAnswerer does)
                return self.llm(question, language, evidence, extractive, on_text=on_text)  # type: ignore[call-arg]
            return self.llm(question, language, evidence, extractive)
        except Exception as exc:  # noqa: BLE001 - the extractive answer is always a safe answer
            log.warning("LLM answer failed (%s: %s); using the extractive answer", type(exc).__name__, exc)
            note = f"LLM failed ({type(exc).__name__}); extractive answer shown"
            return replace(extractive, notes=(*extractive.notes, note))

    def close(self) -> None:
        self.index.close()
