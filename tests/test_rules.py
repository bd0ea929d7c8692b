"""Domain rules kept in one place each (issue 11, item 5): how a date is read and shown, how a
number is read, how a word is folded, how a citation is made."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

import pytest

from bot.cli import filters_from
from bot.phrases import format_date
from bot.slack.blocks import human_date
from bot.text import NUMBER, number_value, spelled_numbers
from newsdesk.articles import parse_published, published_timestamp


@pytest.mark.parametrize(
    ("written", "moment", "precision"),
    [
        ("2024", datetime(2024, 1, 1, tzinfo=UTC), "year"),
        ("2024-11", datetime(2024, 11, 1, tzinfo=UTC), "month"),
        (" 2024-11-04 ", datetime(2024, 11, 4, tzinfo=UTC), "day"),
        ("2024-11-04T10:00:00Z", datetime(2024, 11, 4, 10, tzinfo=UTC), "moment"),
    ],
)
def test_one_date_parser_for_articles_and_the_command_line(
    written: str, moment: datetime, precision: str
) -> None:
    assert parse_published(written) == (moment, precision)
    assert published_timestamp(written) == moment.timestamp()
    since = filters_from(argparse.Namespace(since=written, until=None, source=None, lang=None))
    assert since.since == moment.timestamp()


@pytest.mark.parametrize(
    ("published", "shown"),
    [
        ("2024", "2024"), ("2024-11", "Nov 2024"), ("2024-11-04", "4 Nov 2024"),
        ("2024-11-04T23:30:00-05:00", "4 Nov 2024"), ("2024-11-04 10:00", "4 Nov 2024"),
        ("2024-13", "2024-13"), ("someday", "someday"), (None, ""), ("", ""),
    ],
)  # fmt: skip
def test_slack_shows_the_dates_answers_write(published: str | None, shown: str) -> None:
    """`human_date` (Slack) is `format_date` (answers) in English; what neither can read is
    shown as written."""
    assert human_date(published) == shown
    written = format_date(published, "en")
    assert (written[0] if written else (published or "")) == shown


@pytest.mark.parametrize("written", ["8000", "8,000", "8.000", "8 000", "8\u00a0000", "8\u202f000"])
def test_8_000_is_one_number_however_its_thousands_are_grouped(written: str) -> None:
    assert NUMBER.findall(f"about {written} soldiers") == [written]
    assert number_value(written) == "8000"


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("unsprezece soldați au murit", {"11"}),
        ("douăzeci și unu de ani", {"21"}),
        ("o sută de oameni", {"100"}),
        ("aproximativ 8 mii de soldați", {"8000"}),
        ("2,5 milioane de locuitori", {"2500000"}),
        ("two thousand three hundred and twenty-five people", {"2325"}),
        ("a thousand miles and one more", {"1000", "1"}),
        ("quatre-vingt-dix jours", {"90"}),
        ("vingt et un", {"21"}),
        ("einundzwanzig Soldaten, dreihundert Panzer", {"21", "300"}),
        ("ventitré anni", {"23"}),
        ("veintiuno", {"21"}),
        ("a dog at 5 a.m. in 2024", set()),
    ],
)
def test_numbers_written_as_words_are_read_as_digits(text: str, numbers: set[str]) -> None:
    assert spelled_numbers(text) == numbers


def test_an_answer_may_write_in_digits_what_the_passage_writes_in_words() -> None:
    from bot.llm.verify import unsupported_numbers
    from tests.support.evidence import evidence

    passage = evidence("Au fost uciși unsprezece oameni, iar două mii de case au ars.", 1)
    cited = [(passage, passage.chunk.text)]
    assert unsupported_numbers("11 people were killed and 2,000 houses burned [1].", "?", cited) == []
    assert unsupported_numbers("12 people were killed [1].", "?", cited) == ["12"]


def test_an_answer_may_group_thousands_as_the_passage_does_not() -> None:
    from bot.llm.verify import unsupported_numbers
    from tests.support.evidence import evidence

    ev = evidence("About 8000 North Korean soldiers are in Kursk, and 100 more came in 2024.")
    cited = [(ev, ev.chunk.text)]  # a cited passage, and the text of it the model read
    assert unsupported_numbers("About 8 000 soldiers [1].", "How many?", cited) == []
    assert unsupported_numbers("In 2024 100 more came [1].", "How many?", cited) == []
    assert unsupported_numbers("About 9 000 soldiers [1].", "How many?", cited) == ["9000"]
