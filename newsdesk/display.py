"""Text from articles and sources made safe to print on a terminal.

A file name, URL or id may carry control characters: ESC sequences that recolour, move the
cursor or (OSC) retitle the window and write hyperlinks, BEL, carriage returns that overwrite
a line, bidirectional overrides that reorder what is shown. Ingest strips them from what it
stores; whatever reaches a terminal anyway (a file name in an error, data stored by an older
version) goes through `printable`, which shows each as a visible escape instead of sending it.
"""

from __future__ import annotations

import re

# C0 and C1 controls (newline and tab included: these are one-line fields) and the bidi
# embedding, override and isolate characters.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str, lines: bool = False) -> str:
    """`text` with every control character shown as its escape (ESC → `\\x1b`); with `lines`,
    its line breaks are kept (an answer, a quote, a passage)."""
    if lines:
        return "\n".join(printable(line) for line in text.split("\n"))
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
