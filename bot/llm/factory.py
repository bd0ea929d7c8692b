"""What `bot.runtime.make_asker` plugs into `Asker`: an answerer and a follow-up rewriter.

    llm = answerer_from_settings(settings)      # None when NEWSDESK_LLM is empty
    rewrite = rewriter_from_settings(settings)  # None when NEWSDESK_LLM is empty
    Asker(settings, llm=llm, rewrite=rewrite)

Both share one loaded model per process. Configuration problems (bad NEWSDESK_LLM, a missing
key or package) raise `NewsdeskError` here, at start-up, not at the first question.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from langchain_core.language_models.chat_models import BaseChatModel

from bot.answers import Answer, Evidence
from bot.conversation import Turn
from bot.llm.generate import generate_answer, prime, rewrite_followup
from bot.llm.models import model_name, shared_chat_model
from newsdesk.settings import Settings


@dataclass(frozen=True)
class LLMAnswerer:
    """`(question, language, evidence, extractive) -> Answer`, with the model it uses.

    `on_text` (keyword) streams the unchecked draft, e.g. to update a Slack message in place;
    the returned Answer is the checked one that replaces it."""

    model: BaseChatModel
    timeout: float

    @property
    def name(self) -> str:
        return model_name(self.model)

    def __call__(
        self,
        question: str,
        language: str,
        evidence: Sequence[Evidence],
        extractive: Answer,
        *,
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:
        return generate_answer(
            question,
            language,
            evidence,
            extractive,
            self.model,
            timeout=self.timeout,
            on_text=on_text,
        ).answer


@dataclass(frozen=True)
class LLMRewriter:
    """`(question, history) -> str`: the LLM rewrite when the rule sees a follow-up.

    A question the rule (`bot.followup`) does not take for a follow-up stays as it is, without
    a model call; a rewrite that fails its checks falls back to the rule's."""

    model: BaseChatModel
    timeout: float

    def __call__(self, question: str, history: Sequence[Turn] = ()) -> str:
        from bot.followup import is_followup, standalone_question

        if not history or not is_followup(question):
            return standalone_question(question, history)
        return rewrite_followup(
            question, history, self.model, fallback=standalone_question, timeout=self.timeout
        )


def answerer_from_settings(settings: Settings) -> LLMAnswerer | None:
    """The LLM answerer `NEWSDESK_LLM` configures, or None when it is empty.

    A local model starts reading the answer system prompt at once, in the background, so the
    first question reads only its own passages (see `prime`)."""
    model = shared_chat_model(settings)
    if model is None:
        return None
    if hasattr(model, "warm") and id(model) not in _primed:
        _primed.add(id(model))
        threading.Thread(target=prime, args=(model,), name="llm-prime", daemon=True).start()
    return LLMAnswerer(model, settings.llm_timeout)


_primed: set[int] = set()


def close_models() -> None:
    """Free every local model of this process now, in this thread, after stopping what they
    are writing (also done at exit; `serve`, `chat` and `ask` call it when they end)."""
    from bot.llm.local import close_all
    from bot.llm.models import forget_shared

    forget_shared()
    _primed.clear()
    close_all()


def rewriter_from_settings(settings: Settings) -> LLMRewriter | None:
    """The LLM follow-up rewriter `NEWSDESK_LLM` configures, or None when it is empty."""
    model = shared_chat_model(settings)
    return LLMRewriter(model, settings.llm_timeout) if model is not None else None
