"""`newsdesk`: the command line. Each command lives beside the code it drives.

A command module exposes `register(commands)`, which adds each command with `Commands.add`:
its handler `run(args, runtime) -> int`, whose docstring is the command's help. `main` builds
the one `bot.runtime.Runtime` from the settings, and the handlers take the index, embedder and
asker from it. Parts are built when first used, and modules import their heavy dependencies
inside the handlers, so `newsdesk --help` and `newsdesk ask` start fast.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

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


Handler = Callable[[argparse.Namespace, Runtime], int]


class Commands:
    """What a command module's `register(commands)` adds its commands to.

    A command is its handler: `add(name, run)` takes the one-line help that `newsdesk --help`
    lists from the first line of `run`'s docstring, and the `--help` description from the whole
    of it, so what a command does is written once, beside the code that does it.
    """

    def __init__(self, subparsers: Any) -> None:
        self._subparsers = subparsers

    def add(self, name: str, run: Handler) -> argparse.ArgumentParser:
        doc = inspect.cleandoc(run.__doc__ or "")
        if not doc:
            raise TypeError(f"{run.__qualname__} needs a docstring: it is the command's help")
        summary, _, details = doc.partition("\n\n")
        summary = " ".join(summary.split()).rstrip(".")
        parser = self._subparsers.add_parser(
            name, help=summary[:1].lower() + summary[1:],
            description=" ".join(details.split()) or summary + ".",
        )  # fmt: skip
        parser.set_defaults(run=run)
        return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsdesk",
        description="Ask questions over ingested news; every answer cites the passages it used.",
        epilog="`newsdesk COMMAND --help` says more about each command; the settings are listed "
        "in .env.example.",
    )
    parser.add_argument("--version", action="version", version=f"newsdesk {version()}")
    commands = Commands(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(commands)
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
