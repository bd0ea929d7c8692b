"""Follow-up questions made standalone, by a rule (the LLM path may wrap this with a rewrite).

The rule, deliberately simple and predictable:

- With no earlier turn, the question is used as it is.
- Otherwise the question is a follow-up when it leans on the previous turn: it contains a
  pronoun or a pointing word ("they", "there", "that", "ei", "acolo", "ils", "là", "sie",
  "ellos", …), or it starts like a continuation ("and …", "what about …", "și …", "et …"),
  or it has at most two content words ("How many?", "Why?", "Și câți?").
- A follow-up gets the previous standalone question's content words appended in brackets, in
  their original spelling, minus the words it already has: "How many are there?" after
  "Where are the North Korean troops?" becomes
  "How many are there? (North Korean troops)". The previous standalone question already
  carries its own appended words, so the topic carries along a whole conversation.

It never drops or reorders the user's words, so the answer still matches the question asked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.retrieval import STOPWORDS, fold, query_terms

# Pronouns and pointing words that refer back, accent-folded, per language (en ro fr it de es).
ANAPHORA = frozenset(
    """
    it its they them their theirs he him his she her hers this that these those there then
    ea ei ele lor acesta aceasta acestia acestea asta astia acolo atunci aceea acela
    respectiv respectivii
    elle ils elles leur leurs cela celui celle ceux alors
    lei loro questo questa questi queste quello quella allora
    er sie ihn ihm ihr ihre ihnen dies diese dieser dieses dort dann damals
    ellos ellas ella ese esa esos esas eso estos estas alli ahi entonces
    """.split()
)  # words that are also common non-referring words elsewhere (la, el, il, ce, da, es) are left out

CONTINUATIONS = (
    "and", "what about", "how about", "also", "but", "so",
    "si", "dar", "iar", "ce zici de", "dar despre",
    "et", "mais", "et pour", "e", "ma", "und", "aber", "y", "pero", "tambien",
)  # fmt: skip

MAX_SHORT_TERMS = 2
MAX_CARRIED_WORDS = 8


def turn_question(turn: Any) -> str:
    """The question of one earlier turn: a string, an Answer, a (role, text) pair or a dict."""
    if isinstance(turn, str):
        return turn
    standalone = getattr(turn, "standalone_question", "")
    if standalone:
        return str(standalone)
    if hasattr(turn, "question"):
        return str(turn.question)
    if isinstance(turn, tuple) and len(turn) == 2:
        role, text = turn
        return str(text) if role in ("user", "human", "question") else ""
    if isinstance(turn, dict):
        if turn.get("role", "user") in ("user", "human"):
            return str(turn.get("content") or turn.get("question") or "")
    return ""


def previous_question(history: Sequence[Any]) -> str:
    for turn in reversed(list(history)):
        question = turn_question(turn).strip()
        if question:
            return question
    return ""


def is_followup(question: str) -> bool:
    """Whether the question leans on an earlier turn (see the module doc)."""
    folded = fold(question).strip()
    words = re.findall(r"[^\W_]+", folded)
    if not words:
        return False
    if any(w in ANAPHORA for w in words):
        return True
    joined = " ".join(words)
    if any(joined == c or joined.startswith(c + " ") for c in CONTINUATIONS):
        return True
    return len(query_terms(question)) <= MAX_SHORT_TERMS


def carried_words(previous: str, question: str) -> list[str]:
    """The previous question's content words (original spelling) that `question` lacks."""
    have = {fold(w) for w in re.findall(r"[^\W_]+", question)}
    words: list[str] = []
    for word in re.findall(r"[^\W_]+", previous):
        key = fold(word)
        if key in STOPWORDS or key in ANAPHORA or key in have or (len(key) < 2 and not key.isdigit()):
            continue
        have.add(key)
        words.append(word)
    return words[:MAX_CARRIED_WORDS]


def standalone_question(question: str, history: Sequence[Any] = ()) -> str:
    """The question to search with: unchanged, or with the previous turn's key words added."""
    question = question.strip()
    previous = previous_question(history)
    if not previous or not is_followup(question):
        return question
    carried = carried_words(previous, question)
    if not carried:
        return question
    return f"{question} ({' '.join(carried)})"
