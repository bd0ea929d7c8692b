"""Sizes are checked before reading (issue 10, item 10): a file by its size on disk, standard
input and JSONL lines by reading at most one byte past the limit."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from ingest.sources import Failure, read_sources
from newsdesk.articles import Article
from tests.support.settings import make_settings

LIMIT = 100_000  # NEWSDESK_MAX_FILE_BYTES in these tests


class CountingStream(io.RawIOBase):
    """`size` bytes of English text, counting how many were handed out."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.handed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self.left)
        piece = (b"The ferry to the island runs again from Monday. " * (n // 48 + 1))[:n]
        buffer[:n] = piece
        self.left -= n
        self.handed += n
        return n


@pytest.mark.parametrize("name", ["big.txt", "big.html", "big.json", "big.rss"])
def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with path.open("wb") as out:
        out.truncate(100_000_000)  # sparse: 100 MB on paper, nothing on disk
    [failure] = read_sources([str(path)], make_settings(tmp_path / "data"))
    assert isinstance(failure, Failure), failure
    assert failure.error == (
        f"{path} is 100,000,000 bytes, over the 25,000,000 read from one file "
        "(NEWSDESK_MAX_FILE_BYTES): split it into smaller files, or JSONL"
    )


def test_standard_input_is_read_only_up_to_the_limit(tmp_path: Path) -> None:
    raw = CountingStream(10_000_000)
    stdin = io.TextIOWrapper(io.BufferedReader(raw))
    settings = make_settings(tmp_path / "data", max_file_bytes=LIMIT)
    [failure] = read_sources(["-"], settings, stdin=stdin)
    assert isinstance(failure, Failure), failure
    assert failure.error.startswith(f"standard input is over {LIMIT:,} bytes")
    assert raw.handed <= LIMIT + io.DEFAULT_BUFFER_SIZE


def test_a_jsonl_line_over_the_limit_fails_alone(tmp_path: Path) -> None:
    long_text = "The ferry to the island runs again from Monday. " * (2 * LIMIT // 48)
    path = tmp_path / "a.jsonl"
    path.write_text(
        json.dumps({"title": "Long", "text": long_text}) + "\n"
        + json.dumps({"title": "Short", "text": "The next line is still read. It is short."})
        + "\n",
        encoding="utf-8",
    )  # fmt: skip
    items = list(read_sources([str(path)], make_settings(tmp_path / "data", max_file_bytes=LIMIT)))
    failure, article = items
    assert isinstance(failure, Failure) and failure.source == f"{path}:1"
    assert f"over {LIMIT:,} bytes" in failure.error
    assert isinstance(article, Article) and article.title == "Short"
