"""Issue 14's story benchmark: copies, disagreeing figures, "latest" and timelines, measured on
stories whose truth is known. Writes bench/results/stories.json.

    python bench/stories.py                     # the Asker as shipped
    python bench/stories.py --answer-everything # abstention off: the behaviours alone

The corpus, ingested together through the real pipeline (cached under bench/.cache):
- bench/stories/*.jsonl, articles written for this benchmark (each says so in its `note`): North
  Korean troops in Russia (six English reports, three of them one wire text) and the Valmora
  floods (six reports in en/ro/fr, two of them one text);
- the 315 shared Wikinews articles (CC BY 2.5), several stories told over many dated articles
  (Hong Kong's 2019 protests, Bernie Sanders' 2020 campaign, Puerto Rico's governors, COVID-19);
- the first `FLORES_PASSAGES` FLORES-200 Wikinews passages in en/ro/fr/it (CC BY-SA 4.0): each
  passage is one story in four languages, so its four articles are copies of one another (and
  of the Wikinews article it is an excerpt of, when that is among the 315: two are).
The shared files are read from ../shared/news, not copied; the results file keeps the text of
answers that quote Wikinews (attribution in the README) and not of those quoting FLORES.

What is measured (the labels are in `QUESTIONS` below):
- duplicate share: answers citing two articles of one copy group (target 0), over every answer;
  and the articles answers cite through a copy ("also in"), of which false merges: an article
  "also in" that is not a copy (target 0);
- disagreement precision and recall: `Answer.figures_differ` against whether the story's
  sources give different values for what the question asks;
- recency accuracy: a question about the present ("latest", "now", "still", in four languages)
  whose first citation is the story's newest article that answers it; with the share of
  answers that are dated ("as of …") and that say the newest evidence is old;
- timelines: the share produced, whose dates never go backwards, of adjacent pairs in order,
  and the story precision and recall of the listed articles (a copy counts for its group).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

STORIES = common.ROOT / "bench" / "stories"
NEWS = common.SHARED / "news"
FLORES_PASSAGES = 25
FLORES_LANGS = ("en", "ro", "fr", "it")

NK = ("nk-nis-wire", "nk-nis-copy", "nk-nis-rewrite", "nk-pentagon", "nk-blinken", "nk-first-clash")
FLOOD = ("flood-wire", "flood-copy", "flood-ro", "flood-redcross", "flood-fr", "flood-return")
HONG_KONG = ("wn-en-fa8cc9104eff", "wn-en-559d70b61554", "wn-en-4a9cec19264d",
             "wn-en-1c35cce7aef1", "wn-en-146a686f2ee6", "wn-en-494c38be279b")
SANDERS = ("wn-en-2200080f9b45", "wn-en-3684739d37a5", "wn-en-bab1bd962c95",
           "wn-en-224c5df09ad5", "wn-en-b9555c809cca")
PUERTO_RICO = ("wn-en-0a99d465be97", "wn-en-300bc137354c", "wn-en-f1c9b322ab15")
DORIAN = ("wn-en-c77aaa175a1c", "wn-en-adb763de2cca")
# every Wikinews article whose title names COVID-19, the new coronavirus or SARS-CoV-2
COVID = ("wn-en-cf107040ae1d", "wn-en-85cc17dcf22d", "wn-en-74c39a88b10e", "wn-en-eddf69bf7243",
         "wn-en-84fa50c936c7", "wn-en-2bfbc4f91baa", "wn-en-c625f4b95507", "wn-en-ceaf8a9e946a",
         "wn-en-34cf2ddce8ee", "wn-en-92a47498fd1e", "wn-en-673f46d7e5be", "wn-en-78680019a14f",
         "wn-en-0d9ca7a75ff8", "wn-en-de9d733f2f33", "wn-en-9c3ce7ba808c", "wn-en-b9159cb211a7",
         "wn-en-22a81282c55d", "wn-en-2f3e67b49e52", "wn-en-211fbbadbdf0")  # fmt: skip
WRITTEN_COPIES = (("nk-nis-wire", "nk-nis-copy", "nk-nis-rewrite"), ("flood-wire", "flood-copy"))

# kind "disagree": `differ` says whether the story's sources give different values for what is
# asked. kind "recency": `newest` are the articles that answer it as of the story's last report.
# kind "timeline": `story` are the story's articles. kind "copies": asked for the duplicate share.
QUESTIONS: list[dict] = [
    {"kind": "disagree", "q": "How many North Korean troops are in Russia?", "differ": True},
    {"kind": "disagree", "q": "How many North Korean soldiers are in the Kursk region?", "differ": True},
    {"kind": "disagree", "q": "Câți soldați nord-coreeni sunt în Rusia?", "differ": True},
    {"kind": "disagree", "q": "How many people died in the Valmora floods?", "differ": True},
    {"kind": "disagree", "q": "Câte persoane au murit în inundațiile de la Valmora?", "differ": True},
    {"kind": "disagree", "q": "Combien de morts ont fait les inondations de Valmora ?", "differ": True},
    {"kind": "disagree", "q": "How many people were injured in the Valmora floods?", "differ": True},
    {"kind": "disagree", "q": "How many residents were evacuated from Valmora?", "differ": False},
    {"kind": "disagree", "q": "How much money did the government promise to rebuild Valmora?", "differ": False},
    {"kind": "disagree", "q": "How many people in Valmora were left without electricity?", "differ": False},
    {"kind": "disagree", "q": "How many North Korean soldiers had already been moved to Vladivostok?", "differ": False},
    {"kind": "disagree", "q": "How many new deaths from COVID-19 did Bangladesh report?", "differ": False},
    {"kind": "disagree", "q": "How many district council seats did pro-democracy candidates win in Hong Kong?", "differ": False},
    {"kind": "disagree", "q": "What magnitude was the earthquake in Puerto Rico?", "differ": False},
    {"kind": "disagree", "q": "How many weeks was the UK parliament suspended for?", "differ": False},
    {"kind": "recency", "q": "What is the latest on North Korean troops in Russia?", "newest": ("nk-first-clash",)},
    {"kind": "recency", "q": "Are North Korean troops still in Kursk?", "newest": ("nk-first-clash",)},
    {"kind": "recency", "q": "Ce se întâmplă acum cu trupele nord-coreene din Rusia?", "newest": ("nk-first-clash",)},
    {"kind": "recency", "q": "What is the latest death toll of the Valmora floods?", "newest": ("flood-fr",)},
    {"kind": "recency", "q": "Are Valmora's schools still closed?", "newest": ("flood-return",)},
    {"kind": "recency", "q": "Quelle est la situation à Valmora maintenant ?", "newest": ("flood-return",)},
    {"kind": "recency", "q": "What is the latest on Bernie Sanders' presidential campaign?", "newest": ("wn-en-224c5df09ad5", "wn-en-b9555c809cca")},
    {"kind": "recency", "q": "Qual è l'ultima notizia sulla campagna di Bernie Sanders?", "newest": ("wn-en-224c5df09ad5", "wn-en-b9555c809cca")},
    {"kind": "recency", "q": "Who is the governor of Puerto Rico now?", "newest": ("wn-en-f1c9b322ab15",)},
    {"kind": "recency", "q": "Wer ist jetzt Gouverneur von Puerto Rico?", "newest": ("wn-en-f1c9b322ab15",)},
    {"kind": "recency", "q": "What is the latest on the Hong Kong protests?", "newest": ("wn-en-494c38be279b",)},
    {"kind": "timeline", "q": "How did the deployment of North Korean troops to Russia develop?", "story": NK},
    {"kind": "timeline", "q": "Timeline of the Valmora floods", "story": FLOOD},
    {"kind": "timeline", "q": "Cronologia inundațiilor de la Valmora", "story": FLOOD},
    {"kind": "timeline", "q": "How did the Hong Kong protests develop?", "story": HONG_KONG},
    {"kind": "timeline", "q": "Timeline of Hurricane Dorian", "story": DORIAN},
    {"kind": "timeline", "q": "Cum a evoluat campania lui Bernie Sanders?", "story": SANDERS},
    {"kind": "timeline", "q": "Comment a évolué la crise du gouverneur de Porto Rico ?", "story": PUERTO_RICO},
    {"kind": "timeline", "q": "Come si è sviluppata l'epidemia di coronavirus?", "story": COVID},
    {"kind": "copies", "q": "What did South Korea's spy agency say about North Korean troops?"},
    {"kind": "copies", "q": "What happened in Valmora on Sunday?"},
]  # fmt: skip


def flores_records(count: int = FLORES_PASSAGES) -> list[dict]:
    """The first `count` FLORES passages in each language."""
    passages = list(common.read_jsonl(NEWS / "flores_wikinews_parallel_map.jsonl"))[:count]
    by_id = {r["id"]: r for lang in FLORES_LANGS
             for r in common.read_jsonl(NEWS / f"flores_wikinews_{lang}.jsonl")}  # fmt: skip
    return [dict(by_id[p[lang]], source=f"Wikinews ({lang})") for p in passages for lang in FLORES_LANGS]


def corpus_files() -> list[Path]:
    return [*sorted(STORIES.glob("*.jsonl")), NEWS / "wikinews_en_full.jsonl",
            NEWS / "flores_wikinews_parallel_map.jsonl",
            *(NEWS / f"flores_wikinews_{lang}.jsonl" for lang in FLORES_LANGS)]  # fmt: skip


def corpus_records() -> list[dict]:
    records = [r for path in sorted(STORIES.glob("*.jsonl")) for r in common.read_jsonl(path)]
    records += common.read_jsonl(NEWS / "wikinews_en_full.jsonl")
    return records + flores_records()


def articles(records: list[dict] | None = None) -> list:
    """`records` (by default the corpus's) as articles."""
    return common.articles_of(corpus_records() if records is None else records)


def copy_groups() -> dict[str, int]:
    """Article id → its copy group's number, for articles that have copies."""
    groups = [set(g) for g in WRITTEN_COPIES]
    by_url = {r["url"]: r["id"] for r in common.read_jsonl(NEWS / "wikinews_en_full.jsonl")}
    for p in list(common.read_jsonl(NEWS / "flores_wikinews_parallel_map.jsonl"))[:FLORES_PASSAGES]:
        # a FLORES passage is an excerpt of a Wikinews article, which the corpus may hold whole
        whole = {by_url[p["url"]]} if p["url"] in by_url else set()
        groups.append({p[lang] for lang in FLORES_LANGS} | whole)
    return {article: n for n, group in enumerate(groups) for article in group}


def cites_a_copy_twice(cited: list[str], groups: dict[str, int]) -> bool:
    seen = [groups[a] for a in dict.fromkeys(cited) if a in groups]
    return len(seen) != len(set(seen))


def false_merges(also_in: list[list[str]], groups: dict[str, int]) -> list[list[str]]:
    """The (cited, also in) pairs of articles that are not copies of one another."""
    return [pair for pair in also_in if len({groups.get(a, a) for a in pair}) > 1]


def flores_questions() -> list[dict]:
    """One question per FLORES passage, from its English title: each passage is told in four
    languages, so an answer citing two of them cites one story twice."""
    passages = list(common.read_jsonl(NEWS / "flores_wikinews_parallel_map.jsonl"))[:FLORES_PASSAGES]
    return [{"kind": "copies", "q": f"What happened: {p['title_en']}?"} for p in passages]


def is_dated(answer) -> bool:  # noqa: ANN001 - bot.answers.Answer, imported late
    from bot.phrases import phrase

    last = answer.answer.rsplit("\n", 1)[-1]
    heads = {phrase(answer.language, key, date="\0", source="\0", n=0).split("\0")[0]
             for key in ("as_of", "as_of_undated")}  # fmt: skip
    return any(last.startswith(head) for head in heads)


def says_stale(answer) -> bool:  # noqa: ANN001
    from bot.phrases import phrase

    head = phrase(answer.language, "stale", date="\0").split("\0")[0]
    return head in answer.answer


def timeline_of(answer) -> list[tuple[str, str | None]] | None:  # noqa: ANN001
    """The (article id, published) of each listed line, or None when it is no timeline."""
    from bot.phrases import phrase

    if not answer.answer.startswith(phrase(answer.language, "timeline")):
        return None
    return [(c.article_id, c.published) for c in answer.citations]


def run(answer_everything: bool) -> dict:
    from bot.ask import Asker
    from bot.extractive import AnswerPolicy
    from newsdesk.articles import published_timestamp

    index = common._cached_index("stories", corpus_files(), articles, "e5-small", quiet=False)
    policy = AnswerPolicy(answer_above=float("-inf")) if answer_everything else AnswerPolicy()
    asker = Asker(index.settings, index=index, embedder=index.embedder, policy=policy)
    groups = copy_groups()
    records = []
    started = time.perf_counter()
    for item in [*QUESTIONS, *flores_questions()]:
        answer = asker.ask(item["q"])
        cited = [c.article_id for c in answer.citations]
        also_in = [[c.article_id, ref.article_id] for c in answer.citations for ref in c.also_in]
        # FLORES text is CC BY-SA: answers quoting it are left out of the results file
        shown = "" if any(a.startswith("flores200") for a in cited) else answer.answer
        records.append({**{k: v for k, v in item.items() if k != "story"}, "answer": shown,
                        "abstained": answer.abstained, "cited": cited,
                        "figures_differ": answer.figures_differ, "dated": is_dated(answer),
                        "stale": says_stale(answer), "copy_twice": cites_a_copy_twice(cited, groups),
                        "also_in": also_in, "false_merges": false_merges(also_in, groups),
                        "timeline": timeline_of(answer),
                        "story": item.get("story")})  # fmt: skip
    seconds = time.perf_counter() - started
    asker.close()

    answered = [r for r in records if not r["abstained"]]
    dis = [r for r in records if r["kind"] == "disagree"]
    tp = sum(r["figures_differ"] and r["differ"] for r in dis)
    fp = sum(r["figures_differ"] and not r["differ"] for r in dis)
    fn = sum(not r["figures_differ"] and r["differ"] for r in dis)
    rec = [r for r in records if r["kind"] == "recency"]
    recent_right = sum(bool(r["cited"]) and r["cited"][0] in r["newest"] for r in rec)
    tl = [r for r in records if r["kind"] == "timeline"]
    made = [r for r in tl if r["timeline"]]
    in_order = pairs = pairs_ok = listed = listed_in = covered = expected = 0
    for r in made:
        stamps = [published_timestamp(p) or 0.0 for _, p in r["timeline"]]
        ok = [a <= b for a, b in zip(stamps, stamps[1:])]
        in_order += all(ok)
        pairs, pairs_ok = pairs + len(ok), pairs_ok + sum(ok)
        ids = [a for a, _ in r["timeline"]]
        listed, listed_in = listed + len(ids), listed_in + sum(a in r["story"] for a in ids)
        story_groups = {groups.get(a, a) for a in r["story"]}
        covered += len(story_groups & {groups.get(a, a) for a in ids})
        expected += len(story_groups)
    return {
        "policy": "answer everything" if answer_everything else "as shipped",
        "questions": len(records), "answered": len(answered), "seconds": round(seconds, 1),
        "duplicate_share": round(sum(r["copy_twice"] for r in answered) / max(1, len(answered)), 3),
        "duplicate_answers": sum(r["copy_twice"] for r in answered),
        "false_merges": sum(len(r["false_merges"]) for r in records),
        "cited_through_a_copy": sum(len(r["also_in"]) for r in records),
        "disagreement": {"questions": len(dis), "tp": tp, "fp": fp, "fn": fn,
                         "precision": round(tp / max(1, tp + fp), 3), "recall": round(tp / max(1, tp + fn), 3),
                         "abstained": sum(r["abstained"] for r in dis)},
        "recency": {"questions": len(rec), "accuracy": round(recent_right / max(1, len(rec)), 3),
                    "abstained": sum(r["abstained"] for r in rec),
                    "stale_note": round(sum(r["stale"] for r in rec) / max(1, len(rec)), 3)},
        "dated_share": round(sum(r["dated"] for r in answered) / max(1, len(answered)), 3),
        "timeline": {"questions": len(tl), "produced": len(made),
                     "order_correct": round(in_order / max(1, len(made)), 3),
                     "pairs_in_order": round(pairs_ok / max(1, pairs), 3),
                     "story_precision": round(listed_in / max(1, listed), 3),
                     "story_recall": round(covered / max(1, expected), 3)},
        "records": records,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--answer-everything", action="store_true",
                        help="turn abstention off, to measure the story behaviours alone")  # fmt: skip
    args = parser.parse_args()
    result = run(args.answer_everything)
    name = "stories-answer-everything" if args.answer_everything else "stories"
    d, r, t = result["disagreement"], result["recency"], result["timeline"]
    table = [
        f"{result['policy']}: {result['answered']}/{result['questions']} questions answered "
        f"in {result['seconds']} s",
        "| measure | value |",
        "| --- | --- |",
        f"| answers citing a copy twice | {result['duplicate_share']:.1%} ({result['duplicate_answers']}) |",
        f"| articles cited through a copy (also in) / of another text | "
        f"{result['cited_through_a_copy']} / {result['false_merges']} |",
        f"| disagreement precision / recall | {d['precision']:.2f} / {d['recall']:.2f} "
        f"(tp {d['tp']}, fp {d['fp']}, fn {d['fn']}; {d['abstained']} abstained) |",
        f"| recency accuracy | {r['accuracy']:.2f} ({r['questions']} questions, {r['abstained']} abstained) |",
        f"| answers dated / recency answers saying the evidence is old | {result['dated_share']:.0%} / {r['stale_note']:.0%} |",
        f"| timelines produced / in date order / adjacent pairs in order | {t['produced']}/{t['questions']} / "
        f"{t['order_correct']:.0%} / {t['pairs_in_order']:.0%} |",
        f"| timeline story precision / recall | {t['story_precision']:.2f} / {t['story_recall']:.2f} |",
    ]  # fmt: skip
    print(f"wrote {common.save_result(name, result, table)}")


if __name__ == "__main__":
    main()
