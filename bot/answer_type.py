"""What a question asks for, and what a sentence holds: the answer-type fit.

A question's expected answer type comes from its question words, looked up in a small table
per language (en, ro, fr, de, es, it; matched accent-folded, so "cati" and "câți" are one):
`count` (how many), `when`, `who`, `where`, else `what`. A sentence's content is read
from its surface: numbers (digits or number words), dates (years, month and weekday names)
and capitalised words, counting only those the question does not already contain, since an
answer brings something the question lacks ("8.000", "Kursk", "Wong Kan Seng").

These are general mechanisms, the same for every article; `bot.quote` weighs them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.retrieval import fold, tokens

# Question words per answer type, accent-folded, as word sequences. The earliest match in
# the question wins ("When did who ..." asks when); a longer phrase beats a shorter one
# starting at the same word ("in ce an" before "ce").
QUESTION_WORDS: dict[str, tuple[str, ...]] = {
    "count": (
        "how many", "how much", "what number", "what percentage", "what percent",
        "what proportion", "how large", "how big", "how long", "how old", "how far",
        "what is the population", "populatia", "population de", "einwohner", "poblacion de",
        "popolazione di",
        "cati", "cate", "cat de", "cat", "ce numar", "ce procent", "cata",
        "combien", "quel nombre", "quel pourcentage",
        "wie viele", "wie viel", "wieviel", "wieviele", "wie lange", "wie alt", "wie gross",
        "cuantos", "cuantas", "cuanto", "cuanta", "que porcentaje",
        "quanti", "quante", "quanto", "quanta", "che percentuale",
    ),
    "when": (
        "when", "what year", "which year", "what date", "what time", "what century",
        "what decade", "what day", "what month", "in which year", "in what year",
        "cand", "in ce an", "ce an", "in care an", "ce data", "in ce secol", "in ce zi",
        "in ce luna", "de cand", "pana cand",
        "quand", "quelle annee", "en quelle annee", "quelle date", "depuis quand",
        "wann", "welchem jahr", "welches jahr", "seit wann", "welchem datum",
        "cuando", "que ano", "en que ano", "que fecha", "desde cuando",
        "quando", "che anno", "quale anno", "in che anno", "che data",
    ),
    "who": (
        "who", "whom", "whose",
        "cine", "cui", "pe cine", "al cui", "a cui", "cu cine",
        "qui", "avec qui", "de qui",
        "wer", "wem", "wen", "wessen",
        "quien", "quienes",
        "chi",
    ),
    "where": (
        "where", "in which country", "in what country", "which city", "what city",
        "unde", "in ce tara", "in ce oras", "de unde",
        "ou", "d ou", "dans quel pays", "dans quelle ville",
        "wo", "wohin", "woher", "in welchem land", "in welcher stadt",
        "donde", "adonde", "en que pais", "en que ciudad",
        "dove", "in quale paese", "in quale citta",
    ),
}
ANSWER_TYPES = ("count", "when", "who", "where", "what")

_PHRASES = sorted(
    ((tuple(p.split()), kind) for kind, ps in QUESTION_WORDS.items() for p in ps),
    key=lambda item: -len(item[0]),
)

# Number words (folded) that can state a count in the six languages.
NUMBER_WORDS = frozenset(
    """
    one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty
    fifty sixty seventy eighty ninety hundred hundreds thousand thousands million millions
    billion billions dozen dozens half lone single sole none
    unu una doi doua trei patru cinci sase sapte opt noua zece unsprezece doisprezece douazeci
    treizeci patruzeci cincizeci suta sute mie mii milion milioane miliard miliarde duzina
    deux trois quatre cinq sept huit neuf dix onze douze vingt trente quarante cinquante cent
    cents mille millier milliers milliards douzaine seul seule
    eins zwei drei vier funf sechs sieben acht neun zehn elf zwolf zwanzig dreissig hundert
    tausend millionen milliarde milliarden dutzend einzige
    uno dos tres cuatro cinco seis siete ocho nueve diez once doce veinte treinta cien ciento
    cientos mil millon millones docena unico unica
    due tre quattro cinque sei sette otto nove dieci undici dodici venti trenta cento mila
    milione milioni miliardo miliardi dozzina unico
    """.split()
)
MONTH_WORDS = frozenset(
    """
    january february march april may june july august september october november december
    ianuarie februarie martie aprilie mai iunie iulie august septembrie octombrie noiembrie
    decembrie janvier fevrier mars avril juin juillet aout septembre octobre novembre decembre
    januar februar marz juni juli oktober dezember enero febrero marzo abril mayo junio julio
    agosto septiembre octubre noviembre diciembre gennaio febbraio aprile maggio giugno luglio
    settembre ottobre dicembre
    monday tuesday wednesday thursday friday saturday sunday luni marti miercuri joi vineri
    sambata duminica lundi mardi mercredi jeudi vendredi samedi dimanche montag dienstag
    mittwoch donnerstag freitag samstag sonntag lunes martes miercoles jueves viernes sabado
    domingo lunedi martedi mercoledi giovedi venerdi sabato domenica
    century centuries secol secolul siecle jahrhundert siglo secolo
    """.split()
)
NUMBER = re.compile(r"\d+(?:[.,\u00a0 ]\d{3})*(?:[.,]\d+)?")
_WORD = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1024)
def answer_type(question: str) -> str:
    """`count`, `when`, `who`, `where` or `what`, from the question words (see the table)."""
    words = tokens(question)
    raw = question.casefold()
    best: tuple[int, str] | None = None
    for phrase, kind in _PHRASES:
        n = len(phrase)
        for i in range(len(words) - n + 1):
            if tuple(words[i : i + n]) != phrase:
                continue
            # French "où" folds to "ou" ("or"): only as the first word or written with its accent
            if phrase == ("ou",) and i > 0 and "où" not in raw:
                continue
            if best is None or i < best[0]:
                best = (i, kind)
            break
    return best[1] if best else "what"


@lru_cache(maxsize=65536)
def _fold_word(word: str) -> str:
    return fold(word)


def number_value(written: str) -> str:
    """A number as digits only ("8.000" and "8,000" are "8000")."""
    return re.sub(r"[.,\u00a0 ]", "", written)


def is_year(written: str) -> bool:
    value = number_value(written)
    return written.isdigit() and len(value) == 4 and "1000" <= value <= "2099"


def number_values(text: str) -> set[str]:
    """The numbers written in digits in `text`, as `number_value`s."""
    return {number_value(m) for m in NUMBER.findall(text)}


@dataclass(frozen=True, slots=True)
class Content:
    """What a sentence holds beyond the question's own words."""

    new_numbers: int  # numbers (digits or number words) the question does not, years aside
    dates: int  # years, month and weekday names
    new_names: int  # capitalised words, not first in the sentence, not in the question


def content(sentence: str, question: str) -> Content:
    """Count the sentence's numbers, dates and names that the question does not contain."""
    asked_words = set(tokens(question))
    asked_numbers = number_values(question)
    numbers = number_values(sentence) - asked_numbers
    words = _WORD.findall(sentence)
    folded = [_fold_word(w) for w in words]
    number_words = sum(1 for w in folded if w in NUMBER_WORDS and w not in asked_words)
    years = sum(1 for n in numbers if is_year(n))
    dates = years + sum(1 for w in folded if w in MONTH_WORDS)
    names = sum(
        1
        for i, (w, f) in enumerate(zip(words, folded, strict=True))
        if i > 0 and w[0].isupper() and f not in asked_words and f not in MONTH_WORDS
    )
    return Content(len(numbers) - years + number_words, dates, names)
