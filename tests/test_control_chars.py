"""Control characters in URLs, ids and file names never reach a terminal raw, and only http(s)
links are stored as links (issue 10, item 11)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import render_source
from ingest.fetch import FetchError, fetch
from ingest.pipeline import ingest
from ingest.sources import read_sources
from newsdesk.articles import Article
from newsdesk.embeddings import Embedder
from newsdesk.index import Index
from tests.support.settings import make_settings, run_cli

OSC = "\x1b]0;owned\x07"  # retitles the terminal window
CSI = "\x1b[2J"  # clears the screen
TEXT = (
    "The harbour authority of Valdora reopened the northern pier on Monday after repairs. "
    "Ferries to the island will run every hour again from next week, officials said."
)


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", f"https://news.example/a{OSC}", "http://[::1", "file:///etc/x"]
)
def test_only_http_links_are_stored_as_links(tmp_path: Path, url: str) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"id": f"story{CSI}-1", "url": url, "text": TEXT}))
    [article] = read_sources([str(path)], make_settings(tmp_path / "data"))
    assert isinstance(article, Article), article
    assert article.url == ""
    assert article.article_id == "story-1"  # the escape sequence is gone, the id is kept


def test_a_url_with_control_characters_is_not_fetched(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", allow_private_urls=True)
    with pytest.raises(FetchError) as refused:
        fetch(f"http://127.0.0.1:9/news{OSC}", settings)
    message = str(refused.value)
    assert "\x1b" not in message and "\x07" not in message
    assert message.startswith("refused to fetch http://127.0.0.1:9/news\\x1b]0;owned\\x07")


def test_a_citation_is_printed_with_its_control_characters_escaped() -> None:
    line = render_source(1, f"Title{CSI}", f"Outlet{OSC}", None, f"https://x.example/{OSC}")
    assert "\x1b" not in line and "\x07" not in line
    assert "https://x.example/\\x1b]0;owned\\x07" in line


def test_the_cli_escapes_what_was_stored_raw_and_file_names(
    tmp_path: Path, minilm: Embedder
) -> None:
    """An index written before ingest stripped control characters, and a hostile file name."""
    data_dir = tmp_path / "data"
    index = Index(make_settings(data_dir), minilm)
    raw = Article(text=TEXT, title=f"Pier reopened{CSI}", source=f"Valdora Post{OSC}",
                  url=f"https://valdora.example/pier{OSC}", lang="en",
                  article_id=f"pier{OSC}")  # fmt: skip
    assert ingest([raw], index).count("added") == 1
    index.close()
    hostile = tmp_path / f"notes{OSC}.txt"
    hostile.write_bytes(b"")

    outputs = [
        run_cli(data_dir, "sources", text=True),
        run_cli(data_dir, "show", f"pier{OSC}", text=True),
        run_cli(data_dir, "ask", "When will the ferries to the island run again?", text=True),
        run_cli(data_dir, "ingest", str(hostile), text=True),
    ]
    for done in outputs:
        for stream in (done.stdout, done.stderr):
            assert "\x1b" not in stream and "\x07" not in stream, (done.args, stream)
    sources, show, ask, failed = outputs
    assert sources.returncode == 0 and "pier\\x1b]0;owned\\x07" in sources.stdout
    assert show.returncode == 0 and "https://valdora.example/pier\\x1b]0;owned\\x07" in show.stdout
    assert ask.returncode == 0, ask.stderr
    assert "https://valdora.example/pier\\x1b]0;owned\\x07" in ask.stdout
    assert failed.returncode == 1 and "failed: " in failed.stderr
    assert "notes\\x1b]0;owned\\x07.txt" in failed.stderr
