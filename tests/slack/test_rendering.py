"""What the bot shows, without a running bot: blocks within Slack's limits, everything from
articles escaped, Slack text parsed into questions and links, secrets redacted from logs."""

from __future__ import annotations

import logging
import threading

from slack_sdk.models.views import View

from bot.answers import Answer, Scope
from bot.slack import blocks
from bot.slack.core import Deduper, links_in, question_from_slack
from newsdesk.logs import RedactingFilter, Redactor
from tests.fake_slack import BOT_USER_ID
from tests.support.slack import BOT_TOKEN, SIGNING_SECRET, all_text, citation, validate_blocks

HOSTILE = "<!channel> <!here|here> <@U123> <#C999> <http://evil.example|your bank> & more"


def test_everything_from_articles_is_escaped() -> None:
    cited = citation(
        1, title=f"Title {HOSTILE}", source=f"Outlet {HOSTILE}", quote=f"Quote {HOSTILE}",
        passage=f"Quote {HOSTILE}", url="https://example.com/x|<!channel>",
    )  # fmt: skip
    answer = Answer(question=f"q {HOSTILE}", answer=f"Answer {HOSTILE} [1]", language="en",
                    abstained=False, citations=(cited,))  # fmt: skip
    payload = blocks.answer_blocks(answer, answer_id="abc")
    validate_blocks(payload)
    rendered = all_text(payload) + blocks.answer_fallback_text(answer)
    for hostile in ("<!channel>", "<!here", "<@U123>", "<#C999>", "<http://evil", "|your bank>"):
        assert hostile not in rendered
    assert "&lt;!channel&gt;" in rendered and "&amp; more" in rendered
    # the one real link is the article's, with its own characters made safe
    cite = payload[2]["text"]["text"]
    assert cite.count("<") == 1 and "<https://example.com/x%7C&lt;!channel&gt;|Title" in cite


def test_question_and_link_parsing() -> None:
    mention = f"<@{BOT_USER_ID}> where &amp; when? <http://a.b/c|a.b>"
    assert question_from_slack(mention, BOT_USER_ID) == "where & when? a.b"
    text = "see <https://a.example/x?a=1&amp;b=2|this> and https://b.example/y, <mailto:x@y.z>"
    assert links_in(text) == ["https://a.example/x?a=1&b=2", "https://b.example/y"]
    rich = [{"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [
        {"type": "link", "url": "https://c.example/z"}]}]}]  # fmt: skip
    assert links_in("", rich) == ["https://c.example/z"]


def test_block_limits_are_kept_by_cutting_cleanly() -> None:
    long = "Cuvânt <b> & " * 2000
    citations = tuple(
        citation(n, title=long, source=long, quote=long, passage=long, chunk_id="c" * 3000,
                 url="https://example.com/" + "<&>|" * 2000)
        for n in range(1, 61)
    )
    answer = Answer(question=long, answer=long, language="en", abstained=False,
                    citations=citations, standalone_question=long)  # fmt: skip
    payload = blocks.answer_blocks(answer, answer_id="x" * 5000, shareable=True)
    validate_blocks(payload)
    assert len(payload) == blocks.MESSAGE_BLOCKS
    assert "more sources not shown" in all_text(payload)
    for block in payload:
        text = (block.get("text") or {}).get("text", "")
        assert len(text) <= blocks.SECTION_TEXT
        assert not text.endswith(("&", "&a", "&am", "&amp", "&l", "&lt", "&g", "&gt"))
        for element in [block.get("accessory") or {}, *(block.get("elements") or [])]:
            assert len(element.get("value", "")) <= blocks.BUTTON_VALUE
    assert len(blocks.answer_fallback_text(answer)) <= blocks.FALLBACK_TEXT
    view = blocks.passage_view(title=long, url="https://e.x/", source=long, published=None,
                               passage=long * 10, quote_start=5, quote_end=500)  # fmt: skip
    View(**view).validate_json()
    assert len(view["blocks"]) <= blocks.MODAL_BLOCKS


def test_nothing_found_says_what_was_searched() -> None:
    scope = Scope(articles=14, first_published="2024-11", last_published="2025-03-02")
    answer = Answer(question="Who won the 1930 World Cup?", answer="I found nothing about that.",
                    language="en", abstained=True, scope=scope)  # fmt: skip
    payload = blocks.answer_blocks(answer, answer_id="a1")
    validate_blocks(payload)
    text = all_text(payload)
    assert "Searched 14 articles published Nov 2024 – 2 Mar 2025" in text
    assert "1930 World Cup" in text


def test_redaction_filter_hides_secrets() -> None:
    redactor = RedactingFilter(Redactor([BOT_TOKEN, SIGNING_SECRET]))
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "token=%s other=%s",
                               (BOT_TOKEN, "xapp-1-AAAA-BBBBBB"), None)  # fmt: skip
    redactor.filter(record)
    assert BOT_TOKEN not in record.getMessage() and "xapp-1-AAAA" not in record.getMessage()


def test_thread_safety_of_deduper() -> None:
    dedupe = Deduper()
    wins: list[bool] = []
    threads = [threading.Thread(target=lambda: wins.append(dedupe.claim("e1"))) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wins.count(True) == 1


def test_a_link_is_made_only_of_what_ingest_calls_a_web_url() -> None:
    """One rule for a web link (`ingest.urls.web_url`): no host, or a control character in it,
    and the label is shown as text."""
    assert blocks.link("https://news.example/story", "Story") == (
        "<https://news.example/story|Story>"
    )
    for url in ("http://:8080/story", "https://news.example/\x1b[31mstory", "javascript:alert(1)"):
        assert blocks.link(url, "Story") == "Story", url
