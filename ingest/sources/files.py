"""Files and folders: a folder is read recursively, its files in sorted order."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ingest.errors import IngestError
from ingest.sources.failure import Failure, guarded
from ingest.sources.formats import EXTENSIONS, read_document
from ingest.sources.records import read_jsonl
from newsdesk.articles import Article
from newsdesk.settings import Settings

SUPPORTED = ", ".join(sorted(EXTENSIONS))
CHUNK = 1 << 20  # bytes: the piece in which an over-long line is read past


def read_path(source: str, settings: Settings) -> Iterator[Article | Failure]:
    """The articles in a file, or in every supported file under a folder."""
    path = Path(source)
    if path.is_dir():
        yield from _read_folder(path, settings)
    elif path.is_file():
        yield from guarded(source, _read_file(path, settings))
    elif path.exists():
        yield Failure(source, f"{source} is neither a file nor a folder")
    else:
        yield Failure(source, f"no such file or folder: {source}")


def folder_files(folder: Path) -> list[Path]:
    """The supported files under `folder`, sorted; hidden files and folders are skipped.

    Links to folders are not followed (no cycles); links to files are.
    """
    found = []
    for root, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in files:
            path = Path(root, name)
            if not name.startswith(".") and path.suffix.lower() in EXTENSIONS and path.is_file():
                found.append(path)
    return sorted(found)


def _read_folder(folder: Path, settings: Settings) -> Iterator[Article | Failure]:
    files = folder_files(folder)
    if not files:
        yield Failure(
            str(folder), f"no articles in the folder {folder}: it has no {SUPPORTED} files"
        )
    for path in files:
        yield from guarded(str(path), _read_file(path, settings))


def _read_file(path: Path, settings: Settings) -> Iterator[Article | Failure]:
    """The articles in one file; its size is checked before a byte of it is read."""
    kind = EXTENSIONS.get(path.suffix.lower())
    if kind is None:
        raise IngestError(f"cannot read {path}: unsupported file type; use {SUPPORTED}")
    limit = settings.max_file_bytes
    if kind == "jsonl":
        with path.open("rb") as stream:
            yield from read_jsonl(bounded_lines(stream, limit), str(path), limit)
        return
    size = path.stat().st_size
    if size > limit:
        raise IngestError(
            f"{path} is {size:,} bytes, over the {limit:,} read from one file "
            "(NEWSDESK_MAX_FILE_BYTES): split it into smaller files, or JSONL"
        )
    yield from read_document(kind, path.read_bytes(), str(path), settings)


def bounded_lines(stream: BinaryIO, limit: int) -> Iterator[bytes]:
    """The lines of `stream`, none held longer than `limit` + 1 bytes: the rest of a longer line
    is read past in pieces and dropped (`read_jsonl` then refuses the line)."""
    while line := stream.readline(limit + 1):
        if len(line) > limit and not line.endswith(b"\n"):
            while (rest := stream.readline(CHUNK)) and not rest.endswith(b"\n"):
                pass
        yield line
