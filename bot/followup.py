"""Whether a message is a follow-up, and the question to search with when it is.

A message is a follow-up only when it leans on the conversation before it:

- it starts like a continuation ("and …", "what about …", "și …", "et …", "und …"), or
- it has a pointing word ("they", "there", "that", "ei", "acolo", "ils", "là", "sie", "dort",
  "ellos", …) and no name of its own for the word to point to, or
- it has no topic of its own: no name and at most two content words ("How many?", "Why?",
  "Și câți?", "How many people died?").

A name is a word written with a capital after the first word (Mars, Kursk, Blinken), in capitals
(NATO, COVID) or with digits (2020). So a self-contained question is never rewritten: "What is
the capital of Mars?" stands alone after anything, and so does "When he met Kim, what did Putin
say?" (its "he" has Putin). Existential "there" ("is there"), a relative "that" ("the stadium
that the teams played in") and conjunctions ("atunci când") point nowhere. The rule is cheap
and predictable; of XQuAD's self-contained dev questions it takes 4.2% (en) and 1.3% (ro) for
follow-ups, the old pronoun-or-short rule 22.2% and 6.3% (`bench/followups.py`). What it cannot
see (a name typed in lower case, German nouns that are all capitalised) it may misjudge.

A follow-up gets the previous turn's searched question's content words appended in brackets,
in their original spelling, minus the words it already has: "How many are there?" after
"Where are the North Korean troops?" becomes "How many are there? (North Korean troops)".
The previous searched question already carries its own appended words, so the topic carries
along a whole conversation. The user's words are never dropped or reordered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.conversation import Turn
from bot.text import STOPWORDS, fold, query_terms

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

EXISTENTIAL = frozenset({"is", "are", "was", "were", "be", "been"})  # "is there", "there are"
CONJUNCTION_ENDS = frozenset({"cand", "que", "when", "wenn", "cuando", "quando"})  # "atunci când"
MAX_SHORT_TERMS = 2
MAX_CARRIED_WORDS = 8


def is_followup(question: str) -> bool:
    """Whether the question leans on an earlier turn (see the module doc)."""
    words = re.findall(r"[^\W_]+", question)
    folded = [fold(w) for w in words]
    if not words:
        return False
    joined = " ".join(folded)
    if any(joined == c or joined.startswith(c + " ") for c in CONTINUATIONS):
        return True
    if any(is_name(word, i) for i, word in enumerate(words)):
        return False  # its own topic: a pointing word in it points to that
    if any(points_back(folded, i) for i in range(len(folded))):
        return True
    return len(query_terms(question)) <= MAX_SHORT_TERMS


def is_name(word: str, position: int) -> bool:
    """A name, place, acronym or number: capitalised after the first word, in capitals, digits."""
    if any(ch.isdigit() for ch in word):
        return True
    if len(word) < 2 or fold(word) in ANAPHORA or fold(word) in STOPWORDS:
        return False
    return (position > 0 and word[:1].isupper()) or word.isupper()


def points_back(folded: list[str], i: int) -> bool:
    """Whether folded word `i` refers outside the question. Not: existential "there" ("is
    there"), a relative "that" after a noun ("the stadium that the teams played in"), or the
    first word of a conjunction ("atunci când", "alors que")."""
    word, before = folded[i], folded[i - 1] if i else ""
    after = folded[i + 1] if i + 1 < len(folded) else ""
    if word not in ANAPHORA or after in CONJUNCTION_ENDS:
        return False
    if word == "there":
        return not EXISTENTIAL & {before, after}
    if word == "that":
        return not before or before in STOPWORDS or before in ANAPHORA
    return True


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


def standalone_question(question: str, history: Sequence[Turn] = ()) -> str:
    """The question to search with: unchanged, or with the previous turn's key words added."""
    question = question.strip()
    if not history or not is_followup(question):
        return question
    carried = carried_words(history[-1].standalone, question)
    if not carried:
        return question
    return f"{question} ({' '.join(carried)})"
