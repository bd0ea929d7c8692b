"""Throwaway servers for the tests of the server backend: a PostgreSQL cluster (`initdb` into a
temporary folder, listening on 127.0.0.1 at a free port, fsync off) and a Chroma server
(`chroma run`, from the chromadb package), started once per test session when a test needs
them and stopped at its end. Each test gets a database and a Chroma collection of its own.

They fail loudly when a binary is missing or a server does not start: CI must not skip the
server backend. When the tests run as root (containers, CI), PostgreSQL runs as the
`postgres` user, since it refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from newsdesk.index.postgres import connect, migrate

STARTUP_SECONDS = 60


def postgres_binary(name: str) -> Path:
    """`initdb` or `postgres` on PATH, in /usr/local/bin, or in Debian's versioned folders."""
    found = shutil.which(name) or shutil.which(name, path="/usr/local/bin")
    if found is None:
        versioned = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
        found = versioned[-1] if versioned else None
    if found is None:
        raise RuntimeError(
            f"`{name}` (PostgreSQL) is not installed: the server-backend tests need it "
            "(apt-get install postgresql, or put its bin folder on PATH)"
        )
    return Path(found)


def chroma_binary() -> Path:
    path = Path(sys.executable).parent / "chroma"
    if not path.exists():
        raise RuntimeError(f"`chroma` is not next to {sys.executable}: pip install chromadb")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path, what: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited at start:\n{_tail(log)}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen within {STARTUP_SECONDS}s:\n{_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


def _as_postgres_user() -> dict[str, object]:
    """subprocess arguments that run PostgreSQL as `postgres` when we are root."""
    if os.geteuid() != 0:
        return {}
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        raise RuntimeError(
            "running as root, and PostgreSQL refuses root: create a `postgres` user "
            "(useradd --system postgres) or run the tests as another user"
        ) from None
    return {"user": user.pw_uid, "group": user.pw_gid}


@dataclass
class Servers:
    """The running servers; `database()` and `collection()` give each test its own."""

    postgres_url: str  # the maintenance database, for creating the tests' ones
    chroma_port: int

    def database(self, migrated: bool = True) -> str:
        """A new database (migrated, unless told); its URL."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        with connect(self.postgres_url) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        url = self.postgres_url.rsplit("/", 1)[0] + f"/{name}"
        if migrated:
            migrate(url)
        return url

    def settings_fields(self) -> dict[str, object]:
        """Settings fields for an index of its own on these servers."""
        return {
            "database_url": self.database(), "chroma_host": "127.0.0.1",
            "chroma_port": self.chroma_port, "chroma_collection": f"t_{uuid.uuid4().hex[:16]}",
        }  # fmt: skip


@contextmanager
def running_servers(folder: Path, durable: bool = False) -> Iterator[Servers]:
    """Start PostgreSQL and Chroma under `folder`, yield them, stop them. PostgreSQL syncs
    nothing to disk unless `durable` (benchmarks want the real cost of a commit)."""
    folder.mkdir(parents=True, exist_ok=True)
    as_postgres = _as_postgres_user()
    # Right under the temporary root: pytest's folders are private to us, and the postgres user
    # must reach its data folder.
    pg_dir = Path(tempfile.mkdtemp(prefix="newsdesk-test-postgres-"))
    if as_postgres:
        os.chown(pg_dir, as_postgres["user"], as_postgres["group"])  # type: ignore[arg-type]
    init_log = folder / "initdb.log"
    with open(init_log, "wb") as log:
        done = subprocess.run(
            [str(postgres_binary("initdb")), "-D", str(pg_dir / "data"), "-U", "newsdesk",
             "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"],
            stdout=log, stderr=subprocess.STDOUT, **as_postgres,  # type: ignore[arg-type]
        )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"initdb failed:\n{_tail(init_log)}")
    pg_port, chroma_port = free_port(), free_port()
    pg_log, chroma_log = folder / "postgres.log", folder / "chroma.log"
    with open(pg_log, "wb") as pg_out, open(chroma_log, "wb") as chroma_out:
        postgres = subprocess.Popen(
            [str(postgres_binary("postgres")), "-D", str(pg_dir / "data"), "-p", str(pg_port),
             "-h", "127.0.0.1", "-k", str(pg_dir), "-c", "max_connections=200",
             *([] if durable else ["-c", "fsync=off", "-c", "synchronous_commit=off",
                                   "-c", "full_page_writes=off"])],
            stdout=pg_out, stderr=subprocess.STDOUT, **as_postgres,  # type: ignore[arg-type]
        )  # fmt: skip
        chroma = subprocess.Popen(
            [str(chroma_binary()), "run", "--path", str(folder / "chroma"), "--host", "127.0.0.1",
             "--port", str(chroma_port)],
            stdout=chroma_out, stderr=subprocess.STDOUT,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )  # fmt: skip
    try:
        _wait_for_port(pg_port, postgres, pg_log, "postgres")
        _wait_for_port(chroma_port, chroma, chroma_log, "chroma run")
        heartbeat = f"http://127.0.0.1:{chroma_port}/api/v2/heartbeat"
        urllib.request.urlopen(heartbeat, timeout=10).read()
        yield Servers(f"postgresql://newsdesk@127.0.0.1:{pg_port}/postgres", chroma_port)
    finally:
        for process in (chroma, postgres):
            process.terminate()
        for process in (chroma, postgres):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(pg_dir, ignore_errors=True)
