"""A real HTTP server on 127.0.0.1 for tests, and a stub DNS resolver.

    with serve() as server:
        server.routes["/a"] = Route("<html>…</html>")
        server.routes["/old"] = redirect("/a")
        server.routes["/huge"] = Route(endless())
        fetch(server.url("/a"), Settings(data_dir=tmp_path, allow_private_urls=True))

Routes may be added while the server runs (pages that link to the server need its port).
`server.requests` records (path, Host header) of every request, for asserting what was fetched.

`serve(tls=True)` speaks HTTPS with a self-signed certificate for `news.example`
(TEST_CERTIFICATE); a client trusts it with `SSL_CERT_FILE=TEST_CERTIFICATE` and reaches it
through `fake_resolver({"news.example": "127.0.0.1"})`.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

TEST_CERTIFICATE = Path(__file__).parent / "data" / "tls" / "news.example.pem"

Body = bytes | str | Callable[[], Iterator[bytes]]


@dataclass
class Route:
    """What the server answers on one path.

    A callable body is streamed chunk by chunk without a Content-Length, until it ends or the
    client hangs up; `delay` waits before the status line.
    """

    body: Body = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0


def redirect(location: str, status: int = 302) -> Route:
    return Route(b"", status=status, headers={"Location": location})


def endless(piece: bytes = b"<p>more news</p>\n" * 4096) -> Callable[[], Iterator[bytes]]:
    """A body that never ends."""

    def body() -> Iterator[bytes]:
        while True:
            yield piece

    return body


def dribble(
    piece: bytes = b" ", interval: float = 0.05, pieces: int = 200
) -> Callable[[], Iterator[bytes]]:
    """A body sent a little at a time: each read succeeds, the whole takes `pieces * interval`
    seconds (10 s by default), so a fetch without a total timeout returns it instead of failing
    (a test then fails on what it got, rather than hanging)."""

    def body() -> Iterator[bytes]:
        for _ in range(pieces):
            yield piece
            time.sleep(interval)

    return body


class LocalServer:
    def __init__(self, httpd: ThreadingHTTPServer, routes: dict[str, Route], scheme: str):
        self.port = httpd.server_address[1]
        self.base = f"{scheme}://127.0.0.1:{self.port}"
        self.routes = routes
        self.requests: list[tuple[str, str]] = []

    def url(self, path: str) -> str:
        return self.base + path


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        state = self.server.state  # type: ignore[attr-defined]
        state.requests.append((self.path, self.headers.get("Host", "")))
        route = state.routes.get(self.path)
        if route is None:
            self.send_error(404, "Not Found")
            return
        if route.delay:
            time.sleep(route.delay)
        try:
            self._answer(route)
        except OSError:
            pass  # the client hung up (or broke off TLS), as clients under test should

    def _answer(self, route: Route) -> None:
        self.send_response(route.status)
        if route.content_type:
            self.send_header("Content-Type", route.content_type)
        for name, value in route.headers.items():
            self.send_header(name, value)
        if callable(route.body):
            self.end_headers()
            for piece in route.body():
                self.wfile.write(piece)
                self.wfile.flush()
            return
        body = route.body.encode("utf-8") if isinstance(route.body, str) else route.body
        if "Content-Length" not in route.headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@contextmanager
def serve(routes: Mapping[str, Route] | None = None, tls: bool = False) -> Iterator[LocalServer]:
    """A threaded HTTP(S) server on an ephemeral port of 127.0.0.1, for the `with` block."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.block_on_close = False  # slow and endless handlers must not hold up the test
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(TEST_CERTIFICATE)
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    state = LocalServer(httpd, dict(routes or {}), "https" if tls else "http")
    httpd.state = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def fake_resolver(hosts: Mapping[str, str | list[str]]) -> Callable[..., list[tuple[Any, ...]]]:
    """A `socket.getaddrinfo` stand-in answering from `hosts` (name → address or addresses).

    Unknown names fail as DNS does. `resolver.calls` counts lookups.
    """
    calls: list[str] = []

    def resolve(host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        calls.append(host)
        if host not in hosts:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        addresses = hosts[host]
        answers = []
        for address in [addresses] if isinstance(addresses, str) else addresses:
            if ":" in address:
                answers.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
            else:
                answers.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
        return answers

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve
