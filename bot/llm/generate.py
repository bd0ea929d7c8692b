"""LLM answers and follow-up rewrites, each checked in code, with a safe fallback.

`generate_answer` sends the question and excerpts of the passages the extractive answer cites
(their quoted sentences with neighbours, numbered as its citations; prompts/answer_*.md),
streams the reply, checks it with `bot.llm.verify`, and returns either the checked answer or
the extractive answer with a note saying why the model's answer was not used (a check failed,
or the model said "I don't know"). It never raises for anything the model does.

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
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

import prompts
from bot.answers import Answer, Evidence
from bot.conversation import Turn
from bot.llm.models import model_name
from bot.llm.verify import LABEL, Verdict, parse_reply, verify
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


# What the model reads: at 60 prompt tokens/s on 2 cores, every 60 tokens cost a second before
# the first word. A passage's best sentence and its neighbours, up to this many characters
# (about 100 tokens of Romanian), answer what the extractive answer found.
EXCERPT_CHARS = 300


@dataclass(frozen=True, slots=True)
class Excerpt:
    """What the model reads of one passage: `text` is a verbatim substring of its chunk, and the
    excerpts are numbered 1..n as the extractive answer's citations are."""

    evidence: Evidence
    text: str


def _sentence_range(ev: Evidence, quote: str) -> tuple[int, int] | None:
    """The first and last index in `ev.chunk.sentences` of the sentences `quote` spans (else
    the best-ranked sentence), or None for a chunk without sentences."""
    chunk = ev.chunk
    spans = list(chunk.sentences)
    if not spans:
        return None
    at = chunk.text.find(quote) if quote else -1
    if at < 0:
        at, end = (ev.sentences[0].span.start, ev.sentences[0].span.end) if ev.sentences else (0, 1)
    else:
        end = at + len(quote)

    def holding(offset: int) -> int:
        return next((i for i, s in enumerate(spans) if s.start <= offset < s.end), 0)

    first = holding(at)
    return first, max(first, holding(end - 1))


def excerpt_of(ev: Evidence, quote: str = "", budget: int = EXCERPT_CHARS) -> str:
    """The sentences of `ev` holding `quote` (else its best one) with as many neighbours, the
    one before first, as fit in `budget` characters: one contiguous, verbatim piece of the
    chunk (the quoted sentences whole, whatever their length)."""
    text = ev.chunk.text
    spans = ev.chunk.sentences
    found = _sentence_range(ev, quote)
    if found is None:
        return (quote or text[:budget]).strip()
    lo, hi = found
    grew = True
    while grew:
        grew = False
        for j in (lo - 1, hi + 1):
            if 0 <= j < len(spans):
                start, end = min(spans[lo].start, spans[j].start), max(spans[hi].end, spans[j].end)
                if end - start <= budget:
                    lo, hi, grew = min(lo, j), max(hi, j), True
    return text[spans[lo].start : spans[hi].end].strip()


def excerpts(
    evidence: Sequence[Evidence], extractive: Answer, budget: int = EXCERPT_CHARS
) -> list[Excerpt]:
    """The passages the extractive answer cites, in its numbering, each cut to its quoted
    sentence and neighbours (`budget` characters); the best passage alone when it cites none of
    `evidence`."""
    by_chunk = {ev.chunk.chunk_id: ev for ev in evidence}
    out = [
        Excerpt(by_chunk[c.chunk_id], excerpt_of(by_chunk[c.chunk_id], c.quote, budget))
        for c in extractive.citations
        if c.chunk_id in by_chunk
    ]
    if not out and evidence:
        out = [Excerpt(evidence[0], excerpt_of(evidence[0], budget=budget))]
    return out


def passages_block(items: Sequence[Excerpt]) -> str:
    """Each excerpt fenced as data, numbered from 1, with its date and language."""
    blocks = []
    for n, item in enumerate(items, start=1):
        article = item.evidence.chunk.article
        blocks.append(
            prompts.render(
                "answer_passage", n=n, published=_field(article.published),
                lang=_field(language_name(article.lang) if article.lang else ""),
                text=_defuse(item.text),
            ).strip()
        )  # fmt: skip
    return "\n\n".join(blocks)


def answer_messages(question: str, language: str, items: Sequence[Excerpt]) -> list[BaseMessage]:
    """The system message (the same for every question, so a local model keeps it read) and the
    user message with the excerpts and the question."""
    return [
        SystemMessage(prompts.render("answer_system")),
        HumanMessage(
            prompts.render(
                "answer_user", passages=passages_block(items), question=_defuse(question.strip()),
                language=language_name(language),
            )
        ),
    ]  # fmt: skip


def prime(model: BaseChatModel) -> None:
    """Have a local model read the answer system prompt into its prompt cache (`warm`), so the
    next answer reads only its passages and question; a model without a cache is left alone."""
    warm = getattr(model, "warm", None)
    if warm is None:
        return
    try:
        warm([SystemMessage(prompts.render("answer_system")), HumanMessage("")])
    except Exception as exc:  # noqa: BLE001 - only a head start is lost
        log.warning("reading the system prompt ahead failed: %s", type(exc).__name__)


# -- calling the model with a deadline -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reply:
    """A model's whole reply and what it cost: `first_token` is the seconds until its first
    piece of text; `prompt_tokens` what the model read (None when it does not say), of which
    `cached_tokens` it kept from the previous prompt."""

    text: str
    truncated: bool
    seconds: float
    first_token: float | None = None
    prompt_tokens: int | None = None
    cached_tokens: int | None = None
    output_tokens: int | None = None


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


_LABELS = ("QUOTE:", "ANSWER:")


def draft_of(text: str) -> str:
    """What to show of a reply still being written: the reply, or its ANSWER part once it has
    labels; nothing while a label may still be starting or only the QUOTE step is written.

    Each draft extends the one before (a display appends what is new), whatever the pieces."""
    labels = {m.group(1).upper() for m in LABEL.finditer(text)}
    if not labels:
        head = text.lstrip(" \t\n>*_#-").upper()
        return "" if any(label.startswith(head) for label in _LABELS) else text.strip()
    return parse_reply(text).answer if "ANSWER" in labels else ""


def call_model(
    model: BaseChatModel,
    messages: Sequence[BaseMessage],
    timeout: float,
    on_text: Callable[[str], None] | None = None,
    stop: Sequence[str] = (),
    max_tokens: int | None = None,
) -> Reply:
    """The model's reply, streamed, waiting at most `timeout` (+ a grace); raises TimeoutError
    after that. `max_tokens` lowers the model's own limit for this call.

    With `on_text`, `on_text` gets the text so far (its ANSWER part) after each piece: an
    unchecked draft, to show as such and replace with the returned Answer."""
    outcome: dict[str, Any] = {}
    started = time.monotonic()

    def work() -> None:
        try:
            parts: list[str] = []
            extra = {"max_tokens": max_tokens} if max_tokens else {}
            for chunk in model.stream(list(messages), stop=list(stop) or None, **extra):
                piece = _content(chunk)
                metadata = getattr(chunk, "response_metadata", {}) or {}
                outcome["finish"] = _finish_reason(metadata) or outcome.get("finish", "")
                outcome["timings"] = metadata.get("timings") or outcome.get("timings", {})
                outcome["usage"] = getattr(chunk, "usage_metadata", None) or outcome.get("usage")
                if piece:
                    outcome.setdefault("first", time.monotonic() - started)
                    parts.append(piece)
                    if on_text is not None:
                        _show(on_text, draft_of("".join(parts)))
            outcome["text"] = "".join(parts)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
            outcome["error"] = exc

    worker = threading.Thread(target=work, name="llm-call", daemon=True)
    worker.start()
    worker.join(timeout + GRACE)
    if worker.is_alive():
        raise TimeoutError(f"no reply within {timeout:g} s")
    if "error" in outcome:
        raise outcome["error"]
    usage = outcome.get("usage") or {}
    timings = outcome.get("timings") or {}
    return Reply(
        outcome.get("text", ""), outcome.get("finish") in ("length", "max_tokens"),
        time.monotonic() - started, first_token=outcome.get("first"),
        prompt_tokens=usage.get("input_tokens"), cached_tokens=timings.get("cache_n"),
        output_tokens=usage.get("output_tokens"),
    )  # fmt: skip


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


@dataclass(frozen=True, slots=True)
class Generated:
    """An answer and the model call behind it (None when the model was not called).

    `reply` is the reply the answer was checked on; when the first reply failed a check and
    the model was asked again, `first` is that first reply and `retried` why it failed."""

    answer: Answer
    reply: Reply | None = None
    excerpts: tuple[Excerpt, ...] = ()
    first: Reply | None = None
    retried: tuple[str, ...] = ()


# A reply that fails a check gets one more chance, told what was wrong (prompts/answer_retry.md).
# The model then reads only its reply and the correction (the prompt cache keeps the rest), so a
# retry costs about what writing the first reply did: only a short first reply is retried (64
# tokens take 8 s at the 8 tokens/s of 2 idle cores; a median reply 20 tokens, 2-3 s), which
# keeps a warm answer within 20 s. Deciding by tokens, not seconds, gives the same answer on a
# busy machine as on an idle one (only later).
RETRY_IF_WRITTEN = 64  # tokens the first reply may have had
RETRY_MAX_TOKENS = 96
# A model that finds no answer in the excerpts reads more of the same passages, once: the
# extractive answer passed the answer threshold, but the sentence it quotes is not always the
# one that answers, and a neighbour often is. Three times the excerpt costs about 5 s more
# reading on 2 idle cores.
WIDE_EXCERPT_CHARS = 3 * EXCERPT_CHARS


def retry_messages(
    messages: Sequence[BaseMessage], reply: str, problems: Sequence[str], language: str
) -> list[BaseMessage]:
    """The conversation so far, the model's reply, and what the checks found wrong with it."""
    return [
        *messages,
        AIMessage(reply.strip()),
        HumanMessage(
            prompts.render(
                "answer_retry", problems=_defuse("; ".join(problems)),
                language=language_name(language),
            )
        ),
    ]


def _short(reply: Reply) -> bool:
    """Whether `reply` was short enough to be written again within the time an answer has."""
    written = reply.output_tokens if reply.output_tokens is not None else len(reply.text) // 3
    return written <= RETRY_IF_WRITTEN and not reply.truncated


def _ask(
    model: BaseChatModel, messages: Sequence[BaseMessage], limit: float,
    on_text: Callable[[str], None] | None, max_tokens: int | None = None,
) -> Reply:  # fmt: skip
    reply = call_model(model, messages, limit, on_text, ANSWER_STOP, max_tokens)
    log.info(
        "LLM reply in %.1f s, first token at %.1f s, %s prompt tokens (%s kept), %s written",
        reply.seconds, reply.first_token or 0.0, reply.prompt_tokens, reply.cached_tokens,
        reply.output_tokens,
    )  # fmt: skip
    return reply


def _ask_again(
    model: BaseChatModel, messages: Sequence[BaseMessage], limit: float,
    max_tokens: int | None = None,
) -> Reply | None:  # fmt: skip
    """A retry's reply (not streamed), or None when the call fails: the first reply's verdict
    then stands."""
    try:
        return _ask(model, messages, limit, None, max_tokens)
    except Exception as exc:  # noqa: BLE001 - a failed retry changes nothing
        log.warning("LLM retry failed: %s: %s", type(exc).__name__, str(exc)[:200])
        return None


def generate_answer(
    question: str,
    language: str,
    evidence: Sequence[Evidence],
    extractive: Answer,
    model: BaseChatModel,
    *,
    timeout: float | None = None,
    on_text: Callable[[str], None] | None = None,
    retry: bool = True,
) -> Generated:
    """The model's answer if it passes every check, else `extractive` with a note saying why.

    The model reads only the passages `extractive` cites, numbered as its citations are and cut
    to their quoted sentences and neighbours (`excerpts`). `language` is the question's
    language (an ISO 639-1 code such as "en", or a name). The returned citations are only those
    the answer uses, renumbered 1..n by first use; each quotes the model's verbatim quote when it
    gave one, else the extractive answer's quote of that passage. A reply of "I don't know"
    returns `extractive`, with a note. With `retry`, a short reply that fails a check is sent
    back once with what was wrong (see RETRY_IF_WRITTEN), and an "I don't know" is asked again
    over wider excerpts of the same passages (WIDE_EXCERPT_CHARS); the second reply is checked
    the same way, and not streamed (a display only ever appends).

    Returned with the reply's text and costs (for the benchmark and the logs): `.answer` is
    the answer to show."""
    items = tuple(excerpts(evidence, extractive))
    if not items:
        return Generated(_fallback(extractive, "no passages to answer from"))
    code = language_code(language)
    limit = _timeout_of(model, timeout)
    messages = answer_messages(question, code, items)

    def check(reply: Reply, items: Sequence[Excerpt]) -> Verdict:
        return verify(
            reply.text, question, code, [item.evidence for item in items],
            truncated=reply.truncated, passages=[item.text for item in items],
            fallback_quotes=[c.quote for c in extractive.citations],
        )  # fmt: skip

    try:
        reply = _ask(model, messages, limit, on_text)
    except TimeoutError:
        return Generated(_fallback(extractive, f"the LLM did not answer within {limit:g} s"))
    except Exception as exc:  # noqa: BLE001 - any model failure falls back to the safe answer
        log.warning("LLM call failed: %s: %s", type(exc).__name__, str(exc)[:200])
        return Generated(_fallback(extractive, f"the LLM call failed ({type(exc).__name__})"))
    verdict = check(reply, items)
    first: Reply | None = None
    retried: tuple[str, ...] = ()
    if retry and not verdict.ok and not verdict.dont_know and _short(reply):
        log.info("LLM answer retried: %s", "; ".join(verdict.problems))
        again = retry_messages(messages, reply.text, verdict.problems, code)
        second = _ask_again(model, again, limit, max_tokens=RETRY_MAX_TOKENS)
        if second is not None:
            first, retried, reply, verdict = reply, verdict.problems, second, check(second, items)
    if (
        retry and verdict.dont_know and first is None
        and (wide := tuple(excerpts(evidence, extractive, WIDE_EXCERPT_CHARS))) != items
    ):  # fmt: skip
        log.info("LLM found no answer; asked again with wider excerpts")
        second = _ask_again(model, answer_messages(question, code, wide), limit)
        if second is not None:
            first, retried, reply, items = reply, ("no answer in the excerpts",), second, wide
            verdict = check(second, wide)
    costs: dict[str, Any] = {"reply": reply, "excerpts": items, "first": first, "retried": retried}
    if verdict.dont_know:
        # The extractive answer handed in is confident: `Asker` only asks the model once the
        # index's answer confidence has passed `AnswerPolicy.answer_above` (below it the
        # extractive answer is the abstention, and stays it). The model's refusal loses to it.
        return Generated(_fallback(extractive, "the LLM found no answer in the passages"), **costs)
    if not verdict.ok:
        return Generated(_fallback(extractive, "; ".join(verdict.problems)), **costs)
    notes = extractive.notes
    if verdict.borrowed_marker:
        notes = (*notes, "the LLM answer had no [n]; the one passage it leans on is cited")
    answer = Answer(
        question=question, answer=verdict.answer, language=code, abstained=False,
        citations=verdict.citations, scope=extractive.scope,
        standalone_question=extractive.standalone_question, generated_by=model_name(model),
        notes=notes,
    )  # fmt: skip
    return Generated(answer, **costs)


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
