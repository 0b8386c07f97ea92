"""ntm-kit checkpoints in PyTorch: a reader, the baselines as nn.LSTM / nn.GRU / nn.RNN, and the NTM.

Standard library and torch only (no ``safetensors`` or ``numpy`` package). The equations are those of
``notebooks-md/models.md``; ``notebooks-md/pytorch-interop.md`` shows the recipe and runs ``check``.

    ckpt = read_checkpoint("runs/copy-L20-seed1/lstm.safetensors")
    model = KitBaseline.from_checkpoint(ckpt)        # nn.LSTM inside, weights loaded strictly
    logits = model(inputs)                           # inputs [T, B, X], time-major like the kit
    predictions = torch.sigmoid(logits)

Not part of the Swift package: nothing in the kit or its tests imports it.
"""

from __future__ import annotations

import array
import json
import math
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

# ---------------------------------------------------------------------------------------------------
# Reading safetensors: u64 little-endian header length, JSON header, raw little-endian data.


def read_safetensors(path):
    """Returns ``(tensors, metadata)``: ``{name: float32 tensor}`` and the ``__metadata__`` strings."""
    with open(path, "rb") as f:
        blob = f.read()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    data = blob[8 + length:]
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} is {entry['dtype']}; the kit writes F32 only")
        begin, end = entry["data_offsets"]
        values = array.array("f")
        values.frombytes(data[begin:end])
        if sys.byteorder == "big":
            values.byteswap()
        tensors[name] = torch.tensor(values, dtype=torch.float32).reshape(entry["shape"])
    return tensors, metadata


class Checkpoint:
    """A kit checkpoint (or trace): its tensors, ``model`` and ``config`` (parsed from its JSON string)."""

    def __init__(self, path):
        self.path = path
        self.tensors, self.metadata = read_safetensors(path)
        self.format = self.metadata.get("format")
        if self.format != "ntm-kit/1":
            raise ValueError(f"{path}: format {self.format!r}, expected 'ntm-kit/1'")
        self.model = self.metadata["model"]
        self.config = json.loads(self.metadata["config"])


def read_checkpoint(path):
    return Checkpoint(path)


class _Taker:
    """Hands out a checkpoint's tensors by name and checks at the end that every one was used once."""

    def __init__(self, ckpt):
        self.ckpt, self.left = ckpt, set(ckpt.tensors)

    def __call__(self, name, shape=None):
        t = self.ckpt.tensors[name]
        if shape is not None and list(t.shape) != list(shape):
            raise ValueError(f"{self.ckpt.path}: {name} has shape {list(t.shape)}, expected {list(shape)}")
        self.left.discard(name)
        return t.clone()

    def finish(self):
        if self.left:
            raise ValueError(f"{self.ckpt.path}: tensors not used: {sorted(self.left)}")


# ---------------------------------------------------------------------------------------------------
# Recurrent stacks. The kit's gate order and biases are PyTorch's: LSTM [i, f, g, o], GRU [r, z, n]
# with b_hn inside r * (W_hn h + b_hn), separate b_ih and b_hh. So the state dict is the checkpoint's
# tensors under the prefix, unchanged; h0 (and c0) are not nn.LSTM parameters but its initial state.


def recurrent_state_dict(take, prefix, layers):
    """The ``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN`` state dict of the kit's ``{prefix}.*_l{k}`` tensors."""
    return {f"{n}_l{k}": take(f"{prefix}.{n}_l{k}")
            for k in range(layers) for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}


def make_recurrent(kind, input_size, hidden, layers):
    if kind == "lstm":
        return nn.LSTM(input_size, hidden, layers)
    if kind == "gru":
        return nn.GRU(input_size, hidden, layers)
    if kind == "rnn":
        return nn.RNN(input_size, hidden, layers, nonlinearity="tanh")
    raise ValueError(f"no recurrent layer {kind!r}")


class KitBaseline(nn.Module):
    """The kit's ``lstm``, ``gru`` or ``rnn`` baseline: the PyTorch stack, learned initial state, output layer.

    ``forward(x)``: ``x`` ``[T, B, X]`` -> logits ``[T, B, Y]`` (no clip; predictions are ``sigmoid``).
    """

    def __init__(self, kind, input_width, hidden, layers, output_width):
        super().__init__()
        self.kind = kind
        self.rnn = make_recurrent(kind, input_width, hidden, layers)
        self.h0 = nn.Parameter(torch.zeros(layers, hidden))
        self.c0 = nn.Parameter(torch.zeros(layers, hidden)) if kind == "lstm" else None
        self.output = nn.Linear(hidden, output_width)

    @classmethod
    def from_checkpoint(cls, ckpt):
        c = ckpt.config
        model = cls(ckpt.model, c["inputWidth"], c["hiddenSize"], c["layers"], c["outputWidth"])
        take = _Taker(ckpt)
        p = ckpt.model
        model.rnn.load_state_dict(recurrent_state_dict(take, p, c["layers"]))
        with torch.no_grad():
            model.h0.copy_(take(f"{p}.h0", model.h0.shape))
            if model.c0 is not None:
                model.c0.copy_(take(f"{p}.c0", model.c0.shape))
        model.output.load_state_dict({"weight": take("output.weight"), "bias": take("output.bias")})
        take.finish()
        return model

    def initial_state(self, batch):
        h = self.h0[:, None, :].expand(-1, batch, -1).contiguous()
        if self.c0 is None:
            return h
        return h, self.c0[:, None, :].expand(-1, batch, -1).contiguous()

    def forward(self, x):
        y, _ = self.rnn(x, self.initial_state(x.shape[1]))
        return self.output(y)

    def kit_parameters(self):
        """``{kit name: parameter}``, to compare gradients with a trace's ``grad.*``."""
        names = {f"{self.kind}.{n}": p for n, p in self.rnn.named_parameters()}
        names[f"{self.kind}.h0"] = self.h0
        if self.c0 is not None:
            names[f"{self.kind}.c0"] = self.c0
        names.update({f"output.{n}": p for n, p in self.output.named_parameters()})
        return names


# ---------------------------------------------------------------------------------------------------
# The NTM, written from models.md § The NTM (and § Feedforward controller).

COSINE_EPS = 1e-8
SHARPEN_EPS = 1e-16


class _Head(nn.Module):
    def __init__(self, size, hidden, rows, width, read):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(size, hidden))
        self.bias = nn.Parameter(torch.zeros(size))
        self.w0 = nn.Parameter(torch.zeros(rows))                         # omega: w_0 = softmax(omega)
        self.r0 = nn.Parameter(torch.zeros(width)) if read else None     # rho: r_0 = tanh(rho)


class KitNTM(nn.Module):
    """The kit's ``ntm``, with its LSTM or feedforward controller. ``forward(x)`` -> logits ``[T, B, Y]``;
    ``self.weightings`` then holds each head's weighting ``[T, B, N]`` under the trace's names
    (``read_weights.i``, ``write_weights.j``).
    """

    def __init__(self, config):
        super().__init__()
        c = config
        self.X, self.Y, self.H, self.L = c["inputWidth"], c["outputWidth"], c["controllerSize"], c["layers"]
        self.N, self.M, self.R, self.W = c["memoryRows"], c["memoryWidth"], c["readHeads"], c["writeHeads"]
        self.S, self.C, self.memory_init = c["shiftRange"], float(c["clipValue"]), c["memoryInit"]
        self.feedforward = c.get("controller", "lstm") == "feedforward"
        if self.feedforward:
            # h^l = tanh(W_l h^{l-1} + b_l); no state of its own.
            sizes = [self.X + self.R * self.M] + [self.H] * self.L
            self.controller = nn.ModuleDict({"layers": nn.ModuleList(
                nn.Linear(sizes[l], self.H) for l in range(self.L))})
        else:
            self.controller = nn.LSTM(self.X + self.R * self.M, self.H, self.L)
            self.h0 = nn.Parameter(torch.zeros(self.L, self.H))
            self.c0 = nn.Parameter(torch.zeros(self.L, self.H))
        read_size, write_size = self.M + 2 * self.S + 4, 3 * self.M + 2 * self.S + 4
        self.read_heads = nn.ModuleList(_Head(read_size, self.H, self.N, self.M, True) for _ in range(self.R))
        self.write_heads = nn.ModuleList(_Head(write_size, self.H, self.N, self.M, False) for _ in range(self.W))
        m0 = torch.zeros(self.N, self.M)
        if self.memory_init == "learned":
            self.m0 = nn.Parameter(m0)               # mu: Mem_0 = tanh(mu)
        else:
            self.register_buffer("m0", m0)           # constant / random: Mem_0 itself, not trained
        self.output = nn.Linear(self.H + self.R * self.M, self.Y)
        self.weightings = {}

    @classmethod
    def from_checkpoint(cls, ckpt):
        model = cls(ckpt.config)
        take = _Taker(ckpt)
        if model.feedforward:
            model.controller.load_state_dict({f"layers.{l}.{n}": take(f"controller.layers.{l}.{n}")
                                              for l in range(model.L) for n in ("weight", "bias")})
        else:
            model.controller.load_state_dict(recurrent_state_dict(take, "controller", model.L))
        with torch.no_grad():
            if not model.feedforward:
                model.h0.copy_(take("controller.h0", model.h0.shape))
                model.c0.copy_(take("controller.c0", model.c0.shape))
            for prefix, heads in (("read_heads", model.read_heads), ("write_heads", model.write_heads)):
                for i, head in enumerate(heads):
                    for n, p in head.named_parameters():
                        p.copy_(take(f"{prefix}.{i}.{n}", p.shape))
            model.m0.copy_(take("memory.m0", model.m0.shape))
        model.output.load_state_dict({"weight": take("output.weight"), "bias": take("output.bias")})
        take.finish()
        return model

    def kit_parameters(self):
        names = {f"controller.{n}": p for n, p in self.controller.named_parameters()}
        if not self.feedforward:
            names.update({"controller.h0": self.h0, "controller.c0": self.c0})
        for prefix, heads in (("read_heads", self.read_heads), ("write_heads", self.write_heads)):
            for i, head in enumerate(heads):
                names.update({f"{prefix}.{i}.{n}": p for n, p in head.named_parameters()})
        if isinstance(self.m0, nn.Parameter):
            names["memory.m0"] = self.m0
        names.update({f"output.{n}": p for n, p in self.output.named_parameters()})
        return names

    def _address(self, p, w_prev, memory):
        """Steps 2-3 of models.md for one head: ``p`` ``[B, P]`` (clipped) -> the new weighting ``[B, N]``."""
        M, S = self.M, self.S
        k = torch.tanh(p[:, :M])
        beta = F.softplus(p[:, M:M + 1])
        g = torch.sigmoid(p[:, M + 1:M + 2])
        s = torch.softmax(p[:, M + 2:M + 3 + 2 * S], dim=-1)              # entry 0: shift -S
        gamma = 1 + F.softplus(p[:, M + 3 + 2 * S:M + 4 + 2 * S])
        dot = torch.einsum("bnm,bm->bn", memory, k)
        K = dot / (k.norm(dim=-1, keepdim=True) * memory.norm(dim=-1) + COSINE_EPS)
        wc = torch.softmax(beta * K, dim=-1)
        wg = g * wc + (1 - g) * w_prev
        # ws_n = sum_j wg_{(n - j) mod N} s_j; torch.roll(wg, j)[n] = wg[(n - j) mod N].
        ws = sum(s[:, j + S:j + S + 1] * torch.roll(wg, j, dims=-1) for j in range(-S, S + 1))
        # ws^gamma, with entries ws_n = 0 giving 0 and no gradient (models.md step 3).
        positive = ws > 0
        powered = torch.where(positive, torch.exp(gamma * torch.log(torch.where(positive, ws, torch.ones_like(ws)))),
                              torch.zeros_like(ws))
        return powered / (powered.sum(dim=-1, keepdim=True) + SHARPEN_EPS)

    def forward(self, x):
        T, B, _ = x.shape
        N, M, R, C = self.N, self.M, self.R, self.C
        if not self.feedforward:
            state = (self.h0[:, None, :].expand(-1, B, -1).contiguous(), self.c0[:, None, :].expand(-1, B, -1).contiguous())
        reads = [torch.tanh(h.r0).expand(B, M) for h in self.read_heads]
        heads = list(self.read_heads) + list(self.write_heads)
        weights = [torch.softmax(h.w0, dim=-1).expand(B, N) for h in heads]
        m0 = torch.tanh(self.m0) if self.memory_init == "learned" else self.m0
        memory = m0.expand(B, N, M)
        names = [f"read_weights.{i}" for i in range(R)] + [f"write_weights.{j}" for j in range(self.W)]
        recorded = {n: [] for n in names}
        logits = []
        for t in range(T):
            u = torch.cat([x[t]] + reads, dim=-1)                                   # step 1
            if self.feedforward:
                h = u
                for layer in self.controller["layers"]:
                    h = torch.tanh(layer(h))
            else:
                out, state = self.controller(u[None], state)
                h = out[0]
            params = [torch.clamp(F.linear(h, head.weight, head.bias), -C, C) for head in heads]   # step 2
            weights = [self._address(p, w, memory) for p, w in zip(params, weights)]             # step 3
            reads = [torch.einsum("bn,bnm->bm", weights[i], memory) for i in range(R)]            # step 4
            for j in range(self.W):                                                              # step 5
                p, w = params[R + j], weights[R + j][:, :, None]
                e = torch.sigmoid(p[:, M + 2 * self.S + 4:2 * M + 2 * self.S + 4])
                a = torch.tanh(p[:, 2 * M + 2 * self.S + 4:3 * M + 2 * self.S + 4])
                memory = memory * (1 - w * e[:, None, :]) + w * a[:, None, :]
            logits.append(torch.clamp(self.output(torch.cat([h] + reads, dim=-1)), -C, C))   # step 6
            for n, w in zip(names, weights):
                recorded[n].append(w)
        self.weightings = {n: torch.stack(v) for n, v in recorded.items()}
        return torch.stack(logits)


def load_model(ckpt):
    """The PyTorch module of a kit checkpoint: ``lstm``, ``gru``, ``rnn``, or ``ntm`` and ``ntm-ops`` (the same
    model, tensors and config)."""
    if ckpt.model in ("lstm", "gru", "rnn"):
        return KitBaseline.from_checkpoint(ckpt)
    if ckpt.model in ("ntm", "ntm-ops"):
        return KitNTM.from_checkpoint(ckpt)
    raise NotImplementedError(f"no PyTorch module for the kit's {ckpt.model!r} here")


# ---------------------------------------------------------------------------------------------------
# The loss (models.md § Loss and metrics) and the comparison with a trace.


def bit_loss(logits, targets, mask):
    """BCE with logits, summed over the bits of every step with mask 1, averaged over the batch.

    Written as the kit writes it, ``max(y, 0) - y t + log1p(exp(-|y|))``. ``F.binary_cross_entropy_with_logits``
    (PyTorch 2.13) rounds away the small losses of confident bits (0 for 3.1e-7 at ``y = -15``, ``t = 0``): with
    it a trained NTM's loss came out 3.1e-5 (relative) off the kit's.
    """
    per_bit = torch.clamp(logits, min=0) - logits * targets + torch.log1p(torch.exp(-logits.abs()))
    return (per_bit * mask[:, None, None]).sum() / logits.shape[1]


def compare(name, ckpt_path, trace_path):
    """Runs the checkpoint's model on the trace's inputs; returns ``[(what, difference, tolerance)]``."""
    model = load_model(read_checkpoint(ckpt_path))
    trace = read_checkpoint(trace_path).tensors
    logits = model(trace["inputs"])
    loss = bit_loss(logits, trace["targets"], trace["mask"])
    model.zero_grad()
    loss.backward()

    def relative(a, b):
        return (a - b).abs().max().item() / max(b.abs().max().item(), 1e-30)

    rows = [("outputs sigmoid(logits), max |torch - kit|",
             (torch.sigmoid(logits) - torch.sigmoid(trace["logits"])).abs().max().item(), 1e-5),
            ("logits, max |torch - kit| / max |kit|", relative(logits.detach(), trace["logits"]), 1e-5)]
    if getattr(model, "weightings", None):
        diff = max((w - trace[n]).abs().max().item() for n, w in model.weightings.items())
        rows.append((f"head weightings ({', '.join(model.weightings)}), max |torch - kit|", diff, 1e-5))
    rows.append(("loss, |torch - kit| / kit", abs(loss.item() - trace["loss"].item()) / abs(trace["loss"].item()), 1e-5))
    # Gradients as one vector: relative to the largest entry of any tensor. (Per tensor, a tensor whose
    # gradient is all but zero, such as the w0 of a head that starts on row 0, is rounding noise.)
    params = model.kit_parameters()
    scale = max(trace[f"grad.{n}"].abs().max().item() for n in params)
    grads = max(((p.grad if p.grad is not None else torch.zeros_like(p)) - trace[f"grad.{n}"]).abs().max().item()
                for n, p in params.items()) / scale
    rows.append((f"gradients of its {len(params)} trained tensors, max |torch - kit| / max |kit|", grads, 1e-4))
    return rows


def check(cases, verbose=False):
    """Compares each ``(name, checkpoint, trace)``; prints one line per comparison, ``ok`` or ``FAIL``.

    The printed text does not depend on the machine: measured differences appear only with ``verbose``.
    Returns True when every comparison is within its tolerance.
    """
    all_ok = True
    for name, ckpt_path, trace_path in cases:
        for what, diff, tol in compare(name, ckpt_path, trace_path):
            ok = math.isfinite(diff) and diff <= tol
            all_ok &= ok
            measured = f" = {diff:.1e}" if verbose else ""
            print(f"{name}: {what}{measured} (tolerance {tol:.0e}): {'ok' if ok else 'FAIL'}")
    print("all comparisons ok" if all_ok else "some comparisons FAILED")
    return all_ok


if __name__ == "__main__":
    # python ntm_kit_torch.py NAME CHECKPOINT TRACE [NAME CHECKPOINT TRACE ...]: the comparisons, measured.
    args = sys.argv[1:]
    if not args or len(args) % 3:
        sys.exit("usage: ntm_kit_torch.py NAME CHECKPOINT TRACE [NAME CHECKPOINT TRACE ...]")
    sys.exit(0 if check([tuple(args[i:i + 3]) for i in range(0, len(args), 3)], verbose=True) else 1)
