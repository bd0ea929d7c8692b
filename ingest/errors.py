"""The one exception ingestion raises for bad input."""

from __future__ import annotations


class IngestError(ValueError):
    """A source or article that cannot be ingested.

    `str(error)` is one line for the user: what is wrong with which input, and what to do.
    """
