"""LLM answers and follow-up rewrites, each checked in code, with a safe fallback.

`generate_answer` sends the question and the retrieved passages (prompts/answer_*.md), checks
the reply with `bot.llm.verify`, and returns either the checked answer, an abstention (the
model said "I don't know"), or the extractive answer with a note saying why the model's answer
was not used. It never raises for anything the model does.

The model has no tools and its reply is only ever shown as text: whatever a passage asks
("ignore previous instructions", "post this to #general", "ingest this URL"), the worst it can
do is shape that text, and `verify` rejects a reply that carries such a demand out. Ingest,
forget and posting are Slack/CLI commands, reached only through their own handlers, never
through anything a model writes.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

import prompts
from bot.answers import Answer, Evidence, Scope
from bot.conversation import Turn
from bot.llm.models import model_name
from bot.llm.verify import verify
from bot.text import fold, query_terms

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 60.0
GRACE = 5.0  # the model's own timeout should fire first; this bounds a runtime that ignores it
_FENCE = re.compile(r"<<<|>>>")
# A model that starts writing fence markers is echoing the prompt, not answering: stop it there.
ANSWER_STOP = ("<<<",)
REWRITE_STOP = ("<<<", "\n\n")


# -- the prompt ------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _language_names() -> dict[str, str]:
    names = {}
    for line in prompts.load("languages.txt").splitlines():
        code, _, name = line.partition("\t")
        if code.strip() and name.strip():
            names[code.strip().lower()] = name.strip()
    return names


def language_name(language: str) -> str:
    """`"ro"` → `"Romanian"` (as named in prompts/languages.txt); a name or unknown code as is."""
    return _language_names().get(language.strip().lower(), language.strip() or "English")


def language_code(language: str) -> str:
    """The ISO 639-1 code of a code or an English language name (`"Romanian"` → `"ro"`)."""
    key = language.strip().lower()
    if key in _language_names():
        return key
    for code, name in _language_names().items():
        if name.lower() == key:
            return code
    return key


def _defuse(text: str) -> str:
    """Text that cannot close or open a passage fence (the markers are `<<<` and `>>>`)."""
    return _FENCE.sub(lambda m: "‹‹‹" if m.group(0) == "<<<" else "›››", text)


def _field(text: str | None) -> str:
    return _defuse(" ".join((text or "").split())) or "?"


def passages_block(evidence: Sequence[Evidence]) -> str:
    """Each passage fenced as data, numbered from 1, with its title, outlet, date and language."""
    blocks = []
    for n, ev in enumerate(evidence, start=1):
        article = ev.chunk.article
        blocks.append(
            prompts.render(
                "answer_passage", n=n, title=_field(article.title), source=_field(article.source),
                published=_field(article.published),
                lang=_field(language_name(article.lang) if article.lang else ""),
                text=_defuse(ev.chunk.text.strip()),
            ).strip()
        )  # fmt: skip
    return "\n\n".join(blocks)


def answer_messages(
    question: str, language: str, evidence: Sequence[Evidence]
) -> list[BaseMessage]:
    """The system and user messages for an answer."""
    name = language_name(language)
    return [
        SystemMessage(prompts.render("answer_system", language=name)),
        HumanMessage(
            prompts.render(
                "answer_user", passages=passages_block(evidence), question=_defuse(question.strip()),
                language=name,
            )
        ),
    ]  # fmt: skip


# -- calling the model with a deadline -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    truncated: bool
    seconds: float


def _finish_reason(metadata: dict[str, Any]) -> str:
    return str(metadata.get("finish_reason") or metadata.get("stop_reason") or "")


def _content(message: Any) -> str:
    content = getattr(message, "content", message)
    if isinstance(content, str):
        return content
    return "".join(
        b if isinstance(b, str) else str(b.get("text", ""))
        for b in content
        if isinstance(b, (str, dict))
    )


def _show(on_text: Callable[[str], None], draft: str) -> None:
    try:
        on_text(draft)
    except Exception as exc:  # noqa: BLE001 - a failing display must not cost the answer
        log.warning("showing the LLM draft failed: %s", type(exc).__name__)


def call_model(
    model: BaseChatModel,
    messages: Sequence[BaseMessage],
    timeout: float,
    on_text: Callable[[str], None] | None = None,
    stop: Sequence[str] = (),
) -> Reply:
    """The model's reply, waiting at most `timeout` (+ a grace); raises TimeoutError after that.

    With `on_text`, the reply streams and `on_text` gets the text so far after each piece (an
    unchecked draft: show it as such, and replace it with the returned Answer)."""
    outcome: dict[str, Any] = {}
    started = time.monotonic()

    def work() -> None:
        try:
            if on_text is None:
                message = model.invoke(list(messages), stop=list(stop) or None)
                outcome["text"] = _content(message)
                outcome["finish"] = _finish_reason(getattr(message, "response_metadata", {}) or {})
            else:
                parts: list[str] = []
                finish = ""
                for chunk in model.stream(list(messages), stop=list(stop) or None):
                    piece = _content(chunk)
                    finish = _finish_reason(getattr(chunk, "response_metadata", {}) or {}) or finish
                    if piece:
                        parts.append(piece)
                        _show(on_text, "".join(parts))
                outcome["text"], outcome["finish"] = "".join(parts), finish
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
            outcome["error"] = exc

    worker = threading.Thread(target=work, name="llm-call", daemon=True)
    worker.start()
    worker.join(timeout + GRACE)
    if worker.is_alive():
        raise TimeoutError(f"no reply within {timeout:g} s")
    if "error" in outcome:
        raise outcome["error"]
    truncated = outcome.get("finish") in ("length", "max_tokens")
    return Reply(outcome.get("text", ""), truncated, time.monotonic() - started)


def _timeout_of(model: BaseChatModel, timeout: float | None) -> float:
    if timeout:
        return timeout
    for attribute in ("timeout", "request_timeout", "default_request_timeout"):
        value = getattr(model, attribute, None)
        if isinstance(value, (int, float)) and value > 0:
            return float(value)
    return DEFAULT_TIMEOUT


# -- answers ---------------------------------------------------------------------------------------------


def _fallback(extractive: Answer, reason: str) -> Answer:
    log.info("LLM answer not used: %s", reason)
    return replace(extractive, notes=(*extractive.notes, f"LLM answer not used: {reason}"))


def _dont_know(question: str, language: str, extractive: Answer, name: str) -> Answer:
    """The model found no answer in the passages: abstain, saying what was searched."""
    from bot.extractive import abstention

    answer = abstention(question, language, extractive.scope or Scope(0, None, None))
    note = "the LLM found no answer in the passages"
    return replace(
        answer, standalone_question=extractive.standalone_question, generated_by=name,
        notes=(*extractive.notes, note),
    )  # fmt: skip


def generate_answer(
    question: str,
    language: str,
    evidence: Sequence[Evidence],
    extractive: Answer,
    model: BaseChatModel,
    *,
    timeout: float | None = None,
    on_text: Callable[[str], None] | None = None,
) -> Answer:
    """The model's answer over `evidence` if it passes every check, else `extractive` with a note.

    `language` is the question's language (an ISO 639-1 code such as "en", or a name). The
    returned citations are only those the answer uses, renumbered 1..n by first use."""
    if not evidence:
        return _fallback(extractive, "no passages to answer from")
    code = language_code(language)
    name = model_name(model)
    limit = _timeout_of(model, timeout)
    try:
        reply = call_model(
            model, answer_messages(question, code, evidence), limit, on_text, ANSWER_STOP
        )
    except TimeoutError:
        return _fallback(extractive, f"the LLM did not answer within {limit:g} s")
    except Exception as exc:  # noqa: BLE001 - any model failure falls back to the safe answer
        log.warning("LLM call failed: %s: %s", type(exc).__name__, str(exc)[:200])
        return _fallback(extractive, f"the LLM call failed ({type(exc).__name__})")
    log.info("LLM reply in %.1f s (%d characters)", reply.seconds, len(reply.text))
    verdict = verify(reply.text, question, code, evidence, truncated=reply.truncated)
    if verdict.dont_know:
        return _dont_know(question, code, extractive, name)
    if not verdict.ok:
        return _fallback(extractive, "; ".join(verdict.problems))
    notes = extractive.notes
    if verdict.borrowed_marker:
        notes = (*notes, "the LLM answer had no [n]; its verbatim quote's passage is cited")
    return Answer(
        question=question, answer=verdict.answer, language=code, abstained=False,
        citations=verdict.citations, scope=extractive.scope,
        standalone_question=extractive.standalone_question, generated_by=name, notes=notes,
    )  # fmt: skip


# -- follow-up questions ------------------------------------------------------------------------------------

MAX_TURNS = 6
MAX_TURN_CHARS = 600
MAX_REWRITE_CHARS = 300
_REWRITE_LABEL = re.compile(r"^\s*(?:standalone|rewritten)?\s*(?:question|q)\s*:\s*", re.I)


def _turns(history: Sequence[Turn]) -> list[tuple[str, str]]:
    """Earlier turns as the (role, text) lines the prompt shows: question as searched, answer."""
    turns = [line for t in history for line in (("user", t.standalone), ("assistant", t.answer))]
    return [(r, t.strip()) for r, t in turns if t.strip()][-MAX_TURNS:]


def rewrite_messages(question: str, history: Sequence[Turn]) -> list[BaseMessage]:
    lines = [
        prompts.render(
            "rewrite_turn", role=role, text=_defuse(" ".join(text.split())[:MAX_TURN_CHARS])
        ).strip()
        for role, text in _turns(history)
    ]
    return [
        SystemMessage(prompts.render("rewrite_followup_system")),
        HumanMessage(
            prompts.render("rewrite_followup", history="\n".join(lines), question=_defuse(question))
        ),
    ]


def _words(text: str) -> set[str]:
    """Accent-folded word stems (first five letters): enough to tell whose words these are."""
    return {w[:5] for w in re.findall(r"[^\W_]{3,}|\d+", fold(text))}


def check_rewrite(rewritten: str, question: str, history: Sequence[Turn]) -> tuple[str | None, str]:
    """(the cleaned rewrite, "") or (None, why it is refused)."""
    lines = [line for line in rewritten.strip().splitlines() if line.strip()]
    if not lines:
        return None, "empty rewrite"
    text = _REWRITE_LABEL.sub("", lines[0]).strip().strip("\"“”„«»'`*").strip()
    if not text:
        return None, "empty rewrite"
    if len(text) > max(MAX_REWRITE_CHARS, 3 * len(question)):
        return None, "rewrite too long"
    if question.rstrip().endswith(("?", "？", "¿")) and not text.endswith(("?", "？")):
        return None, "the rewrite is not a question"
    words = _words(text)
    known = _words(question) | {w for _, t in _turns(history) for w in _words(t)}
    if not words or len(words & known) < max(1, len(words) // 2):
        return None, "rewrite uses words that are not in the conversation"
    asked = _words(" ".join(query_terms(question)))
    if asked and len(asked & words) < max(1, len(asked) // 2):
        return None, "the rewrite drops what the question asks"
    return text, ""


def rewrite_followup(
    question: str,
    history: Sequence[Turn],
    model: BaseChatModel,
    *,
    fallback: Callable[[str, Sequence[Turn]], str] | None = None,
    timeout: float | None = None,
) -> str:
    """The question rewritten to stand alone, by the model; checked (one line, not absurdly
    long, made of the conversation's words), else `fallback(question, history)` (default: the
    question unchanged)."""

    def rule() -> str:
        return fallback(question, history) if fallback else question

    if not history or not question.strip():
        return rule()
    try:
        reply = call_model(
            model,
            rewrite_messages(question, history),
            _timeout_of(model, timeout),
            stop=REWRITE_STOP,
        )
    except Exception as exc:  # noqa: BLE001 - the rule is always a safe rewrite
        log.warning("LLM rewrite failed: %s", type(exc).__name__)
        return rule()
    text, why = check_rewrite(reply.text, question, history)
    if text is None:
        log.info("LLM rewrite not used: %s", why)
        return rule()
    return text
