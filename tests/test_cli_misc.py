"""The command line as a new user meets it (issue 10, items 5, 12, 13): `run` starts HTTP mode,
start-up failures are one line, a closed pipe is not a traceback, every command has real help,
`doctor` gives the repair that is true, `make bench` runs scripts that exist."""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from ingest.pipeline import prepare
from newsdesk.cli import build_parser, main
from newsdesk.embeddings import Embedder
from newsdesk.index import Index
from newsdesk.settings import Settings
from tests.fake_slack import FakeSlackAPI
from tests.support.paths import ROOT
from tests.test_index import KURSK

BOT_TOKEN = "xoxb-test-0000-cli-token-never-logged"


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a `newsdesk` subprocess: this checkout, no developer settings."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NEWSDESK_"))}
    return {
        **keep, "PYTHONPATH": str(ROOT), "NEWSDESK_DATA_DIR": str(data_dir),
        "NEWSDESK_ENV_FILE": os.devnull, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
        **extra,
    }  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_health(port: int, process: subprocess.Popen[str], timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as reply:
                return reply.status == 200
        except OSError:
            time.sleep(0.2)
    return False


def newsdesk(*args: str, env: dict[str, str], timeout: float = 120) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "newsdesk.cli", *args], env=env, cwd=ROOT,
        capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
    )  # fmt: skip


# -- item 5: `run` with a bot token and a signing secret is the HTTP bot --------------------


@pytest.mark.slow
def test_run_with_a_signing_secret_and_no_app_token_serves_http(tmp_path: Path) -> None:
    api, port = FakeSlackAPI(), free_port()
    env = cli_env(tmp_path / "data", SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET="s3cret-sign",
                  SLACK_API_URL=api.base_url, NEWSDESK_PORT=str(port))  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "newsdesk.cli", "run"], env=env, cwd=ROOT, text=True,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        healthy = wait_for_health(port, process)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=60)
        api.close()
    assert healthy, output  # before: the terminal chat opened, read EOF and exited
    assert process.returncode == 0, output
    assert f"listening on port {port}/slack/events" in output
    assert api.calls_to("auth.test") and BOT_TOKEN not in output


# -- item 12: clear start-up errors, no traceback on a closed pipe --------------------------


def test_an_unreachable_slack_api_url_is_a_one_line_error(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens there
    env = cli_env(tmp_path / "data", SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN="xapp-1-test",
                  SLACK_API_URL=closed)  # fmt: skip
    result = newsdesk("serve", env=env)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"newsdesk: cannot reach Slack at {closed}")
    assert "SLACK_API_URL" in lines[0]


def test_a_refused_bot_token_is_a_one_line_error(tmp_path: Path) -> None:
    api = FakeSlackAPI(fail={"auth.test": "invalid_auth"})
    try:
        env = cli_env(tmp_path / "data", SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN="xapp-1-test",
                      SLACK_API_URL=api.base_url)  # fmt: skip
        result = newsdesk("serve", env=env)
    finally:
        api.close()
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip() == (
        f"newsdesk: Slack at {api.base_url} refused SLACK_BOT_TOKEN (invalid_auth): check it"
    )


def test_a_reader_that_goes_away_is_not_a_traceback(tmp_path: Path) -> None:
    """`newsdesk sources | head`: the pipe closes before newsdesk writes."""
    process = subprocess.Popen(
        [sys.executable, "-m", "newsdesk.cli", "sources"], env=cli_env(tmp_path / "data"),
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    process.stdout.close()  # the reader is gone before the first line is printed
    _, errors = process.communicate(timeout=120)
    assert "Traceback" not in errors and "BrokenPipe" not in errors, errors
    assert process.returncode == 141


# -- item 13: help, version, doctor, make bench ---------------------------------------------


def subcommands() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("name", ["show", "forget", "reindex", "doctor", "migrate", "run"])
def test_commands_explain_themselves_in_their_help(name: str) -> None:
    command = subcommands()[name]
    description = command.description or ""
    assert len(description.split()) >= 15, f"`newsdesk {name} --help` says too little"
    for action in command._actions:
        assert action.help, f"`newsdesk {name}`: {action.dest} has no help"


def test_every_command_has_a_description() -> None:
    assert all(command.description for command in subcommands().values())


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert re.fullmatch(r"newsdesk \d+\.\d+\.\d+\n", capsys.readouterr().out)


def test_doctor_undoes_an_interrupted_write_instead_of_advising_reindex(
    settings: Settings, index: Index, e5: Embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.runtime import Runtime
    from ingest.cli import run_doctor

    [prepared] = prepare([KURSK], e5, 1000, 200)
    with index.writing():  # what a crash between Chroma and the catalog leaves
        index._write_vectors([prepared])
    assert index.check(), "the simulated crash left nothing for the doctor to find"
    status = run_doctor(argparse.Namespace(), Runtime(settings))
    out = capsys.readouterr().out
    assert status == 0, out
    assert f"undid {len(prepared.chunks)} chunk writes" in out and "reindex" not in out
    assert index.check() == []


def test_doctor_checks_nothing_while_an_ingest_is_writing(
    settings: Settings, index: Index, e5: Embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    """Chunks an ingest is writing are work in progress, not problems to repair."""
    from bot.runtime import Runtime
    from ingest.cli import run_doctor

    [prepared] = prepare([KURSK], e5, 1000, 200)
    with index.writing():  # an ingest between writing Chroma and the catalog
        index._write_vectors([prepared])
        status = run_doctor(argparse.Namespace(), Runtime(settings))
    out = capsys.readouterr().out
    assert status == 0, out
    assert "an ingest is writing now" in out and "run `newsdesk doctor` again" in out
    assert "problem" not in out and "reindex" not in out


def test_make_bench_runs_scripts_that_exist() -> None:
    plan = subprocess.run(
        ["make", "-n", "bench", "VENV=/nonexistent"], cwd=ROOT, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert plan.returncode == 0, plan.stderr
    scripts = re.findall(r"\b(bench/\w+\.py)\b", plan.stdout)
    assert "bench/first_run.py" in scripts, plan.stdout
    missing = [s for s in scripts if not (ROOT / s).is_file()]
    assert not missing, f"make bench runs scripts that do not exist: {missing}"
