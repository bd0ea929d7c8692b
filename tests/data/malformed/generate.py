# ruff: noqa: E501 - long literals are the test data
"""Writes the malformed-input corpus of `tests/test_malformed.py`: the files and MANIFEST.jsonl.

    python tests/data/malformed/generate.py

The files are checked in; this script documents how each was made and rewrites them exactly
(it is deterministic). The big inputs (20 MB of text, a megabyte on one line) are not here:
the test makes them in a temporary folder.

Every MANIFEST.jsonl line names one file and what it checks:

- `expect`: "error" (the file yields exactly one Failure), "article" (only articles) or
  "mixed" (some of each, e.g. JSONL with bad lines);
- `articles`: how many articles it yields (0 for "error");
- `errors`: one regular expression per expected Failure message, in order;
- optional checks on the stored articles, in order: `title` (regex), `text` (regex searched in
  the stored text), `not_text` (regex that must not occur in the text or title), `lang`,
  `published` (list: the ISO value or null for each article), `title_max` (length).

The article texts are invented for this corpus.
"""

from __future__ import annotations

import codecs
import gzip
import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent

PLACES = ["Port Meridian", "Valdora", "Kestrel Bay", "Norhaven", "Ashby Cross", "Lindqvist",
          "Mareno", "Oakfield", "Tarsis", "Brenmoor", "Quillan", "Sorrow Creek"]  # fmt: skip
THINGS = ["a new tram line", "the harbour wall", "a flood barrier", "the old library",
          "a wind farm", "the school budget", "a bridge repair", "the water supply",
          "a ferry route", "the night market", "a solar roof plan", "the bus depot"]  # fmt: skip


def story(n: int, paragraphs: int = 2) -> str:
    """A short invented news story, different for every `n`."""
    rng = random.Random(n)
    place, thing = rng.choice(PLACES), rng.choice(THINGS)
    number = 1000 + n * 37
    lines = [
        f"The council of {place} approved {thing} on Tuesday after a debate that lasted "
        f"{3 + n % 5} hours, officials said. The plan will cost {number} thousand euros.",
        f"Residents of {place} had asked for {thing} for years. \"We waited a long time,\" "
        f"said one shopkeeper, who has lived in the town for {10 + n % 30} years.",
        f"Work is expected to start in the spring and to end within {2 + n % 3} years. "
        f"The opposition said the cost of story {n} was too high.",
        f"A public meeting about the project will be held next month in the town hall of "
        f"{place}, where engineers will answer questions.",
    ]
    return "\n\n".join(lines[:paragraphs])


def html_page(n: int, title: str = "", extra_head: str = "", body: str | None = None) -> str:
    title = title or f"{PLACES[n % len(PLACES)]} approves project {n}"
    paragraphs = "".join(f"<p>{p}</p>" for p in story(n).split("\n\n"))
    body = body if body is not None else f"<article><h1>{title}</h1>{paragraphs}</article>"
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}"
            f"</title>{extra_head}</head><body>{body}</body></html>")  # fmt: skip


def rss(items: str, head: str = '<?xml version="1.0" encoding="utf-8"?>') -> str:
    return (f"{head}\n<rss version=\"2.0\"><channel><title>Test Wire</title>"
            f"<link>https://wire.example/</link><description>t</description>{items}"
            "</channel></rss>\n")  # fmt: skip


def rss_item(n: int, title: str = "", date: str = "Tue, 05 Nov 2024 10:00:00 +0000",
             extra: str = "") -> str:  # fmt: skip
    title = title or f"Wire story {n}"
    text = story(n).replace("&", "&amp;").replace("<", "&lt;")
    return (f"<item><title>{title}</title><guid isPermaLink=\"false\">wire-{n}</guid>"
            f"<pubDate>{date}</pubDate><description>{text}</description>{extra}</item>")


def atom(entries: str) -> str:
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            "<title>Test Atom</title><id>urn:test:atom</id><updated>2024-11-05T10:00:00Z</updated>"
            f"{entries}</feed>\n")  # fmt: skip


def atom_entry(n: int, content: str | None = None) -> str:
    text = content if content is not None else story(n).replace("&", "&amp;").replace("<", "&lt;")
    return (f"<entry><title>Atom story {n}</title><id>urn:test:atom:{n}</id>"
            f"<updated>2024-11-05T10:00:00Z</updated><content type=\"text\">{text}</content>"
            "</entry>")


def line(**fields: object) -> str:
    return json.dumps(fields, ensure_ascii=False)


CASES: list[dict[str, object]] = []


def case(file: str, data: str | bytes, checks: str, expect: str, *, errors: list[str] = (),
         articles: int | None = None, encoding: str = "utf-8", **checks_on_articles: object) -> None:  # fmt: skip
    """Write one corpus file and its manifest line."""
    raw = data if isinstance(data, bytes) else data.encode(encoding, "surrogatepass")
    (HERE / file).write_bytes(raw)
    if articles is None:
        articles = 0 if expect == "error" else 1
    entry: dict[str, object] = {"file": file, "checks": checks, "expect": expect,
                                "articles": articles, "errors": list(errors)}  # fmt: skip
    entry.update(checks_on_articles)
    assert expect in ("error", "article", "mixed")
    assert (expect == "error") == (articles == 0) and (expect == "article") == (not errors)
    CASES.append(entry)


EMPTY = r"is empty"
NO_WORDS = r"has no words"
BINARY = r"binary"
BAD_JSON = r"not valid JSON"
NO_MAIN_TEXT = r"no readable main text"
NOT_FEED = r"not a readable RSS or Atom feed"
NO_ENTRIES = r"no entries"
UNSUPPORTED = r"unsupported file type"


def build() -> None:
    # -- empty and white space ------------------------------------------------------------------
    for ext, message in [("txt", EMPTY), ("md", EMPTY), ("html", NO_MAIN_TEXT), ("htm", NO_MAIN_TEXT),
                         ("json", BAD_JSON), ("jsonl", r"no articles"), ("xml", NOT_FEED),
                         ("rss", NOT_FEED), ("atom", NOT_FEED)]:  # fmt: skip
        case(f"empty.{ext}", b"", f"an empty .{ext} file", "error", errors=[message])
    case("spaces.txt", " \t \n\n   \n\t\t\n", "spaces, tabs and newlines only", "error", errors=[EMPTY])
    case("crlf_only.txt", "\r\n\r\n\r\r\n", "CR and CRLF line ends only", "error", errors=[EMPTY])
    case("unicode_spaces.txt", "\u00a0\u2003\u3000\u2028\u2029\u205f\n\u00a0",
         "Unicode spaces only (no-break, em, ideographic, line/paragraph separators)", "error",
         errors=[EMPTY])  # fmt: skip
    case("zero_width_only.txt", "\u200b\u200c\u200d\u2060\ufeff\u200b",
         "zero-width characters only", "error", errors=[NO_WORDS])
    case("bom_only.txt", codecs.BOM_UTF8, "a UTF-8 byte-order mark and nothing else", "error",
         errors=[EMPTY])  # fmt: skip
    case("bom_only_utf16.txt", codecs.BOM_UTF16_LE, "a UTF-16 byte-order mark and nothing else",
         "error", errors=[EMPTY])  # fmt: skip
    case("whitespace.jsonl", "\n  \n\t\n\n", "a JSONL file of blank lines", "error",
         errors=[r"no articles"])
    case("whitespace.json", "  \n\t ", "a JSON file of white space", "error", errors=[BAD_JSON])
    case("whitespace.html", "   \n  ", "an HTML file of white space", "error", errors=[NO_MAIN_TEXT])
    case("whitespace.rss", "\n\n   \n", "a feed file of white space", "error", errors=[NOT_FEED])
    case("json_empty_text.json", line(title="Nothing here", text=""), "a JSON article with empty text",
         "error", errors=[EMPTY])  # fmt: skip
    case("json_blank_text.json", line(title="Blank", text=" \n\t \u00a0 "),
         "a JSON article whose text is white space", "error", errors=[EMPTY])
    case("json_empty_object.json", "{}", "an empty JSON object", "error",
         errors=[r'give a "text" or "html" field'])
    case("json_empty_list.json", "[]", "an empty JSON list", "error", errors=[r"no articles"])
    case("json_null.json", "null", "JSON null", "error", errors=[r"expected a JSON object"])
    case("json_number.json", "42", "a JSON number", "error", errors=[r"expected a JSON object"])
    case("json_string.json", '"just a string"', "a JSON string", "error",
         errors=[r"expected a JSON object"])
    case("frontmatter_only.md", "---\ntitle: Only a head\ndate: 2024-11-05\n---\n",
         "front matter with no text after it", "error", errors=[EMPTY])

    # -- binary -----------------------------------------------------------------------------------
    rng = random.Random(42)
    noise = bytes(rng.randrange(256) for _ in range(3000))
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + noise[:600]
    case("png_named.txt", png, "a PNG image named .txt", "error", errors=[BINARY])
    case("png_named.html", png, "a PNG image named .html", "error", errors=[BINARY])
    case("random_bytes.txt", noise, "random bytes", "error", errors=[BINARY])
    no_nul = bytes(b or 1 for b in noise)
    case("random_bytes_no_nul.txt", no_nul, "random bytes without a NUL", "error",
         errors=[r"binary|encoding"])
    case("gzip_named.txt", gzip.compress(story(1).encode(), mtime=0), "gzip data named .txt",
         "error", errors=[BINARY])  # fmt: skip
    case("pdf_named.md", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
         + noise[:400], "a PDF named .md", "error", errors=[BINARY])  # fmt: skip
    case("elf_named.json", b"\x7fELF\x02\x01\x01\x00" + noise[:500], "an executable named .json",
         "error", errors=[BINARY])  # fmt: skip
    case("binary_named.jsonl", b"\x00\x01\x02\x03\n" + noise, "binary data named .jsonl: one error, "
         "not one per line", "error", errors=[BINARY])  # fmt: skip
    case("binary_named.rss", png, "a PNG named .rss", "error", errors=[NOT_FEED])
    case("nul_bytes.txt", story(2).encode().replace(b" the ", b" the\x00", 3),
         "text with raw NUL bytes", "error", errors=[BINARY])
    case("utf16_without_bom.txt", story(3).encode("utf-16-le"), "UTF-16 without a byte-order mark",
         "error", errors=[BINARY])  # fmt: skip
    case("control_chars.txt", "".join(c + "\x01\x02\x1b" for c in story(4)[:400]),
         "text full of control characters", "error", errors=[BINARY])
    case("utf16_odd_length.txt", codecs.BOM_UTF16_LE + story(5).encode("utf-16-le")[:-1] + b"\xd8",
         "a UTF-16 byte-order mark with a broken body", "error", errors=[r"invalid bytes"])

    # -- encodings --------------------------------------------------------------------------------
    fr = ("Le conseil de Valdora a approuvé vendredi la rénovation du théâtre municipal, fermé "
          "depuis l'été dernier. « C'est une décision très attendue », a déclaré la maire, "
          "Hélène Bérubé. Les travaux coûteront près de deux millions d'euros et dureront "
          "jusqu'à l'hiver prochain, selon le préfet.\n\nLes habitants se réjouissent : le "
          "théâtre accueillait chaque année des élèves de toutes les écoles de la région.")
    ro = ("Consiliul local din Brașov a aprobat marți reabilitarea școlii din cartierul "
          "Răcădău. Lucrările vor începe în primăvară și vor costa aproape trei milioane de lei, "
          "a declarat primarul. Părinții au cerut de ani de zile modernizarea clădirii, "
          "construită în anii șaizeci.")
    de = ("Der Stadtrat von Großheim hat am Dienstag den Bau einer neuen Brücke über die Ruhr "
          "beschlossen. Die Kosten für das Projekt betragen rund fünf Millionen Euro, teilte "
          "der Bürgermeister mit. Anwohner hatten sich über die marode Brücke beschwert.")
    case("latin1.txt", fr.replace("«", '"').replace("»", '"').replace("\u2019", "'"),
         "French in ISO-8859-1, undeclared", "article", encoding="latin-1", text=r"théâtre",
         lang="fr")  # fmt: skip
    case("cp1252_quotes.txt", "Officials said \u201cthe bridge is safe\u201d \u2013 but engineers "
         "disagreed. The repairs cost \u20ac2 million, the council said on Monday.\n\nThe "
         "bridge will close for two weeks while the work is done.", "Windows-1252 curly quotes, "
         "dash and euro sign, undeclared (decoded by a guess)", "article", encoding="cp1252",
         text="repairs cost .2 million")  # fmt: skip
    case("cp1250_romanian.txt", ro.replace("ș", "ş").replace("ț", "ţ"), "Romanian in Windows-1250",
         "article", encoding="cp1250", lang="ro")  # fmt: skip
    case("iso8859_2_german.txt", de, "German in ISO-8859-2", "article", encoding="iso-8859-2",
         text=r"Brücke")
    case("utf16le_bom.txt", codecs.BOM_UTF16_LE + fr.encode("utf-16-le"), "UTF-16 LE with a BOM",
         "article", text="théâtre")  # fmt: skip
    case("utf16be_bom.txt", codecs.BOM_UTF16_BE + ro.encode("utf-16-be"), "UTF-16 BE with a BOM",
         "article", text="școlii")  # fmt: skip
    case("utf32_bom.txt", de.encode("utf-32"), "UTF-32 with a BOM", "article", text="Großheim")
    case("utf8_bom.md", codecs.BOM_UTF8 + f"# Știri\n\n{ro}".encode(), "UTF-8 with a BOM and a "
         "heading", "article", title=r"^Știri$")  # fmt: skip
    mixed = story(6).encode() + "\n\nÎntr-un alt paragraf, café et thé à volonté.".encode("latin-1",
                                                                                      "replace")
    case("mixed_utf8_latin1.txt", mixed, "UTF-8 text with a Latin-1 paragraph", "article",
         text=r"council")
    case("invalid_utf8_bytes.txt", story(7).encode().replace(b"council", b"coun\xff\xfecil", 1),
         "UTF-8 with stray invalid bytes", "article", text=r"approved")
    case("overlong_utf8.txt", story(8).encode().replace(b"/", b"\xc0\xaf").replace(b" on ",
         b" \xc0\xafon ", 1), "overlong UTF-8 sequences", "article", text=r"approved")  # fmt: skip
    case("truncated_utf8.txt", (story(9) + " Ș").encode()[:-1], "UTF-8 cut inside a character",
         "article", text=r"approved")  # fmt: skip
    mixed3 = (story(10).encode() + b"\n\n" + "Élus réunis à Noël.".encode("cp1252") + b"\n\n"
              + "Перевод статьи.".encode("koi8-r"))
    case("mixed_three_encodings.txt", mixed3, "UTF-8, Windows-1252 and KOI8-R in one file",
         "article", text=r"council")  # fmt: skip
    case("koi8r_russian.txt", "Городской совет Нордхейвена во вторник одобрил строительство "
         "нового моста через реку. Работы начнутся весной и продлятся два года, сообщил мэр "
         "города.\n\nЖители давно просили отремонтировать старый мост.", "Russian in KOI8-R",
         "article", encoding="koi8-r")  # fmt: skip
    case("html_declared_utf8_is_latin1.html",
         html_page(11, body=f"<article><h1>Théâtre rouvert</h1><p>{fr}</p></article>"),
         "HTML declaring UTF-8 but written in Latin-1", "article", encoding="latin-1",
         text=r"rénovation")  # fmt: skip
    case("html_bogus_charset.html", html_page(12).replace('charset="utf-8"', 'charset="x-bogus-42"'),
         "HTML declaring a charset that does not exist", "article", text="approved")
    case("html_shift_jis.html", "<html><head><meta charset=\"shift_jis\"><title>市議会が新しい橋を承認"
         "</title></head><body><article><h1>市議会が新しい橋を承認</h1><p>市議会は火曜日、川に架かる"
         "新しい橋の建設を承認した。工事は春に始まり、二年間続く予定だと市長が述べた。</p><p>住民は"
         "長い間、古い橋の修理を求めていた。費用は約五億円と見込まれている。</p></article></body>"
         "</html>", "HTML in Shift JIS, declared", "article", encoding="shift_jis", lang="ja",
         text="新しい橋")  # fmt: skip
    case("json_latin1.json", line(title="Théâtre", text=fr).encode("latin-1", "replace"),
         "a JSON file in Latin-1", "article", text=r"théâtre")
    case("surrogate_escape.json", json.dumps({"title": "Lone \ud800 surrogate",
                                               "text": story(13).replace("council", "coun\udc00cil")}),
         "JSON with lone surrogate escapes (\\ud800) in title and text", "article",
         text="coun\ufffdcil", title="Lone \ufffd surrogate")  # fmt: skip
    case("surrogate_escape.jsonl", json.dumps({"text": story(14).replace("council", "council \udfff")})
         + "\n" + line(title="ok", text=story(15)) + "\n",
         "JSONL with a lone surrogate: no crash, and the next line is read", "article", articles=2,
         text="council \ufffd")  # fmt: skip
    case("jsonl_latin1_line.jsonl", (line(text=story(16)) + "\n").encode() + (line(text=fr) + "\n")
         .encode("latin-1", "replace") + (line(text=story(17)) + "\n").encode(),
         "JSONL with one line in Latin-1", "mixed", articles=2,
         errors=[r"jsonl_latin1_line.jsonl:2: not UTF-8"])  # fmt: skip

    # -- HTML without text, broken HTML ------------------------------------------------------------
    case("html_scripts_only.html", "<html><head><script>var news = 'not an article';</script>"
         "<style>p{color:red}</style></head><body><script>document.write('hi')</script></body>"
         "</html>", "HTML whose only text is in scripts and styles", "error",
         errors=[NO_MAIN_TEXT])  # fmt: skip
    case("html_images_only.html", "<html><body>" + "<img src='a.png' alt=''>" * 20 + "</body></html>",
         "HTML of images only", "error", errors=[NO_MAIN_TEXT])
    case("html_comments_only.html", "<html><body><!-- " + story(18) + " --></body></html>",
         "HTML whose text is all in a comment", "error", errors=[NO_MAIN_TEXT])
    case("html_nav_only.html", "<html><body><nav><ul>" + "".join(
        f"<li><a href='/s{i}'>Section {i}</a></li>" for i in range(30)) + "</ul></nav></body></html>",
         "HTML of navigation links only", "error", errors=[NO_MAIN_TEXT])  # fmt: skip
    case("html_title_only.html", "<html><head><title>A title and nothing else</title></head>"
         "<body></body></html>", "HTML with a title but an empty body", "error",
         errors=[NO_MAIN_TEXT])  # fmt: skip
    case("html_frameset.html", "<html><frameset cols='50%,50%'><frame src='a.html'>"
         "<frame src='b.html'></frameset></html>", "a frameset page", "error",
         errors=[NO_MAIN_TEXT])  # fmt: skip
    case("html_meta_refresh.html", "<html><head><meta http-equiv='refresh' content='0; "
         "url=https://elsewhere.example/'></head><body></body></html>", "a redirecting page",
         "error", errors=[NO_MAIN_TEXT])  # fmt: skip
    case("html_tags_only.html", "<html><body>" + "<div><span></span></div>" * 200 + "</body></html>",
         "HTML of empty elements", "error", errors=[NO_MAIN_TEXT])
    case("html_unclosed.html", "<html><head><title>Unclosed tags</title><body><article><h1>Unclosed"
         "<p>" + story(19).replace("\n\n", "<p>") + "<div><span><b><i>", "HTML that never closes "
         "its tags", "article", text=r"approved")  # fmt: skip
    case("html_no_html_tag.html", "<p>" + story(20).replace("\n\n", "</p><p>") + "</p>",
         "an HTML fragment without <html>", "article", text=r"approved")
    case("html_nested_200.html", "<html><body>" + "<div>" * 200 + "<p>" + story(21) + "</p>"
         + "</div>" * 200 + "</body></html>", "text under 200 nested <div>s", "article",
         text=r"approved")  # fmt: skip
    case("html_deeply_nested.html", "<html><body>" + "<div>" * 3000 + "<p>" + story(22) + "</p>"
         + "</div>" * 3000 + "</body></html>", "text under 3000 nested <div>s (past the "
         "parser's depth limit)", "error", errors=[NO_MAIN_TEXT])  # fmt: skip
    case("html_deeply_nested_unclosed.html", "<html><body>" + "<div><span>" * 2500 + story(20),
         "5000 nested elements, never closed", "error", errors=[NO_MAIN_TEXT])
    case("html_huge_attribute.html", html_page(23, extra_head="<meta name='x' content='"
         + "A" * 60000 + "'>"), "a 60 kB attribute", "article", text=r"approved")
    case("html_null_entities.html", html_page(24).replace("approved", "appro&#0;ved&#xD800;"),
         "numeric entities for NUL and a surrogate", "article", text=r"appro")
    case("html_entity_soup.html", html_page(25).replace(" the ", " &amp;amp;&lt;&gt;&#x1F600;&nbsp; "),
         "many entities", "article", text=r"approved")
    case("html_cdata_svg.html", html_page(26, body="<article><h1>Charts</h1><svg><![CDATA[ x < y ]]>"
         "<text>label</text></svg><math><mi>x</mi></math><p>" + story(26) + "</p></article>"),
         "CDATA, SVG and MathML around the text", "article", text=r"approved")
    case("html_is_plain_text.html", story(27), "plain text named .html", "error",
         errors=[NO_MAIN_TEXT])
    case("html_title_10k.html", html_page(28, title="Long " * 2000), "a 10,000-character HTML title",
         "article", title_max=300)
    case("html_rtl_arabic.html", "<html dir='rtl' lang='ar'><head><meta charset='utf-8'><title>"
         "المجلس البلدي يوافق على جسر جديد</title></head><body><article><h1>المجلس البلدي يوافق على "
         "جسر جديد</h1><p>وافق المجلس البلدي يوم الثلاثاء على بناء جسر جديد فوق النهر، وقال رئيس "
         "البلدية إن الأشغال ستبدأ في الربيع وتستمر عامين.</p><p>وكان السكان قد طالبوا منذ سنوات "
         "بإصلاح الجسر القديم الذي بني في الستينيات.</p></article></body></html>",
         "right-to-left Arabic HTML", "article", lang="ar", text="جسر")  # fmt: skip
    case("xhtml_strict.xhtml", '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns='
         '"http://www.w3.org/1999/xhtml"><head><title>XHTML page</title></head><body><article>'
         "<h1>XHTML page</h1><p>" + story(29).replace("\n\n", "</p><p>") + "</p></article></body>"
         "</html>", "well-formed XHTML", "article", text=r"approved")  # fmt: skip

    # -- broken and truncated feeds ----------------------------------------------------------------
    good = rss(rss_item(30) + rss_item(31))
    cut = good.index("<item>", good.index("<item>") + 1) + 40
    case("rss_truncated_in_second_item.rss", good[:cut], "RSS cut inside its second item: the "
         "first is kept", "mixed", errors=[r"entry 2: it is empty"], text=r"approved")  # fmt: skip
    case("rss_truncated_in_first_item.rss", good[: good.index("<item>") + 60],
         "RSS cut inside its first item", "error", errors=[r"entry 1: it is empty"])
    case("rss_truncated_in_header.rss", good[:50], "RSS cut in its header", "error",
         errors=[NOT_FEED])
    case("rss_no_items.rss", rss(""), "a valid RSS channel without items", "error",
         errors=[NO_ENTRIES])
    case("atom_no_entries.atom", atom(""), "a valid Atom feed without entries", "error",
         errors=[NO_ENTRIES])
    case("rss_item_without_text.rss", rss("<item><title>Just a title</title></item>" + rss_item(32)),
         "an item with a title and no text, before a good one", "mixed",
         errors=[r"is empty|no article text"])  # fmt: skip
    case("rss_bad_dates.rss", rss(rss_item(33, date="not a date") + rss_item(34, date="31 Feb 2024")
                                  + rss_item(35, date="Mon, 99 Zzz 2024 99:99:99 +9999")),
         "items with dates that are not dates", "article", articles=3,
         published=[None, None, None])  # fmt: skip
    case("rss_html_title.rss", rss(rss_item(36, title="&lt;script&gt;alert(1)&lt;/script&gt;"
                                                      "Mayor &amp;amp; council &lt;b&gt;agree&lt;/b&gt;")),
         "markup and double-escaped entities in a title", "article")  # fmt: skip
    case("rss_xxe.rss", '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM '
         '"file:///etc/passwd">]>\n' + rss(rss_item(37, title="XXE &xxe; test"), head=""),
         "an external entity naming /etc/passwd (XXE)", "article", not_text=r"root:")
    laughs = "".join(f'<!ENTITY l{i} "{"&l%d;" % (i - 1) * 10}">' for i in range(1, 10))
    case("rss_billion_laughs.rss", '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY l0 "ha">'
         + laughs + "]>\n" + rss(rss_item(38, title="Laughs &l9;"), head=""),
         "nested entity expansion (billion laughs)", "article", not_text=r"(ha){1000}")
    case("rss_wrong_declared_encoding.rss", rss(rss_item(39, title="Théâtre rouvert")).encode(
        "latin-1"), "RSS declaring UTF-8 but written in Latin-1", "article", text=r"approved")
    case("rss_latin1_declared.rss", rss(rss_item(40, title="Théâtre rouvert"),
                                        head='<?xml version="1.0" encoding="iso-8859-1"?>'),
         "RSS in a declared Latin-1", "article", encoding="latin-1", title=r"Théâtre")
    case("rss_utf16.rss", rss(rss_item(41), head='<?xml version="1.0" encoding="utf-16"?>')
         .encode("utf-16"), "RSS in UTF-16", "article", text=r"approved")
    case("rss_title_10k.rss", rss(rss_item(42, title="Word " * 2000)), "a 10,000-character item "
         "title", "article", title_max=300)  # fmt: skip
    case("rss_duplicate_items.rss", rss(rss_item(43) + rss_item(43)), "the same item twice",
         "article", articles=2)
    case("rss_cdata_unclosed.rss", rss("<item><title>CDATA</title><description><![CDATA[<p>"
                                       + story(44) + "</p></description></item>"),
         "an unclosed CDATA section", "error", errors=[r"entry 1: it is empty"])  # fmt: skip
    case("rss_deeply_nested.rss", rss("<item><title>Deep</title><description>" + "&lt;div&gt;" * 2000
                                      + story(45) + "</description></item>"),
         "2000 nested elements in an item's HTML (past the parser's depth limit)", "error",
         errors=[r"entry 1: it is empty"])  # fmt: skip
    case("rss_private_link.rss", rss("<item><title>Teaser</title><link>http://127.0.0.1:9/page</link>"
                                     "<description>A short teaser about the Valdora harbour wall, "
                                     "which the council approved on Tuesday.</description></item>"),
         "a teaser linking to a loopback address: not fetched, the teaser is kept", "article",
         text=r"teaser")  # fmt: skip
    case("rdf_rss1.rss", '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
         '22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><channel rdf:about="x"><title>RDF'
         "</title><link>https://rdf.example/</link><description>d</description></channel><item "
         f'rdf:about="https://rdf.example/1"><title>RDF item</title><link>https://rdf.example/1'
         f"</link><description>{story(46, 4)}</description></item></rdf:RDF>", "RSS 1.0 (RDF)",
         "article", text=r"approved")  # fmt: skip
    entries = atom(atom_entry(47) + atom_entry(48))
    case("atom_truncated.atom", entries[: entries.index("<entry>", entries.index("<entry>") + 1) + 30],
         "Atom cut inside its second entry: the first is kept", "mixed",
         errors=[r"entry 2: it is empty"], text=r"approved")
    case("atom_xhtml_content.atom", atom(atom_entry(49).replace('type="text">', 'type="xhtml"><div '
         'xmlns="http://www.w3.org/1999/xhtml"><p>').replace("</content>", "</p></div></content>")),
         "Atom with XHTML content", "article", text=r"approved")  # fmt: skip
    case("atom_wrong_namespace.atom", atom(atom_entry(50)).replace("2005/Atom", "2099/NotAtom"),
         "Atom under an unknown namespace", "article", text=r"approved")
    case("feed_plain_text.xml", story(51), "plain text named .xml", "error", errors=[NOT_FEED])
    case("feed_html_page.xml", html_page(52), "an HTML page named .xml", "error",
         errors=[NOT_FEED])
    case("feed_sitemap.xml", '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/'
         'sitemap/0.9"><url><loc>https://a.example/</loc></url></urlset>', "a sitemap, not a feed",
         "error", errors=[NOT_FEED])  # fmt: skip
    case("feed_json_named.rss", line(text=story(53)), "JSON named .rss", "error", errors=[NOT_FEED])

    # -- JSON and JSONL with bad parts -------------------------------------------------------------
    case("jsonl_bad_lines.jsonl", "\n".join([
        line(title="Good one", text=story(54)), "{broken json", line(title="Good two", text=story(55)),
        "[1, 2]", "null", "   ", line(title="No text"), '"a string"', line(title="Good three",
                                                                                text=story(56)),
    ]) + "\n", "JSONL with broken lines between good ones", "mixed", articles=3, errors=[
        r":2: not valid JSON", r":4: expected a JSON object", r":5: expected a JSON object",
        r':7: .*give a "text"', r":8: expected a JSON object"])  # fmt: skip
    case("jsonl_truncated.jsonl", line(text=story(57)) + "\n" + line(text=story(58))[:40],
         "JSONL whose last line is cut", "mixed", errors=[r":2: not valid JSON"])
    case("jsonl_wrong_types.jsonl", "\n".join([
        line(title=["a", "list"], text=story(59)), line(text=story(60), published={"y": 2024}),
        line(text=True), line(text=story(61), lang=7), line(text=story(62), url=None),
    ]) + "\n", "JSONL fields of the wrong type", "mixed", articles=2, errors=[
        r':1: the "title" field should be a string, not list',
        r':2: the "published" field should be a string, not dict',
        r':3: the "text" field should be a string, not bool'])  # fmt: skip
    case("jsonl_nan.jsonl", '{"text": NaN}\n{"text": "x", "title": Infinity}\n'
         + line(text=story(63)) + "\n", "NaN and Infinity as text and title", "mixed",
         errors=[r':1: the "text" field should be a string, not nan',
                 r':2: the "title" field should be a string, not inf'])  # fmt: skip
    case("jsonl_crlf.jsonl", line(text=story(64)) + "\r\n" + line(text=story(65)) + "\r\n",
         "JSONL with CRLF line ends", "article", articles=2)
    case("jsonl_bom.jsonl", codecs.BOM_UTF8 + (line(text=story(66)) + "\n").encode(),
         "JSONL starting with a BOM", "article")
    case("jsonl_no_final_newline.jsonl", line(text=story(67)), "JSONL without a final newline",
         "article")
    case("jsonl_nul_in_line.jsonl", line(text=story(68)) + "\n" + line(text=story(69)).replace(
        "council", "coun\x00cil") + "\n" + line(text=story(70)) + "\n",
         "a raw NUL inside a JSONL line", "mixed", articles=2, errors=[r":2: not valid JSON"])
    case("jsonl_deep_nesting.jsonl", "[" * 5000 + "]" * 5000 + "\n" + line(text=story(71)) + "\n",
         "a line nested 5000 deep", "mixed", errors=[r":1: .*nested too deeply"])
    case("jsonl_huge_integer.jsonl", '{"text": "x", "id": ' + "9" * 5000 + "}\n"
         + line(text=story(72)) + "\n", "an integer of 5000 digits", "mixed",
         errors=[r":1: not valid JSON"])  # fmt: skip
    case("jsonl_duplicate_keys.jsonl", '{"text": "first", "text": ' + json.dumps(story(73)) + "}\n",
         "a key given twice (the last wins)", "article", text=r"approved")
    case("jsonl_numbers_as_fields.jsonl", '{"id": 12345, "published": 20241105, "text": '
         + json.dumps(story(74)) + "}\n", "numbers for id and date", "article",
         published=["2024-11-05"])  # fmt: skip
    case("jsonl_html_nav_only.jsonl", line(html="<nav><a href='/'>Home</a></nav>") + "\n"
         + line(html=html_page(75)) + "\n", "an html field without main text, then a good one",
         "mixed", errors=[r":1: .*no readable main text"])  # fmt: skip
    case("jsonl_text_is_number.jsonl", line(text=12345) + "\n", "a number as the text", "error",
         errors=[NO_WORDS])
    case("json_truncated.json", line(title="Cut", text=story(76))[:80], "JSON cut in the middle",
         "error", errors=[BAD_JSON])  # fmt: skip
    case("json_trailing_comma.json", '{"text": "a", "title": "b",}', "a trailing comma", "error",
         errors=[BAD_JSON])
    case("json_single_quotes.json", "{'text': 'single quotes are not JSON'}", "single quotes",
         "error", errors=[BAD_JSON])  # fmt: skip
    case("json_comments.json", '// a comment\n{"text": "x"}', "a comment", "error",
         errors=[BAD_JSON])
    case("json_deep_nesting.json", '{"a":' * 5000 + "1" + "}" * 5000, "an object nested 5000 "
         "deep", "error", errors=[r"nested too deeply"])  # fmt: skip
    case("json_list_mixed.json", json.dumps([{"text": story(77)}, 1, None, {"title": "x"},
                                             {"text": story(78)}]),
         "a list with good and bad members", "mixed", articles=2, errors=[
             r"\[1\]: expected a JSON object", r"\[2\]: expected a JSON object",
             r'\[3\]: .*give a "text"'])  # fmt: skip
    case("json_text_is_list.json", line(text=["a", "b"]), "a list as the text", "error",
         errors=[r'"text" field should be a string, not list'])
    case("json_url_javascript.json", line(url="javascript:alert(1)", title="JS", text=story(79)),
         "a javascript: URL (dropped: never a link)", "article")
    case("json_url_broken.json", line(url="http://[::1", text=story(80)), "a URL that cannot be parsed",
         "article")
    case("json_lang_bogus.json", line(lang="../../etc/passwd", text=story(81)),
         "a language that is a path", "article", lang="en")
    case("json_lang_word.json", line(lang="english", text=story(82)), "a language given as a word",
         "article", lang="en")

    # -- dates in odd shapes -------------------------------------------------------------------------
    odd_dates = [
        ("yesterday", None), ("31.02.2024", None), ("0000-00-00", None), ("9999-12-31", None),
        ("2024-13-45", None), ("1700-01-01", None), ("20241105", "2024-11-05"),
        ("1699999999", None), ("4 noiembrie 2024", "2024-11-04"), ("Nov 4th, 2024", "2024-11-04"),
        ("2024-11-04T25:61:00Z", None), ("2024-11-04T10:00:00+99:00", None),
        ("२०२४-११-०४", "2024-11-04"), ("x" * 10000, None), ("1e10", None),
        ("Mon, 32 Nov 2024 10:00:00 +0000", None), ("2024-11-04T10:00:00.123456789Z", "2024-11-04T10:00:00+00:00"),
        ("-2024-01-01", "2024-01-01"), ("05/11/2024", "2024-11-05"), ("2024", "2024"),
    ]  # fmt: skip
    case("dates_odd.jsonl", "".join(line(text=story(100 + i, 1), published=value) + "\n"
                                    for i, (value, _) in enumerate(odd_dates)),
         "20 dates in odd shapes: each parsed or dropped, never a failure", "article",
         articles=len(odd_dates), published=[expected for _, expected in odd_dates])  # fmt: skip
    case("frontmatter_bad_date.md", "---\ntitle: Bad date\ndate: the day after tomorrow\n---\n"
         + story(83), "front matter with a date that is not one", "article", published=[None],
         title="^Bad date$")  # fmt: skip
    case("dateline_impossible.txt", "date 31/31/2024\n\n" + story(84), "a date line with an "
         "impossible date (kept as text)", "article", text=r"31/31/2024", published=[None])
    case("frontmatter_unclosed.md", "---\ntitle: Never closed\n" + story(85),
         "front matter that is never closed", "article", text=r"approved")

    # -- titles, zero-width, right-to-left and other characters ------------------------------------
    case("title_10k_frontmatter.md", "---\ntitle: " + "Headline " * 1200 + "\n---\n" + story(86),
         "a 10,000-character title in front matter", "article", title_max=300)
    case("title_10k_json.json", line(title="T" * 10000, text=story(87)), "a 10,000-character "
         "title without spaces", "article", title_max=300)  # fmt: skip
    case("title_10k_first_line.txt", "Z" * 10000 + "\n\n" + story(88), "a 10,000-character first "
         "line", "article", title_max=300)  # fmt: skip
    case("title_multiline_json.json", line(title="Line one\nLine two\r\n\tLine three", text=story(89)),
         "a title with newlines becomes one line", "article", title="^Line one Line two Line three$")
    case("zero_width_in_words.txt", story(90).replace("o", "o\u200b").replace("a", "a\u200d\u2060"),
         "zero-width characters inside words", "article")
    case("zero_width_title.json", line(title="\u200b\u200b\u200b", text=story(91)),
         "a title of zero-width characters", "article")
    case("rtl_arabic.txt", "وافق المجلس البلدي يوم الثلاثاء على بناء جسر جديد فوق النهر. وقال رئيس "
         "البلدية إن الأشغال ستبدأ في الربيع وتستمر عامين.\n\nوكان السكان قد طالبوا منذ سنوات بإصلاح "
         "الجسر القديم.", "Arabic text", "article", lang="ar")  # fmt: skip
    case("rtl_hebrew.txt", "מועצת העיר אישרה ביום שלישי את בניית הגשר החדש מעל הנהר. לדברי ראש "
         "העירייה, העבודות יתחילו באביב ויימשכו שנתיים.", "Hebrew text", "article", lang="he")
    case("bidi_controls.txt", story(92).replace("council", "\u202ecouncil\u202c").replace(
        "Tuesday", "\u2066Tuesday\u2069"), "bidirectional override and isolate controls",
         "article", text=r"approved")  # fmt: skip
    case("rtl_mixed_numbers.txt", "في 5 نوفمبر 2024، وافق مجلس Valdora على مشروع بقيمة 3.5 "
         "مليون يورو. قال العمدة: «المشروع مهم».", "Arabic mixed with Latin and numbers",
         "article", lang="ar")  # fmt: skip
    case("combining_marks.txt", "".join(c + "\u0301\u0316\u0337" if c.isalpha() else c
                                        for c in story(93)), "letters under heaps of combining "
         "marks", "article")  # fmt: skip
    case("emoji_only.txt", "🎉🔥💥 🙂🙃 📰📰📰", "emoji only", "error", errors=[NO_WORDS])
    case("emoji_and_text.txt", "📰 " + story(94).replace(". ", ". 🔥 "), "emoji among the words",
         "article", text=r"approved")
    case("punctuation_only.txt", "... !!! ??? --- *** ### ,,, ;;; ::: ''' \"\"\"", "punctuation only",
         "error", errors=[NO_WORDS])
    case("digits_only.txt", "1234567890\n\n2024 11 05\n3.14159", "digits only", "error",
         errors=[NO_WORDS])
    case("markdown_syntax_only.md", "#\n\n---\n\n***\n\n> \n\n- \n", "Markdown markup only",
         "error", errors=[NO_WORDS])
    case("single_letter.txt", "a", "a single letter", "article", text="^a$")
    case("ansi_escapes.txt", story(95).replace("council", "\x1b[31mcouncil\x1b[0m").replace(
        "Tuesday", "Tuesday\x07"), "terminal escape sequences and a bell in the text", "article",
         not_text=r"[\x00-\x08\x0b-\x1f\x7f]")  # fmt: skip
    case("nul_escaped_in_json.json", line(title="Nul\u0000title", text=story(96).replace(
        "council", "coun\u0000cil")), "NUL characters escaped in JSON strings", "article",
         not_text=r"\x00")  # fmt: skip
    case("form_feeds.txt", story(97).replace("\n\n", "\n\x0c\n"), "form feeds between paragraphs",
         "article", text=r"approved")
    case("nel_and_separators.txt", story(98).replace("\n\n", "\u0085\u2028"), "NEL and line "
         "separator characters as line breaks", "article", text=r"approved")  # fmt: skip
    case("many_short_lines.txt", "\n".join(f"Line {i} says a." for i in range(300)),
         "300 one-sentence lines", "article")
    case("long_word.txt", "Start of the story. " + "x" * 30000 + " End of the story.",
         "a 30,000-character word", "article", text=r"End of the story")
    case("repeated_sentence.txt", "The council met. " * 200, "one sentence repeated 200 times",
         "article")

    # -- files that are not articles ---------------------------------------------------------------
    for name in ("document.pdf", "slides.docx", "program.exe", "noextension", "archive.tar.gz"):
        case(name, b"not really a " + name.encode(), f"an unsupported file type ({name})", "error",
             errors=[UNSUPPORTED])

    (HERE / "MANIFEST.jsonl").write_text(
        "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in CASES), encoding="utf-8"
    )


if __name__ == "__main__":
    for old in HERE.iterdir():
        if old.name not in ("generate.py", "README.md"):
            old.unlink()
    build()
    print(f"{len(CASES)} cases written to {HERE}")
