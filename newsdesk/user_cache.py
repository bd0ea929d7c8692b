"""Arrays computed once per machine and kept in the user's cache folder.

What is cached here is derived from packaged files (a model's tables, vectors of fixed
reference texts), so the name must change when its inputs do: callers put a digest or the
source file's size and mtime in it. The file is written atomically (a concurrent reader
sees the old file or the new one), and an unwritable cache only costs the computation next time.
"""

from __future__ import annotations

import contextlib
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np


def cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("newsdesk", appauthor=False))


def cached_arrays(name: str, compute: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The arrays stored as `<cache dir>/<name>.npz`, else `compute()`'s, stored for next time."""
    path = cache_dir() / f"{name}.npz"
    with (
        contextlib.suppress(OSError, ValueError, zipfile.BadZipFile),
        np.load(path, allow_pickle=False) as data,
    ):
        return {key: data[key] for key in data.files}
    arrays = compute()
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.stem}.{os.getpid()}.npz")
        np.savez(partial, **arrays)
        os.replace(partial, path)
    return arrays
