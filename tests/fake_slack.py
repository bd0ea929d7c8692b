"""A local stand-in for Slack: a Web API on 127.0.0.1 and a Socket Mode websocket server.

`FakeSlackAPI` answers the Web API methods the bot uses and records every call (method,
parameters, the token it came with); it also accepts POSTs to `response_url`s it hands out.
Like Slack, it keeps the messages the bot posts in threads (`replies`, where a test adds the
people's messages) and returns them from conversations.replies, their `metadata` only when
asked with `include_all_metadata`. Streamed messages (chat.startStream, appendStream,
stopStream) are kept the same way, their text growing with each piece; `views` holds the App
Home each user was last shown (views.publish).
`FakeSocketMode` speaks Socket Mode: it says `hello` to each connection, sends envelopes and
records the acknowledgements. Nothing here reaches slack.com.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T0001"


@dataclass
class Call:
    method: str  # Web API method, or "response_url" for POSTs to a response URL
    params: dict[str, Any]
    token: str
    path: str = ""
    response: dict[str, Any] = field(default_factory=dict)


@dataclass
class FakeSlackAPI:
    """Slack's Web API at `base_url`; `calls` lists what the bot asked, in order."""

    socket_url: str = ""
    calls: list[Call] = field(default_factory=list)
    replies: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    fail: dict[str, str] = field(default_factory=dict)  # method -> Slack error to return
    pages: dict[str, str] = field(default_factory=dict)  # GET path -> HTML (articles to ingest)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)  # user -> published Home

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._ts = itertools.count(1)
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                page = api.pages.get(self.path.partition("?")[0])
                if page is None:
                    self._send(404, "not found", "text/plain")
                else:
                    self._send(200, page, "text/html; charset=utf-8")

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                ctype = self.headers.get("Content-Type", "")
                if "json" in ctype:
                    params = json.loads(raw or "{}")
                else:
                    params = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
                    for key in ("blocks", "view", "attachments", "metadata"):
                        if isinstance(params.get(key), str):
                            params[key] = json.loads(params[key])
                auth = self.headers.get("Authorization", "")
                token = auth.removeprefix("Bearer ").strip() or str(params.get("token", ""))
                path = self.path.partition("?")[0]
                if path.startswith("/response/"):
                    api._record(Call("response_url", params, token, path))
                    self._send(200, "ok", "text/plain")
                    return
                method = path.removeprefix("/api/")
                answer = api._answer(method, params, token)
                api._record(Call(method, params, token, path, answer))
                self._send(200, json.dumps(answer), "application/json")

            def _send(self, status: int, body: str, ctype: str) -> None:
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    # -- addresses ---------------------------------------------------------------------------

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/api/"

    def response_url(self) -> str:
        return f"{self.root}/response/{uuid.uuid4().hex[:12]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- answering ---------------------------------------------------------------------------

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)
            self._lock.notify_all()

    def _answer(self, method: str, params: dict[str, Any], token: str) -> dict[str, Any]:
        if method in self.fail:
            return {"ok": False, "error": self.fail[method]}
        if not token:
            return {"ok": False, "error": "not_authed"}
        if method == "apps.connections.open":
            if not token.startswith("xapp-"):
                return {"ok": False, "error": "invalid_auth"}
            return {"ok": True, "url": self.socket_url}
        if not token.startswith("xoxb-"):
            return {"ok": False, "error": "invalid_auth"}
        if method == "auth.test":
            return {"ok": True, "url": "https://newsdesk-test.slack.com/", "team": "Test",
                    "user": "newsdesk", "team_id": TEAM_ID, "user_id": BOT_USER_ID,
                    "bot_id": BOT_ID, "is_enterprise_install": False}  # fmt: skip
        if method in ("chat.postMessage", "chat.startStream"):
            if method == "chat.startStream" and not params.get("thread_ts"):
                return {"ok": False, "error": "invalid_arguments"}  # streams are always replies
            text = params.get("text", "") if method == "chat.postMessage" else _streamed(params)
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts,
                       "text": text, "blocks": params.get("blocks", [])}  # fmt: skip
            if params.get("thread_ts"):
                message["thread_ts"] = params["thread_ts"]
            if params.get("metadata"):
                message["metadata"] = params["metadata"]
            thread = (str(params.get("channel")), str(params.get("thread_ts") or ts))
            with self._lock:
                self.replies.setdefault(thread, []).append(message)
            return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": message}
        if method in ("chat.appendStream", "chat.stopStream"):
            message = self._message(params)
            if message is None:
                return {"ok": False, "error": "message_not_found"}
            with self._lock:
                if message.get("stopped"):
                    return {"ok": False, "error": "message_not_in_streaming_state"}
                message["text"] += _streamed(params)
                if method == "chat.stopStream":
                    message["stopped"] = True
                    message.update({k: params[k] for k in ("blocks", "metadata") if params.get(k)})
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method in ("assistant.threads.setStatus", "assistant.threads.setTitle",
                      "assistant.threads.setSuggestedPrompts"):  # fmt: skip
            if not params.get("channel_id") or not params.get("thread_ts"):
                return {"ok": False, "error": "invalid_arguments"}
            return {"ok": True}
        if method == "views.publish":
            with self._lock:
                self.views[str(params.get("user_id"))] = params.get("view") or {}
            return {"ok": True, "view": {"id": "VHOME", **(params.get("view") or {})}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{int(time.time())}.{next(self._ts):06d}"}
        if method == "chat.update":
            self._update(params)
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method in ("reactions.add", "reactions.remove"):
            return {"ok": True}
        if method == "conversations.replies":
            key = (str(params.get("channel")), str(params.get("ts")))
            with self._lock:
                messages = sorted(self.replies.get(key, []), key=lambda m: float(m["ts"]))
            if str(params.get("include_all_metadata")).lower() not in ("1", "true"):
                messages = [{k: v for k, v in m.items() if k != "metadata"} for m in messages]
            return {"ok": True, "messages": messages, "has_more": False}
        if method == "views.open":
            return {"ok": True, "view": {"id": "V0001", **(params.get("view") or {})}}
        return {"ok": True}

    def _update(self, params: dict[str, Any]) -> None:
        """chat.update: the stored message takes the new text, blocks and metadata."""
        message = self._message(params)
        if message is not None:
            with self._lock:
                message.update({k: params[k] for k in ("text", "blocks", "metadata")
                                if k in params})  # fmt: skip

    def _message(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """The bot's stored message `params["ts"]` in `params["channel"]`, if any."""
        with self._lock:
            for (channel, _), thread in self.replies.items():
                for message in thread:
                    if (channel == str(params.get("channel")) and message.get("ts") == params.get("ts")
                            and message.get("user") == BOT_USER_ID):  # fmt: skip
                        return message
        return None

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """The bot's message `ts` in `channel` as it stands now (after updates and streaming)."""
        return self._message({"channel": channel, "ts": ts})

    # -- looking at what happened -------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(
        self, method: str, where: Callable[[Call], bool] = lambda c: True, timeout: float = 60
    ) -> Call:
        """The first call to `method` matching `where`, waiting for it up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for call in self.calls:
                    if call.method == method and where(call):
                        return call
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self.calls]
                    raise AssertionError(f"no {method} call within {timeout}s; calls: {seen}")
                self._lock.wait(left)


def _streamed(params: dict[str, Any]) -> str:
    """The markdown a streaming call adds: its `markdown_text` and its markdown_text chunks."""
    chunks = params.get("chunks") or []
    if isinstance(chunks, str):
        chunks = json.loads(chunks)
    pieces = [c.get("text", "") for c in chunks if c.get("type") == "markdown_text"]
    return str(params.get("markdown_text") or "") + "".join(pieces)


class FakeSocketMode:
    """A Socket Mode endpoint: `hello` on connect, envelopes out, acknowledgements recorded."""

    def __init__(self) -> None:
        from websockets.sync.server import serve

        self.acks: dict[str, dict[str, Any]] = {}
        self.received: list[dict[str, Any]] = []
        self._connections: list[Any] = []
        self.opened = 0
        self._cond = threading.Condition()
        self._send_lock = threading.Lock()
        self._server = serve(self._handle, "127.0.0.1", 0)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link/?ticket=test"

    def _handle(self, connection: Any) -> None:
        with self._cond:
            self._connections.append(connection)
            self.opened += 1
            self._cond.notify_all()
        with self._send_lock:
            connection.send(json.dumps({
                "type": "hello", "num_connections": 1,
                "debug_info": {"host": "fake", "approximate_connection_time": 3600},
                "connection_info": {"app_id": "A0001"},
            }))  # fmt: skip
        try:
            for raw in connection:
                message = json.loads(raw)
                with self._cond:
                    self.received.append(message)
                    if message.get("envelope_id"):
                        self.acks[message["envelope_id"]] = message
                    self._cond.notify_all()
        except Exception:  # noqa: BLE001 - the client went away
            pass
        finally:
            with self._cond:
                if connection in self._connections:
                    self._connections.remove(connection)

    def send_raw(self, message: dict[str, Any]) -> None:
        """Send any message (e.g. `{"type": "disconnect"}`) on the newest connection."""
        self.wait_connected()
        with self._cond:
            connection = self._connections[-1]
        with self._send_lock:
            connection.send(json.dumps(message))

    def wait_connections(self, count: int, timeout: float = 15) -> None:
        """Wait until `count` connections have been opened in all (reconnects included)."""
        with self._cond:
            if not self._cond.wait_for(lambda: self.opened >= count, timeout):
                raise AssertionError(f"{self.opened} connections opened, not {count}")

    def wait_connected(self, timeout: float = 15) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: self._connections, timeout):
                raise AssertionError("the bot did not connect to the Socket Mode server")

    def send(self, kind: str, payload: dict[str, Any], *, envelope_id: str | None = None,
             retry_attempt: int = 0, retry_reason: str = "",
             connection: int = -1) -> str:  # fmt: skip
        """Send an envelope (`events_api`, `slash_commands` or `interactive`) on the newest
        connection, or the `connection`-th open one (one per bot replica, as Slack spreads
        envelopes over an app's connections); its id."""
        envelope_id = envelope_id or uuid.uuid4().hex
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id, "type": kind, "payload": payload,
            "accepts_response_payload": kind != "events_api",
        }  # fmt: skip
        if kind == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        self.wait_connected()
        with self._cond:
            target = self._connections[connection]
        with self._send_lock:
            target.send(json.dumps(envelope))
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 10) -> dict[str, Any]:
        with self._cond:
            if not self._cond.wait_for(lambda: envelope_id in self.acks, timeout):
                raise AssertionError(f"envelope {envelope_id} was not acknowledged in {timeout}s")
            return self.acks[envelope_id]

    def close(self) -> None:
        self._server.shutdown()


# -- payloads as Slack sends them -----------------------------------------------------------


_ts_counter = itertools.count(1)


def new_ts() -> str:
    return f"{int(time.time())}.{next(_ts_counter):06d}"


def event_callback(event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "legacy-verification", "team_id": TEAM_ID, "api_app_id": "A0001",
        "event": event, "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
    }  # fmt: skip


def mention(text: str, *, user: str = "U_ALICE", channel: str = "C_NEWS", ts: str | None = None,
            thread_ts: str | None = None) -> dict[str, Any]:  # fmt: skip
    ts = ts or new_ts()
    event = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER_ID}> {text}", "ts": ts,
             "channel": channel, "event_ts": ts}  # fmt: skip
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def direct_message(text: str, *, user: str = "U_ALICE", channel: str = "D_ALICE",
                   ts: str | None = None, **extra: Any) -> dict[str, Any]:  # fmt: skip
    ts = ts or new_ts()
    return {"type": "message", "channel_type": "im", "user": user, "text": text, "ts": ts,
            "channel": channel, "event_ts": ts, **extra}  # fmt: skip


def slash_command(text: str, *, user: str, response_url: str, channel: str = "C_NEWS",
                  command: str = "/news") -> dict[str, Any]:  # fmt: skip
    return {
        "token": "legacy-verification", "team_id": TEAM_ID, "team_domain": "test",
        "channel_id": channel, "channel_name": "news", "user_id": user, "user_name": user.lower(),
        "command": command, "text": text, "api_app_id": "A0001", "is_enterprise_install": "false",
        "response_url": response_url, "trigger_id": f"trig.{uuid.uuid4().hex[:8]}",
    }  # fmt: skip


def block_action(action: dict[str, Any], *, user: str, response_url: str,
                 channel: str = "C_NEWS") -> dict[str, Any]:  # fmt: skip
    return {
        "type": "block_actions", "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "api_app_id": "A0001", "token": "legacy-verification", "team": {"id": TEAM_ID},
        "trigger_id": f"trig.{uuid.uuid4().hex[:8]}", "channel": {"id": channel},
        "container": {"type": "message", "channel_id": channel, "message_ts": new_ts()},
        "response_url": response_url, "actions": [{**action, "action_ts": new_ts()}],
    }  # fmt: skip


def message_shortcut(message: dict[str, Any], *, user: str, response_url: str,
                     callback_id: str = "ingest_links",
                     channel: str = "C_NEWS") -> dict[str, Any]:  # fmt: skip
    return {
        "type": "message_action", "callback_id": callback_id, "token": "legacy-verification",
        "team": {"id": TEAM_ID}, "user": {"id": user, "name": user.lower()},
        "channel": {"id": channel}, "message": message, "message_ts": message.get("ts"),
        "response_url": response_url, "trigger_id": f"trig.{uuid.uuid4().hex[:8]}",
        "action_ts": new_ts(),
    }  # fmt: skip


def assistant_thread_started(*, user: str = "U_ALICE", channel: str = "D_ASSIST",
                             thread_ts: str | None = None,
                             context_channel: str = "C_NEWS") -> dict[str, Any]:  # fmt: skip
    """The event Slack sends when someone opens a new thread in the bot's assistant container."""
    thread_ts = thread_ts or new_ts()
    return {
        "type": "assistant_thread_started", "event_ts": new_ts(),
        "assistant_thread": {
            "user_id": user, "channel_id": channel, "thread_ts": thread_ts,
            "context": {"channel_id": context_channel, "team_id": TEAM_ID, "enterprise_id": None},
        },
    }  # fmt: skip


def app_home_opened(*, user: str = "U_ALICE", channel: str = "D_HOME") -> dict[str, Any]:
    return {"type": "app_home_opened", "user": user, "channel": channel, "tab": "home",
            "event_ts": new_ts()}  # fmt: skip


def view_submission(callback_id: str, values: dict[str, Any], *, user: str) -> dict[str, Any]:
    """A modal submitted: `values` as Slack puts them in `view.state.values`."""
    return {
        "type": "view_submission", "team": {"id": TEAM_ID}, "api_app_id": "A0001",
        "token": "legacy-verification", "trigger_id": f"trig.{uuid.uuid4().hex[:8]}",
        "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "view": {"id": "VMODAL", "type": "modal", "callback_id": callback_id,
                 "state": {"values": values}, "private_metadata": ""},
    }  # fmt: skip
