"""Translations as copies: where do translations of one passage and different passages part, by
the cosine of their chunk vectors, the numbers they state and their length ratio?

    python bench/translations.py

Indexes (cached under bench/.cache) the 100 FLORES-200 Wikinews passages in en/ro/fr/it and the
written story reports of bench/stories (the Valmora floods in en/ro/fr: different reports of
one story, in different languages). Every pair of chunks of articles in different languages is
one of: a translation (the same FLORES passage), the same story (two Valmora reports), the same
topic (FLORES passages the map gives one topic) or another text. For each kind it reports the
cosine range, the closest pair whose numbers agree (both state numbers, one's all among the
other's) and the closest where one states none, the length ratios, and how many pairs `bot.copies.translated` takes for one text
(for the translations: the recall; for the others: false merges, which must be 0). Results go
to bench/results/translations.json.
"""

from __future__ import annotations

import sys
from itertools import combinations
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402
from bench.stories import FLORES_LANGS, NEWS, STORIES, articles, flores_records  # noqa: E402

PASSAGES = 100


def records() -> list[dict]:
    written = [r for path in sorted(STORIES.glob("*.jsonl")) for r in common.read_jsonl(path)]
    return written + flores_records(PASSAGES)


def kind(a: str, b: str, topics: dict[str, str]) -> str:
    """What two articles (by id) are to each other."""
    if a.startswith("flores200") and b.startswith("flores200"):
        if a.rsplit("-", 1)[0] == b.rsplit("-", 1)[0]:
            return "translation"
        return "same topic" if topics[a] == topics[b] else "other"
    if a.split("-")[0] == b.split("-")[0]:  # the written reports: "flood-…", "nk-…"
        return "same story"
    return "other"


def main() -> None:
    from bot.copies import figures, length_ratio, translated

    files = [*sorted(STORIES.glob("*.jsonl")), NEWS / "flores_wikinews_parallel_map.jsonl",
             *(NEWS / f"flores_wikinews_{lang}.jsonl" for lang in FLORES_LANGS)]  # fmt: skip
    index = common._cached_index("translations", files, lambda: articles(records()), "e5-small",
                                 quiet=False)  # fmt: skip
    topics = {p[lang]: p["topic"].casefold()
              for p in list(common.read_jsonl(NEWS / "flores_wikinews_parallel_map.jsonl"))[:PASSAGES]
              for lang in FLORES_LANGS}  # fmt: skip
    chunks = [c for record in index.articles() for c in index.article_chunks(record.article_id)]
    vectors = index.chunk_vectors([c.chunk_id for c in chunks])
    pairs: dict[str, list[tuple]] = {}
    for a, b in combinations(chunks, 2):
        if a.article.lang == b.article.lang or a.article.article_id == b.article.article_id:
            continue
        cosine = float(np.dot(vectors[a.chunk_id], vectors[b.chunk_id]))
        fa, fb = figures(a.text), figures(b.text)
        pairs.setdefault(kind(a.article.article_id, b.article.article_id, topics), []).append(
            (round(cosine, 4), a.article.article_id, b.article.article_id,
             "differ" if not (fa <= fb or fb <= fa) else "agree" if fa and fb else "none",
             round(length_ratio(a.text, b.text), 3), translated(a.text, b.text, cosine))
        )  # fmt: skip
    index.close()
    from bot.copies import TRANSLATION_COSINE, TRANSLATION_LENGTH, TRANSLATION_NUMBERS

    result: dict = {"cosine": TRANSLATION_COSINE, "cosine_numbers_agree": TRANSLATION_NUMBERS,
                    "length_ratio": TRANSLATION_LENGTH}  # fmt: skip
    table = ["| pairs in two languages | n | cosine min / p1 / median / max | numbers agree / one "
             "states none | closest: numbers agree / one states none | length ratio max "
             "| taken for one text |",
             "| --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for k in ("translation", "same story", "same topic", "other"):
        rows = pairs.get(k, [])
        if not rows:
            continue
        c = np.array([r[0] for r in rows])

        def closest(numbers: str, rows: list[tuple] = rows) -> float | None:
            return max((r[0] for r in rows if r[3] == numbers), default=None)

        result[k] = {
            "pairs": len(rows), "cosine_min": float(c.min()),
            "cosine_p1": round(float(np.percentile(c, 1)), 4),
            "cosine_median": round(float(np.median(c)), 4), "cosine_max": float(c.max()),
            "numbers_agree": sum(r[3] == "agree" for r in rows),
            "no_numbers": sum(r[3] == "none" for r in rows),
            "closest_numbers_agree": closest("agree"), "closest_no_numbers": closest("none"),
            "length_ratio_max": max(r[4] for r in rows), "taken": sum(r[5] for r in rows),
            "extreme": sorted(rows, reverse=k != "translation")[:8],
        }  # fmt: skip
        v = result[k]
        table.append(f"| {k} | {v['pairs']} | {v['cosine_min']:.3f} / {v['cosine_p1']:.3f} / "
                     f"{v['cosine_median']:.3f} / {v['cosine_max']:.3f} "
                     f"| {v['numbers_agree']} / {v['no_numbers']} "
                     f"| {v['closest_numbers_agree'] or 0:.3f} / {v['closest_no_numbers'] or 0:.3f} "
                     f"| {v['length_ratio_max']:.2f} | {v['taken']} |")  # fmt: skip
    print(f"wrote {common.save_result('translations', result, table)}")
    for k in ("translation", "same story", "same topic", "other"):
        print(k, *result.get(k, {}).get("extreme", []), sep="\n  ")


if __name__ == "__main__":
    main()
