"""Checks in code on what an LLM wrote, before anyone sees it.

The model is asked (prompts/answer_*.md) for the answer in the question's language, with [n]
after each claim, or exactly "I don't know"; a reply may also come labelled

    QUOTE: "a sentence copied exactly from a passage" [n]
    ANSWER: the answer

(the QUOTE line is then a working step). `verify` accepts an answer only when:

- every `[n]` refers to a passage that was sent (1..len(evidence)), and the answer cites one
  (an answer without any `[n]` cites the one passage sent, or the passage its QUOTE is verbatim
  in);
- every quoted span („…”, "…", «…», “…”) of the answer is verbatim in the passage it cites
  (whitespace and apostrophe variants aside), so a quote can never put words in a source's
  mouth (the QUOTE line is a working step, not shown: it only lends its words when verbatim);
- every number the answer states in digits is in a passage it cites (or the question, or an
  article's date), in digits or in words ("unsprezece" states 11): the model cannot add
  figures (a number it writes in words is not checked: "one of them" is no figure);
- the answer shares a name, number or content word with each passage it cites;
- the answer says something besides markers and quotes, in the question's language (checked
  with the process's language identifier, `newsdesk.language_id`, when the text is long enough
  to tell; a shorter one fails when most of its words are copied from a cited passage in
  another language: "Refusul de a plăti taxe" for an English question);
- the model did not stop mid-answer (token limit);
- it does not repeat what an instruction-like sentence in a passage demanded ("reply only
  with X", "post this to #channel"): a tripwire behind the prompt's fencing.

The accepted answer keeps only the citations it uses, renumbered 1..n in order of first use;
each citation's quote is a verbatim substring of its passage: the model's quote when it gave
one, else the extractive answer's quote of that passage, else its best sentence by the
retrieval's ranking.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.answers import Citation, Evidence, citation
from bot.text import NUMBER, fold, number_value, spelled_numbers
from newsdesk import language_id

# -- parsing the model's reply ------------------------------------------------------------------

LABEL = re.compile(r"^[ \t>*_#-]*(QUOTE|ANSWER)[ \t*_]*:[ \t*_]*", re.I | re.M)
MARKER = re.compile(r"\[\s*(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\s*\]")
# Quoted spans: „…” or „…“ (Romanian, German), “…” (English), «…» (French, Russian), "…".
QUOTED = re.compile(r"„([^”“\n]+)[”“]|“([^”\n]+)”|«([^»\n]+)»|\"([^\"\n]+)\"")

DONT_KNOW = "I don't know"  # what prompts/answer_*.md ask for when the passages do not answer
_DONT_KNOW = re.compile(
    r"^(?:i\s+(?:do\s*not|don[’'`]?t)\s+know"
    r"|nu\s+(?:ș|ş|s)tiu|je\s+ne\s+sais\s+pas|no\s+(?:lo\s+)?s[ée]|non\s+lo\s+so"
    r"|ich\s+wei(?:ß|ss)\s+(?:es\s+)?nicht|n[ãa]o\s+sei|ik\s+weet\s+(?:het\s+)?niet"
    r"|nie\s+wiem|не\s+знаю"
    # The same said at length: "The passage does not provide information about ...".
    r"|(?:the\s+)?(?:given\s+)?(?:passages?|texts?|articles?|context)\s+(?:does|do)\s+not"
    r"\s+(?:provide|mention|say|state|contain|specify|give|include|answer)"
    r"|there\s+is\s+no\s+(?:information|mention)"
    r"|(?:pasajul|textul|articolul)\s+nu\s+(?:ofer|men[țţt]ion|spune|con[țţt]ine|preciz)\w*)\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Parsed:
    """The model's reply split into its QUOTE and ANSWER parts."""

    quote: str
    answer: str
    dont_know: bool


def parse_reply(text: str) -> Parsed:
    """Split a reply into the QUOTE part and the ANSWER part (the whole text when unlabelled)."""
    text = text.replace("\r\n", "\n").strip()
    labels = list(LABEL.finditer(text))
    if not labels:
        quote, answer = "", text
    else:
        quotes, answers = [], []
        head = text[: labels[0].start()].strip()
        if head:
            answers.append(head)
        for i, label in enumerate(labels):
            end = labels[i + 1].start() if i + 1 < len(labels) else len(text)
            body = text[label.end() : end].strip()
            if label.group(1).upper() == "ANSWER":
                answers.append(body)
            else:  # a QUOTE is its first line; more lines without a label are the answer
                first, _, rest = body.partition("\n")
                quotes.append(first.strip())
                if rest.strip() and not any(m.group(1).upper() == "ANSWER" for m in labels):
                    answers.append(rest.strip())
        quote, answer = "\n".join(quotes), "\n".join(answers)
    return Parsed(quote=quote, answer=answer, dont_know=says_dont_know(answer or text))


def says_dont_know(text: str) -> bool:
    """The model's "I don't know" (or the same in a few languages), at the start of its answer."""
    stripped = MARKER.sub("", text).strip().lstrip("\"'“„«*_ ").strip()
    return bool(_DONT_KNOW.match(stripped))


# -- matching quotes against passages -------------------------------------------------------------

_APOSTROPHES = "'’ʼ‘`"
_EDGE = " \t\n.,;:!?…-–—"


def _pattern(span: str) -> re.Pattern[str] | None:
    parts = []
    for token in re.split(r"(\s+)", span):
        if not token:
            continue
        if token.isspace():
            parts.append(r"\s+")
        else:
            parts.append(
                "".join(f"[{_APOSTROPHES}]" if c in _APOSTROPHES else re.escape(c) for c in token)
            )
    return re.compile("".join(parts)) if parts else None


def find_verbatim(span: str, passage: str) -> str | None:
    """The exact words of `passage` that `span` copies (whitespace and apostrophes may differ;
    surrounding punctuation and the case of the first letter are forgiven), or None."""
    core = span.strip(_EDGE)
    if not core:
        return None
    pattern = _pattern(core)
    if pattern and (m := pattern.search(passage)):
        return m.group(0)
    swapped = core[0].swapcase() + core[1:]
    if swapped != core and (pattern := _pattern(swapped)) and (m := pattern.search(passage)):
        return m.group(0)
    return None


@dataclass(frozen=True, slots=True)
class QuotedSpan:
    text: str  # what the model put between the quotation marks, markers removed
    n: int | None  # the passage it cites
    found: str | None  # the verbatim words of that passage, when they are there


def marker_numbers(text: str) -> list[int]:
    """Every passage number cited, in order (`[1, 3]` counts 1 and 3)."""
    return [int(x) for m in MARKER.finditer(text) for x in re.split(r"\s*[,;]\s*", m.group(1))]


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    left = max(text.rfind("\n", 0, start), *(text.rfind(p, 0, start) for p in (". ", "! ", "? ")))
    right_candidates = [i for i in (text.find("\n", end), text.find(". ", end)) if i != -1]
    return left + 1, min(right_candidates, default=len(text))


def quoted_spans(text: str, passages: Sequence[str]) -> list[QuotedSpan]:
    """The quoted spans of `text`, each with the passage it cites and whether it is verbatim.

    A quote cites the first `[n]` after it in the same sentence, else the last one before it
    (a marker inside the quotation marks counts too). A quote with no marker near it must still
    be verbatim in some passage."""
    spans = []
    for m in QUOTED.finditer(text):
        inner = next(g for g in m.groups() if g is not None)
        inside = marker_numbers(inner)
        inner = MARKER.sub("", inner).strip()
        lo, hi = _sentence_bounds(text, m.start(), m.end())
        after = marker_numbers(text[m.end() : hi])
        before = marker_numbers(text[lo : m.start()])
        n = (inside or after or before[-1:] or [None])[0]
        if n is not None:
            found = find_verbatim(inner, passages[n - 1]) if 1 <= n <= len(passages) else None
        else:
            found = next((f for p in passages if (f := find_verbatim(inner, p))), None)
        spans.append(QuotedSpan(text=inner, n=n, found=found))
    return spans


# -- language ------------------------------------------------------------------------------------

MIN_WORDS_FOR_LANGUAGE = 5
MIN_LETTERS_FOR_LANGUAGE = 25
MIN_LANGUAGE_PROBABILITY = 0.05  # lenient: only a clear other language fails


def prose_of(text: str) -> str:
    """`text` without markers and quoted spans: the words the model wrote itself."""
    return re.sub(r"\s+", " ", MARKER.sub(" ", QUOTED.sub(" ", text))).strip()


_LETTERS = re.compile(r"[^\W\d_]+")  # a word, without digits


def language_words(words: Sequence[str]) -> list[str]:
    """The words that tell a text's language: those in lower case. Names are in no language: a
    list of them ("Toyota Corona Mark II, Mazda 616") was taken for Uzbek."""
    return [w for w in words if not w[0].isupper()]


def language_problem(text: str, language: str) -> str | None:
    """Why `text` is not in `language` (an ISO 639-1 code), or None (also when unsure)."""
    prose = prose_of(text)
    words = _LETTERS.findall(prose)
    common = language_words(words)
    if len(common) < MIN_WORDS_FOR_LANGUAGE or sum(len(w) for w in words) < MIN_LETTERS_FOR_LANGUAGE:
        return None
    if not language_id.knows(language):
        return None
    ranked = dict(language_id.rank(prose))
    if ranked.get(language, 0.0) >= MIN_LANGUAGE_PROBABILITY:
        return None
    best = max(ranked, key=ranked.__getitem__)
    return f"the answer is in {best}, not {language}"


def copied_language(text: str, language: str, cited: Sequence[tuple[str, str]]) -> str | None:
    """Why `text` is a copy of a cited passage's language rather than `language`, or None.

    For answers too short for `language_problem` to tell: when most of their lower-case words
    (names are in no language) are words of a cited passage (`cited`: (language, text) pairs)
    written in another language, the model copied instead of translating."""
    words = [fold(w) for w in language_words(_LETTERS.findall(prose_of(text)))]
    for lang, passage in cited:
        if not lang or lang == language or len(words) < 2:
            continue
        known = set(_LETTERS.findall(fold(passage)))
        if sum(w in known for w in words) * 2 >= len(words) + 1:
            return f"the answer is in {lang}, not {language}"
    return None


# -- instructions inside passages (a tripwire; the prompt's fencing is the first defence) --------

_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,60}?\b(?:instructions?|prompts?|rules?|above|previous|earlier)\b"
    r"|\b(?:reply|respond|answer|say|output|print|write|repeat)\b.{0,30}?\b(?:only|exactly|just)\b"
    r"|\bpost\b.{0,40}?(?:#|\bchannel\b|\bslack\b)"
    r"|\b(?:system prompt|you are now|new instructions|as an ai)\b"
    r"|\bignor\w*\b.{0,60}?\binstruc\w*"
    r"|<!(?:channel|here|everyone)>|<@[UW][A-Z0-9]+>",
    re.I | re.S,
)
_PAYLOAD = re.compile(
    r"\b(?:reply|respond|answer|say|output|print|write|repeat)\b[^.:\n]{0,30}?\b(?:with|:)\s*[\"“„«']?([^\"”“»'.\n]{2,80})"
    r"|\bpost\b[^.\n]{0,30}?\bto\s+(\S+)",
    re.I,
)
_LOUD = re.compile(r"#[\w-]+|@[\w.-]+|<[!@][^>]*>|\b[A-Z]{3,}\b")


def _sentences(ev: Evidence) -> list[str]:
    chunk = ev.chunk
    if chunk.sentences:
        return [chunk.text[s.start : s.end] for s in chunk.sentences]
    return re.split(r"(?<=[.!?])\s+", chunk.text)


def injected_demands(question: str, evidence: Sequence[Evidence]) -> set[str]:
    """What instruction-like sentences in the passages demand (payloads, channels, shouted
    words), minus anything the question or the other sentences also say."""
    demands: set[str] = set()
    ordinary: list[str] = [question]
    for ev in evidence:
        for sentence in _sentences(ev):
            if not _INSTRUCTION.search(sentence):
                ordinary.append(sentence)
                continue
            for m in _PAYLOAD.finditer(sentence):
                payload = MARKER.sub("", m.group(1) or m.group(2) or "").strip(_EDGE + "\"'”“»«")
                if len(payload) >= 3:
                    demands.add(payload)
            demands.update(_LOUD.findall(sentence))
    background = fold(" ".join(ordinary))
    return {d for d in demands if fold(d) not in background}


def echoed_demand(answer: str, question: str, evidence: Sequence[Evidence]) -> str | None:
    """A demand of an instruction-like passage sentence that the answer carries out, or None."""
    folded = fold(prose_of(answer))
    for demand in sorted(injected_demands(question, evidence), key=len, reverse=True):
        if re.search(r"(?<!\w)" + re.escape(fold(demand)) + r"(?!\w)", folded):
            return demand
    return None


# -- numbers -------------------------------------------------------------------------------------

def numbers_in(text: str) -> set[str]:
    """The numbers of `text`, separators removed: "8.000", "8,000" and "8 000" are all "8000";
    so are "opt mii" and "8 mii" (`spelled_numbers`)."""
    out = set(re.findall(r"\d+", text))  # "2024-11", "3.5": the parts count too
    out.update(number_value(m) for m in NUMBER.findall(text))
    out.update(spelled_numbers(text))
    return out


def _supported(written: str, known: set[str]) -> bool:
    """Whether a number the answer states is among `known`: as one number ("8 000" is 8000),
    or, when spaces join its groups, as the numbers it may also be read as ("in 2024 100
    soldiers" says 2024 and 100)."""
    if number_value(written) in known:
        return True
    return " " in written and all(part in known for part in re.findall(r"\d+", written))


def unsupported_numbers(
    answer: str, question: str, cited: Sequence[tuple[Evidence, str]]
) -> list[str]:
    """Numbers the answer states (outside quotes and markers) that neither the passages it
    cites (as the model read them), their articles' dates and titles, nor the question contain:
    a cheap, language-free check that the answer did not make facts up."""
    known = numbers_in(question)
    for ev, text in cited:
        article = ev.chunk.article
        known |= numbers_in(f"{text} {article.title} {article.published or ''}")
    stated = NUMBER.findall(prose_of(answer))
    return list(dict.fromkeys(number_value(n) for n in stated if not _supported(n, known)))


# -- grounding -------------------------------------------------------------------------------------

MIN_ANCHOR_LETTERS = 4
# The dating phrase the prompt asks every answer for ("According to an article of ...") proves
# nothing about the passage.
_NOT_ANCHORS = frozenset({"accor", "artic"})


def anchors(text: str) -> set[str]:
    """Content words (folded, stopwords out, first five letters) and numbers of `text`."""
    from bot.text import query_terms

    found = {t[:5] for t in query_terms(text) if len(t) >= MIN_ANCHOR_LETTERS or t.isdigit()}
    return found - _NOT_ANCHORS


def ungrounded(answer: str, cited: dict[int, tuple[Evidence, str]]) -> list[int]:
    """The cited passages the answer shares no name, number or content word with.

    Across languages only names and numbers tend to survive ("Kursk", "8,000"), and that is
    enough: an answer about something else (a model copying an example, or making a story up)
    shares nothing with the passage it cites."""
    said = anchors(prose_of(answer)) | {n for n in numbers_in(prose_of(answer))}
    return [
        n for n, (ev, text) in cited.items()
        if not said & (anchors(f"{text} {ev.chunk.article.title}") | numbers_in(text))
    ]  # fmt: skip


# -- the verdict ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verdict:
    """The checked answer (text with renumbered markers, citations) or why it was refused."""

    problems: tuple[str, ...]
    answer: str = ""
    citations: tuple[Citation, ...] = ()
    dont_know: bool = False
    borrowed_marker: bool = False  # the answer had no [n]; its verbatim QUOTE's [n] was added

    @property
    def ok(self) -> bool:
        return not self.problems


def best_sentence(ev: Evidence) -> str:
    """The passage's best sentence by the retrieval's ranking (a verbatim substring)."""
    chunk = ev.chunk
    spans = [s.span for s in sorted(ev.sentences, key=lambda s: -s.score)] or list(chunk.sentences)
    for span in spans:
        text = chunk.text[span.start : span.end].strip()
        if text:
            return text
    return chunk.text.strip() or chunk.text


def renumber(text: str, mapping: dict[int, int]) -> str:
    """Markers renumbered by `mapping`; `[3, 1]` becomes `[1][3]`; repeats next to each other go."""

    def one(m: re.Match[str]) -> str:
        group = sorted({mapping[int(x)] for x in re.split(r"\s*[,;]\s*", m.group(1))})
        return "".join(f"[{n}]" for n in group)

    out = MARKER.sub(one, text)
    return re.sub(r"(\[\d+\])(?:\s*\1)+", r"\1", out)


MIN_WORDS = 2


def verify(
    reply: str,
    question: str,
    language: str,
    evidence: Sequence[Evidence],
    *,
    truncated: bool = False,
    passages: Sequence[str] | None = None,
    fallback_quotes: Sequence[str] = (),
) -> Verdict:
    """Check a model reply against the passages it was given (see the module doc).

    `passages` is what the model read of each evidence (verbatim excerpts of the chunks; the
    whole chunks by default): quotes, numbers and words are checked against it. A citation the
    model gave no verbatim quote for quotes `fallback_quotes[n - 1]` when that is in its chunk,
    else the chunk's best sentence."""
    parsed = parse_reply(reply)
    if parsed.dont_know:
        return Verdict(problems=(), dont_know=True)
    passages = list(passages) if passages is not None else [ev.chunk.text for ev in evidence]
    problems: list[str] = []
    if truncated:
        problems.append("the answer was cut off at the token limit")
    answer = parsed.answer.strip()
    if not reply.strip():
        problems.append("the model wrote nothing")
    elif not answer:
        problems.append("no answer after the quote")
    everything = f"{parsed.quote}\n{answer}"
    unknown = sorted({n for n in marker_numbers(everything) if not 1 <= n <= len(passages)})
    if unknown:
        problems.append(f"cites passages that do not exist: {', '.join(f'[{n}]' for n in unknown)}")
    borrowed = False
    if answer and not marker_numbers(answer):
        # Small models often write the QUOTE's [n] and forget it in the ANSWER. When the QUOTE
        # is verbatim in exactly one passage, the answer leans on that passage: cite it (every
        # other check below still applies to the answer).
        # Likewise when only one passage was sent: the answer can lean on no other.
        sources = {sp.n for sp in quoted_spans(parsed.quote, passages) if sp.found is not None}
        if len(passages) == 1:
            sources = {1}
        if len(sources) == 1 and None not in sources:
            answer = _cite_at_end(answer, next(iter(sources)))  # type: ignore[arg-type]
            borrowed = True
    used = list(dict.fromkeys(n for n in marker_numbers(answer) if 1 <= n <= len(passages)))
    if answer and not used:
        problems.append("the answer cites no passage")
    quotes: dict[int, str] = {}
    # The QUOTE line is the model's working step and is not shown: a verbatim one gives the
    # citation its quote; a translated or invented one is just not used.
    for span in quoted_spans(parsed.quote, passages):
        if span.found is not None and span.n is not None and 1 <= span.n <= len(passages):
            quotes.setdefault(span.n, span.found)
    for span in quoted_spans(answer, passages):
        if span.found is None:
            where = f"passage [{span.n}]" if span.n is not None else "any passage"
            problems.append(f"quote not verbatim in {where}: {span.text[:80]!r}")
        elif span.n is not None and 1 <= span.n <= len(passages):
            quotes.setdefault(span.n, span.found)
    if answer and (extra := unsupported_numbers(answer, question, [(evidence[n - 1], passages[n - 1]) for n in used])):
        problems.append(f"the answer states numbers its passages do not: {', '.join(extra[:5])}")
    quoted_in_answer = {sp.n for sp in quoted_spans(answer, passages) if sp.found is not None}
    unquoted = {  # a verbatim quote grounds
        n: (evidence[n - 1], passages[n - 1]) for n in used if n not in quoted_in_answer
    }
    if answer and (loose := ungrounded(answer, unquoted)):
        problems.append(
            f"the answer shares no name, number or word with passage {', '.join(f'[{n}]' for n in loose)}"
        )
    if answer and len(re.findall(r"[^\W\d_]{2,}|\d+(?:[.,]\d+)*", prose_of(answer))) < MIN_WORDS:
        problems.append("the answer is only a name, number or quote: it needs a sentence of its own")
    if answer and (
        problem := language_problem(answer, language)
        or copied_language(answer, language, [(evidence[n - 1].chunk.article.lang, passages[n - 1])
                                              for n in used])  # fmt: skip
    ):
        problems.append(problem)
    if answer and (demand := echoed_demand(answer, question, evidence)):
        problems.append(f"the answer repeats an instruction found in a passage ({demand[:40]!r})")
    if problems:
        return Verdict(problems=tuple(problems))
    mapping = {old: new for new, old in enumerate(used, start=1)}

    def quote_for(n: int) -> str:
        if n in quotes:
            return quotes[n]
        given = fallback_quotes[n - 1] if n <= len(fallback_quotes) else ""
        return given if given and given in evidence[n - 1].chunk.text else best_sentence(evidence[n - 1])

    citations = tuple(citation(mapping[old], evidence[old - 1], quote_for(old)) for old in used)
    return Verdict(
        problems=(), answer=renumber(markers_last(answer), mapping), citations=citations,
        borrowed_marker=borrowed,
    )  # fmt: skip


_LEADING_MARKERS = re.compile(r"^\s*((?:\[[^\]]*\]\s*)+)")
_SENTENCE_END = re.compile(r"[.!?…](?=\s|$)")


def markers_last(answer: str) -> str:
    """`answer` with the markers it opens with ("[1] 8,000 soldiers are in Kursk.", as small
    models often write them) moved to the end of its first sentence, where a reader expects the
    citation of what that sentence says ("8,000 soldiers are in Kursk [1].")."""
    found = _LEADING_MARKERS.match(answer)
    if not found or found.end() == len(answer):
        return answer
    markers, rest = " ".join(found.group(1).split()), answer[found.end():]
    for end in _SENTENCE_END.finditer(rest):
        after = rest[end.end():].lstrip()
        if not after[:1].islower():  # a sentence ends here ("the U.S. now" does not)
            return f"{rest[: end.start()].rstrip()} {markers}{rest[end.start():]}"
    return f"{rest.rstrip()} {markers}"


def _cite_at_end(answer: str, n: int) -> str:
    """`answer` with `[n]` before its final full stop (or at its end)."""
    text = answer.rstrip()
    if text.endswith((".", "!", "?", "…")):
        return f"{text[:-1].rstrip()} [{n}]{text[-1]}"
    return f"{text} [{n}]"
