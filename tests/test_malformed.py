"""Hostile and broken input (issue 5, "Hostile content"): the corpus in tests/data/malformed/.

Every file of the corpus is named in its MANIFEST.jsonl with what it checks and what it must give:
exactly the expected articles, and for the rest one clear, one-line error each. The whole corpus
goes through the real readers (`read_sources`) and the real pipeline into a real index in one
`ingest` call; a failure must leave the index exactly as it was. A few files also go through
`newsdesk ingest --json` in its own process. The big inputs (20 MB of text, one endless line)
are made here, in a temporary folder.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ingest.metadata import MAX_TEXT, MAX_TITLE
from ingest.pipeline import IngestReport, ingest
from ingest.sentences import MAX_SENTENCE
from ingest.sources import Failure, read_sources
from newsdesk.articles import Article
from newsdesk.embeddings import Embedder
from newsdesk.index import Index
from newsdesk.settings import Settings
from tests.support.catalog import snapshot
from tests.support.logs import collected
from tests.support.paths import ROOT, SAMPLE_ARTICLE
from tests.support.settings import make_settings
from tests.support.settings import run_cli as cli

CORPUS = ROOT / "tests" / "data" / "malformed"
MANIFEST = (CORPUS / "MANIFEST.jsonl").read_text(encoding="utf-8")
CASES: list[dict[str, Any]] = [json.loads(line) for line in MANIFEST.splitlines()]
BY_FILE = {case["file"]: case for case in CASES}
# Characters no stored article text or title may keep (tab and newline are text).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# What `guarded` says when a reader crashed on something nobody foresaw: never acceptable here.
UNFORESEEN = re.compile(r"could not read .*: [A-Za-z]*(Error|Exception)\b")


@dataclass
class Run:
    settings: Settings
    items: dict[str, list[Article | Failure]] = field(default_factory=dict)
    before: dict[str, Any] = field(default_factory=dict)
    after_failures: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    failures_report: IngestReport | None = None
    report: IngestReport | None = None
    errors_logged: list[logging.LogRecord] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_file(name: str, settings: Settings) -> list[Article | Failure]:
    return list(read_sources([str(CORPUS / name)], settings))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, minilm: Embedder) -> Iterator[Run]:
    """The corpus ingested into an index that already holds the sample article."""
    settings = make_settings(tmp_path_factory.mktemp("malformed") / "data")
    result = Run(settings)
    # a reader that crashed logs an ERROR from our own code
    with collected(logging.ERROR, ("ingest", "newsdesk", "bot")) as errors:
        fill(result, Index(settings, minilm))
    result.errors_logged = errors.records
    yield result


def fill(result: Run, index: Index) -> None:
    """Ingest the sample, then the corpus's failures alone, then the whole corpus; snapshot each."""
    settings = result.settings
    try:
        assert ingest(read_sources([str(SAMPLE_ARTICLE)], settings), index).count("added") == 1
        result.before = snapshot(settings.data_dir)

        result.items = {case["file"]: read_file(case["file"], settings) for case in CASES}
        # 1. only what fails: nothing may change
        failures = [item for items in result.items.values() for item in items
                    if isinstance(item, Failure)]  # fmt: skip
        result.failures_report = ingest(failures, index)
        result.after_failures = snapshot(settings.data_dir)
        # 2. the whole corpus, in one ingest
        everything = [item for items in result.items.values() for item in items]
        result.report = ingest(everything, index)
        result.after = snapshot(settings.data_dir)
        result.problems = index.check()
    finally:
        index.close()


# -- the corpus itself ---------------------------------------------------------------------------


def test_the_corpus_has_over_100_named_cases_and_nothing_unlisted() -> None:
    files = {p.name for p in CORPUS.iterdir()} - {"MANIFEST.jsonl", "generate.py", "README.md"}
    assert len(CASES) >= 100 and len(BY_FILE) == len(CASES), "one manifest line per file"
    assert files == set(BY_FILE), "every file is in the manifest, every manifest file exists"
    for case in CASES:
        assert case["checks"] and case["expect"] in ("error", "article", "mixed"), case
        assert (case["expect"] == "error") == (case["articles"] == 0), case
        assert (case["expect"] == "article") == (not case["errors"]), case
    kinds = {case["expect"] for case in CASES}
    assert kinds == {"error", "article", "mixed"}
    assert sum(p.stat().st_size for p in CORPUS.iterdir()) < 2_000_000, "the corpus stays small"


# -- each file ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(BY_FILE), ids=list(BY_FILE))
def test_each_file_gives_its_articles_or_one_clear_error(run: Run, name: str) -> None:
    case = BY_FILE[name]
    items = run.items[name]
    articles = [item for item in items if isinstance(item, Article)]
    failures = [item for item in items if isinstance(item, Failure)]
    assert len(articles) == case["articles"], f"{case['checks']}: {items}"
    assert len(failures) == len(case["errors"]), f"{case['checks']}: {failures}"

    for failure, pattern in zip(failures, case["errors"], strict=True):
        message = failure.error
        assert re.search(pattern, message), f"{case['checks']}: {message!r} !~ {pattern!r}"
        assert "\n" not in message and "Traceback" not in message, message
        assert not UNFORESEEN.search(message), f"a reader crashed: {message}"
        assert len(message) < 400 + len(str(CORPUS)), message

    assert run.report is not None
    status = {item.article_id: item.status for item in run.report.items if item.article_id}
    # a later copy of the same article (another file, the same text) replaces an earlier one
    last = {item.article_id: item for items in run.items.values() for item in items
            if isinstance(item, Article)}  # fmt: skip
    with_index = Index(run.settings)
    try:
        for n, article in enumerate(articles):
            assert status.get(article.article_id) in ("added", "updated", "unchanged"), article
            stored = with_index.article(article.article_id)
            assert stored is not None, f"{case['checks']}: {article.article_id} not stored"
            check_article(case, n, article)
            if last[article.article_id] is article:
                assert stored.text == article.text and stored.title == article.title
    finally:
        with_index.close()


def check_article(case: dict[str, Any], n: int, article: Article) -> None:
    """The manifest's checks, and what holds for every stored article."""
    what = case["checks"]
    assert article.text.strip() and len(article.text) <= MAX_TEXT, what
    assert "\n" not in article.title and len(article.title) <= MAX_TITLE, what
    assert not CONTROL.search(article.text) and not CONTROL.search(article.title), what
    if "title" in case:
        assert re.search(case["title"], article.title), f"{what}: title {article.title!r}"
    if "title_max" in case:
        assert 0 < len(article.title) <= case["title_max"], f"{what}: {len(article.title)}"
    if "text" in case and n == 0:
        assert re.search(case["text"], article.text), f"{what}: {article.text[:200]!r}"
    if "not_text" in case:
        for value in (article.text, article.title):
            assert not re.search(case["not_text"], value), f"{what}: {value[:200]!r}"
    if "lang" in case:
        assert article.lang == case["lang"], f"{what}: detected {article.lang}"
    if "published" in case:
        assert article.published == case["published"][n], f"{what}: article {n}"


# -- the index ------------------------------------------------------------------------------------


def test_failures_alone_leave_the_index_exactly_as_it_was(run: Run) -> None:
    assert run.failures_report is not None
    expected = sum(len(case["errors"]) for case in CASES)
    assert len(run.failures_report.failed) == expected
    assert run.failures_report.count("added") == 0
    assert run.after_failures == run.before


def test_the_whole_corpus_in_one_ingest_adds_exactly_its_articles(run: Run) -> None:
    assert run.report is not None
    expected_ids = {item.article_id for items in run.items.values() for item in items
                    if isinstance(item, Article)}  # fmt: skip
    before = {row[0]: row for row in run.before["articles"]}
    after = {row[0]: row for row in run.after["articles"]}
    assert set(after) == set(before) | expected_ids
    assert all(after[key] == row for key, row in before.items()), "what was there is untouched"
    chunk_ids = [row[0] for row in run.after["chunks"]]
    assert run.after["fts"] == chunk_ids and run.after["vectors"] == chunk_ids, "no orphans"
    assert {row[1] for row in run.after["chunks"]} == set(after), "every article has chunks"
    assert run.after["journal"] == 0 and run.problems == []
    assert len(run.report.failed) == sum(len(case["errors"]) for case in CASES)
    longest = max(end - start for _, _, start, end in run.after["chunks"])
    assert longest <= 2 * 1000 + MAX_SENTENCE, "no unbounded chunk from an endless line"


def test_no_reader_crashed(run: Run) -> None:
    crashed = [f"{r.name}: {r.getMessage()}" for r in run.errors_logged]
    assert crashed == [], "an input made our code fail in a way nobody foresaw"


# -- the big ones, made here -----------------------------------------------------------------------


def test_20_mb_of_text_is_refused_with_one_error(tmp_path: Path, minilm: Embedder) -> None:
    settings = make_settings(tmp_path / "data")
    path = tmp_path / "twenty.txt"
    paragraph = ("The council of Valdora met again on Tuesday to discuss the harbour wall, and "
                 "the debate went on for hours. ") * 8 + "\n\n"  # fmt: skip
    with path.open("w", encoding="utf-8") as out:
        out.write(paragraph * (20_000_000 // len(paragraph) + 1))
    assert path.stat().st_size >= 20_000_000
    index = Index(settings, minilm)
    try:
        before = snapshot(settings.data_dir)
        report = ingest(read_sources([str(path)], settings), index)
    finally:
        index.close()
    assert len(report.failed) == 1 and report.failed[0].source == str(path)
    assert re.search(r"too long for one article \([\d,]+ characters; at most [\d,]+\)",
                     report.failed[0].error)  # fmt: skip
    assert report.count("added") == 0 and snapshot(settings.data_dir) == before


def test_one_endless_line_becomes_bounded_chunks(tmp_path: Path, minilm: Embedder) -> None:
    settings = make_settings(tmp_path / "data")
    words = "council harbour bridge tram river market budget ferry library depot".split()
    line = " ".join(words[i * 7 % len(words)] + str(i) for i in range(3_000))  # ~30 kB, no stop
    (tmp_path / "line.txt").write_text(line, encoding="utf-8")
    huge = tmp_path / "huge_line.jsonl"  # a 3 MB JSONL line: over the article limit
    huge.write_text(json.dumps({"text": (line + " ") * 100}) + "\n" + json.dumps(
        {"title": "After the huge line", "text": "The next line is still read. It is short."}
    ) + "\n", encoding="utf-8")  # fmt: skip
    index = Index(settings, minilm)
    try:
        report = ingest(read_sources([str(tmp_path / "line.txt"), str(huge)], settings), index)
        chunks = index.article_chunks(next(i.article_id for i in report.items if i.chunks > 1))
        check = index.check()
    finally:
        index.close()
    assert report.count("added") == 2, report.items
    assert len(report.failed) == 1 and "too long for one article" in report.failed[0].error
    assert report.failed[0].source.endswith("huge_line.jsonl:1")
    assert len(chunks) >= len(line) // MAX_SENTENCE
    assert all(len(chunk.text) <= MAX_SENTENCE for chunk in chunks)
    assert "".join(chunk.text.replace(" ", "") for chunk in chunks) == line.replace(" ", "")
    assert check == []


# -- through the command line ----------------------------------------------------------------------


CLI_FAILURES = [
    "empty.txt", "random_bytes.txt", "binary_named.jsonl", "rss_truncated_in_header.rss",
    "json_deep_nesting.json", "html_scripts_only.html", "document.pdf", "rss_no_items.rss",
    "emoji_only.txt", "json_empty_list.json",
]  # fmt: skip
CLI_ARTICLES = ["surrogate_escape.json", "jsonl_bad_lines.jsonl", "ansi_escapes.txt",
                "utf16be_bom.txt", "rss_xxe.rss"]  # fmt: skip


@pytest.mark.slow
def test_the_cli_reports_failures_in_one_line_each_and_changes_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = cli(data_dir, "ingest", "--json", str(SAMPLE_ARTICLE),
                *(str(CORPUS / name) for name in CLI_ARTICLES))  # fmt: skip
    stderr = first.stderr.decode()
    summary = json.loads(first.stdout)
    expected = 1 + sum(BY_FILE[name]["articles"] for name in CLI_ARTICLES)
    errors = [error for name in CLI_ARTICLES for error in BY_FILE[name]["errors"]]
    assert summary["added"] == expected and len(summary["failed"]) == len(errors), summary
    assert first.returncode == 1 and "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == len(errors) and all(line.startswith("failed: ") for line in lines), lines
    before = snapshot(data_dir)
    assert len(before["articles"]) == expected
    assert before["vectors"] == [row[0] for row in before["chunks"]] == before["fts"]

    bad = cli(data_dir, "ingest", "--json", "-", *(str(CORPUS / name) for name in CLI_FAILURES),
              stdin=bytes(range(256)) * 40)  # fmt: skip
    stderr = bad.stderr.decode()
    assert bad.returncode == 1, stderr
    summary = json.loads(bad.stdout)
    assert summary["added"] == summary["updated"] == summary["chunks"] == 0
    assert [Path(f["source"]).name for f in summary["failed"]] == ["-", *CLI_FAILURES]
    assert "binary" in summary["failed"][0]["error"]
    for failure, name in zip(summary["failed"][1:], CLI_FAILURES, strict=True):
        assert re.search(BY_FILE[name]["errors"][0], failure["error"]), failure
        assert "\n" not in failure["error"]
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 + len(CLI_FAILURES)
    assert all(line.startswith("failed: ") for line in lines)
    assert snapshot(data_dir) == before, "failures change nothing"
    doctor = cli(data_dir, "doctor")
    assert doctor.returncode == 0 and doctor.stdout.decode().strip().endswith("ok"), doctor.stdout
