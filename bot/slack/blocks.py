"""Block Kit for Slack: pure functions from newsdesk's data to message and modal payloads.

Everything that comes from an article (titles, outlets, quotes, passages, URLs) or from a user
is escaped for mrkdwn before it is shown, so a stored `<!channel>`, `<@U123>` or
`<http://x|link>` is displayed as text and can neither ping anyone nor forge a link. Every
payload keeps within Slack's block limits by cutting text cleanly (never inside an escape,
with an ellipsis), so a message is never refused for its size.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from bot.answers import Answer, Citation
from bot.phrases import format_date, phrase
from ingest.urls import web_url
from newsdesk.articles import ArticleRef

# Slack's limits (https://docs.slack.dev/reference/block-kit/blocks)
SECTION_TEXT = 3000
CONTEXT_TEXT = 3000
HEADER_TEXT = 150
MESSAGE_BLOCKS = 50
MODAL_BLOCKS = 100
MODAL_TITLE = 24
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTIONS_ELEMENTS = 25  # buttons in one actions block
FALLBACK_TEXT = 3000  # the notification text; Slack allows more, people read less
RICH_TEXT = 3000  # per rich_text block, kept as conservative as a section
TITLE_CHARS = 250  # a title longer than this is cut in source lines
URL_CHARS = 1000  # a longer URL is not linked (it would crowd out the rest of the block)

ELLIPSIS = "…"

# action_ids, shared with the listeners
SHOW_PASSAGE = "show_passage"
RELATED = "related_coverage"  # + "_<n>", one per cited article (unique in their actions block)
RELATED_VIEW = "related_view"
VOTE_UP = "vote_up"
VOTE_DOWN = "vote_down"
SHARE = "share_answer"
PASSAGE_VIEW = "passage_view"
INGEST_OFFERED = "ingest_offered"  # the button under a link an admin sent the bot in a DM
HOME_INGEST = "home_ingest"  # App Home buttons (admins), each opening a modal of its name
HOME_FOLLOW = "home_follow"
INGEST_VIEW = "ingest_view"
FOLLOW_VIEW = "follow_view"
URL_BLOCK, URL_INPUT = "url", "url_input"  # the modals' one input

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_ESCAPE_RE = re.compile("[&<>]")


def escape(text: str) -> str:
    """Text made inert for mrkdwn: `&`, `<` and `>` become entities (Slack's own rule)."""
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group()], text or "")


def clip(text: str, limit: int) -> str:
    """`text` escaped and cut to at most `limit` characters, at a word boundary when one is near.

    The cut is made in the raw text, so an escape entity is never split.
    """
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:limit]
    raw = text
    while raw:
        over = len(escape(raw)) + len(ELLIPSIS) - limit
        if over <= 0:
            break
        raw = raw[: len(raw) - over]
    cut = raw.rstrip()
    space = cut.rfind(" ")
    if space > len(cut) - 40 and space > 0:
        cut = cut[:space].rstrip()
    return escape(cut) + ELLIPSIS


def plain(text: str, limit: int) -> str:
    """Text for a plain_text object (not parsed for mrkdwn), cut to `limit`."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def link(url: str, label: str, limit: int = TITLE_CHARS) -> str:
    """`<url|label>` when the URL is a web link (both escaped); the escaped label otherwise."""
    label_text = clip(" ".join((label or url or "").split()), limit)
    if not web_url(url or "") or any(c in url for c in " \n\t") or len(url) > URL_CHARS:
        return label_text
    safe_url = escape(url).replace("|", "%7C")
    return f"<{safe_url}|{label_text.replace('|', '¦')}>"


def quote_lines(text: str, limit: int) -> str:
    """Escaped text as a mrkdwn block quote (`>` at every line), within `limit` characters."""
    lines = [" ".join(line.split()) for line in (text or "").splitlines()]
    body = "\n".join(line for line in lines if line)
    quoted = clip(body, max(limit - 2 * (body.count("\n") + 1), 1))
    return "\n".join(f">{line}" for line in quoted.split("\n"))


def human_date(published: str | None) -> str:
    """A published date as Slack shows it: `bot.phrases.format_date` in English (`Nov 2024`,
    `4 Nov 2024`); one it cannot read, as given (clipped)."""
    shown = format_date(published, "en")
    return shown[0] if shown else (published or "").strip()[:40]


# -- answers ---------------------------------------------------------------------------------


def passage_value(citation: Citation) -> str:
    """The "Show passage" button's value: the chunk id and where the quote sits in it."""
    start = citation.passage.find(citation.quote) if citation.quote else -1
    end = start + len(citation.quote) if start >= 0 else -1
    return f"{citation.chunk_id}|{start}|{end}"[:BUTTON_VALUE]


def parse_passage_value(value: str) -> tuple[str, int, int]:
    chunk_id, _, rest = (value or "").partition("|")
    start, _, end = rest.partition("|")
    try:
        return chunk_id, int(start), int(end)
    except ValueError:
        return chunk_id, -1, -1


def article_line(ref: ArticleRef) -> str:
    """`<url|Title> · Outlet · date`, escaped."""
    parts = [link(ref.url, ref.title or ref.url or ref.article_id)]
    if ref.source:
        parts.append(clip(ref.source, 100))
    when = human_date(ref.published)
    if when:
        parts.append(escape(when))
    return " · ".join(parts)


def source_line(citation: Citation, language: str = "en") -> str:
    """`*[n]* <url|Title> · Outlet · date · also in Outlet, Outlet`, escaped (the outlets of
    the article's copies, which the answer cites through it; "also in" in `language`)."""
    line = f"*[{citation.n}]* " + article_line(citation)
    names = citation.also_in_names()
    if names:
        line += " · " + clip(f"{phrase(language, 'also_in')} {', '.join(names)}", 300)
    return line


def related_actions(citations: Sequence[Citation]) -> dict[str, Any] | None:
    """One "Related coverage" button per cited article (its id as the value), or None."""
    cited = [c for c in citations if c.article_id and len(c.article_id) <= BUTTON_VALUE]
    buttons = [
        _button("Related coverage" if len(cited) == 1 else f"Related coverage [{c.n}]",
                f"{RELATED}_{c.n}", c.article_id)
        for c in cited[:ACTIONS_ELEMENTS]
    ]  # fmt: skip
    return {"type": "actions", "block_id": "related", "elements": buttons} if buttons else None


def citation_block(citation: Citation, answer_language: str) -> dict[str, Any]:
    head = source_line(citation, answer_language)
    label = ""
    if citation.lang and answer_language and citation.lang != answer_language:
        label = f"_original ({escape(citation.lang)}):_\n"
    room = SECTION_TEXT - len(head) - len(label) - 1
    quote = quote_lines(citation.quote, room) if citation.quote else ""
    text = f"{head}\n{label}{quote}".rstrip()
    block: dict[str, Any] = {
        "type": "section",
        "block_id": plain(f"cite-{citation.n}", 255),
        "text": {"type": "mrkdwn", "text": text[:SECTION_TEXT]},
    }
    if citation.chunk_id:
        block["accessory"] = {
            "type": "button",
            "action_id": SHOW_PASSAGE,
            "text": {"type": "plain_text", "text": "Show passage"},
            "value": passage_value(citation),
        }
    return block


def scope_text(answer: Answer) -> str:
    """What was searched, e.g. `Searched 14 articles published Nov 2024 – Mar 2025.`"""
    scope = answer.scope
    if scope is None:
        return ""
    if not scope.articles:
        return "The index is empty: nothing has been ingested yet."
    noun = "article" if scope.articles == 1 else "articles"
    first, last = human_date(scope.first_published), human_date(scope.last_published)
    if first and last and first != last:
        span = f" published {first} – {last}"
    elif first or last:
        span = f" published {first or last}"
    else:
        span = ""
    return escape(f"Searched {scope.articles} {noun}{span}.")


def answer_fallback_text(answer: Answer) -> str:
    """The message's `text` (notifications, screen readers, history): escaped, within limits."""
    return clip(answer.answer or "No answer.", FALLBACK_TEXT)


def answer_blocks(
    answer: Answer, *, answer_id: str | None = None, shareable: bool = False
) -> list[dict[str, Any]]:
    """The answer, its numbered sources with "Show passage", what was searched, and 👍/👎.

    With `answer_id` the votes (and, when `shareable`, "Share in channel") refer to the stored
    answer. At most 50 blocks: sources beyond the room left are summarised in one line.
    """
    blocks: list[dict[str, Any]] = [_section(answer.answer or "No answer.", block_id="answer")]
    if answer.standalone_question and answer.standalone_question.strip() != answer.question.strip():
        blocks.append(_context(f"Understood as: {answer.standalone_question}"))
    footer: list[dict[str, Any]] = []
    if answer.abstained or not answer.citations:
        # say what was searched, unless the answer already says how many articles
        scope = answer.scope
        said = scope is not None and str(scope.articles) in answer.answer
        searched = "" if said else scope_text(answer)
        if answer.question:
            searched = f"{searched} Searched for: “{escape(answer.question)}”".strip()
        if searched:
            footer.append(_context_mrkdwn(clip_mrkdwn(searched, CONTEXT_TEXT)))
    related = None if answer.abstained else related_actions(answer.citations)
    if related is not None:
        footer.append(related)
    if answer_id:
        footer.append(feedback_actions(answer_id, shareable=shareable))
    citations = list(answer.citations)
    if citations:
        blocks.append({"type": "divider"})
    room = MESSAGE_BLOCKS - len(blocks) - len(footer)
    if len(citations) > room:
        shown, hidden = citations[: room - 1], citations[room - 1 :]
    else:
        shown, hidden = citations, []
    blocks.extend(citation_block(c, answer.language) for c in shown)
    if hidden:
        numbers = ", ".join(f"[{c.n}]" for c in hidden)
        blocks.append(_context(f"{len(hidden)} more sources not shown: {numbers}"))
    blocks.extend(footer)
    return blocks[:MESSAGE_BLOCKS]


def clip_mrkdwn(text: str, limit: int) -> str:
    """Cut text that is already escaped mrkdwn (entities kept whole)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp >= 0 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + ELLIPSIS


def feedback_actions(answer_id: str, *, shareable: bool = False) -> dict[str, Any]:
    value = answer_id[:BUTTON_VALUE]
    elements: list[dict[str, Any]] = [
        _button("👍", VOTE_UP, value),
        _button("👎", VOTE_DOWN, value),
    ]
    if shareable:
        elements.append(_button("Share in channel", SHARE, value, style="primary"))
    return {"type": "actions", "block_id": "feedback", "elements": elements}


def thinking_text() -> str:
    return ":hourglass_flowing_sand: Looking through the news…"


def apology_text(doing: str = "answering that") -> str:
    return (
        f"Sorry, something went wrong while I was {doing}. The error has been logged; "
        "please try again in a moment."
    )


# -- the passage modal -----------------------------------------------------------------------


def passage_view(
    *, title: str, url: str, source: str, published: str | None, passage: str,
    quote_start: int = -1, quote_end: int = -1, chunk_id: str = "",
) -> dict[str, Any]:  # fmt: skip
    """A modal showing a whole chunk, its quoted words in bold (rich text: nothing parsed)."""
    meta = [link(url, title or url or chunk_id)]
    if source:
        meta.append(clip(source, 100))
    when = human_date(published)
    if when:
        meta.append(escape(when))
    blocks: list[dict[str, Any]] = [_section_mrkdwn(clip_mrkdwn(" · ".join(meta), SECTION_TEXT))]
    if 0 <= quote_start < quote_end <= len(passage):
        pieces = [
            (passage[:quote_start], False),
            (passage[quote_start:quote_end], True),
            (passage[quote_end:], False),
        ]
    else:
        pieces = [(passage, False)]
    room = MODAL_BLOCKS - len(blocks) - 1
    rich = _rich_text_blocks(pieces, RICH_TEXT)
    if len(rich) > room:
        rich = rich[:room]
        blocks.extend(rich)
        blocks.append(_context("The passage continues beyond what a modal can show."))
    else:
        blocks.extend(rich)
    return {
        "type": "modal",
        "callback_id": PASSAGE_VIEW,
        "title": {"type": "plain_text", "text": "Passage"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": blocks,
        "private_metadata": chunk_id[:3000],
    }


def related_view(article: ArticleRef, copies: Sequence[ArticleRef],
                 same_story: Sequence[tuple[ArticleRef, Sequence[ArticleRef]]]
                 ) -> dict[str, Any]:  # fmt: skip
    """A modal listing an article's related coverage: its copies (the same text elsewhere),
    then the other articles on its story (each with its own copies' outlets: "also in …"),
    each as title (linked), outlet and date."""
    blocks: list[dict[str, Any]] = [_section_mrkdwn(article_line(article))]
    room = (MODAL_BLOCKS - 4) // 2
    if copies:
        blocks.append(_section_mrkdwn(f"*Copies of this article* ({len(copies)})"))
        blocks.extend(_section_mrkdwn(clip_mrkdwn("• " + article_line(ref), SECTION_TEXT))
                      for ref in copies[:room])  # fmt: skip
    if same_story:
        blocks.append(_section_mrkdwn(f"*Other articles on this story* ({len(same_story)})"))
        for ref, its_copies in same_story[:room]:
            names = list(dict.fromkeys(c.source or c.title for c in its_copies))
            also = " · " + clip("also in " + ", ".join(names), 300) if names else ""
            blocks.append(_section_mrkdwn(clip_mrkdwn(f"• {article_line(ref)}{also}",
                                                      SECTION_TEXT)))  # fmt: skip
    if not copies and not same_story:
        blocks.append(_context("No other article in the index tells this story."))
    return {
        "type": "modal",
        "callback_id": RELATED_VIEW,
        "title": {"type": "plain_text", "text": "Related coverage"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": blocks[:MODAL_BLOCKS],
        "private_metadata": article.article_id[:3000],
    }


def _rich_text_blocks(pieces: Sequence[tuple[str, bool]], limit: int) -> list[dict[str, Any]]:
    """Rich text blocks of at most `limit` characters each, split at line ends when possible."""
    blocks: list[dict[str, Any]] = []
    current: list[dict[str, Any]] = []
    size = 0

    def flush() -> None:
        nonlocal current, size
        if current:
            blocks.append(
                {"type": "rich_text",
                 "elements": [{"type": "rich_text_section", "elements": current}]}
            )  # fmt: skip
        current, size = [], 0

    for text, bold in pieces:
        while text:
            room = limit - size
            if room <= 0:
                flush()
                continue
            part = text[:room]
            if len(text) > room:
                newline = part.rfind("\n")
                if newline > room // 2:
                    part = part[: newline + 1]
            element: dict[str, Any] = {"type": "text", "text": part}
            if bold:
                element["style"] = {"bold": True}
            current.append(element)
            size += len(part)
            text = text[len(part) :]
            if text:
                flush()
    flush()
    return blocks


# -- replies to commands ---------------------------------------------------------------------


def ingest_report_text(items: Iterable[Any]) -> str:
    """One line per article or failed source: added / updated / unchanged / failed and why."""
    marks = {"added": "✅ added", "updated": "🔄 updated", "unchanged": "▫️ unchanged",
             "failed": "⚠️ failed", "skipped": "⏭️ skipped"}  # fmt: skip
    lines = []
    counts: dict[str, int] = {}
    for item in items:
        counts[item.status] = counts.get(item.status, 0) + 1
        what = link(item.source, item.title, 150) if item.title else escape(item.source)
        line = f"{marks.get(item.status, item.status)}: {what}"
        if item.status in ("added", "updated") and item.chunks:
            line += f" ({item.chunks} passage{'s' if item.chunks != 1 else ''})"
        if item.error or item.note:
            line += f" — {clip(item.error or item.note, 300)}"
        lines.append(line)
    if not lines:
        return "Nothing was found to ingest."
    summary = ", ".join(f"{n} {status}" for status, n in counts.items())
    return clip_mrkdwn("\n".join([*lines, f"_{summary}_"]), SECTION_TEXT)


def sources_text(records: Sequence[Any], query: str, total: int) -> str:
    """The articles listed by `/news sources`, one line each."""
    if not records:
        if query:
            return f"No ingested article matches “{escape(query)}”."
        return "No articles have been ingested yet."
    head = (
        f"Articles matching “{escape(query)}”:" if query else f"The {len(records)} most recent of "
        f"{total} ingested articles:"
    )
    lines = [head]
    for r in records:
        meta = " · ".join(
            x for x in (clip(r.source, 80), escape(human_date(r.published)), escape(r.lang)) if x
        )
        lines.append(f"• {link(r.url, r.title or r.url, 150)} · {meta} · `{escape(r.article_id)}`")
    return clip_mrkdwn("\n".join(lines), SECTION_TEXT)


# -- the assistant container -----------------------------------------------------------------

PROMPT_TITLE = 60  # characters of a suggested prompt's title shown in the prompt chip
THREAD_TITLE = 100
ASSISTANT_PROMPTS = 4


def searching_status(passages: int) -> str:
    """The status line while an answer is searched for, e.g. `Searching 2,397 passages…`."""
    return f"Searching {passages:,} passage{'s' if passages != 1 else ''}…"


def thread_title(question: str) -> str:
    return plain(question, THREAD_TITLE)


def holdings_line(articles: int, languages: Sequence[str], newest: str | None) -> str:
    """`1,204 articles in en, ro; the newest published 4 Nov 2024.` (mrkdwn, escaped)"""
    if not articles:
        return "The index is empty: nothing has been ingested yet."
    noun = "article" if articles == 1 else "articles"
    langs = f" in {', '.join(languages)}" if languages else ""
    when = f"; the newest published {human_date(newest)}" if newest else ""
    return escape(f"{articles:,} {noun}{langs}{when}.")


def greeting_text(articles: int, languages: Sequence[str], newest: str | None) -> str:
    """The first message of an assistant thread: what the bot does and what it holds."""
    return (
        "Hi! I answer questions from the news I have read, citing my sources. I hold "
        + holdings_line(articles, languages, newest)
        + (" Ask me anything, or pick one of the suggestions." if articles else "")
    )


def suggested_prompts(records: Sequence[Any], limit: int = ASSISTANT_PROMPTS) -> list[dict[str, str]]:
    """Prompts about the newest articles' topics: one per distinct title, newest first."""
    prompts: list[dict[str, str]] = []
    for title in dict.fromkeys(" ".join((r.title or "").split()) for r in records):
        if title and len(prompts) < limit:
            prompts.append({"title": plain(title, PROMPT_TITLE),
                            "message": f"What does the news say about “{title}”?"})  # fmt: skip
    return prompts


# -- links an admin shares, the App Home -------------------------------------------------------


def ingest_offer_blocks(urls: Sequence[str]) -> list[dict[str, Any]]:
    """The offer to ingest the links an admin sent in a DM: the links and one button."""
    shown = "\n".join(f"• {link(url, url, 200)}" for url in urls[:10])
    more = f"\n_and {len(urls) - 10} more_" if len(urls) > 10 else ""
    value = ""
    for url in urls:  # whole links only, as many as the button's value holds
        if len(value) + len(url) + 1 > BUTTON_VALUE:
            break
        value = f"{value}\n{url}" if value else url
    return [
        _section_mrkdwn(clip_mrkdwn(f"Shall I add this to the news I answer from?\n{shown}{more}",
                                    SECTION_TEXT)),  # fmt: skip
        {"type": "actions", "block_id": "ingest_offer",
         "elements": [_button("Ingest", INGEST_OFFERED, value, style="primary")]},
    ]  # fmt: skip


def home_view(
    *, articles: int, languages: Sequence[str], newest: str | None, latest: Sequence[Any],
    admin: bool, feeds: Sequence[str] = (),
) -> dict[str, Any]:  # fmt: skip
    """The App Home tab: how to ask, what the index holds, its latest articles, and (admins)
    buttons to ingest a link or follow a feed."""
    home: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "newsdesk"}},
        _section_mrkdwn(
            "*How to ask*\nOpen me in the assistant panel, send me a direct message, mention me "
            "in a channel (`@newsdesk where are the North Korean troops?`) or use "
            "`/news ask <question>` for an answer only you see. I answer from the ingested "
            "news and cite every source."
        ),
        _section_mrkdwn("*What I hold*\n" + holdings_line(articles, languages, newest)),
    ]
    if admin:
        home.append({"type": "actions", "block_id": "home_admin", "elements": [
            _button("Ingest a link", HOME_INGEST, "ingest", style="primary"),
            _button("Follow a feed", HOME_FOLLOW, "follow"),
        ]})  # fmt: skip
        if feeds:
            followed = "\n".join(f"• {link(url, url, 200)}" for url in feeds[:20])
            home.append(_section_mrkdwn(clip_mrkdwn(f"*Followed feeds*\n{followed}", SECTION_TEXT)))
    if latest:
        home.append({"type": "divider"})
        home.append(_section_mrkdwn("*Latest articles*"))
        for record in latest:
            meta = " · ".join(x for x in (clip(record.source, 80),
                                          escape(human_date(record.published))) if x)  # fmt: skip
            line = link(record.url, record.title or record.url, 200)
            home.append(_context_mrkdwn(clip_mrkdwn(f"{line} · {meta}" if meta else line,
                                                    CONTEXT_TEXT)))  # fmt: skip
    return {"type": "home", "blocks": home[:MODAL_BLOCKS]}


def announcement_text(feed_url: str, items: Sequence[Any], total: int) -> str:
    """New articles of a followed feed, one linked title a line (mrkdwn, escaped)."""
    noun = "article" if total == 1 else "articles"
    lines = [f":newspaper: {total} new {noun} from {link(feed_url, feed_url, 200)}:"]
    lines += [f"• {link(item.source, item.title or item.source, 200)}" for item in items]
    if total > len(items):
        lines.append(f"_and {total - len(items)} more_")
    return clip_mrkdwn("\n".join(lines), SECTION_TEXT)


def follow_text(outcome: Any) -> str:
    """The reply to following a feed: what its first read ingested, or why it failed."""
    url = link(outcome.feed.url, outcome.feed.url, 200)
    if outcome.error:
        return (f"Following {url}, but reading it failed: {clip(outcome.error, 300)}. "
                "I will try again at the next poll.")  # fmt: skip
    report = ingest_report_text(outcome.report.items) if outcome.report else "Nothing new."
    return clip_mrkdwn(f"Following {url}: its new articles will be ingested as they appear.\n"
                       f"{report}", SECTION_TEXT)  # fmt: skip


def feeds_text(urls: Sequence[str]) -> str:
    if not urls:
        return "No feeds are followed. `/news follow <feed url>` follows one."
    return clip_mrkdwn("Followed feeds:\n" + "\n".join(f"• {link(u, u, 200)}" for u in urls),
                       SECTION_TEXT)  # fmt: skip


def url_modal(callback_id: str) -> dict[str, Any]:
    """The modal an App Home button opens: one URL to ingest (INGEST_VIEW) or follow."""
    following = callback_id == FOLLOW_VIEW
    return {
        "type": "modal", "callback_id": callback_id,
        "title": {"type": "plain_text", "text": "Follow a feed" if following else "Ingest a link"},
        "submit": {"type": "plain_text", "text": "Follow" if following else "Ingest"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [{
            "type": "input", "block_id": URL_BLOCK,
            "label": {"type": "plain_text", "text": "Feed URL (RSS or Atom)" if following
                      else "Article or feed URL"},
            "element": {"type": "url_text_input", "action_id": URL_INPUT},
        }],
    }  # fmt: skip


HELP = (
    "*newsdesk* answers questions from the ingested news, citing its sources.\n"
    "• Mention me in a channel (`@newsdesk where are the North Korean troops?`) and I answer in "
    "the thread; mention me again in the thread for a follow-up. Or send me a direct message.\n"
    "• `/news ask <question>` answers privately, with a button to share the answer.\n"
    "• `/news sources [words]` lists recent (or matching) articles.\n"
    "• `/news ingest <url> [<url>…]` adds articles, `/news forget <id|url>` removes one "
    "(admins only). The message shortcut *Ingest links in this message* adds a message's links.\n"
    "• `/news follow <feed url>` follows a feed: its new articles are ingested as they appear; "
    "`/news unfollow <feed url>` stops that, `/news follow` lists the feeds (admins only).\n"
    "• `/news help` shows this."
)


def text_blocks(text: str) -> list[dict[str, Any]]:
    """Already-escaped mrkdwn as one or more sections (cut at line ends)."""
    blocks, current = [], ""
    for line in text.split("\n"):
        line = clip_mrkdwn(line, SECTION_TEXT)
        if current and len(current) + 1 + len(line) > SECTION_TEXT:
            blocks.append(_section_mrkdwn(current))
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        blocks.append(_section_mrkdwn(current))
    return blocks[:MESSAGE_BLOCKS]


# -- small builders --------------------------------------------------------------------------


def _section(text: str, block_id: str | None = None) -> dict[str, Any]:
    block = _section_mrkdwn(clip(text, SECTION_TEXT))
    if block_id:
        block["block_id"] = block_id
    return block


def _section_mrkdwn(mrkdwn: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn or " "}}


def _context(text: str) -> dict[str, Any]:
    return _context_mrkdwn(clip(text, CONTEXT_TEXT))


def _context_mrkdwn(mrkdwn: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn or " "}]}


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": plain(text, BUTTON_TEXT), "emoji": True},
        "value": value,
    }
    if style:
        button["style"] = style
    return button
