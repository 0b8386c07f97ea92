"""The spec's NTM (models.md) in PyTorch eager, one training step timed: what a researcher would
otherwise prototype a new memory in. Compared in the same run with `ntm-bench perf` (the kit's
fused NTM and the NTM written with the kit's ops, `ntm-ops`).

A step is the same work as the kit's: forward over a copy sequence of length L (T = 2L + 1 steps,
inputs [T, B, 9], targets [T, B, 8]), binary cross-entropy on the output phase, backward through
time, RMSprop with momentum (lr 1e-4, alpha 0.95, momentum 0.9, eps 1e-8). Sizes: controller
1 x 100 LSTM, memory 128 x 20, one read and one write head, shift range 1, constant memory 1e-6.

    python ntm_eager.py --length 20 --batch 1 [--threads 1] [--seconds 3]

Prints one JSON line: {"impl": "torch-eager", "model": "ntm", "length", "batch", "ms_per_step", ...}.
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F

X, Y, H, N, M, S = 9, 8, 100, 128, 20, 1
C = 20.0


class NTM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.controller = torch.nn.LSTMCell(X + M, H)
        self.h0 = torch.nn.Parameter(torch.zeros(1, H))
        self.c0 = torch.nn.Parameter(torch.zeros(1, H))
        self.read_head = torch.nn.Linear(H, M + 2 * S + 4)
        self.write_head = torch.nn.Linear(H, 3 * M + 2 * S + 4)
        self.r0 = torch.nn.Parameter(torch.randn(M) * 0.1)
        self.w0 = torch.nn.Parameter(torch.randn(2, N) * 0.1)
        self.register_buffer("m0", torch.full((N, M), 1e-6))
        self.output = torch.nn.Linear(H + M, Y)

    def address(self, p, w_prev, mem):
        k = torch.tanh(p[:, :M])
        beta = F.softplus(p[:, M:M + 1])
        g = torch.sigmoid(p[:, M + 1:M + 2])
        s = torch.softmax(p[:, M + 2:M + 3 + 2 * S], dim=1)
        gamma = 1 + F.softplus(p[:, M + 3 + 2 * S:M + 4 + 2 * S])
        sim = (mem @ k.unsqueeze(2)).squeeze(2) / (k.norm(dim=1, keepdim=True) * mem.norm(dim=2) + 1e-8)
        wc = torch.softmax(beta * sim, dim=1)
        wg = g * wc + (1 - g) * w_prev
        ws = sum(torch.roll(wg, shifts=j - S, dims=1) * s[:, j:j + 1] for j in range(2 * S + 1))
        wp = ws ** gamma
        return wp / (wp.sum(dim=1, keepdim=True) + 1e-16)

    def forward(self, x):
        T, B, _ = x.shape
        h, c = self.h0.expand(B, H), self.c0.expand(B, H)
        r = torch.tanh(self.r0).expand(B, M)
        wr, ww = (torch.softmax(self.w0, dim=1)[i].expand(B, N) for i in range(2))
        mem = self.m0.expand(B, N, M)
        out = []
        for t in range(T):
            h, c = self.controller(torch.cat([x[t], r], dim=1), (h, c))
            pr = torch.clamp(self.read_head(h), -C, C)
            pw = torch.clamp(self.write_head(h), -C, C)
            wr = self.address(pr, wr, mem)
            ww = self.address(pw, ww, mem)
            r = (wr.unsqueeze(1) @ mem).squeeze(1)
            e = torch.sigmoid(pw[:, M + 4 + 2 * S:2 * M + 4 + 2 * S])
            a = torch.tanh(pw[:, 2 * M + 4 + 2 * S:])
            mem = mem * (1 - ww.unsqueeze(2) * e.unsqueeze(1)) + ww.unsqueeze(2) * a.unsqueeze(1)
            out.append(torch.clamp(self.output(torch.cat([h, r], dim=1)), -C, C))
        return torch.stack(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--length", type=int, default=20)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=3.0)
    a = ap.parse_args()
    torch.manual_seed(1)
    torch.set_num_threads(a.threads)
    L, B = a.length, a.batch
    T = 2 * L + 1
    bits = torch.randint(0, 2, (L, B, 8)).float()
    x = torch.zeros(T, B, X)
    x[:L, :, :8] = bits
    x[L, :, 8] = 1
    y = torch.zeros(T, B, Y)
    y[L + 1:] = bits
    mask = torch.zeros(T, 1, 1)
    mask[L + 1:] = 1
    model = NTM()
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-4, alpha=0.95, momentum=0.9, eps=1e-8)

    def step():
        opt.zero_grad()
        logits = model(x)
        loss = (F.binary_cross_entropy_with_logits(logits, y, reduction="none") * mask).sum() / B
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10)
        opt.step()

    end = time.time() + 1.0
    while time.time() < end:
        step()
    times = []
    start = time.time()
    while len(times) < 5 or time.time() - start < a.seconds:
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    ms = statistics.median(times)
    print(json.dumps({"impl": "torch-eager", "model": "ntm", "length": L, "batch": B, "threads": a.threads,
                      "ms_per_step": round(ms, 3), "ms_per_sequence": round(ms / B, 3), "reps": len(times),
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
