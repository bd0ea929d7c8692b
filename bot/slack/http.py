"""HTTP mode's server: Slack's requests on `/slack/events` go to bolt, `GET /health` says ok.

The server is exposed to the internet (behind a proxy at best), so no client may hold it:

- a connection gets `read_timeout` seconds to send each request (headers and body together,
  however slowly it dribbles) and to start the next one; then it is closed;
- at most `max_connections` are served at once; one more is answered 503 and closed at once,
  without a thread (Slack retries an event it could not deliver);
- a body that is not the JSON or form Slack sends gets 400, and no request can put a
  traceback on stderr: failures are one log line.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slack_bolt import App
from slack_bolt.request import BoltRequest

log = logging.getLogger("newsdesk.slack")

EVENTS_PATH = "/slack/events"
MAX_REQUEST_BYTES = 1_000_000  # Slack's payloads are far smaller
BUSY = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class BoundedHTTPServer(ThreadingHTTPServer):
    """A threaded server that serves at most `max_connections` connections at once."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type, max_connections: int) -> None:
        self._slots = threading.BoundedSemaphore(max_connections)
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            log.warning("slack.http_busy client=%s", client_address[0])
            _refuse(request)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One log line instead of socketserver's traceback on stderr."""
        import sys

        error = sys.exc_info()[1]
        log.warning("slack.http_error client=%s error=%s: %s", client_address[0],
                    type(error).__name__, error)  # fmt: skip


def _refuse(request: socket.socket) -> None:
    """Say 503 without blocking; read what already arrived first, so that closing the socket
    sends the reply rather than a reset."""
    with contextlib.suppress(OSError):
        request.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            request.recv(65536)
        request.send(BUSY)


class _DeadlineIO(socket.SocketIO):
    """A socket's reading side that gives up at its handler's deadline: the socket's timeout
    bounds one read, so a client sending a byte now and then would otherwise never run out."""

    def __init__(self, sock: socket.socket, handler: Any) -> None:
        super().__init__(sock, "rb")
        self._handler = handler

    def readinto(self, buffer: Any) -> int | None:
        left = self._handler.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request did not arrive whole in time")
        self._sock.settimeout(max(0.01, left))
        return super().readinto(buffer)


def http_server(
    app: App, host: str, port: int, *, read_timeout: float, max_connections: int,
    path: str = EVENTS_PATH,
) -> BoundedHTTPServer:  # fmt: skip
    """The server passing POSTs on `path` to bolt (which verifies the signature)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = read_timeout  # for each write of a reply; reads end at `deadline`
        deadline = 0.0  # when the request being read (line, headers and body) must be in

        def setup(self) -> None:
            super().setup()
            self.rfile.close()  # reads go through the deadline instead
            self.rfile = io.BufferedReader(_DeadlineIO(self.connection, self))

        def handle_one_request(self) -> None:
            self.deadline = time.monotonic() + read_timeout
            super().handle_one_request()

        def flush_headers(self) -> None:
            self.connection.settimeout(read_timeout)  # the reply is not bound by the deadline
            super().flush_headers()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            log.debug("slack.http %s", format % args)

        def do_GET(self) -> None:  # noqa: N802
            if self.path.partition("?")[0] == "/health":
                self._send(200, {"content-type": ["text/plain"]}, "ok")
            else:
                self._send(404, {}, "")

        def do_POST(self) -> None:  # noqa: N802
            request_path, _, query = self.path.partition("?")
            if request_path != path:
                self._send(404, {}, "")
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > MAX_REQUEST_BYTES:
                self._send(413, {}, "")
                return
            raw = self._read_body(length)
            if raw is None:
                self.close_connection = True
                self._send(408, {"connection": ["close"]}, "")
                return
            body = raw.decode("utf-8", errors="replace")
            try:
                request = BoltRequest(body=body, query=query, headers=dict(self.headers.items()))
            except ValueError:  # bolt parses the JSON (or a form's `payload`) here
                self._send(400, {"content-type": ["text/plain"]}, "malformed request body")
                return
            response = app.dispatch(request)
            self._send(response.status, response.headers, response.body)

        def _read_body(self, length: int) -> bytes | None:
            """The body, or None when it does not arrive whole before the deadline."""
            parts: list[bytes] = []
            while length > 0:
                try:
                    part = self.rfile.read1(min(length, 65536))
                except TimeoutError:  # the deadline passed
                    return None
                if not part:
                    return None
                parts.append(part)
                length -= len(part)
            return b"".join(parts)

        def _send(self, status: int, headers: dict[str, Any], body: str | dict[str, Any]) -> None:
            text = body if isinstance(body, str) else json.dumps(body)
            data = text.encode("utf-8")
            self.send_response(status)
            for name, values in headers.items():
                if name.lower() == "content-length":
                    continue
                for value in values if isinstance(values, list | tuple) else [values]:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return BoundedHTTPServer((host, port), Handler, max_connections)
