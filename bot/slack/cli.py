"""Commands for the Slack bot: `serve` runs it, `feedback` lists the 👍/👎 votes it received."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from newsdesk.cli import Commands


def register(commands: Commands) -> None:
    p = commands.add("serve", run_serve)
    p.add_argument("--port", type=int, help="HTTP mode's port (default: NEWSDESK_PORT)")

    p = commands.add("feedback", run_feedback)
    p.add_argument("--limit", type=int, default=50, help="at most this many (0: all)")
    p.add_argument("--vote", choices=("up", "down"), help="only this kind of vote")
    p.add_argument("--json", action="store_true", help="print JSON")


def run_serve(args: argparse.Namespace, runtime: Runtime) -> int:
    """Run the Slack bot (Socket Mode with SLACK_APP_TOKEN, else HTTP /slack/events)."""
    from bot.slack.app import serve

    return serve(runtime, port=args.port)


def run_feedback(args: argparse.Namespace, runtime: Runtime) -> int:
    """List the votes given to answers in Slack, newest first."""
    from bot.slack.feedback import FeedbackStore
    from newsdesk.index.feedback import has_feedback, open_feedback

    if not has_feedback(runtime.settings):
        votes = []
    else:
        store = FeedbackStore(open_feedback(runtime.settings))
        votes = store.votes(limit=args.limit or None, vote=args.vote)
    if args.json:
        print(json.dumps({"votes": [v.as_json() for v in votes]}, ensure_ascii=False))
        return 0
    if not votes:
        print("No votes yet: answers in Slack carry 👍/👎 buttons.")
        return 0
    for v in votes:
        mark = "👍" if v.vote == "up" else "👎"
        answer = " ".join(v.answer.split())
        print(f"{v.voted_at}  {mark}  {v.user}\n    Q: {v.question}\n    A: {answer[:300]}")
        if v.chunk_ids:
            print(f"    cited: {', '.join(v.chunk_ids)}")
    up = sum(1 for v in votes if v.vote == "up")
    print(f"{len(votes)} votes: {up} 👍, {len(votes) - up} 👎")
    return 0
