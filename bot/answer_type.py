"""What a question asks for, and what a sentence holds: the answer-type fit.

A question's expected answer type comes from its question words, looked up in a small table
per language (en, ro, fr, de, es, it; matched accent-folded, so "cati" and "câți" are one):
`count` (how many), `when`, `who`, `where`, else `what`. A sentence's content is read
from its surface: numbers (digits or number words), dates (years, month and weekday names,
relative times: "next week", "ieri")
and capitalised words, counting only those the question does not already contain, since an
answer brings something the question lacks ("8.000", "Kursk", "Wong Kan Seng").

These are general mechanisms, the same for every article; `bot.quote` weighs them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.text import NUMBER, fold, number_value, tokens

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

# Nouns of a measure: a "what" question about one asks for a number ("What magnitude did the
# USGS give the quake?", "À quelle distance…", "Care a fost bilanțul?"), folded, with the
# Romanian and German forms news writes most (articled, plural). They count within
# `MEASURE_REACH` words after a word of `WHICH` ("What is Basilashvili's world ranking?"), not
# further ("Which Florida city has the biggest population?" asks for a city).
MEASURE_NOUNS = frozenset(
    """
    magnitude altitude distance height depth length width speed velocity age score ranking
    price cost costs temperature size weight percentage toll population budget salary
    number amount margin rate total sum capacity
    magnitudinea magnitudine altitudinea altitudine distanta inaltimea inaltime
    adancimea adancime lungimea lungime viteza varsta varstei scorul scor pretul pret costul
    costurile temperatura marimea greutatea procentul procent bilantul bilant populatia
    bugetul salariul numarul suma totalul valoarea
    hauteur profondeur longueur largeur vitesse classement prix cout couts taille poids
    pourcentage bilan budget salaire nombre montant somme
    starke hohe entfernung tiefe geschwindigkeit alter punktzahl preis kosten temperatur
    grosse gewicht prozentsatz bilanz bevolkerung gehalt anzahl zahl betrag
    magnitud altitud distancia altura profundidad longitud velocidad edad puntuacion precio
    coste costo tamano peso porcentaje cantidad poblacion presupuesto salario numero
    magnitudo altitudine distanza altezza profondita lunghezza velocita eta punteggio prezzo
    dimensione percentuale quantita popolazione stipendio
    """.split()
)
WHICH = frozenset(
    """
    what which ce care quel quelle quels quelles lequel laquelle welche welcher welches welchen
    welchem que cual cuales che quale quali
    """.split()
)
MEASURE_REACH = 5

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
    today tonight tomorrow yesterday week weeks weekend month months year years ago decade
    azi astazi diseara maine ieri aseara saptamana saptamani saptamana luna lunii ani deceniu
    aujourd demain hier semaine semaines mois annee annees ans decennie
    heute morgen gestern woche wochen monat monate jahr jahre jahrzehnt
    hoy manana ayer semana semanas mes meses ano anos decada
    oggi domani ieri settimana settimane mese mesi anno anni decennio
    """.split()
)  # with the relative ones news uses ("from next week", "ieri", "l'an dernier")
_WORD = re.compile(r"[^\W\d_]+")


# Words that may stand before a question word at the start of a clause ("And how many …",
# "Și unde …", "In 2020, who …" is a clause break): conjunctions and prepositions, folded.
LEADING = frozenset(
    """
    and but so then also or in on at from since by for to of with after before during
    si iar dar sau in la de din pe cu pentru dupa inainte
    et mais ou en dans a de depuis pour avec apres avant
    und aber oder in im an am seit fur mit nach vor
    y pero o en desde para con tras antes
    e ma o in a da per con dopo prima
    """.split()
)
_CLAUSE = re.compile(r"[,;:()\[\]«»„“”\"]|\s[-–—]\s")


# Question words that also open subordinate or relative clauses ("… say when he met Kim", "the
# player who scored") or are ordinary words elsewhere (English "cat" folds like Romanian
# "cât"): they count only first in a clause or last in the question.
CLAUSE_WORDS = frozenset(
    """
    when who whom whose where cand unde cat cata quand qui ou wo wann wer wen wem
    cuando quien quienes donde quando chi dove
    """.split()
)


@lru_cache(maxsize=1024)
def answer_type(question: str) -> str:
    """`count`, `when`, `who`, `where` or `what`, from the question words (see the table).

    Where a question word stands matters: first in a clause ("According to Blinken, where …"),
    perhaps after a conjunction or a preposition ("And how many …"), it always counts; words
    of `CLAUSE_WORDS` count nowhere else but last ("… benefit whom?"); the rest count anywhere
    ("Peyton Manning took how many teams?"), the earliest first.
    """
    raw = question.casefold()
    clauses = [tokens(clause) for clause in _CLAUSE.split(question)]
    for words in clauses:
        starts = [0]
        while len(starts) < 3 and starts[-1] < len(words) and words[starts[-1]] in LEADING:
            starts.append(starts[-1] + 1)
        for start in starts:
            kind = _phrase_at(words, start, raw)
            if kind:
                return kind
    words = [w for clause in clauses for w in clause]
    for start in range(len(words)):
        kind = _phrase_at(words, start, raw, anywhere=True)
        if kind:
            return kind
    kind = _phrase_at(words, len(words) - 1, raw) if words else ""
    return kind or ("count" if asks_measure(words) else "what")


def asks_measure(words: list[str]) -> bool:
    """Whether a measure noun follows a word of `WHICH` closely ("ce vârstă", "what was the
    final score")."""
    return any(
        word in WHICH and MEASURE_NOUNS.intersection(words[i + 1 : i + 1 + MEASURE_REACH])
        for i, word in enumerate(words)
    )


def _phrase_at(words: list[str], start: int, raw: str, anywhere: bool = False) -> str:
    """The answer type of the longest table phrase at `start` (`anywhere`: not a clause word)."""
    for phrase, kind in _PHRASES:
        if tuple(words[start : start + len(phrase)]) != phrase:
            continue
        if anywhere and phrase[0] in CLAUSE_WORDS and len(phrase) == 1:
            continue
        # French "où" folds to "ou" ("or"): after other words only when written with its accent
        if phrase == ("ou",) and start > 0 and "où" not in raw:
            continue
        return kind
    return ""


@lru_cache(maxsize=65536)
def _fold_word(word: str) -> str:
    return fold(word)


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


@lru_cache(maxsize=64)
def _asked(question: str) -> tuple[frozenset[str], frozenset[str]]:
    """The question's folded words and its numbers: computed once per question, not once per
    candidate sentence."""
    return frozenset(tokens(question)), frozenset(number_values(question))


def content(sentence: str, question: str) -> Content:
    """Count the sentence's numbers, dates and names that the question does not contain."""
    asked_words, asked_numbers = _asked(question)
    written = NUMBER.findall(sentence)
    numbers = {number_value(m) for m in written} - asked_numbers
    # a year is told by how it is written: "2024" is one, "1,500" and "2.000" are counts
    years = numbers & {number_value(m) for m in written if is_year(m)}
    words = _WORD.findall(sentence)
    folded = [_fold_word(w) for w in words]
    number_words = sum(1 for w in folded if w in NUMBER_WORDS and w not in asked_words)
    dates = len(years) + sum(1 for w in folded if w in MONTH_WORDS)
    names = sum(
        1
        for i, (w, f) in enumerate(zip(words, folded, strict=True))
        if i > 0 and w[0].isupper() and f not in asked_words and f not in MONTH_WORDS
    )
    return Content(len(numbers) - len(years) + number_words, dates, names)


@lru_cache(maxsize=64)
def specifics(question: str) -> tuple[frozenset[str], frozenset[str]]:
    """What pins a question to one thing: its numbers ("Super Bowl 51", "in 2016"), and its
    names (capitalised words not first in the sentence, folded). Both are written alike in most
    languages, so they can be looked for in a text in another language than the question."""
    words = _WORD.findall(question)
    names = {_fold_word(w) for i, w in enumerate(words)
             if i > 0 and w[0].isupper() and _fold_word(w) not in MONTH_WORDS}  # fmt: skip
    return frozenset(number_values(question)), frozenset(n for n in names if len(n) >= 2)


def unmatched(question: str, text: str, names: bool = True) -> float:
    """The share of the question's `specifics` that `text` does not hold (0 when it has none):
    a text about the question's subject that lacks its number or name is about something
    else ("Super Bowl 50" for a question about Super Bowl 51). A name matches a word with the
    same first five letters (inflections: "Bucureștiului", "București"). `names=False` looks
    for the numbers only: names change across languages ("North Korean", "nord-coreene")."""
    numbers, asked_names = specifics(question)
    asked_names = asked_names if names else frozenset()
    if not numbers and not asked_names:
        return 0.0
    held = number_values(text)
    words = set(tokens(text))
    stems = {w[:5] for w in words if len(w) >= 5}
    missing = sum(1 for n in numbers if n not in held)
    missing += sum(1 for n in asked_names if n not in words and not (len(n) >= 5 and n[:5] in stems))
    return missing / (len(numbers) + len(asked_names))
