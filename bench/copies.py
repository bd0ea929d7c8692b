"""Copy detection at scale: the cost of finding an article's copies as the index grows, and
whether copies planted among many articles are found (and nothing else).

    python bench/copies.py [--articles 20000] [--every 50]

Articles are made from the shared Wikinews sentences (eight drawn at random each, so any two
share little; about the length of a real article), written to a fresh catalog through the steps
`Index.write` takes for each (`replace_article` and `record_copies` in one catalog transaction;
no vectors: they play no part in copies). Every `--every`-th article is a light rewrite of an
earlier one (a tenth of its words dropped, a sentence added) and must join its group; no other
pair may. The CPU time per article and the candidates it was compared with are reported by
tenths of the run: flat when finding candidates is an indexed lookup, growing when an article
is compared with every stored one. Results go to bench/results/copies.json.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import tempfile
import time
from pathlib import Path

import numpy as np

from newsdesk.articles import Article
from newsdesk.copies import groups as copy_groups
from newsdesk.index import Prepared
from newsdesk.index.catalog import Catalog
from newsdesk.index.store import record_copies

ROOT = Path(__file__).resolve().parent.parent
NEWS = ROOT.parent / "shared" / "news" / "wikinews_en_full.jsonl"


def sentences() -> list[str]:
    pool = []
    for line in NEWS.read_text(encoding="utf-8").splitlines():
        text = json.loads(line)["text"]
        pool.extend(s for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 6)
    return pool


def rewrite(text: str, pool: list[str], rng: random.Random) -> str:
    words = text.split()
    kept = [w for w in words if rng.random() > 0.1]
    return " ".join(kept) + " " + rng.choice(pool)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--every", type=int, default=50)
    args = parser.parse_args()
    rng = random.Random(14)
    pool = sentences()
    planted: list[tuple[str, str]] = []
    texts: list[str] = []
    timings: list[float] = []  # CPU seconds (the machine is shared: wall time says little)
    compared: list[int] = []  # candidates compared word by word
    with tempfile.TemporaryDirectory() as tmp:
        catalog = Catalog(Path(tmp))
        catalog.ensure_schema()
        for n in range(args.articles):
            if n and n % args.every == 0:
                original = rng.randrange(len(texts))
                text = rewrite(texts[original], pool, rng)
                planted.append((f"a{original}", f"a{n}"))
            else:
                text = " ".join(rng.sample(pool, 8))
            texts.append(text)
            item = Prepared(Article(text=text, title=f"Article {n}", article_id=f"a{n}"),
                            f"h{n}", [], np.zeros((0, 1), np.float32))  # fmt: skip
            started = time.process_time()
            with catalog.transaction():  # the steps Index.write takes for each article
                catalog.replace_article(item)
                compared.append(record_copies(catalog, item.article.article_id, text))
            timings.append(time.process_time() - started)
        groups = copy_groups(catalog.copy_pairs())
        catalog.close()
    group_of = {a: i for i, g in enumerate(groups) for a in g}
    together = [a in group_of and group_of.get(a) == group_of.get(b) for a, b in planted]
    recall = sum(together) / max(len(planted), 1)
    false = sorted(set(group_of) - {a for pair in planted for a in pair})
    tenths = [round(1000 * float(np.mean(part)), 2)
              for part in np.array_split(np.asarray(timings), 10)]  # fmt: skip
    compared_tenths = [round(float(np.mean(part)), 2)
                       for part in np.array_split(np.asarray(compared), 10)]  # fmt: skip
    result = {
        "articles": args.articles, "planted_copies": len(planted), "recall": round(recall, 4),
        "articles_grouped_wrongly": len(false), "groups": len(groups),
        "cpu_ms_per_article_by_tenth": tenths, "cpu_s": round(sum(timings), 1),
        "candidates_compared_by_tenth": compared_tenths,
        "mean_words": round(float(np.mean([len(t.split()) for t in texts])), 1),
    }  # fmt: skip
    print(json.dumps(result, indent=1))
    out = ROOT / "bench" / "results" / "copies.json"
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
