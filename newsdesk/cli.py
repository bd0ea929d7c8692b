"""`newsdesk`: the command line. Each command lives beside the code it drives.

A command module exposes `register(subparsers)`, which adds its commands and sets
`run(args, settings) -> int` as each one's handler. Modules import their heavy dependencies
inside the handlers, so `newsdesk --help` and `newsdesk ask` start fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from newsdesk.display import printable
from newsdesk.errors import NewsdeskError
from newsdesk.logs import configure_logging, redact
from newsdesk.settings import get_settings

COMMAND_MODULES = ("ingest.commands", "bot.commands", "bot.slack.commands")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsdesk",
        description="Ask questions over ingested news; every answer cites the passages it used.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
    except Exception as exc:  # pydantic's message names the bad variable (and echoes its value)
        print(f"newsdesk: bad setting: {redact(' '.join(str(exc).split()))}", file=sys.stderr)
        return 2
    configure_logging(settings)  # one line per event, at NEWSDESK_LOG_LEVEL, secrets removed
    try:
        return int(args.run(args, settings) or 0)
    except NewsdeskError as exc:
        print(f"newsdesk: {printable(redact(str(exc)))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
