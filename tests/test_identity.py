"""An article's identity loses nothing (issue 10, item 1).

The four FLORES files give the same Wikinews URL to a passage in en, fr, ro and it, and two of
those URLs are also full English articles in wikinews_en_full.jsonl. Every one of them must
stay stored under its own id; without ids, translations and excerpts are kept beside the
article at their URL and a re-fetched page is an update that the report names.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from ingest.metadata import complete
from ingest.pipeline import ingest
from ingest.sources import read_sources
from newsdesk.articles import Article
from newsdesk.index import Index
from newsdesk.settings import Settings
from tests.support.paths import SHARED
from tests.support.settings import make_settings, run_cli

NEWS = SHARED / "news"
LANGUAGES = ("en", "fr", "ro", "it")
FIRST = 10  # FLORES passages per language: 004 and 008 are excerpts of full English articles


def _rows(name: str, limit: int | None = None) -> list[dict[str, str]]:
    with (NEWS / name).open(encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    return rows[:limit]


FLORES = {lang: _rows(f"flores_wikinews_{lang}.jsonl", FIRST) for lang in LANGUAGES}
SHARED_URLS = {row["url"] for row in FLORES["en"]}
FULL = [row for row in _rows("wikinews_en_full.jsonl") if row["url"] in SHARED_URLS]


def _jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    return path


def test_articles_sharing_a_url_keep_their_own_ids(
    tmp_path: Path, settings: Settings, index: Index
) -> None:
    assert len(FULL) == 2  # the fixture this test is about
    files = [_jsonl(tmp_path / "full.jsonl", FULL)] + [
        _jsonl(tmp_path / f"flores_{lang}.jsonl", FLORES[lang]) for lang in LANGUAGES
    ]
    full_chunks = {}
    first = ingest(read_sources([str(files[0])], settings), index)
    for row in FULL:
        stored = index.article(row["id"])
        assert stored is not None and stored.text.startswith(row["text"][:200])
        full_chunks[row["id"]] = stored.n_chunks
    report = ingest(read_sources([str(f) for f in files[1:]], settings), index)

    assert first.count("added") == len(FULL)
    assert report.count("added") == FIRST * len(LANGUAGES) and not report.failed
    assert report.count("updated") == 0 and report.as_json()["replaced"] == []
    stored_ids = {record.article_id for record in index.articles()}
    assert stored_ids == {row["id"] for rows in [FULL, *FLORES.values()] for row in rows}
    for row in FULL:  # still whole, not replaced by a passage
        kept = index.article(row["id"])
        assert kept is not None and kept.n_chunks == full_chunks[row["id"]]
    again = ingest(read_sources([str(f) for f in files], settings), index)
    assert again.count("unchanged") == len(FULL) + FIRST * len(LANGUAGES)


def test_a_record_stored_under_its_url_before_ids_were_kept_is_not_added_again(
    tmp_path: Path, index: Index
) -> None:
    """Records with an `id` and a `url` used to be stored under the canonical URL: ingesting
    the same file into such an index finds them unchanged, and adds no copy under the id."""
    row = FULL[0]
    source = _jsonl(tmp_path / "full.jsonl", [row])
    [article] = list(read_sources([str(source)], index.settings))
    assert article.article_id == row["id"] and article.url  # type: ignore[union-attr]
    old = replace(article, article_id=article.url)  # type: ignore[type-var]
    assert ingest([old], index).count("added") == 1

    report = ingest(read_sources([str(source)], index.settings), index)
    assert [(item.status, item.article_id) for item in report.items] == [
        ("unchanged", article.url)  # type: ignore[union-attr]
    ]
    assert [r.article_id for r in index.articles()] == [article.url]  # type: ignore[union-attr]


def test_without_ids_translations_and_excerpts_stay_apart_and_updates_are_reported(
    settings: Settings, index: Index
) -> None:
    [full] = [row for row in FULL if row["id"] == "wn-en-143f417d2b3e"]
    url = full["url"]
    passages = [row for lang in LANGUAGES for row in FLORES[lang] if row["url"] == url]
    assert [row["lang"] for row in passages] == list(LANGUAGES)

    def article(row: dict[str, str]) -> Article:  # as a page or a record without an id gives it
        return Article(text=row["text"], title=row["title"], url=url, lang=row["lang"])

    page = complete(article(full))
    assert page.article_id == url
    ingest([page], index)
    chunks_before = index.article(url).n_chunks  # type: ignore[union-attr]
    report = ingest([complete(article(row)) for row in passages], index)

    assert report.count("added") == len(LANGUAGES) and report.count("updated") == 0
    kept = {item["id"]: (item["as"], item["of"]) for item in report.as_json()["kept_apart"]}
    excerpt_id = next(i for i in kept if "#excerpt-" in i)
    assert kept == {
        excerpt_id: ("excerpt", url),
        f"{url}#fr": ("translation", url),
        f"{url}#ro": ("translation", url),
        f"{url}#it": ("translation", url),
    }
    assert index.article(url).text == page.text  # the full article is untouched
    assert [r.article_id for r in index.find_articles(url)] == [url]  # the id wins
    assert {r.article_id for r in index.find_articles(url + "?ref=x", url)} == {url, *kept}
    assert ingest([complete(article(row)) for row in passages], index).count("unchanged") == 4

    revised = replace(page, text=page.text + "\n\nThis article was corrected on publication.")
    update = ingest([revised], index)
    assert update.count("updated") == 1
    [replaced] = update.as_json()["replaced"]
    assert replaced["id"] == url and replaced["chunks_before"] == chunks_before
    assert update.items[0].note.startswith(f"replaced the stored text of {url}")


def test_an_article_whose_id_is_its_url_is_found_by_it_beside_its_translations(
    tmp_path: Path,
) -> None:
    """`show URL`/`forget URL` name the article stored under that URL, not its translations."""
    data_dir = tmp_path / "cli"
    en, fr = FLORES["en"][0], FLORES["fr"][0]
    assert en["url"] == fr["url"]
    url = en["url"]
    source = _jsonl(tmp_path / "no-ids.jsonl", [
        {k: v for k, v in row.items() if k != "id"} for row in (en, fr)
    ])  # fmt: skip
    done = run_cli(data_dir, "ingest", "--json", str(source), text=True)
    assert done.returncode == 0, done.stderr
    index = Index(make_settings(data_dir))
    assert {r.article_id for r in index.articles()} == {url, f"{url}#fr"}
    found = index.find_article(url)  # as Slack's forget looks it up
    index.close()
    assert found is not None and found.article_id == url

    shown = run_cli(data_dir, "show", url, text=True)
    assert shown.returncode == 0, shown.stderr
    assert f"id: {url}\n" in shown.stdout
    forgot = run_cli(data_dir, "forget", url, text=True)
    assert forgot.returncode == 0, forgot.stderr
    assert {r.article_id for r in Index(make_settings(data_dir)).articles()} == {f"{url}#fr"}


def test_show_and_forget_take_an_id_or_a_url(tmp_path: Path) -> None:
    data_dir = tmp_path / "cli"
    rows = [row for lang in ("en", "ro") for row in FLORES[lang][:2]]
    source = _jsonl(tmp_path / "two.jsonl", rows)
    done = run_cli(data_dir, "ingest", "--json", str(source), text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["added"] == 4

    shown = run_cli(data_dir, "show", rows[0]["id"], text=True)
    assert shown.returncode == 0 and f"id: {rows[0]['id']}" in shown.stdout
    url = rows[0]["url"]
    ambiguous = run_cli(data_dir, "show", url, text=True)
    assert ambiguous.returncode == 2
    assert rows[0]["id"] in ambiguous.stderr and rows[2]["id"] in ambiguous.stderr
    assert ambiguous.stderr.strip().splitlines()[-1].startswith("newsdesk: 2 articles have the URL")

    refused = run_cli(data_dir, "forget", url, text=True)
    assert refused.returncode == 1 and "give the id of one" in refused.stderr
    stored = Index(make_settings(data_dir)).articles()
    assert len(stored) == 4  # nothing forgotten on an ambiguous URL
    forgot = run_cli(data_dir, "forget", rows[2]["id"], text=True)
    assert forgot.returncode == 0, forgot.stderr
    assert {r.article_id for r in Index(make_settings(data_dir)).articles()} == {
        rows[0]["id"], rows[1]["id"], rows[3]["id"]
    }
