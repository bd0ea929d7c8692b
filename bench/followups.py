"""How often the follow-up rule takes a self-contained question for a follow-up.

    python bench/followups.py

XQuAD dev questions were written to be asked on their own (a few lean on their paragraph:
"this season", "his views"), so every one the rule (`bot.followup.is_followup`) calls a
follow-up would have been rewritten with the previous turn's topic had it been asked after
another question in `chat` or a Slack thread. Results go to bench/results/followups.json.
"""

from __future__ import annotations

import json

import common

from bot.followup import is_followup

PAIRS = ("en-en", "ro-ro")  # one file per question language


def main() -> None:
    results: dict[str, dict[str, object]] = {}
    for pair in PAIRS:
        asked = [q["question"] for q in common.questions(pair)]
        taken = [q for q in asked if is_followup(q)]
        results[pair.split("-")[0]] = {
            "questions": len(asked), "taken_for_follow_ups": len(taken),
            "rate": round(len(taken) / len(asked), 3), "examples": taken[:5],
        }  # fmt: skip
        print(f"{pair[:2]}: {len(taken)}/{len(asked)} = {len(taken) / len(asked):.3f}")
    out = common.RESULTS / "followups.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
