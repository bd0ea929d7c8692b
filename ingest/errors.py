"""The one exception ingestion raises for bad input."""

from __future__ import annotations

from newsdesk.errors import NewsdeskError


class IngestError(NewsdeskError, ValueError):
    """A source or article that cannot be ingested (still a ValueError, as it always was).

    `str(error)` is one line for the user: what is wrong with which input, and what to do.
    """
