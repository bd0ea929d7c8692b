"""Check bench/newsqa/questions.jsonl against the articles it was written over (stdlib only).

Usage: python bench/newsqa/check.py [--news DIR]  (DIR defaults to ../shared/news of the repo).
Prints every problem and exits 1 if there is one; then prints counts by language, type and
answerability, and the share of answers that are not in the article's first sentence.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CORPORA = ("wikinews_en_full.jsonl", "flores_wikinews_ro.jsonl")
KEPT_UNSEEN = REPO / "examples" / "articles" / "wikinews-2020.jsonl"
LANGS = {"en", "ro", "fr"}
SHARED_WORDS = 4  # a question may not copy this many consecutive words of its answer sentence
# Question words of the three question languages by type; a question's type is that of the
# first of its first eight words found here ("In which town", "Pe cine", "À quelle distance").
TYPES = {
    "quantity": {"combien", "câți", "câte", "cât"},
    "who": {"who", "whom", "whose", "cine", "qui"},
    "when": {"when", "când", "quand"},
    "where": {"where", "unde", "où"},
    "why/how": {"why", "how", "pourquoi", "comment", "cum"},
    "which": {"which", "care", "cărei", "quel", "quelle", "quels", "quelles", "câta"},
    "what": {"what", "ce", "que", "qu", "quoi"},
}
OPENERS = 8
HOW_QUANTITY = {"many", "much", "old", "far", "deep", "long"}  # "how old" asks for a number
DATING = {"year", "année", "anul", "date"}  # "in which year", "en quelle année"
NAMING = {"numește", "numesc", "numeau", "appelait", "appelle", "appellent"}  # "cum se numește"


def read_jsonl(path: Path) -> list[dict]:
    """Records of a JSON-lines file, one object a line."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def words(text: str) -> list[str]:
    """Case-folded word tokens (letters and digits, any script)."""
    return re.findall(r"\w+", text.casefold())


def shared_run(question: str, sentence: str, n: int = SHARED_WORDS) -> str | None:
    """The first run of `n` consecutive question words that also occurs in the sentence."""
    q, s = words(question), words(sentence)
    grams = {tuple(s[i : i + n]) for i in range(len(s) - n + 1)}
    for i in range(len(q) - n + 1):
        if tuple(q[i : i + n]) in grams:
            return " ".join(q[i : i + n])
    return None


def question_type(question: str) -> str:
    """The question's type from its first words, or 'other' (yes/no questions)."""
    tokens = re.findall(r"\w+", question.casefold())[:OPENERS]
    if NAMING & set(tokens):
        return "what"
    if DATING & set(tokens) or "ce an" in " ".join(tokens):  # "în ce an"
        return "when"
    for i, token in enumerate(tokens):
        if token == "how" and set(tokens[i + 1 : i + 2]) & HOW_QUANTITY:
            return "quantity"
        if token == "de" and tokens[i + 1 : i + 2] == ["ce"]:
            return "why/how"
        for kind, question_words in TYPES.items():
            if token in question_words:
                return kind
    return "other"


def record_problems(rec: dict, articles: dict[str, dict], excluded: set[str]) -> list[str]:
    """What is wrong with one question record (empty if nothing)."""
    problems: list[str] = []
    article = articles.get(rec.get("doc_id", ""))
    if article is None:
        return [f"doc_id {rec.get('doc_id')!r} is in neither corpus"]
    if article.get("url") in excluded and article["id"].startswith("wn-en-"):
        problems.append("article is one of the 13 kept unseen (examples/articles)")
    if rec.get("question_lang") not in LANGS:
        problems.append(f"question_lang {rec.get('question_lang')!r} not in {sorted(LANGS)}")
    if rec.get("corpus_lang") != article["lang"]:
        problems.append(f"corpus_lang {rec.get('corpus_lang')!r} != article lang {article['lang']}")
    answers, sentence = rec.get("answers"), rec.get("answer_sentence")
    if rec.get("answerable") is False:
        if answers or sentence:
            problems.append("unanswerable but has answers or an answer_sentence")
        return problems
    if rec.get("answerable") is not True:
        problems.append("answerable must be true or false")
    if not isinstance(answers, list) or not 1 <= len(answers) <= 3:
        return problems + ["answers must be a list of 1-3 strings"]
    problems += [f"answer {a!r} not in the article" for a in answers if a not in article["text"]]
    if not sentence or sentence not in article["text"]:
        problems.append("answer_sentence not verbatim in the article")
    elif not any(a in sentence for a in answers):
        problems.append("answer_sentence holds no answer")
    run = shared_run(rec.get("question", ""), sentence or "")
    if run:
        problems.append(f"question copies {SHARED_WORDS}+ words of its sentence: {run!r}")
    return problems


def counts(values: list[str]) -> str:
    """'a 3, b 1': how often each value occurs, sorted by value."""
    return ", ".join(f"{k} {v}" for k, v in sorted(Counter(values).items()))


def share(part: list, whole: list) -> str:
    return f"{len(part)}/{len(whole)} ({len(part) / max(len(whole), 1):.0%})"


def summary(records: list[dict], articles: dict[str, dict]) -> list[str]:
    """Count lines: languages, types, answerability, answers outside the first sentence."""
    answerable = [r for r in records if r["answerable"]]
    unanswerable = [r for r in records if not r["answerable"]]
    # The first sentence starts the text, so an answer sentence found later is not the lead.
    later = [r for r in answerable if articles[r["doc_id"]]["text"].find(r["answer_sentence"]) > 0]
    wikinews = [r for r in answerable if r["doc_id"].startswith("wn-en-")]
    wikinews_later = [r for r in later if r["doc_id"].startswith("wn-en-")]
    return [
        (f"questions {len(records)}: answerable {len(answerable)}, unanswerable "
         f"{len(unanswerable)}; articles {len({r['doc_id'] for r in records})}"),
        "question_lang: " + counts([r["question_lang"] for r in records]),
        "pair (answerable): " + counts([f"{r['question_lang']}-{r['corpus_lang']}"
                                        for r in answerable]),
        "pair (unanswerable): " + counts([f"{r['question_lang']}-{r['corpus_lang']}"
                                          for r in unanswerable]),
        "type (answerable): " + counts([question_type(r["question"]) for r in answerable]),
        "type (unanswerable): " + counts([question_type(r["question"]) for r in unanswerable]),
        (f"answer outside the first sentence: {share(later, answerable)}; "
         f"Wikinews only {share(wikinews_later, wikinews)}"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--news", type=Path, default=REPO.parent / "shared" / "news",
                        help=f"folder holding {' and '.join(CORPORA)}")
    parser.add_argument("--questions", type=Path, default=HERE / "questions.jsonl")
    args = parser.parse_args()
    missing = [name for name in CORPORA if not (args.news / name).is_file()]
    if missing:
        print(f"error: {', '.join(missing)} not in {args.news}; pass --news DIR", file=sys.stderr)
        return 2
    articles = {a["id"]: a for name in CORPORA for a in read_jsonl(args.news / name)}
    excluded = {a["url"] for a in read_jsonl(KEPT_UNSEEN)} if KEPT_UNSEEN.is_file() else set()
    records = read_jsonl(args.questions)
    qids = Counter(r.get("qid") for r in records)
    failures = [f"{r.get('qid')}: duplicate qid" for r in records if qids[r.get("qid")] > 1]
    for rec in records:
        failures += [f"{rec.get('qid')}: {p}" for p in record_problems(rec, articles, excluded)]
    print("\n".join(failures) if failures else "ok: every record passes")
    if not failures:
        print("\n".join(summary(records, articles)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
