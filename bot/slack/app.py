"""The Slack app: `build_app` wires bolt to newsdesk, `serve` runs it.

Modelled on bolt-python's samples. Socket Mode when `SLACK_APP_TOKEN` is set (no public URL
needed); otherwise HTTP on `NEWSDESK_PORT` at `/slack/events`, where bolt verifies each
request's signature with `SLACK_SIGNING_SECRET`. Every Slack client the process makes (bolt's
`WebClient`, the one Socket Mode uses for `apps.connections.open`) talks to `SLACK_API_URL`,
so the whole bot can run against a local Slack-compatible server.

Slack may deliver an event more than once (a retry after a slow acknowledgement, a reconnect);
a global middleware drops every event whose `event_id` was already taken, so nothing is
answered twice. Tokens and the signing secret are removed from every log line
(`newsdesk.logs.install_redaction`).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltResponse
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import listeners
from bot.slack.core import Claims, SlackBot, new_write_executor
from bot.slack.feedback import FeedbackStore
from bot.slack.http import EVENTS_PATH, BoundedHTTPServer, http_server
from newsdesk.errors import NewsdeskError
from newsdesk.logs import install_redaction
from newsdesk.settings import Settings

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from ingest.follow import FeedPoller

log = logging.getLogger("newsdesk.slack")

LISTENER_THREADS = 16


def api_url(settings: Settings) -> str:
    """`SLACK_API_URL` with the trailing slash slack_sdk expects."""
    url = (settings.slack_api_url or "https://slack.com/api/").strip()
    return url if url.endswith("/") else url + "/"


def web_client(settings: Settings, token: str | None = None) -> WebClient:
    """A Web API client for `SLACK_API_URL` (with the bot token unless another is given)."""
    return WebClient(
        token=token if token is not None else settings.slack_bot_token.get_secret_value() or None,
        base_url=api_url(settings),
        logger=logging.getLogger("newsdesk.slack.web"),
    )


def build_app(
    runtime: Runtime,
    *,
    feedback: FeedbackStore | None = None,
    client: WebClient | None = None,
    listener_executor: ThreadPoolExecutor | None = None,
    write_executor: ThreadPoolExecutor | None = None,
    identity: dict[str, Any] | None = None,
) -> App:
    """A bolt `App` answering with the runtime's asker, over the runtime's index (which also
    takes what admins ingest from Slack). The app's `WebClient` talks to `SLACK_API_URL`; its `auth.test` at start checks the token
    (`identity`, when given, is that check's answer, already had with `client`).
    """
    settings = runtime.settings
    client = client or web_client(settings)
    if identity is None:  # before bolt's own auth.test, which would raise raw
        identity = who_am_i(client, settings)
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        logger=logging.getLogger("newsdesk.slack.bolt"),
        listener_executor=listener_executor or new_executor(),
        # `message` events the bot does not answer (channel messages) are expected, not errors
        raise_error_for_unhandled_request=False,
    )
    bot = SlackBot(
        settings=settings, asker=runtime.asker, index=runtime.index, feedback=feedback,
        bot_user_id=identity.get("user_id") or "", bot_id=identity.get("bot_id") or "",
        writes=write_executor,
    )  # fmt: skip
    app.middleware(_drop_redeliveries(bot.dedupe))
    listeners.register(app, bot)
    app.error(_log_error)
    return app


_QUIET = logging.getLogger("newsdesk.slack.startup")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False  # the start-up check's failures are said once, by `slack_errors`


def who_am_i(client: WebClient, settings: Settings) -> dict[str, Any]:
    """`auth.test` with `client`'s token and URL: the bot's identity, or a one-line error."""
    quiet = WebClient(token=client.token, base_url=client.base_url, timeout=client.timeout,
                      logger=_QUIET)  # fmt: skip
    with slack_errors(settings, "SLACK_BOT_TOKEN"):
        return dict(quiet.auth_test().data)  # type: ignore[arg-type]


@contextlib.contextmanager
def slack_errors(settings: Settings, token_setting: str) -> Iterator[None]:
    """An unreachable Slack or a refused token becomes a one-line error naming the setting to
    fix, not a traceback."""
    try:
        yield
    except SlackApiError as exc:
        reason = exc.response.get("error") if exc.response is not None else exc
        raise NewsdeskError(
            f"Slack at {api_url(settings)} refused {token_setting} ({reason}): check it"
        ) from None
    except (OSError, ValueError) as exc:  # URLError, refused, timeouts, a malformed URL
        reason = getattr(exc, "reason", None) or exc
        raise NewsdeskError(
            f"cannot reach Slack at {api_url(settings)} ({reason}): check SLACK_API_URL and the "
            "network"
        ) from None


def new_executor() -> ThreadPoolExecutor:
    """The pool lazy listeners run on, so acknowledgements never wait. Ingests and forgets
    move on to the bot's own writes pool (`SlackBot.in_background`), so answers never queue
    behind them."""
    return ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="newsdesk-slack")


def _drop_redeliveries(dedupe: Claims) -> Any:
    def drop_redeliveries(body: dict[str, Any], request: BoltRequest, next: Any) -> Any:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not dedupe.claim(f"event:{event_id}"):
            retry = (request.headers.get("x-slack-retry-num") or ["0"])[0]
            reason = (request.headers.get("x-slack-retry-reason") or [""])[0]
            log.info("slack.redelivery_ignored event_id=%s retry=%s reason=%s", event_id, retry, reason)
            return BoltResponse(status=200, body="")
        return next()

    return drop_redeliveries


def _log_error(error: Exception, body: dict[str, Any]) -> None:
    log.error(
        "slack.listener_error type=%s error=%s payload=%s",
        type(error).__name__, error, body.get("type"), exc_info=error,
    )  # fmt: skip


# -- running ---------------------------------------------------------------------------------


@dataclass
class RunningBot:
    """A started bot; `stop()` ends it."""

    app: App
    mode: str  # "socket" or "http"
    socket_handler: Any = None
    http_server: BoundedHTTPServer | None = None
    executors: tuple[ThreadPoolExecutor, ...] = ()
    runtime: Runtime | None = None  # closed on stop: the indexes it opened
    poller: FeedPoller | None = None  # polls the followed feeds (NEWSDESK_FEED_POLL_INTERVAL)
    _threads: list[threading.Thread] = field(default_factory=list)

    @property
    def port(self) -> int | None:
        return self.http_server.server_address[1] if self.http_server else None

    def stop(self) -> None:
        """Stop taking requests and polling, let answers in progress finish, then close."""
        if self.poller is not None:
            self.poller.stop()
        if self.socket_handler is not None:
            self.socket_handler.close()
        if self.http_server is not None:
            self.http_server.shutdown()
            self.http_server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        for executor in self.executors:
            executor.shutdown(wait=True, cancel_futures=True)
        if self.runtime is not None:
            self.runtime.close()


def start(
    runtime: Runtime,
    *,
    feedback: FeedbackStore | None = None,
    host: str = "0.0.0.0",
    port: int | None = None,
) -> RunningBot:
    """Build the app and connect it (Socket Mode) or start listening (HTTP); returns at once.

    The bot token is checked before the runtime builds its asker (loading the model and opening
    the index), so a refused token or an unreachable Slack is a quick one-line error; a failure
    after that closes what the runtime opened, and so does `RunningBot.stop`."""
    settings = runtime.settings
    bot_token = settings.slack_bot_token.get_secret_value()
    app_token = settings.slack_app_token.get_secret_value()
    if not bot_token:
        raise NewsdeskError(
            "SLACK_BOT_TOKEN is not set: create the Slack app from slack_manifest.yaml and put "
            "its bot token (xoxb-…) in .env (see docs/slack.md)"
        )
    if not app_token and not settings.slack_signing_secret.get_secret_value():
        raise NewsdeskError(
            "set SLACK_APP_TOKEN (xapp-…, Socket Mode) or, for HTTP mode, SLACK_SIGNING_SECRET "
            "(see docs/slack.md)"
        )
    install_redaction(settings)
    client = web_client(settings)
    # a refused token or an unreachable Slack is said now, not after a model load
    identity = who_am_i(client, settings)
    with contextlib.ExitStack() as undo:  # what was made so far is closed if a later step fails
        undo.callback(runtime.close)
        executors = (new_executor(), new_write_executor())
        for executor in executors:
            undo.callback(executor.shutdown, wait=True, cancel_futures=True)
        app = build_app(
            runtime, feedback=feedback, client=client,
            listener_executor=executors[0], write_executor=executors[1], identity=identity,
        )  # fmt: skip
        if app_token:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            # apps.connections.open goes through this client, so it must know SLACK_API_URL too
            handler = SocketModeHandler(
                app, app_token=app_token, web_client=web_client(settings),
                logger=logging.getLogger("newsdesk.slack.socket"),
            )  # fmt: skip
            undo.callback(handler.close)  # its client's threads run from the start
            with slack_errors(settings, "SLACK_APP_TOKEN"):
                handler.connect()
            undo.pop_all()
            log.info("slack.started mode=socket api=%s", api_url(settings))
            return RunningBot(
                app=app, mode="socket", socket_handler=handler, executors=executors,
                runtime=runtime, poller=_poller(runtime, client),
            )  # fmt: skip
        server = http_server(
            app, host, settings.port if port is None else port,
            read_timeout=settings.http_read_timeout, max_connections=settings.http_max_connections,
        )  # fmt: skip
        undo.callback(server.server_close)
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="newsdesk-http",
            daemon=True,
        )  # fmt: skip
        thread.start()
        undo.pop_all()
    log.info("slack.started mode=http port=%d path=%s", server.server_address[1], EVENTS_PATH)
    return RunningBot(
        app=app, mode="http", http_server=server, executors=executors, runtime=runtime,
        poller=_poller(runtime, client), _threads=[thread],
    )  # fmt: skip


def serve(runtime: Runtime, port: int | None = None) -> int:
    """Run the bot until interrupted (Ctrl-C or SIGTERM); HTTP mode listens on `port` (default:
    NEWSDESK_PORT)."""
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        # before `start`: the health check answers as soon as HTTP mode listens, so a SIGTERM
        # can come while `start` returns; it stops the bot as cleanly as one that comes later
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    running = start(runtime, port=port)
    where = (
        "connected to Slack (Socket Mode)"
        if running.mode == "socket"
        else f"listening on port {running.port}{EVENTS_PATH}"
    )
    print(f"newsdesk bot {where}; Ctrl-C stops it.", flush=True)
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
    return 0


def _poller(runtime: Runtime, client: WebClient) -> FeedPoller | None:
    """The followed feeds' poller, over the runtime's index."""
    from bot.slack.feeds import start_poller

    return start_poller(runtime, client)
