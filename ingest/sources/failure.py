"""What a reader yields for something it could not read, instead of raising."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ingest.errors import IngestError
from newsdesk.articles import Article

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Failure:
    """A source, or a part of one, that yielded no article.

    `skipped`: not read because a limit was reached (entries per feed, time per ingest), not
    because anything is wrong with it; `error` then says which limit and how to change it.
    """

    source: str  # the path, URL or reference that failed, e.g. "feed.jsonl:17"
    error: str  # one line: what is wrong and what to do
    skipped: bool = False


def guarded(source: str, items: Iterable[Article | Failure]) -> Iterator[Article | Failure]:
    """`items`, ending in a Failure for `source` if producing them raises.

    What was yielded before the error stays yielded. An error we did not foresee (a parser
    crashing on hostile input) is logged with its traceback and still becomes a Failure, so
    one bad source never stops the rest.
    """
    try:
        yield from items
    except IngestError as error:
        yield Failure(source, str(error))
    except OSError as error:
        yield Failure(source, f"cannot read {source}: {error.strerror or error}")
    except Exception as error:  # noqa: BLE001 - see the docstring
        log.exception("reading %s failed", source)
        yield Failure(source, f"could not read {source}: {type(error).__name__}: {error}")
