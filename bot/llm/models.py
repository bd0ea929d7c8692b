"""The chat model `NEWSDESK_LLM` names, as a LangChain `BaseChatModel`.

    openai:<model>     any OpenAI-compatible endpoint: NEWSDESK_LLM_BASE_URL (vLLM, a llama.cpp
                       server, Ollama, a hosted API) and NEWSDESK_LLM_API_KEY
    anthropic:<model>  Anthropic, with NEWSDESK_LLM_API_KEY
    local              the bundled Qwen2.5-Coder-1.5B GGUF, run in-process (the local-llm extra)
    gguf:<path>        any GGUF file, run in-process by xllamacpp
    (empty)            no LLM: answers stay extractive

Every model is built without tools: the only thing an LLM does here is write text, which the
caller checks before showing it. Problems are `NewsdeskError`s that say what to set.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from langchain_core.language_models.chat_models import BaseChatModel

from newsdesk.errors import NewsdeskError
from newsdesk.settings import Settings

PROVIDERS = ("openai", "anthropic", "local", "gguf")
SPEC_HELP = "NEWSDESK_LLM must be openai:<model>, anthropic:<model>, local or gguf:<path>, or empty"
MAX_RETRIES = 1  # one quick retry of a failed HTTP call; the timeout bounds the whole answer


class LLMConfigError(NewsdeskError):
    """NEWSDESK_LLM (or what it needs) is not set right."""


def parse_spec(spec: str) -> tuple[str, str]:
    """`"openai:gpt-4o-mini"` → `("openai", "gpt-4o-mini")`; `"local"` → `("local", "")`."""
    spec = spec.strip()
    provider, _, target = spec.partition(":")
    provider, target = provider.strip().lower(), target.strip()
    if provider not in PROVIDERS:
        raise LLMConfigError(f"unknown LLM {spec!r}: {SPEC_HELP}")
    if provider == "local":
        if target:
            raise LLMConfigError(
                f"NEWSDESK_LLM=local takes no model name (got {spec!r}); use gguf:<path> for another file"
            )
    elif not target:
        raise LLMConfigError(f"NEWSDESK_LLM={spec!r} needs a model after the colon: {SPEC_HELP}")
    return provider, target


def _api_key(settings: Settings) -> str:
    return settings.llm_api_key.get_secret_value().strip()


def _openai(model: str, settings: Settings) -> BaseChatModel:
    key = _api_key(settings) or os.environ.get("OPENAI_API_KEY", "")
    base_url = settings.llm_base_url.strip() or None
    if not key:
        if base_url is None:
            raise LLMConfigError(
                "NEWSDESK_LLM=openai:... needs NEWSDESK_LLM_API_KEY, or NEWSDESK_LLM_BASE_URL for a local server"
            )
        key = "not-needed"  # local servers (vLLM, llama.cpp, Ollama) accept any key
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:
        raise LLMConfigError(
            "NEWSDESK_LLM=openai:... needs langchain-openai: pip install langchain-openai"
        ) from exc
    return ChatOpenAI(
        model=model, base_url=base_url, api_key=key, timeout=settings.llm_timeout,
        max_retries=MAX_RETRIES, temperature=0, max_tokens=settings.llm_max_tokens,
        name=f"openai:{model}",
    )  # fmt: skip


def _anthropic(model: str, settings: Settings) -> BaseChatModel:
    key = _api_key(settings) or os.environ.get("ANTHROPIC_API_KEY", "")
    if not key:
        raise LLMConfigError("NEWSDESK_LLM=anthropic:... needs NEWSDESK_LLM_API_KEY")
    try:
        from langchain_anthropic import ChatAnthropic
    except ImportError as exc:
        raise LLMConfigError(
            "NEWSDESK_LLM=anthropic:... needs langchain-anthropic: pip install langchain-anthropic"
        ) from exc
    extra = {"base_url": settings.llm_base_url.strip()} if settings.llm_base_url.strip() else {}
    return ChatAnthropic(
        model=model, api_key=key, timeout=settings.llm_timeout, max_retries=MAX_RETRIES,
        temperature=0, max_tokens=settings.llm_max_tokens, name=f"anthropic:{model}", **extra,
    )  # fmt: skip


def gguf_model(
    path: Path,
    settings: Settings,
    name: str,
    *,
    n_ctx: int | None = None,
    max_tokens: int | None = None,
    n_threads: int | None = None,
) -> BaseChatModel:
    """A GGUF file run in-process (see `bot.llm.local`)."""
    from bot.llm.local import ChatXLlamaCpp, check_gguf

    check_gguf(path)
    return ChatXLlamaCpp(
        model_path=str(path), n_ctx=n_ctx or settings.llm_context,
        n_threads=settings.llm_threads if n_threads is None else n_threads,
        max_tokens=max_tokens or settings.llm_max_tokens, temperature=0.0,
        timeout=settings.llm_timeout, name=name,
    )  # fmt: skip


def load_chat_model(settings: Settings) -> BaseChatModel | None:
    """The chat model `settings.llm` names, loaded; None when no LLM is configured."""
    spec = settings.llm.strip()
    if not spec:
        return None
    provider, target = parse_spec(spec)
    if provider == "openai":
        return _openai(target, settings)
    if provider == "anthropic":
        return _anthropic(target, settings)
    if provider == "local":
        from bot.llm.bundled import NAME, bundled_model_path

        return gguf_model(bundled_model_path(settings.data_dir), settings, NAME)
    path = Path(target).expanduser()
    return gguf_model(path, settings, f"gguf:{path.name}")


_shared: dict[tuple[object, ...], BaseChatModel] = {}
_shared_lock = threading.Lock()


def shared_chat_model(settings: Settings) -> BaseChatModel | None:
    """`load_chat_model`, once per process for the same configuration (a local model is big)."""
    key = (
        settings.llm.strip(), settings.llm_base_url.strip(),
        hashlib.sha256(settings.llm_api_key.get_secret_value().encode()).hexdigest(),
        settings.llm_timeout, settings.llm_max_tokens, settings.llm_context, settings.llm_threads,
        str(settings.data_dir),
    )  # fmt: skip
    with _shared_lock:
        if key not in _shared:
            model = load_chat_model(settings)
            if model is None:
                return None
            _shared[key] = model
        return _shared[key]


def forget_shared() -> None:
    """Drop the shared models (before they are closed): the next `shared_chat_model` loads anew."""
    with _shared_lock:
        _shared.clear()


def model_name(model: BaseChatModel) -> str:
    """A short name for `Answer.generated_by`."""
    for attribute in ("name", "model_name", "model"):
        value = getattr(model, attribute, None)
        if isinstance(value, str) and value:
            return value
    return type(model).__name__
