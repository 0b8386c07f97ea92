"""Reference implementations of the kit's models in PyTorch and JAX.

This file is *not* part of the Swift package; it exists so that the speed of the
Swift implementation can be compared with mainstream frameworks running the very
same models on the same machine (see ``bench_reference.py`` and
``run_reference.sh`` next to it).

It implements, exactly as written in ``notebooks-md/models.md`` (the kit's statement of the spec):

* the NTM with an LSTM controller (any number of read heads R and write heads W,
  shift range S, L controller layers, ``memoryInit`` constant / learned /
  random, clipping of head parameters and output logits at ``clipValue``);
* the LSTM and GRU baselines (a stack of cells plus an output layer, learned
  initial states).

twice:

* PyTorch: ``torch.nn`` modules whose parameter names are the spec's tensor
  names.  The baselines use PyTorch's fused ``nn.LSTM`` / ``nn.GRU``; the NTM
  runs its time loop in Python (its controller input depends on the previous
  step's reads, so no fused sequence kernel applies).
* JAX: pure functions of a flat ``{spec name: array}`` parameter dict, with the
  time loop written as ``jax.lax.scan``.

It also holds the loss (BCE with logits summed over the bits of the masked
steps, averaged over the batch), a tiny safetensors reader, the copy-task batch
used by the benchmark, an initialiser following the kit's README, and
``check_golden()``, which verifies both implementations against the golden
traces in ``Tests/NTMModelsTests/Fixtures/``.

Usage (inside a venv with ``torch`` and ``jax``, see ``run_reference.sh``)::

    python notebooks-md/benchmarks/reference_models.py     # runs check_golden()
"""

from __future__ import annotations

import json
import math
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import torch
import torch.nn as nn
import torch.nn.functional as F

import jax
import jax.numpy as jnp

# Tests/NTMModelsTests/Fixtures of this repository (this file lives in
# notebooks-md/benchmarks/).
FIXTURES = Path(__file__).resolve().parents[2] / "Tests" / "NTMModelsTests" / "Fixtures"

# Constants of the spec.
COSINE_EPS = 1e-8        # K_n = k.Mem[n] / (|k| |Mem[n]| + 1e-8)
SHARPEN_EPS = 1e-16      # w_n = ws_n^γ / (Σ ws^γ + 1e-16)
CONSTANT_MEMORY = 1e-6   # memoryInit "constant"


# -----------------------------------------------------------------------------
# safetensors (read only, F32 only: all the kit writes)
# -----------------------------------------------------------------------------

def read_safetensors(path: str | Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Read a safetensors file: 8-byte little-endian header length, JSON header,
    then raw little-endian data.  Returns ``(tensors, metadata)``."""
    blob = Path(path).read_bytes()
    (header_len,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + header_len])
    metadata = header.pop("__metadata__", {})
    data = blob[8 + header_len:]
    tensors = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: {name} has dtype {info['dtype']}, only F32 is supported")
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype="<f4").astype(np.float32)
        tensors[name] = array.reshape(info["shape"])
    return tensors, metadata


# -----------------------------------------------------------------------------
# Configurations
# -----------------------------------------------------------------------------

@dataclass(frozen=True)
class NTMConfig:
    input_width: int = 9         # X
    output_width: int = 8        # Y
    controller_size: int = 100   # H
    layers: int = 1              # L
    memory_rows: int = 128       # N
    memory_width: int = 20       # M
    read_heads: int = 1          # R
    write_heads: int = 1         # W
    shift_range: int = 1         # S
    memory_init: str = "constant"
    clip_value: float = 20.0

    kind = "ntm"

    @property
    def read_head_size(self) -> int:    # [k (M), β, g, s (2S+1), γ]
        return self.memory_width + 2 * self.shift_range + 4

    @property
    def write_head_size(self) -> int:   # the same, then [e (M), a (M)]
        return 3 * self.memory_width + 2 * self.shift_range + 4


@dataclass(frozen=True)
class RNNConfig:
    kind: str                    # "lstm" or "gru"
    input_width: int = 9
    output_width: int = 8
    hidden_size: int = 256
    layers: int = 3

    @property
    def gates(self) -> int:
        return 4 if self.kind == "lstm" else 3


def config_from_metadata(metadata: dict[str, str]):
    """Model configuration from a checkpoint's ``__metadata__``."""
    model = metadata["model"]
    c = json.loads(metadata["config"])
    if model == "ntm":
        return NTMConfig(
            input_width=c["inputWidth"], output_width=c["outputWidth"],
            controller_size=c["controllerSize"], layers=c["layers"],
            memory_rows=c["memoryRows"], memory_width=c["memoryWidth"],
            read_heads=c["readHeads"], write_heads=c["writeHeads"],
            shift_range=c["shiftRange"], memory_init=c.get("memoryInit", "constant"),
            clip_value=float(c.get("clipValue", 20.0)))
    if model in ("lstm", "gru"):
        return RNNConfig(kind=model, input_width=c["inputWidth"], output_width=c["outputWidth"],
                         hidden_size=c["hiddenSize"], layers=c["layers"])
    raise ValueError(f"unknown model {model!r}")


def is_trainable(cfg, name: str) -> bool:
    """``memory.m0`` is a fixed constant unless ``memoryInit`` is ``learned``."""
    return not (name == "memory.m0" and cfg.memory_init != "learned")


# -----------------------------------------------------------------------------
# Initialisation (not fixed by the spec; follows the kit's README) and data
# -----------------------------------------------------------------------------

def init_parameters(cfg, seed: int = 0) -> dict[str, np.ndarray]:
    """Fresh parameters under the spec's names (float32 numpy arrays).

    Recurrent layers and the baselines' output layer: U(-1/√H, 1/√H); NTM heads
    and output layer: Glorot-uniform weights and zero biases; ρ, ω: N(0, 0.1²);
    initial states zero; memory by ``memoryInit``.
    """
    rng = np.random.default_rng(seed)
    p: dict[str, np.ndarray] = {}

    def uniform(shape, bound):
        return rng.uniform(-bound, bound, size=shape)

    def glorot(rows, cols):
        return uniform((rows, cols), math.sqrt(6.0 / (rows + cols)))

    def recurrent_stack(prefix, gates, input_size, hidden, layers, with_c0):
        bound = 1.0 / math.sqrt(hidden)
        for k in range(layers):
            in_k = input_size if k == 0 else hidden
            p[f"{prefix}.weight_ih_l{k}"] = uniform((gates * hidden, in_k), bound)
            p[f"{prefix}.weight_hh_l{k}"] = uniform((gates * hidden, hidden), bound)
            p[f"{prefix}.bias_ih_l{k}"] = uniform((gates * hidden,), bound)
            p[f"{prefix}.bias_hh_l{k}"] = uniform((gates * hidden,), bound)
        p[f"{prefix}.h0"] = np.zeros((layers, hidden))
        if with_c0:
            p[f"{prefix}.c0"] = np.zeros((layers, hidden))

    if isinstance(cfg, NTMConfig):
        H, N, M = cfg.controller_size, cfg.memory_rows, cfg.memory_width
        recurrent_stack("controller", 4, cfg.input_width + cfg.read_heads * M, H, cfg.layers, True)
        for i in range(cfg.read_heads):
            p[f"read_heads.{i}.weight"] = glorot(cfg.read_head_size, H)
            p[f"read_heads.{i}.bias"] = np.zeros(cfg.read_head_size)
            p[f"read_heads.{i}.r0"] = rng.normal(0.0, 0.1, size=M)
            p[f"read_heads.{i}.w0"] = rng.normal(0.0, 0.1, size=N)
        for j in range(cfg.write_heads):
            p[f"write_heads.{j}.weight"] = glorot(cfg.write_head_size, H)
            p[f"write_heads.{j}.bias"] = np.zeros(cfg.write_head_size)
            p[f"write_heads.{j}.w0"] = rng.normal(0.0, 0.1, size=N)
        p["output.weight"] = glorot(cfg.output_width, H + cfg.read_heads * M)
        p["output.bias"] = np.zeros(cfg.output_width)
        if cfg.memory_init == "constant":
            p["memory.m0"] = np.full((N, M), CONSTANT_MEMORY)
        elif cfg.memory_init == "random":
            p["memory.m0"] = np.tanh(rng.normal(0.0, 0.5, size=(N, M)))
        elif cfg.memory_init == "learned":
            p["memory.m0"] = rng.normal(0.0, 0.5, size=(N, M))   # μ; memory = tanh(μ)
        else:
            raise ValueError(f"unknown memoryInit {cfg.memory_init!r}")
    else:
        H = cfg.hidden_size
        recurrent_stack(cfg.kind, cfg.gates, cfg.input_width, H, cfg.layers, cfg.kind == "lstm")
        p["output.weight"] = uniform((cfg.output_width, H), 1.0 / math.sqrt(H))
        p["output.bias"] = uniform((cfg.output_width,), 1.0 / math.sqrt(H))
    return {name: value.astype(np.float32) for name, value in p.items()}


def copy_batch(length: int, batch: int, bits: int = 8, seed: int = 0):
    """A copy-task batch, time-major: ``length`` random ``bits``-bit vectors, the
    delimiter on input channel ``bits`` at step ``length``, then ``length``
    steps whose targets are the vectors again.  T = 2·length + 1.

    Returns float32 numpy arrays ``inputs [T,B,bits+1]``, ``targets [T,B,bits]``
    and ``mask [T]``."""
    rng = np.random.default_rng(seed)
    T = 2 * length + 1
    data = rng.integers(0, 2, size=(length, batch, bits)).astype(np.float32)
    inputs = np.zeros((T, batch, bits + 1), np.float32)
    targets = np.zeros((T, batch, bits), np.float32)
    mask = np.zeros((T,), np.float32)
    inputs[:length, :, :bits] = data
    inputs[length, :, bits] = 1.0
    targets[length + 1:] = data
    mask[length + 1:] = 1.0
    return inputs, targets, mask


# =============================================================================
# PyTorch
# =============================================================================

def torch_bce_loss(logits, targets, mask):
    """BCE with logits, summed over the bits of the masked steps, averaged over
    the batch.  ``logits``/``targets`` are ``[T,B,Y]``, ``mask`` is ``[T]``."""
    per_bit = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    return (per_bit * mask[:, None, None]).sum() / logits.shape[1]


class TorchLSTMStack(nn.Module):
    """A stack of LSTM cells stepped one time step at a time (the NTM's
    controller).  Parameters ``weight_ih_l{k}``, ``weight_hh_l{k}``,
    ``bias_ih_l{k}``, ``bias_hh_l{k}``, ``h0``, ``c0`` as in ``nn.LSTM`` plus
    the learned initial states."""

    def __init__(self, input_size: int, hidden: int, layers: int):
        super().__init__()
        self.hidden, self.layers = hidden, layers
        for k in range(layers):
            in_k = input_size if k == 0 else hidden
            self.register_parameter(f"weight_ih_l{k}", nn.Parameter(torch.zeros(4 * hidden, in_k)))
            self.register_parameter(f"weight_hh_l{k}", nn.Parameter(torch.zeros(4 * hidden, hidden)))
            self.register_parameter(f"bias_ih_l{k}", nn.Parameter(torch.zeros(4 * hidden)))
            self.register_parameter(f"bias_hh_l{k}", nn.Parameter(torch.zeros(4 * hidden)))
        self.h0 = nn.Parameter(torch.zeros(layers, hidden))
        self.c0 = nn.Parameter(torch.zeros(layers, hidden))

    def initial_state(self, batch: int):
        return [(self.h0[k].expand(batch, -1), self.c0[k].expand(batch, -1))
                for k in range(self.layers)]

    def step(self, u, state):
        """One time step; returns ``(h_top, new_state)``."""
        new_state = []
        for k, (h, c) in enumerate(state):
            z = (F.linear(u, getattr(self, f"weight_ih_l{k}"), getattr(self, f"bias_ih_l{k}"))
                 + F.linear(h, getattr(self, f"weight_hh_l{k}"), getattr(self, f"bias_hh_l{k}")))
            zi, zf, zg, zo = z.chunk(4, dim=-1)
            c = torch.sigmoid(zf) * c + torch.sigmoid(zi) * torch.tanh(zg)
            h = torch.sigmoid(zo) * torch.tanh(c)
            new_state.append((h, c))
            u = h
        return u, new_state


class TorchHead(nn.Module):
    """One NTM head: its linear layer, and its learned initial weighting ``w0``
    (ω, before softmax) and, for read heads, initial read vector ``r0`` (ρ,
    before tanh)."""

    def __init__(self, out_size: int, hidden: int, rows: int, width: int | None):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(out_size, hidden))
        self.bias = nn.Parameter(torch.zeros(out_size))
        if width is not None:
            self.r0 = nn.Parameter(torch.zeros(width))
        self.w0 = nn.Parameter(torch.zeros(rows))


def torch_address(p, memory, w_prev, cfg: NTMConfig):
    """Addressing of one head (spec step 3).  ``p`` holds the head's clipped
    parameters ``[B, ≥ M+2S+4]``, ``memory`` is ``Mem_{t-1}`` ``[B,N,M]``,
    ``w_prev`` is ``w_{t-1}`` ``[B,N]``.  Returns the new weighting ``[B,N]``."""
    M, S = cfg.memory_width, cfg.shift_range
    k = torch.tanh(p[:, :M])
    beta = F.softplus(p[:, M:M + 1])
    g = torch.sigmoid(p[:, M + 1:M + 2])
    s = torch.softmax(p[:, M + 2:M + 3 + 2 * S], dim=-1)
    gamma = 1.0 + F.softplus(p[:, M + 3 + 2 * S:M + 4 + 2 * S])

    # Cosine similarity, exactly as the spec: dot / (|k| |Mem[n]| + 1e-8).
    dot = torch.bmm(memory, k.unsqueeze(-1)).squeeze(-1)                  # [B,N]
    norms = k.norm(dim=-1, keepdim=True) * memory.norm(dim=-1) + COSINE_EPS
    wc = torch.softmax(beta * dot / norms, dim=-1)
    wg = g * wc + (1.0 - g) * w_prev
    # Circular shift: ws_n = Σ_j wg_{(n-j) mod N} s_j; torch.roll(x, j)[n] = x[(n-j) mod N],
    # and s index 0 is shift -S.
    ws = sum(torch.roll(wg, shifts=j, dims=-1) * s[:, j + S:j + S + 1] for j in range(-S, S + 1))
    # Sharpening with a safe power: entries with ws == 0 contribute 0 and give
    # zero gradient (no log(0) in the backward pass).
    positive = ws > 0
    powered = torch.where(positive, torch.pow(torch.where(positive, ws, torch.ones_like(ws)), gamma),
                          torch.zeros_like(ws))
    return powered / (powered.sum(dim=-1, keepdim=True) + SHARPEN_EPS)


class TorchNTM(nn.Module):
    """The NTM of the spec.  ``named_parameters()`` (plus the ``memory.m0``
    buffer when the memory is not learned) are exactly the checkpoint names."""

    def __init__(self, cfg: NTMConfig):
        super().__init__()
        self.cfg = cfg
        H, N, M = cfg.controller_size, cfg.memory_rows, cfg.memory_width
        self.controller = TorchLSTMStack(cfg.input_width + cfg.read_heads * M, H, cfg.layers)
        self.read_heads = nn.ModuleList(
            TorchHead(cfg.read_head_size, H, N, M) for _ in range(cfg.read_heads))
        self.write_heads = nn.ModuleList(
            TorchHead(cfg.write_head_size, H, N, None) for _ in range(cfg.write_heads))
        self.memory = nn.Module()
        if cfg.memory_init == "learned":
            self.memory.m0 = nn.Parameter(torch.zeros(N, M))
        else:
            self.memory.register_buffer("m0", torch.full((N, M), CONSTANT_MEMORY))
        self.output = nn.Linear(H + cfg.read_heads * M, cfg.output_width)

    def forward(self, inputs, return_weights: bool = False):
        """``inputs [T,B,X]`` → logits ``[T,B,Y]`` (and, if asked, the stacked
        weightings ``[T,B,N]`` of each head, read heads first)."""
        cfg = self.cfg
        C, M = cfg.clip_value, cfg.memory_width
        T, B = inputs.shape[0], inputs.shape[1]
        state = self.controller.initial_state(B)
        reads = [torch.tanh(h.r0).expand(B, -1) for h in self.read_heads]
        heads = list(self.read_heads) + list(self.write_heads)
        weights = [torch.softmax(h.w0, dim=-1).expand(B, -1) for h in heads]
        m0 = torch.tanh(self.memory.m0) if cfg.memory_init == "learned" else self.memory.m0
        memory = m0.expand(B, -1, -1)

        logits, history = [], []
        for t in range(T):
            h_top, state = self.controller.step(torch.cat([inputs[t]] + reads, dim=-1), state)
            params = [torch.clamp(F.linear(h_top, h.weight, h.bias), -C, C) for h in heads]
            # Every head addresses the memory of the previous step.
            weights = [torch_address(p, memory, w, cfg) for p, w in zip(params, weights)]
            # Reads see the memory before this step's writes.
            reads = [torch.bmm(w.unsqueeze(1), memory).squeeze(1)
                     for w in weights[:cfg.read_heads]]
            # Writes, one head after another.
            for p, w in zip(params[cfg.read_heads:], weights[cfg.read_heads:]):
                erase = torch.sigmoid(p[:, -2 * M:-M])
                add = torch.tanh(p[:, -M:])
                w_col = w.unsqueeze(-1)
                memory = memory * (1.0 - w_col * erase.unsqueeze(1)) + w_col * add.unsqueeze(1)
            y = torch.clamp(self.output(torch.cat([h_top] + reads, dim=-1)), -C, C)
            logits.append(y)
            if return_weights:
                history.append(weights)
        logits = torch.stack(logits)
        if not return_weights:
            return logits
        return logits, [torch.stack([step[j] for step in history]) for j in range(len(heads))]


class TorchRNNBaseline(nn.Module):
    """LSTM / GRU baseline: PyTorch's fused ``nn.LSTM`` / ``nn.GRU`` (stored as
    ``self.lstm`` / ``self.gru`` so that parameter names match the spec), learned
    initial states registered on that module as ``h0`` (and ``c0``), and the
    output layer ``output``."""

    def __init__(self, cfg: RNNConfig):
        super().__init__()
        self.cfg = cfg
        cls = nn.LSTM if cfg.kind == "lstm" else nn.GRU
        rnn = cls(cfg.input_width, cfg.hidden_size, cfg.layers)
        rnn.register_parameter("h0", nn.Parameter(torch.zeros(cfg.layers, cfg.hidden_size)))
        if cfg.kind == "lstm":
            rnn.register_parameter("c0", nn.Parameter(torch.zeros(cfg.layers, cfg.hidden_size)))
        setattr(self, cfg.kind, rnn)
        self.output = nn.Linear(cfg.hidden_size, cfg.output_width)

    def forward(self, inputs):
        rnn = getattr(self, self.cfg.kind)
        B = inputs.shape[1]
        h0 = rnn.h0.unsqueeze(1).expand(-1, B, -1).contiguous()
        if self.cfg.kind == "lstm":
            c0 = rnn.c0.unsqueeze(1).expand(-1, B, -1).contiguous()
            hidden, _ = rnn(inputs, (h0, c0))
        else:
            hidden, _ = rnn(inputs, h0)
        return self.output(hidden)


def torch_model(cfg) -> nn.Module:
    return TorchNTM(cfg) if isinstance(cfg, NTMConfig) else TorchRNNBaseline(cfg)


def torch_load(model: nn.Module, tensors: dict[str, np.ndarray]) -> nn.Module:
    """Copy checkpoint tensors into the model's parameters and buffers by name;
    every name must match both ways."""
    own = dict(model.named_parameters())
    own.update(model.named_buffers())
    if set(own) != set(tensors):
        raise KeyError(f"name mismatch: missing {sorted(set(tensors) - set(own))}, "
                       f"unexpected {sorted(set(own) - set(tensors))}")
    with torch.no_grad():
        for name, target in own.items():
            target.copy_(torch.from_numpy(np.ascontiguousarray(tensors[name])))
    return model


# =============================================================================
# JAX
# =============================================================================
# Parameters are a flat dict {spec name: array}: ``params`` holds the trained
# ones, ``consts`` the fixed ones (``memory.m0`` unless the memory is learned).

def split_parameters(cfg, tensors: dict[str, np.ndarray]):
    """``(params, consts)`` as JAX arrays."""
    params = {n: jnp.asarray(v) for n, v in tensors.items() if is_trainable(cfg, n)}
    consts = {n: jnp.asarray(v) for n, v in tensors.items() if not is_trainable(cfg, n)}
    return params, consts


def jax_bce_loss(logits, targets, mask):
    """Same loss as ``torch_bce_loss``, in the usual stable form
    ``max(y,0) - y·t + log(1 + e^{-|y|})``."""
    per_bit = jnp.maximum(logits, 0.0) - logits * targets + jnp.log1p(jnp.exp(-jnp.abs(logits)))
    return jnp.sum(per_bit * mask[:, None, None]) / logits.shape[1]


def _linear(x, weight, bias):
    return x @ weight.T + bias


def _lstm_cell(zx, h, c, w_hh, b_hh):
    """LSTM cell given the input part ``zx = W_ih u + b_ih`` of the gates."""
    z = zx + _linear(h, w_hh, b_hh)
    zi, zf, zg, zo = jnp.split(z, 4, axis=-1)
    c = jax.nn.sigmoid(zf) * c + jax.nn.sigmoid(zi) * jnp.tanh(zg)
    return jax.nn.sigmoid(zo) * jnp.tanh(c), c


def _gru_cell(zx, h, w_hh, b_hh):
    """GRU cell given the input part ``zx = W_i u + b_i`` of the gates."""
    xr, xz, xn = jnp.split(zx, 3, axis=-1)
    hr, hz, hn = jnp.split(_linear(h, w_hh, b_hh), 3, axis=-1)
    r = jax.nn.sigmoid(xr + hr)
    z = jax.nn.sigmoid(xz + hz)
    n = jnp.tanh(xn + r * hn)
    return (1.0 - z) * n + z * h


def jax_rnn_forward(cfg: RNNConfig, params, inputs):
    """LSTM / GRU baseline.  Like PyTorch's CPU ``nn.LSTM``/``nn.GRU``, it runs
    layer by layer: each layer's input projection for all steps is one matmul,
    then a ``lax.scan`` does the recurrence."""
    B = inputs.shape[1]
    pre = cfg.kind
    x = inputs
    for k in range(cfg.layers):
        zx = _linear(x, params[f"{pre}.weight_ih_l{k}"], params[f"{pre}.bias_ih_l{k}"])  # [T,B,G·H]
        w_hh, b_hh = params[f"{pre}.weight_hh_l{k}"], params[f"{pre}.bias_hh_l{k}"]
        h0 = jnp.broadcast_to(params[f"{pre}.h0"][k], (B, cfg.hidden_size))
        if cfg.kind == "lstm":
            c0 = jnp.broadcast_to(params[f"{pre}.c0"][k], (B, cfg.hidden_size))

            def step(carry, z_t):
                h, c = _lstm_cell(z_t, *carry, w_hh, b_hh)
                return (h, c), h

            _, x = jax.lax.scan(step, (h0, c0), zx)
        else:
            def step(h, z_t):
                h = _gru_cell(z_t, h, w_hh, b_hh)
                return h, h

            _, x = jax.lax.scan(step, h0, zx)
    return _linear(x, params["output.weight"], params["output.bias"])


def jax_address(p, memory, w_prev, cfg: NTMConfig):
    """Addressing of one head; same contract as ``torch_address``."""
    M, S = cfg.memory_width, cfg.shift_range
    k = jnp.tanh(p[:, :M])
    beta = jax.nn.softplus(p[:, M:M + 1])
    g = jax.nn.sigmoid(p[:, M + 1:M + 2])
    s = jax.nn.softmax(p[:, M + 2:M + 3 + 2 * S], axis=-1)
    gamma = 1.0 + jax.nn.softplus(p[:, M + 3 + 2 * S:M + 4 + 2 * S])

    dot = jnp.einsum("bnm,bm->bn", memory, k)
    k_norm = jnp.sqrt(jnp.sum(k * k, axis=-1, keepdims=True))
    mem_norm = jnp.sqrt(jnp.sum(memory * memory, axis=-1))
    wc = jax.nn.softmax(beta * dot / (k_norm * mem_norm + COSINE_EPS), axis=-1)
    wg = g * wc + (1.0 - g) * w_prev
    # jnp.roll(x, j)[n] = x[(n-j) mod N]; s index 0 is shift -S.
    ws = sum(jnp.roll(wg, j, axis=-1) * s[:, j + S:j + S + 1] for j in range(-S, S + 1))
    positive = ws > 0
    powered = jnp.where(positive, jnp.power(jnp.where(positive, ws, 1.0), gamma), 0.0)
    return powered / (jnp.sum(powered, axis=-1, keepdims=True) + SHARPEN_EPS)


def jax_ntm_forward(cfg: NTMConfig, params, consts, inputs, return_weights: bool = False):
    """The NTM over a whole sequence ``inputs [T,B,X]`` as one ``lax.scan``.
    Returns logits ``[T,B,Y]`` (and, if asked, each head's weightings
    ``[T,B,N]``, read heads first)."""
    C, M, L, R = cfg.clip_value, cfg.memory_width, cfg.layers, cfg.read_heads
    B = inputs.shape[1]
    heads = ([f"read_heads.{i}" for i in range(R)]
             + [f"write_heads.{j}" for j in range(cfg.write_heads)])
    ctrl = [(params[f"controller.weight_ih_l{k}"], params[f"controller.bias_ih_l{k}"],
             params[f"controller.weight_hh_l{k}"], params[f"controller.bias_hh_l{k}"])
            for k in range(L)]

    if cfg.memory_init == "learned":
        m0 = jnp.tanh(params["memory.m0"])
    else:
        m0 = consts["memory.m0"]
    carry0 = (
        [(jnp.broadcast_to(params["controller.h0"][k], (B, cfg.controller_size)),
          jnp.broadcast_to(params["controller.c0"][k], (B, cfg.controller_size))) for k in range(L)],
        [jnp.broadcast_to(jnp.tanh(params[f"{h}.r0"]), (B, M)) for h in heads[:R]],
        [jnp.broadcast_to(jax.nn.softmax(params[f"{h}.w0"]), (B, cfg.memory_rows)) for h in heads],
        jnp.broadcast_to(m0, (B, cfg.memory_rows, M)),
    )

    def step(carry, x_t):
        state, reads, weights, memory = carry
        u = jnp.concatenate([x_t] + reads, axis=-1)
        new_state = []
        for (w_ih, b_ih, w_hh, b_hh), (h, c) in zip(ctrl, state):
            h, c = _lstm_cell(_linear(u, w_ih, b_ih), h, c, w_hh, b_hh)
            new_state.append((h, c))
            u = h
        h_top = u
        ps = [jnp.clip(_linear(h_top, params[f"{h}.weight"], params[f"{h}.bias"]), -C, C)
              for h in heads]
        weights = [jax_address(p, memory, w, cfg) for p, w in zip(ps, weights)]
        reads = [jnp.einsum("bn,bnm->bm", w, memory) for w in weights[:R]]
        for p, w in zip(ps[R:], weights[R:]):
            erase = jax.nn.sigmoid(p[:, -2 * M:-M])
            add = jnp.tanh(p[:, -M:])
            memory = memory * (1.0 - w[:, :, None] * erase[:, None, :]) + w[:, :, None] * add[:, None, :]
        y = jnp.clip(_linear(jnp.concatenate([h_top] + reads, axis=-1),
                             params["output.weight"], params["output.bias"]), -C, C)
        out = (y, weights) if return_weights else y
        return (new_state, reads, weights, memory), out

    _, out = jax.lax.scan(step, carry0, inputs)
    return out


def jax_loss_fn(cfg):
    """``loss(params, consts, inputs, targets, mask)`` for the model of ``cfg``."""
    def loss(params, consts, inputs, targets, mask):
        if isinstance(cfg, NTMConfig):
            logits = jax_ntm_forward(cfg, params, consts, inputs)
        else:
            logits = jax_rnn_forward(cfg, params, inputs)
        return jax_bce_loss(logits, targets, mask)
    return loss


# =============================================================================
# Golden check
# =============================================================================

GOLDEN_CASES = ("ntm-2r1w-s1-l2", "lstm-l2", "gru-l2")


def relative_error(value, reference) -> float:
    """max |value - reference| / max |reference| (the fixtures' measure)."""
    value = np.asarray(value, np.float64)
    reference = np.asarray(reference, np.float64)
    scale = np.max(np.abs(reference))
    diff = np.max(np.abs(value - reference))
    return float(diff / scale) if scale > 0 else float(diff)


def _torch_golden(cfg, ckpt, trace):
    model = torch_load(torch_model(cfg), ckpt)
    inputs, targets, mask = (torch.from_numpy(trace[n]) for n in ("inputs", "targets", "mask"))
    out = {}
    if isinstance(cfg, NTMConfig):
        logits, weights = model(inputs, return_weights=True)
        for j, w in enumerate(weights):
            name = f"read_weights.{j}" if j < cfg.read_heads else f"write_weights.{j - cfg.read_heads}"
            out[name] = w.detach().numpy()
    else:
        logits = model(inputs)
    loss = torch_bce_loss(logits, targets, mask)
    loss.backward()
    out["logits"] = logits.detach().numpy()
    out["loss"] = loss.detach().numpy().reshape(1)
    for name, p in model.named_parameters():
        out[f"grad.{name}"] = p.grad.numpy()
    return out


def _jax_golden(cfg, ckpt, trace):
    params, consts = split_parameters(cfg, ckpt)
    inputs, targets, mask = (jnp.asarray(trace[n]) for n in ("inputs", "targets", "mask"))
    loss, grads = jax.value_and_grad(jax_loss_fn(cfg))(params, consts, inputs, targets, mask)
    out = {"loss": np.asarray(loss).reshape(1)}
    if isinstance(cfg, NTMConfig):
        logits, weights = jax_ntm_forward(cfg, params, consts, inputs, return_weights=True)
        for j, w in enumerate(weights):
            name = f"read_weights.{j}" if j < cfg.read_heads else f"write_weights.{j - cfg.read_heads}"
            out[name] = np.asarray(w)
    else:
        logits = jax_rnn_forward(cfg, params, inputs)
    out["logits"] = np.asarray(logits)
    for name, g in grads.items():
        out[f"grad.{name}"] = np.asarray(g)
    return out


def check_golden(fixtures: str | Path = FIXTURES, verbose: bool = True) -> bool:
    """Run both implementations forward and backward (float32) on each golden
    checkpoint and trace, and compare every tensor of the trace with the
    bounds of ``tolerances.json``.  Prints a table; returns True if all pass."""
    fixtures = Path(fixtures)
    tolerances = json.loads((fixtures / "tolerances.json").read_text())
    all_ok = True
    for case in GOLDEN_CASES:
        ckpt, meta = read_safetensors(fixtures / case / "checkpoint.safetensors")
        trace, _ = read_safetensors(fixtures / case / "trace.safetensors")
        cfg = config_from_metadata(meta)
        bounds = tolerances[case]
        results = {"torch": _torch_golden(cfg, ckpt, trace), "jax": _jax_golden(cfg, ckpt, trace)}
        compared = sorted(n for n in trace if n in bounds)
        missing = sorted(set(bounds) - set(compared))
        if missing:
            raise KeyError(f"{case}: tolerances for tensors absent from the trace: {missing}")
        if verbose:
            print(f"\n{case}  ({cfg})")
            print(f"  {'tensor':34s} {'bound':>9s} {'torch':>10s} {'jax':>10s}")
        worst = {impl: (0.0, "") for impl in results}
        for name in compared:
            errors = {impl: relative_error(res[name], trace[name]) for impl, res in results.items()}
            flags = []
            for impl, err in errors.items():
                if err > worst[impl][0]:
                    worst[impl] = (err, name)
                if not err <= bounds[name]:
                    flags.append(impl)
                    all_ok = False
            if verbose:
                mark = "  OVER: " + ",".join(flags) if flags else ""
                print(f"  {name:34s} {bounds[name]:9.2e} {errors['torch']:10.2e} "
                      f"{errors['jax']:10.2e}{mark}")
        if verbose:
            for impl, (err, name) in worst.items():
                print(f"  max {impl:5s}: {err:.2e} ({name})")
    if verbose:
        print("\nall within tolerance" if all_ok else "\nSOME TENSORS EXCEED THEIR TOLERANCE")
    return all_ok


if __name__ == "__main__":
    torch.set_num_threads(2)
    sys.exit(0 if check_golden() else 1)
