"""A small real corpus for the answering tests: the Romanian sample and four Wikinews articles.

The Wikinews articles (CC BY 2.5, from examples/articles/wikinews-2020.jsonl) are chosen as
distractors for the sample question: one is about US troops, one about South Korea.
"""

from __future__ import annotations

import json
from pathlib import Path

from newsdesk.articles import Article, normalise_text
from tests.support.paths import EXAMPLES
from tests.support.paths import SAMPLE_ARTICLE as SAMPLE
from tests.support.settings import make_settings

WIKINEWS = EXAMPLES / "wikinews-2020.jsonl"
SAMPLE_ID = "sample-coreea-de-nord"
SAMPLE_URL = "https://example.org/ro/coreea-de-nord-trupe-rusia"
DISTRACTORS = (
    "Iraqi Parliament votes for expulsion of United States troops",
    "Seoul city Mayor Park Won-soon found dead, South Korean police confirm",
    "World Health Organization declares COVID-19 pandemic",
    "Sultan Qaboos of Oman dies",
)


def sample_article() -> Article:
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    assert lines[0].startswith("date ")
    return Article(
        text=normalise_text("\n".join(lines[2:])), title=lines[1].strip(), source="Exemplu",
        url=SAMPLE_URL, published=lines[0].split()[1], lang="ro", article_id=SAMPLE_ID,
    )  # fmt: skip


def wikinews_articles(titles: tuple[str, ...] = DISTRACTORS) -> list[Article]:
    found = {}
    for line in WIKINEWS.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["title"] in titles:
            found[record["title"]] = Article(
                text=normalise_text(record["text"]), title=record["title"],
                source=record.get("source") or "Wikinews", url=record["url"],
                published=record["published"], lang=record.get("lang") or "en",
                article_id=record["url"],
            )  # fmt: skip
    assert len(found) == len(titles), set(titles) - set(found)
    return [found[t] for t in titles]


def corpus() -> list[Article]:
    return [sample_article(), *wikinews_articles()]


_BUILT: dict[str, Path] = {}


def built_data_dir(factory, embedder) -> Path:  # noqa: ANN001 - pytest's TempPathFactory
    """A data dir holding `corpus()`, ingested once per test session (read-only for tests)."""
    if "dir" not in _BUILT:
        from ingest.pipeline import ingest
        from newsdesk.index import Index

        data_dir = factory.mktemp("answering") / "data"
        index = Index(make_settings(data_dir), embedder)
        report = ingest(corpus(), index)
        assert report.count("added") == 1 + len(DISTRACTORS), report.summary()
        index.close()
        _BUILT["dir"] = data_dir
    return _BUILT["dir"]
