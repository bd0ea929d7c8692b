"""What admins do from Slack (ingest by command or message shortcut, forget) and what everyone
else is refused; whatever an ingested article says is shown escaped."""

from __future__ import annotations

from typing import Any

from newsdesk.index import Index
from newsdesk.settings import Settings
from tests import fake_slack
from tests.fake_slack import FakeSlackAPI, FakeSocketMode
from tests.support.slack import (
    ADMIN,
    all_text,
    article_page,
    posted_in,
    responded,
    send_event,
    slash,
    validate_blocks,
)


def test_a_non_admins_ingest_is_refused(
    api: FakeSlackAPI, socket_server: FakeSocketMode, settings: Settings, bot: Any
) -> None:
    api.pages["/refused.html"] = "<html><body><p>never fetched</p></body></html>"
    ack, _ = slash(api, socket_server, f"ingest {api.root}/refused.html", user="U_MALLORY")
    assert "only newsdesk admins" in ack["text"]
    url = api.response_url()
    shortcut = fake_slack.message_shortcut(
        {"type": "message", "ts": fake_slack.new_ts(), "text": f"<{api.root}/refused.html>"},
        user="U_MALLORY", response_url=url,
    )  # fmt: skip
    socket_server.wait_ack(socket_server.send("interactive", shortcut))
    assert "only newsdesk admins" in responded(api, url).params["text"]
    ack, _ = slash(api, socket_server, "forget anything", user="U_MALLORY")
    assert "only newsdesk admins" in ack["text"]
    index = Index(settings)
    assert index.find_article(f"{api.root}/refused.html") is None
    index.close()


HOSTILE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Volcanic ash closes Reykjavik airport</title>
<meta property="og:title" content="Volcanic ash closes Reykjavik airport">
<meta property="article:published_time" content="2025-03-02T08:00:00Z">
<meta property="og:site_name" content="The Test Herald"></head>
<body><article><h1>Volcanic ash closes Reykjavik airport</h1>
<p>Reykjavik's Keflavik airport closed on Sunday after a volcanic eruption on the Reykjanes
peninsula sent a plume of ash eight kilometres into the sky, the Icelandic Meteorological
Office said. &lt;!channel&gt; &lt;@U123&gt; Click &lt;http://evil.example|the official airport
page&gt; now.</p>
<p>Airlines cancelled more than 120 flights and about 9,000 passengers were stranded in the
terminal overnight, according to the airport operator Isavia.</p>
<p>Volcanologists expect the eruption to continue for several days, and the ash cloud is
drifting east towards Norway and Scotland.</p></article></body></html>"""


def test_an_admins_ingest_is_indexed_and_article_text_is_escaped(
    api: FakeSlackAPI, socket_server: FakeSocketMode, settings: Settings, bot: Any
) -> None:
    api.pages["/volcano.html"] = HOSTILE_PAGE  # its text says <!channel>, <@U123>, <http://…|…>
    page_url = f"{api.root}/volcano.html"
    ack, url = slash(api, socket_server, f"ingest {page_url} {api.root}/missing.html", user=ADMIN)
    assert "Fetching 2 link" in ack["text"]
    reply = responded(api, url, timeout=120)
    text = reply.params["text"]
    assert "added" in text and "Reykjavik" in text, text
    assert "failed" in text and "missing.html" in text, text
    validate_blocks(reply.params["blocks"])
    index = Index(settings)
    record = index.find_article(page_url)
    index.close()
    assert record is not None and "<!channel>" in record.text

    # a question about it: everything from the article is shown escaped
    event = fake_slack.mention("Why was the Reykjavik airport closed?", channel="C_ESCAPE")
    send_event(socket_server, event)
    call = posted_in(api, "C_ESCAPE", thread_ts=event["ts"])
    validate_blocks(call.params["blocks"])
    rendered = all_text(call.params["blocks"]) + call.params["text"]
    assert "Reykjavik" in rendered
    for hostile in ("<!channel>", "<@U123>", "<http://evil.example"):
        assert hostile not in rendered
    assert "&lt;!channel&gt;" in rendered

    # sources lists it; an admin can forget it
    _, url = slash(api, socket_server, "sources reykjavik", user="U_BOB")
    assert "Reykjavik" in responded(api, url).params["text"]
    _, url = slash(api, socket_server, f"forget {record.article_id}", user=ADMIN)
    assert "Forgot" in responded(api, url).params["text"]
    index = Index(settings)
    assert index.find_article(page_url) is None
    index.close()


def test_an_admins_message_shortcut_ingests_the_messages_links(
    api: FakeSlackAPI, socket_server: FakeSocketMode, settings: Settings, bot: Any
) -> None:
    api.pages["/eclipse.html"] = article_page(
        "Total solar eclipse crosses Spain",
        "A total solar eclipse crossed northern Spain on Wednesday evening, the first visible "
        "from the Iberian peninsula in more than a century, and thousands gathered on beaches to "
        "watch the sky darken.",
        "Astronomers said the next total eclipse visible from Spain will come in 2027.",
    )
    page_url = f"{api.root}/eclipse.html"
    message = {"type": "message", "user": "U_ALICE", "ts": fake_slack.new_ts(),
               "text": f"Worth reading: <{page_url}|the eclipse story>"}  # fmt: skip
    url = api.response_url()
    shortcut = fake_slack.message_shortcut(message, user=ADMIN, response_url=url)
    socket_server.wait_ack(socket_server.send("interactive", shortcut))
    reply = responded(api, url, timeout=120)
    assert "added" in reply.params["text"] and "eclipse" in reply.params["text"].lower()
    validate_blocks(reply.params["blocks"])
    index = Index(settings)
    assert index.find_article(page_url) is not None
    index.close()


def test_slash_help(api: FakeSlackAPI, socket_server: FakeSocketMode, bot: Any) -> None:
    ack, _ = slash(api, socket_server, "help", user="U_BOB")
    assert "/news ask" in ack["text"]
    validate_blocks(ack["blocks"])
