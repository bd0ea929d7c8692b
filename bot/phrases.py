"""The words the extractive answer shows users, per language (en, ro, fr, it, de, es).

These are user-facing templates, not LLM prompts. A language without its own table uses
English. Placeholders: `{date}` a formatted date, `{n}` a citation number, `{language}` a
language's name, `{quote}` quoted words, `{articles}` a count, `{range}` a date range.
"""

from __future__ import annotations

from newsdesk.articles import parse_published

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "according_month": "According to an article of {date}",
        "according_day": "According to an article of {date}",
        "according_undated": "According to an undated article",
        "older_month": "An earlier article, of {date}, said",
        "older_day": "An earlier article, of {date}, said",
        "older_undated": "An undated article said",
        "also": "Another article of {date} adds",
        "also_undated": "Another article adds",
        "same_article": "The same article also says",
        "in_language": "in {language}",
        "differ": "The sources give different figures (newest first):",
        "figure": "• {value} — {source} [{n}]",
        "as_of": "As of {date}, per {source} [{n}].",
        "as_of_undated": "Undated: per {source} [{n}].",
        "as_of_unattributed": "As of {date} [{n}].",
        "undated_unattributed": "Undated [{n}].",
        "stale": "The newest article on this is from {date}.",
        "timeline": "How it developed, oldest first:",
        "timeline_line": "• {date} — {source}: {quote} [{n}]",
        "timeline_also": " (also in {sources})",
        "nothing": "I found nothing in the ingested news that answers this.",
        "searched": "I searched {articles} articles{range}.",
        "searched_one": "I searched 1 article{range}.",
        "range": ", published from {first} to {last}",
        "range_single": ", published {first}",
        "filters": " (filters: {filters})",
        "sources": "Sources",
        "also_in": "also in",
        "rewritten": "Searched as",
    },
    "ro": {
        "according_month": "Potrivit unui articol din {date}",
        "according_day": "Potrivit unui articol din {date}",
        "according_undated": "Potrivit unui articol nedatat",
        "older_month": "Un articol mai vechi, din {date}, spunea",
        "older_day": "Un articol mai vechi, din {date}, spunea",
        "older_undated": "Un articol nedatat spunea",
        "also": "Un alt articol, din {date}, adaugă",
        "also_undated": "Un alt articol adaugă",
        "same_article": "Același articol mai spune",
        "in_language": "în {language}",
        "differ": "Sursele dau cifre diferite (cele mai noi întâi):",
        "figure": "• {value} — {source} [{n}]",
        "as_of": "Cea mai recentă informație: {date}, potrivit {source} [{n}].",
        "as_of_undated": "Fără dată: potrivit {source} [{n}].",
        "as_of_unattributed": "Cea mai recentă informație: {date} [{n}].",
        "undated_unattributed": "Fără dată [{n}].",
        "stale": "Cel mai nou articol despre asta: {date}.",
        "timeline": "Cum a evoluat, de la cel mai vechi:",
        "timeline_line": "• {date} — {source}: {quote} [{n}]",
        "timeline_also": " (și în {sources})",
        "nothing": "Nu am găsit nimic în știrile indexate care să răspundă la întrebare.",
        "searched": "Am căutat în {articles} articole{range}.",
        "searched_one": "Am căutat într-un articol{range}.",
        "range": ", publicate între {first} și {last}",
        "range_single": ", publicat în {first}",
        "filters": " (filtre: {filters})",
        "sources": "Surse",
        "also_in": "și în",
        "rewritten": "Căutat ca",
    },
    "fr": {
        "according_month": "Selon un article de {date}",
        "according_day": "Selon un article du {date}",
        "according_undated": "Selon un article non daté",
        "older_month": "Un article plus ancien, de {date}, disait",
        "older_day": "Un article plus ancien, du {date}, disait",
        "older_undated": "Un article non daté disait",
        "also": "Un autre article, de {date}, ajoute",
        "also_undated": "Un autre article ajoute",
        "same_article": "Le même article dit aussi",
        "in_language": "en {language}",
        "differ": "Les sources donnent des chiffres différents (les plus récentes d'abord) :",
        "figure": "• {value} — {source} [{n}]",
        "as_of": "Dernière information : {date}, selon {source} [{n}].",
        "as_of_undated": "Sans date : selon {source} [{n}].",
        "as_of_unattributed": "Dernière information : {date} [{n}].",
        "undated_unattributed": "Sans date [{n}].",
        "stale": "L'article le plus récent à ce sujet : {date}.",
        "timeline": "Comment cela a évolué, du plus ancien au plus récent :",
        "timeline_line": "• {date} — {source} : {quote} [{n}]",
        "timeline_also": " (aussi dans {sources})",
        "nothing": "Je n'ai rien trouvé dans les actualités indexées qui réponde à cette question.",
        "searched": "J'ai cherché dans {articles} articles{range}.",
        "searched_one": "J'ai cherché dans 1 article{range}.",
        "range": ", publiés de {first} à {last}",
        "range_single": ", publié en {first}",
        "filters": " (filtres : {filters})",
        "sources": "Sources",
        "also_in": "aussi dans",
        "rewritten": "Recherché comme",
    },
    "it": {
        "according_month": "Secondo un articolo di {date}",
        "according_day": "Secondo un articolo del {date}",
        "according_undated": "Secondo un articolo senza data",
        "older_month": "Un articolo precedente, di {date}, diceva",
        "older_day": "Un articolo precedente, del {date}, diceva",
        "older_undated": "Un articolo senza data diceva",
        "also": "Un altro articolo, di {date}, aggiunge",
        "also_undated": "Un altro articolo aggiunge",
        "same_article": "Lo stesso articolo dice anche",
        "in_language": "in {language}",
        "differ": "Le fonti danno cifre diverse (le più recenti prima):",
        "figure": "• {value} — {source} [{n}]",
        "as_of": "Ultimo aggiornamento: {date}, secondo {source} [{n}].",
        "as_of_undated": "Senza data: secondo {source} [{n}].",
        "as_of_unattributed": "Ultimo aggiornamento: {date} [{n}].",
        "undated_unattributed": "Senza data [{n}].",
        "stale": "L'articolo più recente su questo argomento: {date}.",
        "timeline": "Come si è evoluto, dal più vecchio al più recente:",
        "timeline_line": "• {date} — {source}: {quote} [{n}]",
        "timeline_also": " (anche in {sources})",
        "nothing": "Non ho trovato nulla nelle notizie indicizzate che risponda alla domanda.",
        "searched": "Ho cercato in {articles} articoli{range}.",
        "searched_one": "Ho cercato in 1 articolo{range}.",
        "range": ", pubblicati da {first} a {last}",
        "range_single": ", pubblicato a {first}",
        "filters": " (filtri: {filters})",
        "sources": "Fonti",
        "also_in": "anche in",
        "rewritten": "Cercato come",
    },
    "de": {
        "according_month": "Laut einem Artikel aus dem {date}",
        "according_day": "Laut einem Artikel vom {date}",
        "according_undated": "Laut einem undatierten Artikel",
        "older_month": "Ein älterer Artikel aus dem {date} sagte",
        "older_day": "Ein älterer Artikel vom {date} sagte",
        "older_undated": "Ein undatierter Artikel sagte",
        "also": "Ein weiterer Artikel ({date}) ergänzt",
        "also_undated": "Ein weiterer Artikel ergänzt",
        "same_article": "Derselbe Artikel sagt auch",
        "in_language": "auf {language}",
        "differ": "Die Quellen nennen unterschiedliche Zahlen (die neuesten zuerst):",
        "figure": "• {value} — {source} [{n}]",
        "as_of": "Stand: {date}, laut {source} [{n}].",
        "as_of_undated": "Ohne Datum: laut {source} [{n}].",
        "as_of_unattributed": "Stand: {date} [{n}].",
        "undated_unattributed": "Ohne Datum [{n}].",
        "stale": "Der neueste Artikel dazu: {date}.",
        "timeline": "Wie es sich entwickelt hat, das Älteste zuerst:",
        "timeline_line": "• {date} — {source}: {quote} [{n}]",
        "timeline_also": " (auch in {sources})",
        "nothing": "In den erfassten Nachrichten habe ich nichts gefunden, was das beantwortet.",
        "searched": "Durchsucht: {articles} Artikel{range}.",
        "searched_one": "Durchsucht: 1 Artikel{range}.",
        "range": ", veröffentlicht von {first} bis {last}",
        "range_single": ", veröffentlicht {first}",
        "filters": " (Filter: {filters})",
        "sources": "Quellen",
        "also_in": "auch in",
        "rewritten": "Gesucht als",
    },
    "es": {
        "according_month": "Según un artículo de {date}",
        "according_day": "Según un artículo del {date}",
        "according_undated": "Según un artículo sin fecha",
        "older_month": "Un artículo anterior, de {date}, decía",
        "older_day": "Un artículo anterior, del {date}, decía",
        "older_undated": "Un artículo sin fecha decía",
        "also": "Otro artículo, de {date}, añade",
        "also_undated": "Otro artículo añade",
        "same_article": "El mismo artículo también dice",
        "in_language": "en {language}",
        "differ": "Las fuentes dan cifras distintas (las más recientes primero):",
        "figure": "• {value} — {source} [{n}]",
        "as_of": "Última información: {date}, según {source} [{n}].",
        "as_of_undated": "Sin fecha: según {source} [{n}].",
        "as_of_unattributed": "Última información: {date} [{n}].",
        "undated_unattributed": "Sin fecha [{n}].",
        "stale": "El artículo más reciente sobre esto: {date}.",
        "timeline": "Cómo evolucionó, de lo más antiguo a lo más reciente:",
        "timeline_line": "• {date} — {source}: {quote} [{n}]",
        "timeline_also": " (también en {sources})",
        "nothing": "No encontré nada en las noticias indexadas que responda a esto.",
        "searched": "Busqué en {articles} artículos{range}.",
        "searched_one": "Busqué en 1 artículo{range}.",
        "range": ", publicados entre {first} y {last}",
        "range_single": ", publicado en {first}",
        "filters": " (filtros: {filters})",
        "sources": "Fuentes",
        "also_in": "también en",
        "rewritten": "Buscado como",
    },
}

MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "ro": ("ianuarie", "februarie", "martie", "aprilie", "mai", "iunie", "iulie", "august",
           "septembrie", "octombrie", "noiembrie", "decembrie"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"),
    "it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
           "settembre", "ottobre", "novembre", "dicembre"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
           "Oktober", "November", "Dezember"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"),
}  # fmt: skip

DATE_FORMATS: dict[str, tuple[str, str]] = {  # (month and year, day month year)
    "en": ("{month} {year}", "{day} {month} {year}"),
    "ro": ("{month} {year}", "{day} {month} {year}"),
    "fr": ("{month} {year}", "{day} {month} {year}"),
    "it": ("{month} {year}", "{day} {month} {year}"),
    "de": ("{month} {year}", "{day}. {month} {year}"),
    "es": ("{month} de {year}", "{day} de {month} de {year}"),
}

LANGUAGE_NAMES: dict[str, dict[str, str]] = {
    "en": {"en": "English", "ro": "Romanian", "fr": "French", "it": "Italian", "de": "German",
           "es": "Spanish", "ru": "Russian", "uk": "Ukrainian", "pt": "Portuguese",
           "nl": "Dutch", "pl": "Polish"},
    "ro": {"en": "engleză", "ro": "română", "fr": "franceză", "it": "italiană", "de": "germană",
           "es": "spaniolă", "ru": "rusă", "uk": "ucraineană", "pt": "portugheză",
           "nl": "neerlandeză", "pl": "poloneză"},
    "fr": {"en": "anglais", "ro": "roumain", "fr": "français", "it": "italien", "de": "allemand",
           "es": "espagnol", "ru": "russe", "uk": "ukrainien", "pt": "portugais",
           "nl": "néerlandais", "pl": "polonais"},
    "it": {"en": "inglese", "ro": "rumeno", "fr": "francese", "it": "italiano", "de": "tedesco",
           "es": "spagnolo", "ru": "russo", "uk": "ucraino", "pt": "portoghese",
           "nl": "olandese", "pl": "polacco"},
    "de": {"en": "Englisch", "ro": "Rumänisch", "fr": "Französisch", "it": "Italienisch",
           "de": "Deutsch", "es": "Spanisch", "ru": "Russisch", "uk": "Ukrainisch",
           "pt": "Portugiesisch", "nl": "Niederländisch", "pl": "Polnisch"},
    "es": {"en": "inglés", "ro": "rumano", "fr": "francés", "it": "italiano", "de": "alemán",
           "es": "español", "ru": "ruso", "uk": "ucraniano", "pt": "portugués",
           "nl": "neerlandés", "pl": "polaco"},
}  # fmt: skip

QUOTES: dict[str, tuple[str, str]] = {
    "en": ("“", "”"), "ro": ("„", "”"), "fr": ("« ", " »"), "it": ("«", "»"),
    "de": ("„", "“"), "es": ("«", "»"), "ru": ("«", "»"), "uk": ("«", "»"), "pl": ("„", "”"),
}  # fmt: skip


def table(language: str) -> dict[str, str]:
    return PHRASES.get(language, PHRASES["en"])


def phrase(ui: str, key: str, /, **values: object) -> str:
    """The template `key` in language `ui`, filled in."""
    return table(ui)[key].format(**values)


def language_name(code: str, language: str) -> str:
    names = LANGUAGE_NAMES.get(language, LANGUAGE_NAMES["en"])
    return names.get(code) or LANGUAGE_NAMES["en"].get(code) or code


def quoted(text: str, language: str) -> str:
    opening, closing = QUOTES.get(language, QUOTES["en"])
    return f"{opening}{text}{closing}"


def format_date(published: str | None, language: str) -> tuple[str, str] | None:
    """A published date as users read it, and its precision ("month" or "day"); None if unknown.

    `2024` → `2024`, `2024-11` → `Nov 2024`, `2024-11-04…` → `4 Nov 2024` (in `language`; the
    day is the one the date is written in, whatever its time zone)."""
    try:
        moment, precision = parse_published(published or "")
    except ValueError:
        return None
    year = str(moment.year).zfill(4)
    if precision == "year":
        return year, "month"
    months = MONTHS.get(language, MONTHS["en"])
    month_format, day_format = DATE_FORMATS.get(language, DATE_FORMATS["en"])
    month = months[moment.month - 1]
    if precision == "month":
        return month_format.format(month=month, year=year), "month"
    return day_format.format(day=moment.day, month=month, year=year), "day"
