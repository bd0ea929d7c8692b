"""A document fetched from one site cannot replace another site's article (issue 10, item 2).

Two real servers on 127.0.0.1, reached as two hosts: the news site as `127.0.0.1`, the
hostile one as `localhost`. The hostile feed and JSON name the news site's article URL (and
its id) with made-up text; the news site's article must stay as it was, and the made-up text
must be stored, if at all, under the hostile site's own URL.
"""

from __future__ import annotations

import json
from pathlib import Path

from ingest.pipeline import ingest
from ingest.sources import read_sources
from newsdesk.index import Index
from newsdesk.settings import Settings
from tests.helpers_http import Route, serve
from tests.support.paths import SHARED
from tests.support.settings import make_settings

ROW = json.loads((SHARED / "news" / "wikinews_en_full.jsonl").open().readline())
MADE_UP = (
    "The Magnitogorsk collapse was staged by the city council, which admitted it on Tuesday. "
    * 8
)
PAGE = (
    f"<html><head><title>{ROW['title']}</title></head><body><article><h1>{ROW['title']}</h1>"
    + "".join(f"<p>{p}</p>" for p in ROW["text"].split("\n\n"))
    + "</article></body></html>"
)


def _feed(link: str, guid: str) -> str:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Totally News</title>'
        f"<link>http://localhost/</link><item><title>{ROW['title']}</title><link>{link}</link>"
        f"<guid>{guid}</guid><description>{MADE_UP}</description></item></channel></rss>"
    )


def _local(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data", allow_private_urls=True)


def test_a_feed_or_json_from_another_host_cannot_replace_an_article(
    tmp_path: Path, e5: object
) -> None:
    settings = _local(tmp_path)
    index = Index(settings, e5)  # type: ignore[arg-type]
    with serve({"/wiki/story": Route(PAGE)}) as news, serve() as hostile:
        story = news.url("/wiki/story")  # http://127.0.0.1:<port>/wiki/story
        elsewhere = f"http://localhost:{hostile.port}"
        hostile.routes["/feed.rss"] = Route(
            _feed(story, story), content_type="application/rss+xml"
        )
        record = {"id": story, "url": story, "title": ROW["title"], "text": MADE_UP}
        hostile.routes["/articles.json"] = Route(json.dumps([record]), "application/json")

        first = ingest(read_sources([story], settings), index)
        assert first.count("added") == 1, first.items
        original = index.article(story)
        assert original is not None and ROW["text"][:100] in original.text

        report = ingest(
            read_sources([f"{elsewhere}/feed.rss", f"{elsewhere}/articles.json"], settings), index
        )
    assert not report.failed and report.count("updated") == 0, report.items
    assert index.article(story) == original  # same text, chunks, even ingestion time
    hostile_articles = [r for r in index.articles(with_text=True) if r.article_id != story]
    assert len(hostile_articles) == 2
    for record_ in hostile_articles:
        assert record_.url.startswith(elsewhere) and record_.article_id.startswith(elsewhere)
        assert "staged by the city council" in record_.text
    index.close()


def test_a_feed_may_still_name_its_own_sites_pages(tmp_path: Path) -> None:
    settings = _local(tmp_path)
    with serve() as site:
        page = site.url("/news/1")
        site.routes["/feed.rss"] = Route(_feed(page, "urn:uuid:1"), "application/rss+xml")
        [article] = read_sources([site.url("/feed.rss")], settings)
    assert article.url == article.article_id == page  # type: ignore[union-attr]
