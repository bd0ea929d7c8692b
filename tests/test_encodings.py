"""Undeclared legacy encodings are read as what they are, not as mojibake (issue 10, item 9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.sources import Failure, read_sources
from newsdesk.articles import Article
from tests.support.settings import make_settings

FRENCH = "Le théâtre à Genève a été rénové. Les élèves du conservatoire y joueront dès l'été."
GERMAN = "Wir trafen uns im Café in Zürich. Die Straße ist schön, und à la carte ist es teuer."


@pytest.mark.parametrize("text", [FRENCH, GERMAN])
@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_an_undeclared_western_text_file_is_not_mojibake(
    tmp_path: Path, text: str, encoding: str
) -> None:
    path = tmp_path / "article.txt"
    path.write_bytes(text.encode(encoding))
    [article] = read_sources([str(path)], make_settings(tmp_path / "data"))
    assert isinstance(article, Article), article
    assert article.text == text


def test_an_undeclared_latin1_json_file_keeps_its_accents(tmp_path: Path) -> None:
    path = tmp_path / "article.json"
    path.write_bytes(('{"title": "Genève", "text": "%s"}' % FRENCH).encode("latin-1"))
    [article] = read_sources([str(path)], make_settings(tmp_path / "data"))
    assert isinstance(article, Article), article
    assert (article.title, article.text) == ("Genève", FRENCH)


def test_bytes_in_no_encoding_are_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes(range(0x80, 0x100)) * 8)
    [failure] = read_sources([str(path)], make_settings(tmp_path / "data"))
    assert isinstance(failure, Failure), failure
    assert "\n" not in failure.error and "UTF-8" in failure.error
