"""Near-duplicate articles: one story told in several copies (a wire text syndicated by many
outlets, the same page under two URLs, a light rewrite).

An article is compared by the set of its words (case-folded, every word, numbers included):
two articles are copies when the Jaccard similarity of their word sets reaches
`COPY_THRESHOLD`. Measured on bench/stories/north-korean-troops.jsonl and the 315 shared
Wikinews articles (see docs/architecture.md, "Copies"): a verbatim copy scores 1.0, the light
rewrite 0.73, other reports of the same story 0.19-0.27, and the closest two different
Wikinews articles (templated election results) 0.55.

Finding the candidates must not compare a new article with every stored one (100k chunks is
about 20k articles): each article gets a MinHash signature (datasketch) cut into `BANDS` bands
of `ROWS` values; the index stores one key per band, and only articles sharing a key with the
new one are compared, exactly, by their words. With 32 bands of 4 rows an article pair at
similarity 0.6 shares a key with probability 0.99, one at 0.2 with probability 0.05.

A translation is not a copy by its words: its words differ. An answer finds it among the
passages it retrieved, by their vectors and numbers (`bot.copies.with_translations`), and cites
it once too.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datasketch import MinHash

COPY_THRESHOLD = 0.6
BANDS = 32
ROWS = 4
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> frozenset[str]:
    """The set of words copies are compared by: every word, case-folded (stopwords kept: a
    rewrite that changes them is a different text)."""
    return frozenset(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard similarity of two word sets (0 when both are empty)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


@lru_cache(maxsize=1)
def _empty_signature() -> MinHash:
    """An empty MinHash; copies of it share its permutations instead of drawing them again."""
    from datasketch import MinHash

    return MinHash(num_perm=BANDS * ROWS, seed=1, scheme="affine32")


def band_keys(word_set: frozenset[str]) -> list[str]:
    """The article's LSH keys, one per band ("band:hash"); two articles with a key in common
    are candidates. An article without words gets the one key "empty" (it is a copy of none:
    its similarity is 0), which records that it was checked."""
    if not word_set:
        return ["empty"]
    signature = _empty_signature().copy()
    signature.update_batch([w.encode("utf-8") for w in sorted(word_set)])
    values = signature.hashvalues
    return [
        f"{band}:" + hashlib.blake2b(values[band * ROWS : (band + 1) * ROWS].tobytes(),
                                     digest_size=8).hexdigest()
        for band in range(BANDS)
    ]  # fmt: skip


def by_member(groups: Iterable[Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """Each grouped article id → its whole group."""
    return {article_id: tuple(group) for group in groups for article_id in group}


def groups(pairs: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The connected groups the copy pairs make, each sorted: a copy of a copy is in the
    story's group even when it drifted further from the first."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    found: dict[str, list[str]] = {}
    for x in list(parent):
        found.setdefault(root(x), []).append(x)
    return sorted(sorted(g) for g in found.values())
