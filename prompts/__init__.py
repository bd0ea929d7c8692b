"""Every word newsdesk sends to a language model lives in this folder, as text files.

`load(name)` reads one file (`answer_system` → `answer_system.md`); `render(name, **fields)`
fills its `{field}` slots with `str.format`. Values are inserted as they are and never
re-parsed, so braces or dollar signs inside an article cannot change a template. Literal
braces in a template are written `{{` and `}}`.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path

from newsdesk.errors import NewsdeskError

HERE = Path(__file__).resolve().parent
_SUFFIXES = (".md", ".txt")


class PromptError(NewsdeskError, KeyError):
    """A prompt file that does not exist, or a render call that misses one of its fields (still
    a KeyError, as it always was)."""


@cache
def load(name: str) -> str:
    """The text of prompt `name` (with or without its `.md`/`.txt` suffix)."""
    if "/" in name or "\\" in name or name.startswith("."):
        raise PromptError(f"not a prompt name: {name!r}")
    candidates = (
        [HERE / name] if name.endswith(_SUFFIXES) else [HERE / f"{name}{s}" for s in _SUFFIXES]
    )
    for path in candidates:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise PromptError(f"no prompt named {name!r} in {HERE}")


def fields(name: str) -> set[str]:
    """The `{field}` names prompt `name` expects."""
    return {f for _, f, _, _ in string.Formatter().parse(load(name)) if f}


def render(name: str, **values: object) -> str:
    """Prompt `name` with its fields filled; every field must be given, and no unknown one."""
    expected = fields(name)
    missing = expected - values.keys()
    unknown = values.keys() - expected
    if missing or unknown:
        raise PromptError(
            f"prompt {name!r}: missing fields {sorted(missing)}, unknown fields {sorted(unknown)}"
        )
    return load(name).format(**values).strip() + "\n"
