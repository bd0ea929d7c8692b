"""Related coverage (Slack's button): does it list a story's other articles and nothing else?

    python bench/related.py [--embedder e5-small]

Indexes the six North Korean troops reports of bench/stories among the 315 shared Wikinews
articles, then asks `bot.related.related_coverage` for every article. For the six, whose story
is known, it reports precision and recall of the listed articles (copies and same-story ones
together); for the Wikinews articles, whose stories nobody labelled, how many get any related
article and every pair listed, for reading. Results go to bench/results/related.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from bot.related import related_coverage
from ingest.pipeline import ingest
from ingest.sources import read_sources
from newsdesk.embeddings import embedder_for
from newsdesk.index import Index
from newsdesk.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
STORY = ROOT / "bench" / "stories" / "north-korean-troops.jsonl"
NEWS = ROOT.parent / "shared" / "news" / "wikinews_en_full.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", default="e5-small")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp), embedder=args.embedder)  # type: ignore[call-arg]
        index = Index(settings, embedder_for(settings))
        ingest(read_sources([str(STORY), str(NEWS)], settings), index)
        story = {json.loads(line)["id"] for line in STORY.read_text(encoding="utf-8").splitlines()}
        listed: dict[str, set[str]] = {}
        titles = {r.article_id: r.title for r in index.articles()}
        for article_id in titles:
            coverage = related_coverage(index, article_id, limit=50)
            assert coverage is not None
            found = {c.article_id for c in coverage.copies}
            for told in coverage.same_story:
                found |= {told.article.article_id, *(c.article_id for c in told.copies)}
            listed[article_id] = found
        index.close()
    right = sum(len(listed[a] & story) for a in story)
    shown = sum(len(listed[a]) for a in story)
    wanted = sum(len(story - {a}) for a in story)
    others = [a for a in titles if a not in story]
    pairs = sorted({tuple(sorted((a, b))) for a in others for b in listed[a]})
    result = {
        "embedder": args.embedder,
        "story_precision": round(right / max(shown, 1), 4),
        "story_recall": round(right / wanted, 4),
        "wikinews_articles": len(others),
        "wikinews_with_related": sum(1 for a in others if listed[a]),
        "wikinews_listing_a_story_article": sum(1 for a in others if listed[a] & story),
        "wikinews_pairs": [[titles[a], titles[b]] for a, b in pairs],
    }
    print(json.dumps({k: v for k, v in result.items() if k != "wikinews_pairs"}, indent=1))
    for a, b in result["wikinews_pairs"]:
        print(f"  {a[:60]}  |  {b[:60]}")
    out = ROOT / "bench" / "results" / "related.json"
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
