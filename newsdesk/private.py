"""newsdesk's data is private: 600 for its files, 700 for the folders it creates.

It holds what users asked, and `feedback.sqlite` holds Slack user ids and channels beside their
questions. The `newsdesk` command creates everything with umask 077. A library user (the tests,
a host process) gets the same: a data dir newsdesk creates is 700 (one that exists is left as
it is: whoever chose it, a group-shared folder say, chose its permissions), opening the index or
the feedback store makes newsdesk's own files in it 600 (a few stats, however big the index:
an older version or another umask may have left them readable), and what Chroma creates is
made private once, when it appears. Nothing else in the folder is touched.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
DIR_MODE = 0o700
FILE_MODE = 0o600
# newsdesk's own files in a data dir, with what SQLite keeps beside its databases
OWN_FILES = (
    *(f"{db}{end}" for db in ("catalog.sqlite", "feedback.sqlite") for end in ("", "-wal", "-shm")),
    "write.lock",
)


def private_dir(path: Path) -> Path:
    """`path`, created (with its parents) readable by its owner alone when it does not exist;
    an existing folder keeps its permissions."""
    path = Path(path)
    if not path.is_dir():
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        with contextlib.suppress(OSError):  # the umask may have taken more than 077 does
            path.chmod(DIR_MODE)
    return path


def secure_data_dir(path: Path) -> None:
    """Make newsdesk's own files directly in the data dir 600, whatever made them."""
    for name in OWN_FILES:
        with contextlib.suppress(OSError):  # not there, or not ours
            entry = Path(path, name)
            mode = entry.lstat().st_mode
            if stat.S_ISREG(mode) and stat.S_IMODE(mode) != FILE_MODE:
                entry.chmod(FILE_MODE)


def secure_tree(entry: Path) -> None:
    """Make a file newsdesk just created 600, or a folder 700 and everything in it 600 or 700."""
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


def private_file_opener(path: str, flags: int) -> int:
    """An `open(..., opener=)` that creates the file 600."""
    return os.open(path, flags, FILE_MODE)
