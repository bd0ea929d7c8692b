"""The data dir is private: 700 for folders, 600 for files.

It holds what users asked, and `feedback.sqlite` holds Slack user ids and channels beside their
questions. The `newsdesk` command creates everything with umask 077; a library user (the tests,
a host process) gets a 700 data dir, and opening the index or the feedback store tightens files
an older version (or another umask) left readable: newsdesk's own files only, never the rest of
a folder someone pointed `NEWSDESK_DATA_DIR` at.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PRIVATE_UMASK = 0o077
DIR_MODE = 0o700
FILE_MODE = 0o600
# What newsdesk keeps in a data dir (SQLite's -wal/-shm files share their database's prefix)
OWN_ENTRIES = ("catalog.sqlite", "feedback.sqlite", "write.lock", "chroma")


def private_dir(path: Path) -> Path:
    """`path` created (with its parents) or kept, readable by its owner alone."""
    path = Path(path)
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):  # a folder of another user's: leave it, it is theirs
        path.chmod(DIR_MODE)
    return path


def secure_data_dir(path: Path) -> None:
    """Make newsdesk's own files under the data dir 600 (folders 700), whatever made them."""
    for entry in Path(path).iterdir():
        if entry.name.startswith(OWN_ENTRIES):
            _secure(entry)


def _secure(entry: Path) -> None:
    with contextlib.suppress(OSError):  # gone meanwhile, or not ours
        if entry.is_symlink():
            return
        if not entry.is_dir():
            entry.chmod(FILE_MODE)
            return
        entry.chmod(DIR_MODE)
        for root, dirs, files in os.walk(entry):
            for name in dirs:
                os.chmod(os.path.join(root, name), DIR_MODE)
            for name in files:
                os.chmod(os.path.join(root, name), FILE_MODE)
