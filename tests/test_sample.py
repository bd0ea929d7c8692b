"""The real sample article (../shared/seed/, copied byte for byte into examples/articles/) and
the inline `date …` head it is written with: ` date 2024-11 Coreea de Nord va sprijini…`."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.dates import leading_date
from ingest.pipeline import ingest
from ingest.sources import read_sources
from ingest.sources.text import date_head
from newsdesk.articles import Article
from newsdesk.embeddings import Embedder
from newsdesk.index import Index
from newsdesk.settings import Settings
from tests.support.paths import SAMPLE_ARTICLE, SHARED

FIRST_SENTENCE = "Coreea de Nord va sprijini Rusia până când aceasta va obține victoria"
KURSK = "8.000 dintre aceștia se află în regiunea Kursk"


def read_one(path: Path, settings: Settings) -> Article:
    [item] = list(read_sources([str(path)], settings))
    assert isinstance(item, Article), item
    return item


def test_the_example_is_the_seed_byte_for_byte() -> None:
    seed = SHARED / "seed" / "north-korea-russia.ro.txt"
    if not seed.is_file():
        pytest.skip("../shared/seed is not beside this checkout")
    assert SAMPLE_ARTICLE.read_bytes() == seed.read_bytes()
    assert SAMPLE_ARTICLE.read_bytes().startswith(b" date 2024-11 Coreea de Nord")


def test_the_sample_is_dated_and_titled_without_its_date_token(
    settings: Settings, index: Index
) -> None:
    article = read_one(SAMPLE_ARTICLE, settings)
    assert article.published == "2024-11"
    assert article.title.startswith(FIRST_SENTENCE)
    assert "date" not in article.title.casefold() and "2024" not in article.title
    assert article.text.startswith(FIRST_SENTENCE)
    assert "date 2024-11" not in article.text
    assert article.text.endswith("în zilele următoare.")  # nothing lost at the other end
    report = ingest([article], index)
    assert report.count("added") == 1
    chunks = index.article_chunks(article.article_id)
    assert chunks and not any(c.text.lstrip().casefold().startswith("date") for c in chunks)
    assert any(KURSK in c.text for c in chunks)


@pytest.mark.parametrize(
    ("head", "published"),
    [
        (" date 2024-11 ", "2024-11"),
        ("date 2024-11-04 ", "2024-11-04"),
        ("Date: 2024-11-04 ", "2024-11-04"),
        (" DATE 04.11.2024 — ", "2024-11-04"),
        ("date: 4 noiembrie 2024 ", "2024-11-04"),
        ("Date: November 4, 2024 | ", "2024-11-04"),
        ("date 2024-11-04T10:00:00Z ", "2024-11-04T10:00:00+00:00"),
    ],
)
def test_an_inline_date_head_is_metadata_in_any_shape(
    tmp_path: Path, settings: Settings, head: str, published: str
) -> None:
    path = tmp_path / "a.txt"
    body = "Ministrul rus de externe a vorbit la Moscova. A doua propoziție urmează aici."
    path.write_text(f"{head}{body}\n\nUn al doilea paragraf, cu alte detalii.\n", encoding="utf-8")
    article = read_one(path, settings)
    assert article.published == published
    assert article.text.startswith("Ministrul rus de externe a vorbit la Moscova.")
    assert article.title.startswith("Ministrul rus de externe a vorbit la Moscova.")


@pytest.mark.parametrize(
    "line",
    [
        "date 2024-11-04text continues",  # no break after the date
        "dates 2024-11 are listed here",  # another word
        "Update 2024-11 Ceva",
        "date Coreea de Nord",  # no date at all
    ],
)
def test_a_first_line_that_only_looks_like_a_date_head_stays_text(line: str) -> None:
    assert date_head(line) is None


def test_a_leading_date_ends_where_the_date_does() -> None:
    assert leading_date("2024-11 Coreea de Nord") == ("2024-11", 7)
    assert leading_date("4 November 2024 The president said 3") == ("2024-11-04", 15)
    assert leading_date("Mon, 04 Nov 2024 10:00:00 +0000 Text") == (
        "2024-11-04T10:00:00+00:00", 31
    )  # fmt: skip
    assert leading_date("2024 was 3") == ("2024", 4)
    assert leading_date("Coreea 2024") is None and leading_date("1 Text") is None


def test_the_sample_question_retrieves_the_kursk_passage_first(
    e5: Embedder, index: Index, settings: Settings
) -> None:
    """The brief's question over the sample alone (its other language forms, and which
    sentence is quoted, are bot.extractive's part: tests/test_answer.py)."""
    from bot.ask import Asker

    ingest([read_one(SAMPLE_ARTICLE, settings)], index)
    asker = Asker(settings, index=index, embedder=e5)
    top = asker.search("Where are the North Korean troops?", k=3)[0]
    assert KURSK in top.chunk.text
