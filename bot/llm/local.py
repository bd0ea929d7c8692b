"""A GGUF model run in-process by xllamacpp, as a LangChain chat model.

`ChatXLlamaCpp` is a real `BaseChatModel`: `invoke`, `stream`, `batch` and callbacks work as for
any other. Generation always streams internally (`Server.handle_chat_completions` with a
callback), which gives two things the blocking call lacks: a timeout that really stops the
generation (the callback returns True once the deadline has passed), and `stream()` chunks as
they are produced, for the Slack message that updates in place.

The model has no tools. `bind_tools` is not implemented, the embedded server is started
without server tools or MCP servers, and a tool message is refused: nothing a passage says can
make it act. The embedded llama.cpp server also listens on a loopback HTTP port (xllamacpp
always starts it); it is locked with a random API key that is never shown, so only this
process can use it.
"""

from __future__ import annotations

import atexit
import os
import queue
import secrets
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, Field, PrivateAttr

from newsdesk.errors import NewsdeskError

GGUF_MAGIC = b"GGUF"
MAX_AUTO_THREADS = 4
STOP_WAIT = 60.0  # seconds `close()` and interpreter exit wait for running generations to stop


class LocalModelError(NewsdeskError):
    """A GGUF file that cannot be used, or a missing runtime."""


def check_gguf(path: Path) -> None:
    """Refuse, with a one-line message, a path that is not a readable GGUF file."""
    if not path.is_file():
        raise LocalModelError(
            f"no GGUF model file at {path}: set NEWSDESK_LLM=gguf:<path to a .gguf file>"
        )
    with path.open("rb") as handle:
        if handle.read(4) != GGUF_MAGIC:
            raise LocalModelError(f"{path} is not a GGUF model file (set NEWSDESK_LLM=gguf:<path>)")


def auto_threads() -> int:
    """Threads that read the prompt: one per core, at most MAX_AUTO_THREADS."""
    return max(1, min(MAX_AUTO_THREADS, os.cpu_count() or 1))


def auto_write_threads() -> int:
    """Threads that write tokens: one core fewer than there are (one on 2 cores).

    Writing a token is a chain of small matrix-vector products whose threads wait on each
    other at every step; a thread that loses its core to another process (the embedder, a
    Slack handler, another program) stalls them all. Measured here on 2 cores with other work
    running: Qwen2.5-1.5B wrote 4.8-5.9 tokens/s with one thread and 0.4-0.9 with two."""
    return max(1, min(MAX_AUTO_THREADS, (os.cpu_count() or 1) - 1))


def _text_of(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    parts = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
    return "".join(parts)


def to_openai_messages(messages: Sequence[BaseMessage]) -> list[dict[str, str]]:
    """System, human and AI messages as OpenAI chat messages; anything tool-like is refused."""
    out = []
    for message in messages:
        if isinstance(message, SystemMessage):
            role = "system"
        elif isinstance(message, HumanMessage):
            role = "user"
        elif isinstance(message, AIMessage):
            if message.tool_calls:
                raise ValueError("this model has no tools; a message with tool calls was given")
            role = "assistant"
        else:
            raise ValueError(f"this model has no tools; cannot send a {message.type!r} message")
        out.append({"role": role, "content": _text_of(message)})
    return out


class _Run:
    """One generation: collects deltas, watches the deadline and a cancel flag."""

    def __init__(
        self,
        deadline: float | None,
        on_delta: Callable[[str], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        self.deadline = deadline
        self.on_delta = on_delta
        self.cancel = cancel or threading.Event()
        self.parts: list[str] = []
        self.finish_reason: str | None = None
        self.timings: dict[str, Any] = {}
        self.usage: dict[str, Any] = {}
        self.error: str | None = None
        self.timed_out = False
        self.exception: BaseException | None = None
        self.done = threading.Event()

    def __call__(self, chunk: Any) -> bool:
        """xllamacpp's callback: return True to stop generating."""
        try:
            return self._take(chunk)
        except BaseException as exc:  # noqa: BLE001 - re-raised by the caller after the run
            self.exception = exc
            return True

    def _take(self, chunk: Any) -> bool:
        if not isinstance(chunk, dict):
            self.error = f"unexpected reply from the runtime: {str(chunk)[:200]}"
            return True
        if "error" in chunk or ("choices" not in chunk and "message" in chunk):
            error = chunk.get("error", chunk)
            self.error = str(error.get("message", error) if isinstance(error, dict) else error)
            return True
        for choice in chunk.get("choices") or []:
            delta = (choice.get("delta") or {}).get("content")
            if delta:
                self.parts.append(delta)
                if self.on_delta is not None:
                    self.on_delta(delta)
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]
        if chunk.get("timings"):
            self.timings = chunk["timings"]
        if chunk.get("usage"):
            self.usage = chunk["usage"]
        if self.cancel.is_set():
            return True
        if self.deadline is not None and time.monotonic() > self.deadline:
            self.timed_out = True
            return True
        return False

    @property
    def text(self) -> str:
        return "".join(self.parts)


# Generations in progress. A caller that stops waiting (a timeout) leaves its generation
# running in a daemon thread; it stops at its next token once cancelled (llama.cpp does not
# call back while it reads a prompt, so a cancelled run ends at most one prompt later). Before
# the interpreter exits, every model is closed: its runs cancelled and waited for, then its
# server freed in the main thread. A thread still inside llama.cpp when the interpreter tears
# down, or a server freed by the garbage collector after the runtime's own globals, crashes
# the process (SIGSEGV, or "FATAL: exception not rethrown").
_running: set[_Run] = set()
_running_lock = threading.Lock()
_models: weakref.WeakValueDictionary[int, ChatXLlamaCpp] = weakref.WeakValueDictionary()


def stop_all(runs: set[_Run] | None = None, wait: float | None = STOP_WAIT) -> bool:
    """Cancel generations in progress (all of them by default) and wait until they stop
    (`wait` None: for as long as they take); True when they all did."""
    with _running_lock:
        targets = set(_running if runs is None else runs & _running)
    for run in targets:
        run.cancel.set()
    deadline = None if wait is None else time.monotonic() + wait
    for run in targets:
        run.done.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
    return all(run.done.is_set() for run in targets)


def close_all() -> None:
    """Close every local model of this process (registered with atexit)."""
    for model in list(_models.values()):
        model.close()


atexit.register(close_all)


class ChatXLlamaCpp(BaseChatModel):
    """A GGUF chat model run in this process by xllamacpp (llama.cpp).

    Construct it once (loading takes a few seconds) and share it: calls from several threads
    are queued by the embedded server (one slot).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str
    n_ctx: int = 4096
    # Threads writing tokens; 0: `auto_write_threads()` (one on 2 cores). On a busy machine one
    # thread writes far faster than two (measured here: 15 vs 1.4 tokens/s with SmolLM2 while
    # other processes held the cores), since llama.cpp's threads wait on each other per token.
    n_threads: int = 0
    n_threads_batch: int = 0  # threads reading the prompt; 0: `auto_threads()`
    max_tokens: int = 512
    temperature: float = 0.0
    timeout: float | None = Field(
        default=None, description="seconds before a generation is stopped"
    )

    _server: Any = PrivateAttr(default=None)
    _runs: set[_Run] = PrivateAttr(default_factory=set)

    def model_post_init(self, context: Any, /) -> None:
        self._server = self._start()
        _models[id(self)] = self

    def _start(self) -> Any:
        path = Path(self.model_path)
        check_gguf(path)
        try:
            import xllamacpp
        except ImportError as exc:
            raise LocalModelError(
                "a local GGUF model needs the xllamacpp runtime: pip install -e .[local-llm]"
            ) from exc
        params = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.n_ctx = self.n_ctx
        params.n_parallel = 1
        params.cpuparams.n_threads = self.n_threads or auto_write_threads()
        params.cpuparams_batch.n_threads = self.n_threads_batch or auto_threads()
        params.verbosity = -1  # llama.cpp logs every request to stderr otherwise
        # No tools, no MCP servers: the model can only write text.
        params.server_tools = []
        params.mcp_servers_config = ""
        params.mcp_servers_json = ""
        # xllamacpp also serves the model over loopback HTTP; a random key nobody knows locks it.
        params.api_keys = [secrets.token_urlsafe(32)]
        try:
            server = xllamacpp.Server(params)
        except RuntimeError as exc:
            raise LocalModelError(f"could not load the GGUF model {path}: {exc}") from exc
        # One token, written before anything can free the server: freed before its task loop
        # has run (a model loaded and closed at once, e.g. `ask` when the index abstains), its
        # destructor waited forever (measured: 1 of 2 times with SmolLM2 here).
        server.handle_completions({"prompt": "a", "max_tokens": 1})
        return server

    @property
    def _llm_type(self) -> str:
        return "xllamacpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model_path": self.model_path, "n_ctx": self.n_ctx,
            "max_tokens": self.max_tokens, "temperature": self.temperature,
        }  # fmt: skip

    def close(self) -> None:
        """Stop this model's generations in progress, wait for them, and free the model in
        this thread (done for every model at exit; calling it again does nothing)."""
        stop_all(self._runs, wait=None)
        server, self._server = self._server, None
        del server  # the last reference: llama.cpp frees the model here, not at teardown

    def warm(self, messages: Sequence[BaseMessage]) -> None:
        """Read `messages` into the prompt cache without answering, so that a later prompt
        starting with them reads only the rest (llama.cpp keeps the last prompt's tokens)."""
        run = _Run(self._deadline())
        self._run(self._payload(messages, None, max_tokens=1), run)

    # -- generation ------------------------------------------------------------------------

    def _payload(
        self, messages: Sequence[BaseMessage], stop: list[str] | None, **kwargs: Any
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "messages": to_openai_messages(messages),
            "max_tokens": int(kwargs.pop("max_tokens", self.max_tokens)),
            "temperature": float(kwargs.pop("temperature", self.temperature)),
            "stream": True,
            "stream_options": {"include_usage": True},
            # Keep the prompt's tokens for the next request: the answer prompts all start with
            # the same system prompt, which is then read once per process, not per question.
            "cache_prompt": True,
        }
        if stop:
            payload["stop"] = list(stop)
        for key in (
            "top_p",
            "top_k",
            "seed",
            "repeat_penalty",
            "presence_penalty",
            "frequency_penalty",
        ):
            if key in kwargs:
                payload[key] = kwargs.pop(key)
        return payload

    def _run(self, payload: dict[str, Any], run: _Run) -> None:
        server = self._server
        if server is None:
            raise LocalModelError("the local model was closed")
        with _running_lock:
            _running.add(run)
            self._runs.add(run)
        try:
            server.handle_chat_completions(payload, run)
        finally:
            with _running_lock:
                _running.discard(run)
                self._runs.discard(run)
            run.done.set()
        if run.exception is not None:
            raise run.exception
        if run.error is not None:
            raise RuntimeError(f"local model error: {run.error}")
        if run.timed_out:
            raise TimeoutError(f"the local model took longer than {self.timeout:g} s")

    def _deadline(self) -> float | None:
        return time.monotonic() + self.timeout if self.timeout else None

    def _metadata(self, run: _Run) -> dict[str, Any]:
        return {
            "finish_reason": run.finish_reason,
            "timings": run.timings,
            "model_path": self.model_path,
        }

    def _usage(self, run: _Run) -> dict[str, int] | None:
        if not run.usage:
            return None
        prompt = int(run.usage.get("prompt_tokens", 0))
        completion = int(run.usage.get("completion_tokens", 0))
        return {
            "input_tokens": prompt,
            "output_tokens": completion,
            "total_tokens": prompt + completion,
        }

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        on_delta = (lambda d: run_manager.on_llm_new_token(d)) if run_manager else None
        run = _Run(self._deadline(), on_delta)
        self._run(self._payload(messages, stop, **kwargs), run)
        message = AIMessage(
            content=run.text, response_metadata=self._metadata(run), usage_metadata=self._usage(run)
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        """Chunks as the model writes them; closing the iterator early stops the generation."""
        payload = self._payload(messages, stop, **kwargs)
        deltas: queue.Queue[str | None] = queue.Queue()
        cancel = threading.Event()
        run = _Run(self._deadline(), deltas.put, cancel)
        failure: list[BaseException] = []

        def work() -> None:
            try:
                self._run(payload, run)
            except BaseException as exc:  # noqa: BLE001 - handed to the consuming thread
                failure.append(exc)
            finally:
                deltas.put(None)

        worker = threading.Thread(target=work, name="xllamacpp-stream", daemon=True)
        worker.start()
        try:
            while (delta := deltas.get()) is not None:
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=delta))
                if run_manager:
                    run_manager.on_llm_new_token(delta, chunk=chunk)
                yield chunk
        finally:
            cancel.set()
            worker.join()
        if failure:
            raise failure[0]
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="", response_metadata=self._metadata(run), usage_metadata=self._usage(run),
                chunk_position="last",
            )
        )  # fmt: skip
