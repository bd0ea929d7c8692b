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
