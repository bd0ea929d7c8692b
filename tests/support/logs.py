"""Capturing log records in a test, and putting the root logger back afterwards."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def restored_root_logging() -> Iterator[logging.Logger]:
    """The root logger, with its handlers, level and sys.excepthook put back afterwards
    (`configure_logging` replaces them for the whole process)."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level, sys.excepthook)
    try:
        yield root
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
        sys.excepthook = saved[2]


class Collect(logging.Handler):
    """Keeps the records at `level` or above, from the loggers under `prefixes` (all if empty)."""

    def __init__(self, level: int = logging.WARNING, prefixes: tuple[str, ...] = ()) -> None:
        super().__init__(level)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.prefixes = prefixes
        self.records: list[logging.LogRecord] = []
        self._lines: list[str] = []
        self._logged = threading.Condition()

    def emit(self, record: logging.LogRecord) -> None:
        if not self.prefixes or record.name.split(".")[0] in self.prefixes:
            with self._logged:
                self.records.append(record)
                # formatted now, as a real handler would: after its filters (redaction)
                self._lines.append(self.format(record))
                self._logged.notify_all()

    def lines(self) -> list[str]:
        """Each record as a real handler printed it: level, logger, message, any traceback."""
        with self._logged:
            return list(self._lines)

    def wait_for(self, text: str, timeout: float = 60) -> str:
        """The first line containing `text`, waiting up to `timeout` seconds for it."""
        def found() -> list[str]:
            return [line for line in self._lines if text in line]

        with self._logged:
            if not self._logged.wait_for(found, timeout):
                raise AssertionError(f"nothing logged {text!r} within {timeout}s")
            return found()[0]


@contextmanager
def collected(level: int = logging.WARNING, prefixes: tuple[str, ...] = ()) -> Iterator[Collect]:
    """A `Collect` on the root logger (lowered to `level` if needed) for the `with` block."""
    handler = Collect(level, prefixes)
    with restored_root_logging() as root:
        root.addHandler(handler)
        if root.getEffectiveLevel() > level:
            root.setLevel(level)
        yield handler
