"""`newsdesk`: the command line. Each command lives beside the code it drives.

A command module exposes `register(subparsers)`, which adds its commands and sets
`run(args, runtime) -> int` as each one's handler: `main` builds the one `bot.runtime.Runtime`
from the settings, and the handlers take the index, embedder and asker from it. Parts are built
when first used, and modules import their heavy dependencies inside the handlers, so
`newsdesk --help` and `newsdesk ask` start fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from bot.runtime import Runtime
from newsdesk.display import printable
from newsdesk.errors import NewsdeskError
from newsdesk.logs import configure_logging, redact
from newsdesk.private import PRIVATE_UMASK
from newsdesk.settings import get_settings

COMMAND_MODULES = ("ingest.cli", "bot.cli", "bot.slack.cli")


def version() -> str:
    """The installed package's version (the source tree's when run from a checkout)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("newsdesk")
    except PackageNotFoundError:
        return "unknown (not installed: run `make install`)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsdesk",
        description="Ask questions over ingested news; every answer cites the passages it used.",
        epilog="`newsdesk COMMAND --help` says more about each command; the settings are listed "
        "in .env.example.",
    )
    parser.add_argument("--version", action="version", version=f"newsdesk {version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(commands)
    # a command without a description of its own shows its one-line summary in its --help
    summaries = {action.dest: action.help for action in commands._choices_actions}
    for name, command in commands.choices.items():
        command.description = command.description or summaries.get(name)
    return parser


def _quiet_broken_pipe() -> int:
    """The reader went away (`newsdesk sources | head`): stop without a traceback, and point
    stdout at /dev/null so the interpreter's final flush does not raise again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141  # what a shell reports for a process ended by SIGPIPE


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.umask(PRIVATE_UMASK)  # the data dir holds questions and Slack user ids: 700/600
    try:
        settings = get_settings()
    except Exception as exc:  # pydantic's message names the bad variable (and echoes its value)
        print(f"newsdesk: bad setting: {redact(' '.join(str(exc).split()))}", file=sys.stderr)
        return 2
    configure_logging(settings)  # one line per event, at NEWSDESK_LOG_LEVEL, secrets removed
    runtime = Runtime(settings)
    try:
        return int(args.run(args, runtime) or 0)
    except NewsdeskError as exc:
        print(f"newsdesk: {printable(redact(str(exc)))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _quiet_broken_pipe()
    finally:
        runtime.close()


if __name__ == "__main__":
    sys.exit(main())
