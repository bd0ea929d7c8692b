"""Source readers: `newsdesk ingest SOURCE...` arguments in, complete articles out.

A SOURCE is a file (.txt .md .html .htm .json .jsonl .xml .rss .atom), a folder (read
recursively), an http(s) URL of a page or feed, or `-` for standard input. `read_sources`
yields an Article for each article found and a Failure for each thing that could not be read,
and never raises for bad input: one bad source never stops the rest.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from typing import TextIO

from ingest.dates import parse_date
from ingest.errors import IngestError
from ingest.language import normalise_language
from ingest.metadata import complete
from ingest.sources.failure import Failure, guarded
from ingest.sources.files import read_path
from ingest.sources.formats import read_document, sniff
from ingest.sources.web import read_url
from newsdesk.articles import Article
from newsdesk.settings import Settings

__all__ = ["Failure", "OVERRIDABLE", "read_sources"]

log = logging.getLogger(__name__)

OVERRIDABLE = frozenset({"title", "source", "url", "published", "lang"})
_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://")


def read_sources(
    sources: Sequence[str],
    settings: Settings,
    stdin: TextIO | None = None,
    overrides: Mapping[str, str | None] | None = None,
) -> Iterator[Article | Failure]:
    """Every article in `sources`, complete (see `ingest.metadata.complete`), lazily.

    `stdin` is read for a `-` source. `overrides` (the CLI's --title, --source, --url,
    --published, --lang; None or "" means not given) replace what the sources say before the
    articles are completed, so the id follows an overridden URL and the language is not
    detected when given. They apply to every article, so they are meant for one-article
    sources. An override that cannot be used (a date that is no date, a language that is no
    ISO 639-1 code) is one Failure, and nothing is read.
    """
    given = {name: value for name, value in (overrides or {}).items() if value}
    unknown = set(given) - OVERRIDABLE
    if unknown:
        raise TypeError(f"cannot override {', '.join(sorted(unknown))}")
    problem = _override_problem(given)
    if problem:
        yield problem
        return
    budget = _ReadingBudget(settings.ingest_timeout)
    for source in sources:
        items = guarded(source, _read(source, settings, stdin))
        if _URL.match(source):
            items = budget.spend(source, items)
        yield from completed(items, given)


def completed(
    items: Iterable[Article | Failure], overrides: Mapping[str, str] | None = None
) -> Iterator[Article | Failure]:
    """Each article completed (id, language, dates; `overrides` applied first), or the Failure
    its completion is; a Failure read before passes as it is."""
    for item in items:
        yield _complete(item, overrides or {}) if isinstance(item, Article) else item


class _ReadingBudget:
    """Time spent reading web sources (a URL, and the pages its feed links to), and the end of
    that reading at the limit.

    Only web sources are bounded: local files, folders and standard input are read whole,
    however many there are. Only the time inside the readers counts, not what the caller
    does between items (embedding, writing), so a slow site or an endless feed is cut off.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.spent = 0.0

    def spend(
        self, source: str, items: Iterator[Article | Failure]
    ) -> Iterator[Article | Failure]:
        """`items` while time is left; then a skipped Failure for `source` instead of the rest.

        When the time runs out after an item, one more is read to learn whether anything is
        left: a source whose last item used the last of the time is complete, not stopped. An
        item found that way is not yielded (the time is spent); the report counts it as left.
        """
        read = 0
        while True:
            spent_before = self.spent >= self.seconds
            if spent_before and not read:
                break  # not begun, so nothing of it is fetched
            started = time.monotonic()
            item = next(items, None)
            self.spent += time.monotonic() - started
            if item is None:
                return
            if spent_before:
                break  # something is left: `item`, read only to know that
            read += 1
            yield item
        if isinstance(items, Generator):
            items.close()  # a fetch not begun is never begun
        what = f"stopped after {read} items" if read else "not read"
        yield Failure(
            source,
            f"{what}: this ingest spent its {self.seconds:g} s of reading "
            "(NEWSDESK_INGEST_TIMEOUT sets the limit); ingest it again for the rest",
            skipped=True,
        )


def _read(source: str, settings: Settings, stdin: TextIO | None) -> Iterator[Article | Failure]:
    if source == "-":
        yield from _read_stdin(stdin, settings)
    elif _URL.match(source):
        yield from read_url(source, settings)
    else:
        yield from read_path(source, settings)


def _read_stdin(stdin: TextIO | None, settings: Settings) -> Iterator[Article | Failure]:
    """One article, plain text or HTML, from standard input (bytes when it has them)."""
    if stdin is None:
        raise IngestError("cannot read -: there is no standard input here")
    limit = settings.max_file_bytes
    buffer = getattr(stdin, "buffer", None)
    data = buffer.read(limit + 1) if buffer is not None else stdin.read(limit + 1).encode("utf-8")
    if len(data) > limit:
        raise IngestError(
            f"standard input is over {limit:,} bytes (NEWSDESK_MAX_FILE_BYTES): save it as "
            "files of one article each, or JSONL, and ingest those"
        )
    kind = "html" if sniff(data) == "html" else "text"
    yield from read_document(kind, data, "stdin", settings)


def _complete(article: Article, overrides: Mapping[str, str]) -> Article | Failure:
    try:
        return complete(article.with_overrides(**overrides))
    except IngestError as error:
        return Failure(article.origin, str(error))
    except Exception as error:  # noqa: BLE001 - as in `guarded`: one bad article stops nothing
        log.exception("completing %s failed", article.origin)
        return Failure(article.origin, f"could not read {article.origin}: {type(error).__name__}")


def _override_problem(overrides: Mapping[str, str]) -> Failure | None:
    published = overrides.get("published")
    if published and parse_date(published) is None:
        return Failure(
            "--published", f"cannot read the date {published!r}: write it as YYYY-MM-DD or YYYY-MM"
        )
    lang = overrides.get("lang")
    if lang and not normalise_language(lang):
        return Failure("--lang", f"{lang!r} is not a language code: use ISO 639-1, like en or ro")
    return None
