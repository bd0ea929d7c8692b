"""Copies in Slack (issue 14, items 1 and 5): over the six reports of bench/stories (three of
them one wire text), the answer cites the wire story once with "also in" its other outlets,
and "Related coverage" opens a modal listing the story's other articles."""

from __future__ import annotations

from pathlib import Path

from slack_sdk.models.views import View

from bot.ask import Asker
from bot.slack import blocks
from ingest.pipeline import ingest
from ingest.sources import read_sources
from newsdesk.articles import ArticleRef
from newsdesk.embeddings import Embedder
from newsdesk.index import Index
from tests import fake_slack
from tests.support.paths import ROOT
from tests.support.slack import (
    all_text,
    click,
    fake_slack_servers,
    posted_in,
    responded,
    running_bot,
    send_event,
    slack_settings,
    validate_blocks,
)

STORY = ROOT / "bench" / "stories" / "north-korean-troops.jsonl"
WIRE = {"nk-nis-wire", "nk-nis-copy", "nk-nis-rewrite"}


def test_an_answer_cites_the_wire_story_once_and_lists_its_related_coverage(
    tmp_path: Path, e5: Embedder
) -> None:
    with fake_slack_servers() as (api, socket_server):
        settings = slack_settings(tmp_path / "data", api)
        index = Index(settings, e5)
        assert ingest(read_sources([str(STORY)], settings), index).count("added") == 6
        asker = Asker(settings, index=index, embedder=e5)
        try:
            with running_bot(settings, asker, e5, socket_server):
                event = fake_slack.mention("How many North Korean troops are in Russia?",
                                           channel="C_STORY")  # fmt: skip
                send_event(socket_server, event)
                call = posted_in(api, "C_STORY", thread_ts=event["ts"])
                posted = call.params["blocks"]
                validate_blocks(posted)
                cites = [b for b in posted if b.get("block_id", "").startswith("cite-")]
                cited = [index.chunks([b["accessory"]["value"].split("|")[0]])[0].article.article_id
                         for b in cites]  # fmt: skip
                assert len(WIRE & set(cited)) == 1, cited  # the wire story is cited once ...
                n = next(i for i, a in enumerate(cited, start=1) if a in WIRE)
                text = cites[n - 1]["text"]["text"]  # ... with its other outlets named
                assert "also in" in text
                assert all(o in text for o in ("Example Wire", "Daily Example", "Example Post"))

                related = next(b for b in posted if b.get("block_id") == "related")
                button = next(e for e in related["elements"]
                              if e["action_id"] == f"{blocks.RELATED}_{n}")  # fmt: skip
                assert button["value"] == cited[n - 1]
                click(api, socket_server, button, user="U_BOB")
                opened = api.wait_for(
                    "views.open", lambda c: c.params["view"]["callback_id"] == blocks.RELATED_VIEW
                )
                view = opened.params["view"]
                View(**view).validate_json()
                shown = all_text(view["blocks"])
                assert "*Copies of this article* (2)" in shown
                assert "*Other articles on this story* (3)" in shown
                for url in ("daily.example/news/north-korea-soldiers-russia-seoul",
                            "times.example/2024/10/31/blinken-kursk-north-korean-troops"):
                    assert url in shown

                with index.writing():  # an article gone since the answer: said, not a crash
                    index.forget(button["value"])
                url = click(api, socket_server, button, user="U_BOB")
                assert "no longer in the index" in responded(api, url).params["text"]
        finally:
            asker.close()


def test_the_related_view_names_copies_and_stays_within_slacks_limits() -> None:
    def ref(n: int, source: str) -> ArticleRef:
        return ArticleRef(article_id=f"a{n}", title=f"Report <{n}> & more", source=source,
                          url=f"https://news.example/{n}", published="2024-10-18", lang="en")

    article = ref(0, "Example Wire")
    told = [(ref(1, "Example Times"), [ref(2, "Daily Example"), ref(3, "Example Post")])]
    view = blocks.related_view(article, [], told)
    View(**view).validate_json()
    assert "Other articles on this story* (1)" in all_text(view["blocks"])
    assert "also in Daily Example, Example Post" in all_text(view["blocks"])
    assert "&lt;1&gt; &amp; more" in all_text(view["blocks"])  # escaped, not markup
    many = blocks.related_view(article, [ref(n, "C") for n in range(80)],
                               [(ref(n, "S"), []) for n in range(80)])  # fmt: skip
    View(**many).validate_json()
    assert len(many["blocks"]) <= blocks.MODAL_BLOCKS
    empty = blocks.related_view(article, [], [])
    assert "No other article in the index tells this story." in all_text(empty["blocks"])
