"""Shows that ``ntm_kit_torch.check`` fails on wrong conversions: each mutation below changes one place in
``ntm_kit_torch.py`` (a mistake a conversion could plausibly make), loads the edited copy as a module, and
runs its comparison on one case; the mutation is *detected* when some comparison is out of tolerance.
"""

import math
import pathlib
import types

SOURCE = pathlib.Path(__file__).with_name("ntm_kit_torch.py").read_text()

# (case, description, text of ntm_kit_torch.py, its replacement)
MUTATIONS = [
    ("lstm", "LSTM gates in the order f, i, g, o",
     'return {f"{n}_l{k}": take(f"{prefix}.{n}_l{k}")',
     'return {f"{n}_l{k}": _swap_first_two(take(f"{prefix}.{n}_l{k}"))'),
    ("gru", "GRU with b_hn added to b_in (one bias per gate)",
     'return {f"{n}_l{k}": take(f"{prefix}.{n}_l{k}")',
     'return {f"{n}_l{k}": _merge_biases(take, prefix, n, k)'),
    ("lstm", "LSTM without its learned initial state (h0 = c0 = 0)",
     "y, _ = self.rnn(x, self.initial_state(x.shape[1]))", "y, _ = self.rnn(x)"),
    ("gru", "one output weight off by 1e-3",
     'model.output.load_state_dict({"weight": take("output.weight"), "bias": take("output.bias")})\n        take.finish()\n        return model\n\n    def initial_state',
     'model.output.load_state_dict({"weight": take("output.weight") + _one_hot(take("output.weight"), 1e-3), "bias": take("output.bias")})\n        take.finish()\n        return model\n\n    def initial_state'),
    ("ntm", "memory starting at zero instead of the checkpoint's 1e-6",
     "memory = m0.expand(B, N, M)", "memory = torch.zeros_like(m0).expand(B, N, M)"),
    ("ntm", "reads after this step's writes",
     "reads = [torch.einsum(\"bn,bnm->bm\", weights[i], memory) for i in range(R)]            # step 4\n            for j in range(self.W):                                                              # step 5\n                p, w = params[R + j], weights[R + j][:, :, None]\n                e = torch.sigmoid(p[:, M + 2 * self.S + 4:2 * M + 2 * self.S + 4])\n                a = torch.tanh(p[:, 2 * M + 2 * self.S + 4:3 * M + 2 * self.S + 4])\n                memory = memory * (1 - w * e[:, None, :]) + w * a[:, None, :]",
     "for j in range(self.W):\n                p, w = params[R + j], weights[R + j][:, :, None]\n                e = torch.sigmoid(p[:, M + 2 * self.S + 4:2 * M + 2 * self.S + 4])\n                a = torch.tanh(p[:, 2 * M + 2 * self.S + 4:3 * M + 2 * self.S + 4])\n                memory = memory * (1 - w * e[:, None, :]) + w * a[:, None, :]\n            reads = [torch.einsum(\"bn,bnm->bm\", weights[i], memory) for i in range(R)]"),
    ("ntm", "shifts the other way (entry 0 as shift +S)",
     "torch.roll(wg, j, dims=-1)", "torch.roll(wg, -j, dims=-1)"),
    ("ntm", "initial read vectors rho without tanh",
     "reads = [torch.tanh(h.r0).expand(B, M)", "reads = [h.r0.expand(B, M)"),
    ("ntm", "no sharpening (gamma taken as 1)",
     "torch.exp(gamma * torch.log(", "torch.exp(1 * torch.log("),
    ("ntm", "logits not clipped at C",
     "logits.append(torch.clamp(self.output(torch.cat([h] + reads, dim=-1)), -C, C))",
     "logits.append(self.output(torch.cat([h] + reads, dim=-1)))"),
    ("ntm-2x2", "learned memory used as mu itself, without tanh",
     'm0 = torch.tanh(self.m0) if self.memory_init == "learned" else self.m0', "m0 = self.m0"),
    ("ntm-feedforward", "feedforward controller layers without tanh",
     "h = torch.tanh(layer(h))", "h = layer(h)"),
    ("ntm-2x2", "write heads applied in reverse order",
     "for j in range(self.W):                                                              # step 5",
     "for j in reversed(range(self.W)):"),
]

HELPERS = '''

def _swap_first_two(t):
    q = t.shape[0] // 4
    return torch.cat([t[q:2 * q], t[:q], t[2 * q:]])


def _merge_biases(take, prefix, n, k):
    if n == "bias_ih":
        return take(f"{prefix}.bias_ih_l{k}") + take(f"{prefix}.bias_hh_l{k}")
    if n == "bias_hh":
        return torch.zeros_like(take(f"{prefix}.bias_hh_l{k}"))
    return take(f"{prefix}.{n}_l{k}")


def _one_hot(t, value):
    d = torch.zeros_like(t)
    d.view(-1)[0] = value
    return d
'''


def mutated_module(old, new):
    if SOURCE.count(old) != 1:
        raise RuntimeError(f"mutation text not found once in ntm_kit_torch.py: {old[:60]!r}")
    module = types.ModuleType("ntm_kit_torch_mutated")
    exec(compile(SOURCE.replace(old, new) + HELPERS, "ntm_kit_torch_mutated", "exec"), module.__dict__)
    return module


def notebook_cases(runs):
    """The checkpoints and traces ``pytorch-interop.md`` writes under its runs directory."""
    return {"lstm": (f"{runs}/copy/lstm.safetensors", f"{runs}/lstm-trace/trace.safetensors"),
            "gru": (f"{runs}/copy/gru.safetensors", f"{runs}/gru-trace/trace.safetensors"),
            "ntm": (f"{runs}/copy/ntm.safetensors", f"{runs}/ntm-trace/trace.safetensors"),
            "ntm-2x2": (f"{runs}/ntm-2x2-trace/checkpoint.safetensors", f"{runs}/ntm-2x2-trace/trace.safetensors"),
            "ntm-feedforward": (f"{runs}/ntm-feedforward-trace/checkpoint.safetensors",
                                f"{runs}/ntm-feedforward-trace/trace.safetensors")}


def demonstrate(runs):
    """Prints one line per mutation, on the notebook's files in ``runs``; True if every one was detected."""
    cases = notebook_cases(runs)
    all_detected = True
    for case, description, old, new in MUTATIONS:
        rows = mutated_module(old, new).compare(case, *cases[case])
        detected = any(not (math.isfinite(diff) and diff <= tol) for _, diff, tol in rows)
        all_detected &= detected
        print(f"{case}, {description}: {'detected' if detected else 'NOT DETECTED'}")
    return all_detected
