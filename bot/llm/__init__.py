"""The optional LLM path: chat models (`models`, `local`, `bundled`), checked answers and
follow-up rewrites (`generate`, `verify`), and what `Asker` plugs in (`factory`).

Every word sent to a model lives in `prompts/`. An LLM never acts: it has no tools, and what
it writes is checked in code and only shown as text.
"""

from bot.llm.factory import LLMAnswerer, LLMRewriter, answerer_from_settings, rewriter_from_settings
from bot.llm.generate import generate_answer, rewrite_followup
from bot.llm.models import load_chat_model
from bot.llm.verify import verify

__all__ = [
    "LLMAnswerer", "LLMRewriter", "answerer_from_settings", "generate_answer", "load_chat_model",
    "rewrite_followup", "rewriter_from_settings", "verify",
]  # fmt: skip
