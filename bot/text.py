"""Words of a text as retrieval and answering compare them: folded, tokenised, stopwords out.

One place for these rules, so the lexical index (FTS5 folds accents the same way), the
sentence scores, the follow-up detector and the answer checks all see the same words, and
the same numbers (`NUMBER`, `number_value`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

# Function words of the languages we see most (en, ro, fr, it, de, es), accent-folded. Kept
# small on purpose: only words that carry no topic. Question words are included.
STOPWORDS = frozenset(
    """
    a an the and or but if of to in on at by for from with about as into over under than then
    is are was were be been being am do does did done have has had having will would shall should
    can could may might must it its this that these those there here what which who whom whose
    when where why how i you he she we they me him her us them my your his our their not no nor
    so too very s t just also any all some such own same other only more most many much few
    please tell know say said
    si sau dar de la in pe cu din despre pentru prin spre fara ce cine care cand unde cum cat
    cati cate ca sa se nu mai este sunt era au a al ai ale lui lor ei ea el ele un o unei unui
    niste acest aceasta acesta acei aceste asta ii il le ma te ne va vor fi fost are avea am
    le la les un une des du de et ou mais dans en sur avec pour par sans sous qui que quoi quel
    quelle quels quelles quand comment pourquoi est sont etait ont a ce cet cette ces il elle ils
    elles se ne pas plus y au aux
    il lo la gli i le uno una di da del della dei delle e o ma nel nella con per tra fra che chi
    cosa quale quali quando dove come perche sono era ha hanno non si ci
    der die das den dem des ein eine einen einem einer und oder aber in im an am auf mit von zu
    zum zur fur uber unter ist sind war waren hat haben wer was wann wo wie warum welche welcher
    welches nicht es er sie wir ihr sich
    el la los las un una unos unas y o pero de del en con por para sin sobre que quien quienes
    cual cuales cuando donde como porque es son era fue han ha no se lo le les su sus al
    """.split()
)

_TOKEN = re.compile(r"[^\W_]+")

# A number written in digits: its thousands may be grouped with a dot, a comma or a space
# (Romanian and French write "8 000", often with a no-break or narrow no-break space), so
# "8000", "8,000", "8.000" and "8 000" are one number, 8000; a decimal part may follow.
_GROUP = "[.,\u00a0\u202f ]"
NUMBER = re.compile(rf"\d+(?:{_GROUP}\d{{3}})*(?:[.,]\d+)?")


def fold(text: str) -> str:
    """Lower-case without accents (`Câte` → `cate`), as the FTS5 tokenizer folds."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def number_value(written: str) -> str:
    """A number as digits only ("8.000", "8,000" and "8 000" are "8000")."""
    return re.sub(_GROUP, "", written)


# Numbers written as words, in the languages of STOPWORDS (folded): a passage that says
# "unsprezece" or "two thousand" states 11 and 2000 as surely as one that says "11".
_UNITS = {
    "en": "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
    " fifteen sixteen seventeen eighteen nineteen",
    "ro": "zero unu doi trei patru cinci sase sapte opt noua zece unsprezece doisprezece"
    " treisprezece paisprezece cincisprezece saisprezece saptesprezece optsprezece nouasprezece",
    "fr": "zero un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze"
    " quinze seize",
    "de": "null eins zwei drei vier funf sechs sieben acht neun zehn elf zwolf dreizehn"
    " vierzehn funfzehn sechzehn siebzehn achtzehn neunzehn",
    "es": "cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce"
    " quince dieciseis diecisiete dieciocho diecinueve",
    "it": "zero uno due tre quattro cinque sei sette otto nove dieci undici dodici tredici"
    " quattordici quindici sedici diciassette diciotto diciannove",
}
_TENS = {
    "en": "twenty thirty forty fifty sixty seventy eighty ninety",
    "ro": "douazeci treizeci patruzeci cincizeci saizeci saptezeci optzeci nouazeci",
    "fr": "vingt trente quarante cinquante soixante septante huitante nonante",
    "de": "zwanzig dreissig vierzig funfzig sechzig siebzig achtzig neunzig",
    "es": "veinte treinta cuarenta cincuenta sesenta setenta ochenta noventa",
    "it": "venti trenta quaranta cinquanta sessanta settanta ottanta novanta",
}
_OTHER_WORDS = {  # other forms, and the pieces compounds are made of ("einundzwanzig", "ventitre")
    "una": 1, "uno": 1, "une": 1, "ein": 1, "eine": 1, "doua": 2, "douasprezece": 12,
    "vingts": 20, "veinti": 20, "vent": 20, "trent": 30, "quarant": 40, "cinquant": 50,
    "sessant": 60, "settant": 70, "ottant": 80, "novant": 90,
    "hundred": 100, "suta": 100, "sute": 100, "cent": 100, "cents": 100, "hundert": 100,
    "cien": 100, "ciento": 100, "cientos": 100, "cento": 100, "quinientos": 500,
    "setecientos": 700, "novecientos": 900,
    "thousand": 1000, "mie": 1000, "mii": 1000, "mille": 1000, "tausend": 1000, "mil": 1000,
    "mila": 1000,
    "million": 10**6, "millions": 10**6, "milion": 10**6, "milioane": 10**6, "millionen": 10**6,
    "millon": 10**6, "millones": 10**6, "milione": 10**6, "milioni": 10**6,
    "billion": 10**9, "billions": 10**9, "miliard": 10**9, "miliarde": 10**9,
    "milliard": 10**9, "milliards": 10**9, "milliarde": 10**9, "milliarden": 10**9,
    "miliardo": 10**9, "miliardi": 10**9,
}
NUMBER_WORD_VALUES: dict[str, int] = {
    **{w: v for words in _UNITS.values() for v, w in enumerate(words.split())},
    **{w: 10 * v for words in _TENS.values() for v, w in enumerate(words.split(), start=2)},
    **{w.strip(): v for w, v in _OTHER_WORDS.items()},
}
# Articles that are a number only before a hundred, thousand...: "a thousand", "o sută".
_ARTICLES = frozenset("a an o".split())
_JOINERS = frozenset("and si et und y e de".split())  # "twenty and one", "douazeci de mii"
_PIECE = re.compile(
    "|".join(sorted((re.escape(w) for w in NUMBER_WORD_VALUES if len(w) >= 3), key=len, reverse=True))
    + "|und"
)


def _word_values(token: str) -> list[int] | None:
    """The number words `token` is made of ("einundzwanzig" → [1, 20]), or None."""
    if token in NUMBER_WORD_VALUES:
        return [NUMBER_WORD_VALUES[token]]
    pieces, at = [], 0
    while at < len(token):
        piece = _PIECE.match(token, at)
        if piece is None:
            return None
        pieces.append(piece.group())
        at = piece.end()
    values = [NUMBER_WORD_VALUES[p] for p in pieces if p in NUMBER_WORD_VALUES]
    return values if len(values) >= 2 else None


def _combine(values: list[int]) -> int:
    """The number a run of number words says: [2, 1000, 3, 100, 20, 5] is 2325 ("two thousand
    three hundred twenty-five"); [1, 20] is 21 ("einundzwanzig"); [4, 20] is 80 ("quatre-vingt")."""
    total, current = 0, 0
    for i, value in enumerate(values):
        if value == 100:
            current = (current or 1) * 100
        elif value >= 1000:
            total, current = total + (current or 1) * value, 0
        elif value == 20 and i and values[i - 1] == 4 and current % 100 == 4:
            current += 76  # quatre-vingt(s): 4 x 20
        else:
            current += value
    return total + current


def spelled_numbers(text: str) -> set[str]:
    """The numbers `text` writes as words ("unsprezece", "two thousand", "quatre-vingt-dix"),
    or as digits with a word ("8 mii", "2,5 million"), as digits only: "11", "2000", "90",
    "8000", "2500000"; in English, Romanian, French, German, Spanish and Italian."""
    found: set[str] = set()
    words = re.findall(r"\d+(?:[.,]\d+)?|[^\W\d_]+", fold(text))
    run: list[int] = []

    def close() -> None:
        if run:
            found.add(str(_combine(run)))
            run.clear()

    skip = False
    for i, word in enumerate(words):
        scale = NUMBER_WORD_VALUES.get(words[i + 1], 0) if i + 1 < len(words) else 0
        if skip:
            skip = False
        elif word[0].isdigit():
            close()
            if scale >= 100:  # "8 mii", "2,5 milioane": the word is read with the digits
                whole, _, part = word.replace(",", ".").partition(".")
                found.add(str(int(whole) * scale + int(part or 0) * scale // 10 ** len(part)))
                skip = True
        elif word in _ARTICLES:
            close()
            if scale >= 100:
                run.append(1)
        elif not (word in _JOINERS and run):
            values = _word_values(word)
            if values is None:
                close()
            else:
                run.extend(values)
    close()
    return found


def tokens(text: str) -> list[str]:
    """Every folded word of `text`, in order."""
    return _TOKEN.findall(fold(text))


def query_terms(text: str) -> list[str]:
    """The query's content words, folded, without stopwords or repeats."""
    seen: dict[str, None] = {}
    for token in tokens(text):
        if token in STOPWORDS or (len(token) < 2 and not token.isdigit()):
            continue
        seen.setdefault(token, None)
    return list(seen)


def term_overlap(terms: Sequence[str], text: str) -> float:
    """The share of query terms found in `text` (a 5-letter common prefix counts: inflections)."""
    return word_overlap(terms, set(tokens(text)))


def word_overlap(terms: Sequence[str], words: set[str] | frozenset[str]) -> float:
    """`term_overlap` over a text's folded words, already split."""
    if not terms:
        return 0.0
    stems = {w[:5] for w in words if len(w) >= 5}
    hits = sum(1 for t in terms if t in words or (len(t) >= 5 and t[:5] in stems))
    return hits / len(terms)


# Words and phrases with which a question asks about the present ("latest", "still", "this
# week"): then retrieval weighs how recent a passage is (`bot.retrieval`) and an answer from old
# evidence says so (`bot.recency`). Folded, en ro fr de it es. Words as ambiguous as "new" (New
# York, a new law in 2021) or "last" (the last emperor) are left out.
RECENT_WORDS = frozenset(
    """
    now today yesterday tonight latest recent recently current currently nowadays still
    acum azi astazi ieri recent recente recenta recentul ultimele actual actuala actualul inca
    maintenant aujourd hier recemment recent recente actuel actuelle actuellement toujours encore
    jetzt heute gestern kurzlich neulich neueste neuesten aktuell aktuelle aktuellen derzeit noch
    adesso oggi recente recenti recentemente attuale attualmente ancora
    ahora hoy ayer reciente recientes recientemente actual actualmente todavia aun
    """.split()
)
RECENT_PHRASES = frozenset(
    phrase.strip()
    for phrase in """
    this week|last week|past week|this month|past month|this year|so far|right now|this weekend
    saptamana aceasta|saptamana asta|saptamana trecuta|luna aceasta|luna asta|anul acesta|in prezent
    cette semaine|semaine derniere|ce mois|cette annee|en ce moment
    diese woche|diesen monat|dieses jahr|letzte woche|vergangene woche|im moment
    questa settimana|settimana scorsa|questo mese|quest anno|in questo momento
    esta semana|semana pasada|este mes|este ano|en este momento
    dernieres nouvelles|derniere nouvelle|ultime notizie|ultima notizia|ultimas noticias
    ultima noticia|ultimele stiri|ultima stire
    """.replace("\n", "|").split("|")
    if phrase.strip()
)


def subject_terms(question: str) -> list[str]:
    """The question's content words without those asking about time ("now", "still",
    "latest"): what a passage must say to be about the question. When it was said is the
    recency step's business, and no sentence writes "still"."""
    return [term for term in query_terms(question) if term not in RECENT_WORDS]


def asks_recent(question: str) -> bool:
    """Whether the question asks about the present ("the latest", "this week", "acum")."""
    words = tokens(question)
    pairs = {f"{a} {b}" for a, b in zip(words, words[1:])}
    return bool(RECENT_WORDS.intersection(words) or RECENT_PHRASES.intersection(pairs))
