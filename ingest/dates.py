"""Publication dates, in whatever shape sources write them, as ISO strings.

The shapes news actually uses are parsed here directly (ISO 8601, RFC 822 from feeds,
`04.11.2024`, `2024/11/04`, `4 November 2024`, `4 noiembrie 2024`, `novembre 2024`); only what
is left goes to dateparser, which takes a third of a second to import and seconds to give up
on text that is not a date.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

_MONTH_NAMES = {
    1: "january jan ianuarie ian janvier janv gennaio gen enero ene januar",
    2: "february feb februarie fevrier fevr febbraio febrero februar",
    3: "march mar martie mars marzo marz maerz",
    4: "april apr aprilie avril avr aprile abril",
    5: "may mai maggio mag mayo",
    6: "june jun iunie iun juin giugno giu junio juni",
    7: "july jul iulie iul juillet juil luglio lug julio juli",
    8: "august aug aout agosto ago",
    9: "september sep sept septembrie septembre settembre set septiembre",
    10: "october oct octombrie octobre ottobre ott octubre oktober okt",
    11: "november nov noiembrie noi novembre noviembre",
    12: "december dec decembrie decembre dicembre dic diciembre dezember dez",
}
MONTHS: dict[str, int] = {name: n for n, names in _MONTH_NAMES.items() for name in names.split()}

# Languages dateparser may try: the ones our news comes in (each extra one costs time).
DATEPARSER_LANGUAGES = ["en", "ro", "fr", "it", "es", "de", "pt", "nl"]
MAX_DATE_LENGTH = 100
EARLIEST_YEAR = 1800

_PARTIAL_ISO = re.compile(r"(\d{4})(?:-(\d{2}))?")
_YMD = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})")
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_DAY = r"(\d{1,2})(?:st|nd|rd|th|er)?\.?"
_MONTH = r"([a-z]+)\.?"
_DAY_MONTH_YEAR = re.compile(rf"\b{_DAY},?\s+(?:de\s+)?{_MONTH},?\s+(?:de\s+)?(\d{{4}})\b")
_MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+(\d{{4}})\b")
_MONTH_YEAR = re.compile(rf"\b{_MONTH}\s+(?:de\s+)?(\d{{4}})\b")
MAX_DATE_WORDS = 5  # `Mon, 04 Nov 2024` is the longest date written before a time
# What may follow a date as part of it: a time, an offset or a zone.
_TIME_WORD = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?|[+-]\d{2}:?\d{2}|UTC|GMT|Z", re.IGNORECASE)


def parse_date(value: str | None) -> str | None:
    """`value` as `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or a datetime with offset; None if it is no date.

    Day-first wins where numbers are ambiguous (`04.11.2024` and `04/11/2024` are 4 November),
    as in most of the world's news. A datetime without an offset is taken as UTC, as
    `published_timestamp` does. Relative dates ("yesterday") are not dates here.
    """
    if value is None:
        return None
    text = " ".join(value.split())
    if not text or len(text) > MAX_DATE_LENGTH:
        return None
    for parse in (_parse_iso, _parse_rfc822, _parse_numeric, _parse_month_name, _parse_fallback):
        result = parse(text)
        if result is not None:
            return result if result and _plausible(result) else None
    return None


def leading_date(text: str) -> tuple[str, int] | None:
    """The date `text` begins with, as (ISO date, where the date ends in `text`), or None.

    For a date written inline before the text it dates (`2024-11 Coreea de Nord…`,
    `4 November 2024, 10:00 UTC The…`): the shortest run of words that ends with a number and
    that the quick parsers read, then any time or zone words after it. dateparser is not
    asked: it would read dates into ordinary words.
    """
    words = list(re.finditer(r"\S+", text[:MAX_DATE_LENGTH]))
    for n, word in enumerate(words[:MAX_DATE_WORDS]):
        found = _quick_date(text[: word.end()]) if re.search(r"\d", word.group()) else None
        if found:
            end = word.end()
            for after in words[n + 1 : n + 1 + 2]:
                longer = _quick_date(text[: after.end()].rstrip(","))
                if not (_TIME_WORD.fullmatch(after.group().rstrip(",")) and longer):
                    break
                found, end = longer, after.end()
            return found, end
    return None


def _quick_date(value: str) -> str | None:
    """A plausible ISO date parsed without dateparser, or None."""
    text = " ".join(value.rstrip(",;:.").split())
    for parse in (_parse_iso, _parse_rfc822, _parse_numeric, _parse_month_name):
        result = parse(text)
        if result is not None:
            return result if result and _plausible(result) else None
    return None


def _plausible(iso: str) -> bool:
    return EARLIEST_YEAR <= int(iso[:4]) <= datetime.now(UTC).year + 1


def _iso_date(year: int, month: int, day: int | None = None) -> str:
    """The ISO date, or "" for an impossible one (31.02.2024): a date-shaped non-date, so the
    parsers after the one that recognised its shape are not asked to guess."""
    try:
        return date(year, month, day or 1).isoformat()[: 10 if day else 7]
    except ValueError:
        return ""


def _iso_datetime(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.replace(microsecond=0).isoformat()


def _parse_iso(text: str) -> str | None:
    if match := _PARTIAL_ISO.fullmatch(text):
        year, month = match.groups()
        return _iso_date(int(year), int(month)) if month else year
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if len(text) == 10 or (len(text) == 8 and text.isdigit()):  # 2024-11-04, 20241104
        return moment.date().isoformat()
    return _iso_datetime(moment)


def _parse_rfc822(text: str) -> str | None:
    """`Mon, 04 Nov 2024 10:00:00 +0000`, the RSS date; also without weekday or seconds."""
    if ":" not in text:
        return None
    try:
        return _iso_datetime(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        return None


def _parse_numeric(text: str) -> str | None:
    if match := _YMD.fullmatch(text):
        year, month, day = map(int, match.groups())
        return _iso_date(year, month, day)
    if match := _DMY.fullmatch(text):
        first, second, year = map(int, match.groups())
        day, month = (second, first) if second > 12 else (first, second)
        return _iso_date(year, month, day)
    return None


def _fold(text: str) -> str:
    """Lower case without accents, so `février`, `Février` and `fevrier` are one month."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _parse_month_name(text: str) -> str | None:
    folded = _fold(text)
    if (match := _DAY_MONTH_YEAR.search(folded)) and match.group(2) in MONTHS:
        day, month, year = match.groups()
        return _iso_date(int(year), MONTHS[month], int(day))
    if (match := _MONTH_DAY_YEAR.search(folded)) and match.group(1) in MONTHS:
        month, day, year = match.groups()
        return _iso_date(int(year), MONTHS[month], int(day))
    if (match := _MONTH_YEAR.fullmatch(folded)) and match.group(1) in MONTHS:
        month, year = match.groups()
        return _iso_date(int(year), MONTHS[month])
    return None


def _parse_fallback(text: str) -> str | None:
    if not re.search(r"\d", text):
        return None  # no date without a number; spares dateparser its slowest failures
    from dateparser.date import DateDataParser

    parser = DateDataParser(
        languages=DATEPARSER_LANGUAGES,
        settings={"PARSERS": ["custom-formats", "absolute-time"], "PREFER_DAY_OF_MONTH": "first"},
    )
    data = parser.get_date_data(text)
    moment = data.date_obj
    digits = re.sub(r"\d", lambda m: str(unicodedata.digit(m.group(), 0)), text)  # ٢٠٢٤ → 2024
    if moment is None or not re.search(rf"{moment.year}|\b{moment.year % 100:02d}\b", digits):
        return None  # no year written ("1e10", "Oct 5"): dateparser would take this year
    if data.period == "year":
        return f"{moment.year:04d}"
    if data.period == "month":
        return _iso_date(moment.year, moment.month)
    if moment.tzinfo is None and moment.time() == datetime.min.time():
        return moment.date().isoformat()
    return _iso_datetime(moment)
