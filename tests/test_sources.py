"""Source readers: files, folders, JSON/JSONL, feeds, web pages and stdin → complete articles.

Real trafilatura on real HTML (served from 127.0.0.1 where a URL is needed), real feedparser
on real RSS and Atom; the news text is from Wikinews and FLORES-200 (see tests/data/README.md).
"""

from __future__ import annotations

import codecs
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from string import Template
from typing import Any

import pytest

from ingest.dates import parse_date
from ingest.errors import IngestError
from ingest.metadata import complete, derive_title
from ingest.sources import Failure, read_sources
from ingest.urls import canonical_url
from newsdesk.articles import Article, normalise_text, text_hash
from newsdesk.settings import Settings
from tests.helpers_http import Route, serve
from tests.support.paths import NEWS
from tests.support.paths import SAMPLE_ARTICLE as SAMPLE
from tests.support.settings import make_settings

DATA = Path(__file__).parent / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with (NEWS / name).open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


WIKINEWS = _rows("wikinews_en_full.jsonl")
ROMANIAN = _rows("flores_wikinews_ro.jsonl")
RO_TEXT = "\n\n".join(row["text"] for row in ROMANIAN[:3])
KOSZALIN_HTML = (DATA / "wikinews-koszalin.html").read_bytes()
SUMMARY_FEED = Template((DATA / "summary-only.rss").read_text(encoding="utf-8"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """No private URLs: what a real install does."""
    return make_settings(tmp_path / "data")


@pytest.fixture
def local(tmp_path: Path) -> Settings:
    """Loopback allowed, for pages served from 127.0.0.1."""
    return make_settings(tmp_path / "data", allow_private_urls=True)


def read(sources: list[str | Path], settings: Settings, **kwargs: Any) -> list[Article | Failure]:
    return list(read_sources([str(s) for s in sources], settings, **kwargs))


def one(sources: list[str | Path], settings: Settings, **kwargs: Any) -> Article:
    [item] = read(sources, settings, **kwargs)
    assert isinstance(item, Article), item
    return item


def failure(sources: list[str | Path], settings: Settings, **kwargs: Any) -> Failure:
    [item] = read(sources, settings, **kwargs)
    assert isinstance(item, Failure), item
    assert "\n" not in item.error
    return item


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


# Plain text and Markdown ---------------------------------------------------------------


def test_the_sample_article_date_line_is_metadata(settings: Settings) -> None:
    article = one([SAMPLE], settings)
    assert article.published == "2024-11"
    assert article.text.startswith("Coreea de Nord va sprijini Rusia până când")
    assert "date" not in article.text.split("\n")[0]
    assert article.title.startswith("Coreea de Nord va sprijini Rusia până când aceasta va")
    assert article.lang == "ro"
    assert article.article_id == "text:" + text_hash(article.text)
    assert article.origin == str(SAMPLE)
    assert article.url == "" and article.source == ""


@pytest.mark.parametrize(
    ("line", "published"),
    [
        ("Date: 4 noiembrie 2024", "2024-11-04"),
        ("date 04.11.2024", "2024-11-04"),
        ("DATE 2024/11/04", "2024-11-04"),
    ],
)
def test_date_lines_in_other_shapes(
    tmp_path: Path, settings: Settings, line: str, published: str
) -> None:
    article = one([write(tmp_path / "a.txt", f"{line}\n{RO_TEXT}")], settings)
    assert article.published == published
    assert article.text == normalise_text(RO_TEXT)


def test_a_first_line_about_dates_is_text(tmp_path: Path, settings: Settings) -> None:
    text = "Date palms are harvested in autumn in the oases.\nThe crop was late this year."
    article = one([write(tmp_path / "a.txt", text)], settings)
    assert article.text == text
    assert article.published is None


def test_front_matter_is_metadata(tmp_path: Path, settings: Settings) -> None:
    row = WIKINEWS[2]
    path = write(
        tmp_path / "koszalin.md",
        "---\n"
        f'title: "{row["title"]}"\n'
        "source: Wikinews\n"
        f"url: {row['url']}?utm_source=newsletter&utm_medium=email#comments\n"
        "date: 5 January 2019\n"
        "lang: en-GB\n"
        "author: Wikinews contributors\n"
        "tags:\n  - fire\n  - Poland\n"
        "---\n\n" + row["text"],
    )
    article = one([path], settings)
    assert article.title == row["title"]
    assert article.source == "Wikinews"
    assert article.url == article.article_id == row["url"]
    assert article.published == "2019-01-05"
    assert article.lang == "en"
    assert article.author == "Wikinews contributors"
    assert article.text == normalise_text(row["text"])


def test_a_markdown_heading_is_the_title(tmp_path: Path, settings: Settings) -> None:
    row = WIKINEWS[5]
    article = one([write(tmp_path / "a.md", f"# {row['title']}\n\n{row['text']}")], settings)
    assert article.title == row["title"]


def test_without_a_title_line_the_first_sentence_is_the_title(
    tmp_path: Path, settings: Settings
) -> None:
    text = WIKINEWS[8]["text"].replace("\n\n", " ")
    article = one([write(tmp_path / "a.txt", text)], settings)
    assert text.startswith(article.title.rstrip("…"))
    assert len(article.title) <= 120


# HTML -----------------------------------------------------------------------------------


def test_html_file_main_text_and_metadata(settings: Settings) -> None:
    row = WIKINEWS[2]
    article = one([DATA / "wikinews-koszalin.html"], settings)
    assert article.title == row["title"]
    assert article.published == "2019-01-05"
    assert article.author == "Wikinews contributors"
    assert article.source == "Wikinews"
    assert article.url == article.article_id == row["url"]
    assert article.lang == "en"
    for paragraph in row["text"].split("\n\n"):
        assert paragraph in article.text
    assert "Privacy policy" not in article.text and "Random article" not in article.text


def test_romanian_html_without_a_date(settings: Settings) -> None:
    article = one([DATA / "flores-ro-diabet.html"], settings)
    assert article.lang == "ro"
    assert article.published is None
    assert ROMANIAN[0]["text"] in article.text


def test_html_without_article_text_is_refused(settings: Settings) -> None:
    item = failure([DATA / "navigation-only.html"], settings)
    assert item.source == str(DATA / "navigation-only.html")
    assert item.error.startswith(f"no article text found in {DATA / 'navigation-only.html'}")


def test_html_in_a_declared_single_byte_charset(tmp_path: Path, settings: Settings) -> None:
    text = ROMANIAN[1]["text"]
    page = (
        '<html><head><meta charset="iso-8859-16"><title>Știri</title></head>'
        f"<body><article><p>{text}</p></article></body></html>"
    )
    article = one([write(tmp_path / "p.html", page.encode("iso-8859-16"))], settings)
    assert text in article.text


# JSON and JSONL -------------------------------------------------------------------------


def test_json_file_with_one_article(tmp_path: Path, settings: Settings) -> None:
    row = WIKINEWS[3]
    article = one([write(tmp_path / "a.json", json.dumps(row))], settings)
    assert (article.title, article.url, article.published, article.lang) == (
        row["title"], row["url"], row["published"], "en"
    )  # fmt: skip
    assert article.source == row["source"]


def test_json_file_with_a_list_of_articles_and_a_bad_one(
    tmp_path: Path, settings: Settings
) -> None:
    path = write(tmp_path / "a.json", json.dumps([WIKINEWS[3], "oops", WIKINEWS[4]]))
    items = read([path], settings)
    assert [type(i).__name__ for i in items] == ["Article", "Failure", "Article"]
    assert items[1].source == f"{path}[1]"  # type: ignore[union-attr]


def test_jsonl_articles_and_bad_lines(tmp_path: Path, settings: Settings) -> None:
    html_row = {"html": KOSZALIN_HTML.decode("utf-8"), "source": "Mirror"}
    lines = [
        json.dumps(WIKINEWS[0]),
        '{"title": "broken", "text": "no closing brace"',
        "",
        json.dumps({"id": "ro-1", "text": ROMANIAN[0]["text"], "lang": "ro"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"title": "No text here", "url": "https://example.org/x"}),
        json.dumps({"text": "Hello", "title": {"nested": True}}),
        json.dumps({"id": "x", "url": "https://Example.ORG/a?utm_campaign=x#top", "text": RO_TEXT}),
        json.dumps(html_row),
        json.dumps({"text": "   \n\t "}),
    ]
    path = write(tmp_path / "feed.jsonl", ("\n".join(lines) + "\n").encode("utf-8"))
    items = read([path], settings)
    failures = {i.source: i.error for i in items if isinstance(i, Failure)}
    articles = [i for i in items if isinstance(i, Article)]
    assert set(failures) == {f"{path}:{n}" for n in (2, 5, 6, 7, 10)}
    assert failures[f"{path}:2"].startswith(f"{path}:2: not valid JSON")
    assert "JSON object" in failures[f"{path}:5"]
    assert failures[f"{path}:6"] == (
        f'no article text found in {path}:6: give a "text" or "html" field'
    )
    assert '"title" field should be a string' in failures[f"{path}:7"]
    assert failures[f"{path}:10"] == f"no article text found in {path}:10: it is empty"
    first, by_id, by_url, from_html = articles
    assert first.article_id == WIKINEWS[0]["id"] and first.origin == f"{path}:1"
    assert first.url == WIKINEWS[0]["url"]
    assert by_id.article_id == "ro-1"
    assert by_url.article_id == "x" and by_url.url == "https://example.org/a"
    assert from_html.title == WIKINEWS[2]["title"] and from_html.source == "Mirror"


def test_jsonl_line_that_is_not_utf8(tmp_path: Path, settings: Settings) -> None:
    line = json.dumps({"text": "café"}, ensure_ascii=False)
    path = write(tmp_path / "a.jsonl", line.encode("latin-1"))
    assert "not UTF-8" in failure([path], settings).error


def test_a_large_jsonl_file_is_read_line_by_line(tmp_path: Path, settings: Settings) -> None:
    path = write(tmp_path / "all.jsonl", (NEWS / "wikinews_en_full.jsonl").read_bytes())
    items = read([path], settings)
    assert len(items) == len(WIKINEWS)
    assert all(isinstance(i, Article) for i in items)
    assert len({i.article_id for i in items}) == len(WIKINEWS)  # type: ignore[union-attr]


# Feeds ------------------------------------------------------------------------------------


def test_rss_file(settings: Settings) -> None:
    articles = read([DATA / "wikinews.rss"], settings)
    rows = [WIKINEWS[5], WIKINEWS[10], WIKINEWS[13]]
    assert [a.title for a in articles] == [r["title"] for r in rows]  # type: ignore[union-attr]
    catalonia = articles[0]
    assert isinstance(catalonia, Article)
    assert catalonia.published == "2019-01-07T14:00:00+00:00"
    assert catalonia.source == "Wikinews"
    assert catalonia.author == "Wikinews contributors"
    assert catalonia.lang == "en"
    assert catalonia.url == catalonia.article_id == rows[0]["url"]
    assert catalonia.text == normalise_text(rows[0]["text"])


def test_atom_file(settings: Settings) -> None:
    mokha, aleppo = read([DATA / "wikinews.atom"], settings)
    assert isinstance(mokha, Article) and isinstance(aleppo, Article)
    assert mokha.title == WIKINEWS[20]["title"]
    assert mokha.published == "2019-01-30T08:15:00+02:00"
    assert mokha.text == normalise_text(WIKINEWS[20]["text"])
    assert aleppo.url == WIKINEWS[24]["url"]
    assert aleppo.source == "Wikinews (Atom)"


def test_truncated_feed_keeps_the_entries_it_has(tmp_path: Path, settings: Settings) -> None:
    rss = (DATA / "wikinews.rss").read_text(encoding="utf-8")
    cut = rss[: rss.index("<item>", rss.index("</item>")) + 200]  # inside the second entry
    items = read([write(tmp_path / "cut.rss", cut)], settings)
    assert items and isinstance(items[0], Article)
    assert items[0].title == WIKINEWS[5]["title"]


@pytest.mark.parametrize(
    "content",
    ['<?xml version="1.0"?><urlset><url><loc>https://x.org/</loc></url></urlset>', "not xml", ""],
)
def test_things_that_are_not_feeds_fail(tmp_path: Path, settings: Settings, content: str) -> None:
    path = write(tmp_path / "x.xml", content)
    assert failure([path], settings).error.startswith(f"{path} is not a readable RSS or Atom feed")


def test_a_feed_cut_inside_its_first_entry_is_one_failure(
    tmp_path: Path, settings: Settings
) -> None:
    path = write(tmp_path / "x.rss", "<rss><channel><item>")
    expected = f"no article text found in {path} entry 1: it is empty"
    assert failure([path], settings).error == expected


# Folders, stdin, bad files ----------------------------------------------------------------


def test_folders_are_read_recursively_sorted_skipping_hidden_and_other_files(
    tmp_path: Path, settings: Settings
) -> None:
    folder = tmp_path / "news"
    write(folder / "b.txt", WIKINEWS[1]["text"])
    write(folder / "a" / "z.md", WIKINEWS[2]["text"])
    write(folder / "a" / "story.html", KOSZALIN_HTML)
    write(folder / "a" / "feed.rss", (DATA / "wikinews.atom").read_text(encoding="utf-8"))
    write(folder / ".hidden.txt", WIKINEWS[3]["text"])
    write(folder / ".git" / "c.txt", WIKINEWS[4]["text"])
    write(folder / "notes.pdf", b"%PDF-1.4\x00")
    write(folder / "README", "not an article")
    origins = [item.origin for item in read([folder], settings)]  # type: ignore[union-attr]
    assert origins == [
        WIKINEWS[20]["url"], WIKINEWS[24]["url"],
        str(folder / "a" / "story.html"), str(folder / "a" / "z.md"), str(folder / "b.txt"),
    ]  # fmt: skip


def test_an_empty_folder_is_a_failure(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "empty").mkdir()
    assert "no articles in the folder" in failure([tmp_path / "empty"], settings).error


def test_stdin_text(settings: Settings) -> None:
    article = one(["-"], settings, stdin=io.StringIO("date 2024-11\n" + RO_TEXT))
    assert article.origin == "stdin"
    assert article.published == "2024-11"
    assert article.lang == "ro"


def test_stdin_bytes_in_utf16_and_html(settings: Settings) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(RO_TEXT.encode("utf-16")))
    assert one(["-"], settings, stdin=stdin).text == normalise_text(RO_TEXT)
    html = io.StringIO((DATA / "wikinews-koszalin.html").read_text(encoding="utf-8"))
    assert one(["-"], settings, stdin=html).title == WIKINEWS[2]["title"]


def test_stdin_missing(settings: Settings) -> None:
    assert failure(["-"], settings).source == "-"


@pytest.mark.parametrize(
    ("encoding", "bom", "text"),
    [
        ("utf-16", b"", RO_TEXT),  # Python writes the byte-order mark
        ("utf-16-be", codecs.BOM_UTF16_BE, RO_TEXT),
        ("utf-32", b"", RO_TEXT),
        ("utf-8-sig", b"", RO_TEXT),
        # Romanian in the old Windows code page, with cedillas (ş ţ) for the commas (ș ț)
        ("cp1250", b"", RO_TEXT.translate(str.maketrans("șțȘȚ„”", "şţŞŢ\"\""))),
        ("latin-1", b"", "\n\n".join(row["text"] for row in _rows("flores_wikinews_fr.jsonl")[:4])),
    ],
)
def test_encodings(
    tmp_path: Path, settings: Settings, encoding: str, bom: bytes, text: str
) -> None:
    path = write(tmp_path / "a.txt", bom + text.encode(encoding))
    assert one([path], settings).text == normalise_text(text)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "it is empty"),
        (b"  \n\n\t\r\n  ", "it is empty"),
        ("\u200b\u200b\n".encode(), "it has no words"),
        (b"... --- 1234 !!!", "it has no words"),
        (bytes(range(1, 9)) + b" text " + bytes(range(14, 20)), "it looks like binary data"),
    ],
)
def test_text_free_files_are_refused(
    tmp_path: Path, settings: Settings, content: bytes, problem: str
) -> None:
    path = write(tmp_path / "a.txt", content)
    assert failure([path], settings).error.startswith(f"no article text found in {path}: {problem}")


def test_binary_files_are_refused(tmp_path: Path, settings: Settings) -> None:
    png = write(tmp_path / "photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(200))
    assert failure([png], settings).error == (
        f"{png} is a binary file, not text: give a text, HTML, JSON or feed file"
    )
    noise = bytes(range(1, 32)) * 40 + os.urandom(500).replace(b"\x00", b"")
    noise_file = write(tmp_path / "noise.md", noise)
    assert "binary" in failure([noise_file], settings).error


def test_missing_and_unsupported_files(tmp_path: Path, settings: Settings) -> None:
    missing = tmp_path / "nope.txt"
    assert failure([missing], settings).error == f"no such file or folder: {missing}"
    pdf = write(tmp_path / "a.pdf", b"%PDF")
    assert "unsupported file type" in failure([pdf], settings).error


def test_one_bad_source_never_stops_the_rest(tmp_path: Path, settings: Settings) -> None:
    bad = write(tmp_path / "bad.json", "{")
    sources = [bad, "ftp://example.org/a", SAMPLE, tmp_path / "missing", DATA / "wikinews.atom"]
    kinds = [type(item).__name__ for item in read(sources, settings)]
    assert kinds == ["Failure", "Failure", "Article", "Failure", "Article", "Article"]


def test_reading_is_lazy(settings: Settings) -> None:
    items = read_sources([str(SAMPLE), "-"], settings, stdin=None)
    assert isinstance(items, Iterator)
    assert isinstance(next(items), Article)


# Overrides ---------------------------------------------------------------------------------


def test_overrides_apply_before_completion(settings: Settings) -> None:
    article = one(
        [SAMPLE],
        settings,
        overrides={
            "title": "Trupe nord-coreene",
            "source": "Digi24",
            "url": "https://www.digi24.ro/a?utm_source=x",
            "published": "4 noiembrie 2024",
            "lang": "ro-RO",
        },
    )
    assert (article.title, article.source, article.published, article.lang) == (
        "Trupe nord-coreene", "Digi24", "2024-11-04", "ro"
    )  # fmt: skip
    assert article.article_id == article.url == "https://www.digi24.ro/a"


def test_unset_overrides_change_nothing(settings: Settings) -> None:
    assert one([SAMPLE], settings, overrides={"title": None, "url": ""}) == one([SAMPLE], settings)


@pytest.mark.parametrize(("name", "value"), [("published", "someday"), ("lang", "Romanian")])
def test_unusable_overrides_are_one_failure(settings: Settings, name: str, value: str) -> None:
    item = failure([SAMPLE, SAMPLE], settings, overrides={name: value})
    assert item.source == f"--{name}"


# Web pages and feeds by URL ----------------------------------------------------------------


def test_web_page(local: Settings) -> None:
    html = (DATA / "wikinews-koszalin.html").read_bytes()
    with serve({"/news/koszalin?utm_source=x": Route(html)}) as server:
        article = one([server.url("/news/koszalin?utm_source=x#top")], local)
    assert article.title == WIKINEWS[2]["title"]
    assert article.published == "2019-01-05"
    assert article.source == "Wikinews"
    # The page says its canonical URL is on en.wikinews.org; a page may not claim another host.
    assert article.url == article.article_id == server.url("/news/koszalin")
    assert article.origin == server.url("/news/koszalin?utm_source=x#top")


def test_web_page_canonical_on_the_same_host_is_believed(local: Settings) -> None:
    html = (DATA / "wikinews-koszalin.html").read_text(encoding="utf-8")
    with serve() as server:
        html = html.replace(WIKINEWS[2]["url"], server.url("/wiki/Koszalin"))
        server.routes["/amp/koszalin"] = Route(html)
        article = one([server.url("/amp/koszalin")], local)
    assert article.article_id == server.url("/wiki/Koszalin")


def test_web_text_and_json(local: Settings) -> None:
    routes = {
        "/a.txt": Route(RO_TEXT.encode("utf-8"), content_type="text/plain; charset=utf-8"),
        "/a.json": Route(json.dumps(WIKINEWS[6]), content_type="application/json"),
    }
    with serve(routes) as server:
        text, record = read([server.url("/a.txt"), server.url("/a.json")], local)
    assert isinstance(text, Article) and text.url == server.url("/a.txt") and text.lang == "ro"
    assert isinstance(record, Article) and record.title == WIKINEWS[6]["title"]


def test_feed_url_with_summary_only_entries_fetches_the_pages(local: Settings) -> None:
    with serve() as server:
        feed = SUMMARY_FEED.substitute(base=server.base)
        server.routes["/feed"] = Route(feed, content_type="application/rss+xml")
        server.routes["/news/koszalin?utm_source=rss&utm_medium=feed"] = Route(KOSZALIN_HTML)
        # the second entry's page is missing: its summary is kept
        koszalin, catalonia = read([server.url("/feed")], local)
    assert isinstance(koszalin, Article) and isinstance(catalonia, Article)
    assert koszalin.text.count("\n\n") >= 3
    for paragraph in WIKINEWS[2]["text"].split("\n\n"):
        assert paragraph in koszalin.text
    assert koszalin.url == koszalin.article_id == server.url("/news/koszalin")
    assert koszalin.published == "2019-01-05T07:00:00+00:00"  # the feed's date wins
    assert koszalin.source == "Wikinews teasers"
    assert catalonia.text == WIKINEWS[5]["text"].split(". ")[0] + "."
    assert catalonia.url == server.url("/news/catalonia")
    assert [path for path, _host in server.requests] == [
        "/feed",
        "/news/koszalin?utm_source=rss&utm_medium=feed",
        "/news/catalonia?utm_source=rss&utm_medium=feed",
    ]


def test_a_feed_served_as_html_is_sniffed(local: Settings) -> None:
    atom = (DATA / "wikinews.atom").read_bytes()
    with serve({"/atom": Route(atom, content_type="text/html")}) as server:
        mokha, aleppo = read([server.url("/atom")], local)
    assert isinstance(mokha, Article) and mokha.title == WIKINEWS[20]["title"]
    assert isinstance(aleppo, Article) and aleppo.title == WIKINEWS[24]["title"]


def test_unsafe_urls_are_failures(settings: Settings) -> None:
    with serve({"/p": Route((DATA / "wikinews-koszalin.html").read_bytes())}) as server:
        item = failure([server.url("/p")], settings)
    assert item.source == server.url("/p")
    assert "loopback address" in item.error
    assert server.requests == []


def test_feed_entries_linking_to_private_addresses_keep_their_summary(
    tmp_path: Path, settings: Settings
) -> None:
    feed = SUMMARY_FEED.substitute(base="http://169.254.169.254")
    first, second = read([write(tmp_path / "f.rss", feed)], settings)
    assert isinstance(first, Article) and first.text == WIKINEWS[2]["text"].split(". ")[0] + "."


# Completion, dates, URLs --------------------------------------------------------------------


def test_complete_is_pure_and_idempotent() -> None:
    raw = Article(text="  Cafe\u0301 news.\r\n\r\n\r\nSecond   \n", title=" A\n title ", origin="x")
    done = complete(raw)
    assert done.text == "Café news.\n\nSecond"
    assert done.title == "A title"
    assert complete(done) == done
    assert raw.text.startswith("  Cafe")


def test_complete_refuses_articles_without_text() -> None:
    with pytest.raises(IngestError, match="no article text found in x.txt: it is empty"):
        complete(Article(text=" \n ", origin="x.txt"))


def test_long_titles_are_cut_at_a_word() -> None:
    article = complete(Article(text=WIKINEWS[0]["text"], title="word " * 2000))
    assert len(article.title) <= 300 and article.title.endswith("word…")


def test_derived_titles() -> None:
    assert derive_title("Short headline\n\nBody text here.") == "Short headline"
    assert derive_title("First sentence here. Second one.") == "First sentence here."
    assert derive_title("x" * 500).endswith("…")


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2024-11", "2024-11"),
        ("2024-11-04", "2024-11-04"),
        ("2024-11-04T10:00:00Z", "2024-11-04T10:00:00+00:00"),
        ("2024-11-04 10:00", "2024-11-04T10:00:00+00:00"),
        ("Mon, 04 Nov 2024 10:00:00 +0200", "2024-11-04T10:00:00+02:00"),
        ("Mon, 04 Nov 2024 10:00:00 GMT", "2024-11-04T10:00:00+00:00"),
        ("4 November 2024", "2024-11-04"),
        ("November 4, 2024", "2024-11-04"),
        ("04.11.2024", "2024-11-04"),
        ("2024/11/04", "2024-11-04"),
        ("11/25/2024", "2024-11-25"),
        ("4 noiembrie 2024", "2024-11-04"),
        ("Luni, 4 Noiembrie 2024", "2024-11-04"),
        ("1er février 2024", "2024-02-01"),
        ("le 4 novembre 2024 à 10h30", "2024-11-04"),
        ("noiembrie 2024", "2024-11"),
        ("2024", "2024"),
        ("4 de noviembre de 2024", "2024-11-04"),
        ("31.02.2024", None),
        ("2024-13", None),
        ("yesterday", None),
        ("someday", None),
        ("", None),
        ("9999-01-01", None),
        ("1" * 500, None),
    ],
)
def test_parse_date(value: str, iso: str | None) -> None:
    assert parse_date(value) == iso


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://WWW.Example.ORG:443/P?a=1&utm_source=x&b=2#f",
         "https://www.example.org/P?a=1&b=2"),
        ("http://example.org", "http://example.org/"),
        ("http://example.org:8080/a?fbclid=1&gclid=2", "http://example.org:8080/a"),
        ("https://user:pw@example.org/a", "https://example.org/a"),
        ("  https://example.org/%C8%99tiri?q=%20x  ", "https://example.org/%C8%99tiri?q=%20x"),
        ("not a url", "not a url"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical
