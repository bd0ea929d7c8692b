"""A small real corpus for the answering tests: the Romanian sample and four Wikinews articles.

The Wikinews articles (CC BY 2.5, from examples/articles/wikinews-2020.jsonl) are chosen as
distractors for the sample question: one is about US troops, one about South Korea.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from ingest.metadata import complete
from ingest.sources.text import read_text
from newsdesk.articles import Article, normalise_text
from tests.support.paths import EXAMPLES
from tests.support.paths import SAMPLE_ARTICLE as SAMPLE
from tests.support.settings import make_settings

WIKINEWS = EXAMPLES / "wikinews-2020.jsonl"
SAMPLE_ID = "sample-coreea-de-nord"
SAMPLE_URL = "https://example.org/ro/north-korea-russia"
# Answered by the sample's last paragraph (the Kursk sentence) over this corpus. The brief's
# "Where are the North Korean troops?" is answered from that sentence too only once the answer
# step reads it with its context ("8.000 dintre aceștia" — "of them"): issue 9, items 2-3.
KURSK_QUESTION = "Where are the North Korean soldiers, according to Blinken?"
KURSK_WORDS = "8.000 dintre aceștia se află în regiunea Kursk"
DISTRACTORS = (
    "Iraqi Parliament votes for expulsion of United States troops",
    "Seoul city Mayor Park Won-soon found dead, South Korean police confirm",
    "World Health Organization declares COVID-19 pandemic",
    "Sultan Qaboos of Oman dies",
)


def sample_article() -> Article:
    """The sample as `newsdesk ingest` reads it (date from its head, title derived), given an
    outlet, a URL and an id to assert on."""
    article = read_text(SAMPLE.read_text(encoding="utf-8"), str(SAMPLE))
    given = replace(article, source="Exemplu", url=SAMPLE_URL, lang="ro", article_id=SAMPLE_ID)
    return replace(complete(given), article_id=SAMPLE_ID)  # complete() would take the URL


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
