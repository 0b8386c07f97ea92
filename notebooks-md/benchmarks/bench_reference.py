"""Training-step benchmark of the reference PyTorch / JAX models.

Measures one full training step of the copy task, the same work as one step
of the Swift kit: forward over the whole sequence (T = 2L+1 steps of a random
8-bit copy batch: inputs [T,B,9], targets [T,B,8], mask [T]), backward
(BPTT), and an RMSProp-with-momentum update (lr 1e-4, alpha 0.95, momentum 0.9,
eps 1e-8):

* ``torch-eager``   -- ``torch.optim.RMSprop``; the baselines use PyTorch's fused
  ``nn.LSTM`` / ``nn.GRU``, the NTM a Python time loop.
* ``torch-compile`` -- the same under ``torch.compile`` (default inductor
  backend).  It first tries to compile the whole step (forward, backward,
  RMSprop update) as one graph, then the whole step allowing graph breaks,
  then only forward+loss (backward and optimizer eager); the first that
  compiles *and* reproduces the eager step is used, and the JSON ``note``
  says which (see ``torch_compiled_step``).
* ``jax-jit``       -- one ``jax.jit`` function: ``value_and_grad`` of the
  ``lax.scan`` model, and the same RMSProp update written by hand.

Model sizes: NTM with a 100-unit, 1-layer LSTM controller, 128 x 20 memory,
1 read + 1 write head, shift range 1; LSTM/GRU baselines with ``--hidden``
units in ``--layers`` layers (default 256 x 3).  X = 9, Y = 8.

Warm-up (compilation excluded from the timing, reported as ``compile_s``),
then ``--reps`` timed steps (default: enough for about 3 s, at least 5), one
fixed batch.  A line ``[bench] timing ...`` on stderr marks the end of
compilation and the start of warm-up and timing.  Prints one JSON line with impl, model, length, batch,
ms_per_step (median), ms_per_sequence (= ms_per_step / batch), reps, note and
a few extra keys.

Example::

    python bench_reference.py --impl jax-jit --model ntm --length 20 --batch 32 --json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
import traceback

import numpy as np

sys.dont_write_bytecode = True      # keep __pycache__ out of the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_models as rm  # noqa: E402  (needs the path above)

import torch  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

LR, ALPHA, MOMENTUM, EPS = 1e-4, 0.95, 0.9, 1e-8
TARGET_SECONDS = 3.0      # default timing budget
MIN_REPS = 5
WARMUP_SECONDS = 1.0      # post-compilation warm-up budget
MIN_WARMUP = 3


def make_config(args):
    if args.model == "ntm":
        return rm.NTMConfig(input_width=9, output_width=8,
                            controller_size=args.hidden or 100, layers=args.layers or 1,
                            memory_rows=128, memory_width=20, read_heads=1, write_heads=1,
                            shift_range=1, memory_init="constant", clip_value=20.0)
    return rm.RNNConfig(kind=args.model, input_width=9, output_width=8,
                        hidden_size=args.hidden or 256, layers=args.layers or 3)


# -----------------------------------------------------------------------------
# PyTorch
# -----------------------------------------------------------------------------

class ManualRMSprop:
    """``torch.optim.RMSprop(lr, alpha, eps, momentum)`` (non-centred, no weight
    decay) written out with plain tensor ops, the same arithmetic as
    PyTorch's single-tensor implementation.  ``Optimizer.step`` deliberately
    graph-breaks under Dynamo, so this is what lets ``torch.compile`` trace
    forward, backward and update as one graph."""

    def __init__(self, params):
        self.params = list(params)
        self.square_avg = [torch.zeros_like(p) for p in self.params]
        self.buf = [torch.zeros_like(p) for p in self.params]

    def zero_grad(self, set_to_none: bool = True):
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self):
        for p, sq, buf in zip(self.params, self.square_avg, self.buf):
            g = p.grad
            sq.mul_(ALPHA).addcmul_(g, g, value=1.0 - ALPHA)
            buf.mul_(MOMENTUM).addcdiv_(g, sq.sqrt().add_(EPS))
            p.add_(buf, alpha=-LR)


def torch_setup(cfg, init, data, manual_optimizer: bool = False):
    model = rm.torch_load(rm.torch_model(cfg), init)
    if manual_optimizer:
        opt = ManualRMSprop(model.parameters())
    else:
        opt = torch.optim.RMSprop(model.parameters(), lr=LR, alpha=ALPHA, eps=EPS, momentum=MOMENTUM)
    inputs, targets, mask = (torch.from_numpy(a) for a in data)
    return model, opt, inputs, targets, mask


def torch_step_fn(model, opt, inputs, targets, mask, loss_fn=None):
    """Forward, backward and optimizer update as a closure (gradients must be
    cleared before each call, see ``with_zero_grad``); ``loss_fn(inputs,
    targets, mask)`` defaults to the eager model + loss."""
    if loss_fn is None:
        def loss_fn(x, y, m):
            return rm.torch_bce_loss(model(x), y, m)

    def step():
        loss = loss_fn(inputs, targets, mask)
        loss.backward()
        opt.step()
        return loss.detach()
    return step


def with_zero_grad(opt, step):
    """The full training step.  ``zero_grad`` stays outside any compiled
    region: Dynamo refuses to trace ``Optimizer.zero_grad``, and with
    ``set_to_none=True`` it only drops references."""
    def run():
        opt.zero_grad(set_to_none=True)
        return step()
    return run


GRAD_CHECK_TOLERANCE = 1e-4   # see torch_compiled_step


def torch_compiled_step(cfg, init, data):
    """Try the compilation strategies in order:

    1. the whole step as one graph (``fullgraph=True``): Dynamo traces
       ``loss.backward()`` (``trace_autograd_ops``) and the update, written
       out in ``ManualRMSprop`` because ``torch.optim`` graph-breaks on purpose;
    2. the whole step with ``torch.optim.RMSprop``, graph breaks allowed,
       backward captured by compiled autograd (so: forward, backward and
       optimizer each compiled, as separate graphs);
    3. only forward+loss compiled; backward (AOT-compiled) and the optimizer
       step called eagerly.

    Each candidate is built on a fresh model and run for three steps
    (compiling on the first); it is accepted if its losses match three eager
    ``torch.optim.RMSprop`` steps from the same start (relative 1e-4) and its
    first-step gradient, all parameters as one vector, matches the eager one
    to GRAD_CHECK_TOLERANCE in relative L2 norm.  (Not tensor by tensor: with
    memory at 1e-6 the tiny read-head gradients are ill-conditioned in
    float32 -- the golden tolerances go up to 4.6e-2 there, and eager torch
    and JAX differ by ~3e-2 on them at L50 B32 -- and not the parameters after
    the update, since RMSprop's first step is ±lr·√20 for every nonzero
    gradient entry whatever its size.  The equations themselves are checked
    per tensor by ``reference_models.check_golden``.)

    Returns ``(step, note, compile_s)``."""
    import torch._dynamo as dynamo

    def first_grads(model):
        return [p.grad.detach().clone() for p in model.parameters()]

    # Reference: three eager steps.
    model, opt, x, y, m = torch_setup(cfg, init, data)
    eager = with_zero_grad(opt, torch_step_fn(model, opt, x, y, m))
    ref_losses = [eager().item()]
    ref_grads = first_grads(model)
    ref_losses += [eager().item() for _ in range(2)]

    def one_graph():
        dynamo.reset()
        dynamo.config.compiled_autograd = False
        dynamo.config.trace_autograd_ops = True        # trace loss.backward() into the graph
        model, opt, x, y, m = torch_setup(cfg, init, data, manual_optimizer=True)
        compiled = torch.compile(torch_step_fn(model, opt, x, y, m), fullgraph=True)
        return model, with_zero_grad(opt, compiled)

    def with_graph_breaks():
        dynamo.reset()
        dynamo.config.compiled_autograd = True         # compile backward() at run time
        dynamo.config.trace_autograd_ops = False
        model, opt, x, y, m = torch_setup(cfg, init, data)
        compiled = torch.compile(torch_step_fn(model, opt, x, y, m))
        return model, with_zero_grad(opt, compiled)

    def forward_only():
        dynamo.reset()
        dynamo.config.compiled_autograd = False
        dynamo.config.trace_autograd_ops = False
        model, opt, x, y, m = torch_setup(cfg, init, data)
        compiled_loss = torch.compile(lambda a, b, c: rm.torch_bce_loss(model(a), b, c))
        return model, with_zero_grad(opt, torch_step_fn(model, opt, x, y, m, loss_fn=compiled_loss))

    candidates = [
        ("whole step compiled as one graph (fullgraph=True: forward, traced backward, "
         "RMSprop written out with tensor ops)", one_graph),
        ("whole step compiled with torch.optim.RMSprop, graph breaks allowed "
         "(forward, compiled-autograd backward and optimizer as separate graphs)", with_graph_breaks),
        ("forward+loss compiled; backward (AOT-compiled graph) and torch.optim.RMSprop step eager",
         forward_only),
    ]
    failures = []
    for note, build in candidates:
        try:
            start = time.perf_counter()
            model, step = build()
            losses = [step().item()]
            compile_s = time.perf_counter() - start
            grad = torch.cat([g.flatten() for g in first_grads(model)])
            ref = torch.cat([g.flatten() for g in ref_grads])
            grad_error = ((grad - ref).norm() / ref.norm()).item()
            losses += [step().item() for _ in range(2)]
            if not grad_error <= GRAD_CHECK_TOLERANCE or not np.allclose(losses, ref_losses, rtol=1e-4):
                raise RuntimeError(f"compiled step disagrees with eager: losses {losses} vs "
                                   f"{ref_losses}, gradient error {grad_error:.2e}")
            note += f"; matches eager (3 losses, gradient rel. L2 error {grad_error:.1e})"
            if failures:
                note += " [fell back: " + "; ".join(failures) + "]"
            return step, note, compile_s
        except Exception as exc:  # noqa: BLE001 -- any compile failure means: try the next one
            first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
            failures.append(f"{note.split(' (')[0]}: {type(exc).__name__}: {first_line}")
            print(f"torch.compile candidate failed ({note}):", file=sys.stderr)
            traceback.print_exc(limit=3, file=sys.stderr)
    raise RuntimeError("every torch.compile strategy failed: " + " | ".join(failures))


# -----------------------------------------------------------------------------
# JAX
# -----------------------------------------------------------------------------

def jax_train_step(cfg):
    """``step(params, opt_state, consts, inputs, targets, mask) ->
    (params, opt_state, loss)``, jitted, parameters and optimizer state donated.
    RMSProp exactly as ``torch.optim.RMSprop(alpha, eps, momentum)``."""
    loss_fn = rm.jax_loss_fn(cfg)

    def step(params, opt_state, consts, inputs, targets, mask):
        loss, grads = jax.value_and_grad(loss_fn)(params, consts, inputs, targets, mask)
        square_avg, buf = opt_state
        square_avg = jax.tree.map(lambda s, g: ALPHA * s + (1.0 - ALPHA) * g * g, square_avg, grads)
        buf = jax.tree.map(lambda b, g, s: MOMENTUM * b + g / (jnp.sqrt(s) + EPS),
                           buf, grads, square_avg)
        params = jax.tree.map(lambda p, b: p - LR * b, params, buf)
        return params, (square_avg, buf), loss

    return jax.jit(step, donate_argnums=(0, 1))


# -----------------------------------------------------------------------------
# Timing
# -----------------------------------------------------------------------------

def time_steps(run, reps: int | None):
    """Warm up (at least MIN_WARMUP steps or WARMUP_SECONDS), then time
    ``reps`` steps (default: ~TARGET_SECONDS, at least MIN_REPS).  ``run()``
    must do one complete step and return once its results are ready.
    Returns (median seconds, reps)."""
    print("[bench] timing (warm-up, then timed steps)", file=sys.stderr, flush=True)
    warm = []
    while len(warm) < MIN_WARMUP or sum(warm) < WARMUP_SECONDS:
        start = time.perf_counter()
        run()
        warm.append(time.perf_counter() - start)
    if reps is None:
        reps = max(MIN_REPS, math.ceil(TARGET_SECONDS / statistics.median(warm[-MIN_WARMUP:])))
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), reps


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--impl", required=True, choices=["torch-eager", "torch-compile", "jax-jit"])
    parser.add_argument("--model", required=True, choices=["ntm", "lstm", "gru"])
    parser.add_argument("--length", type=int, required=True, help="copy length L (T = 2L+1)")
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--hidden", type=int, default=None,
                        help="hidden size (default 256 for LSTM/GRU, 100 for the NTM controller)")
    parser.add_argument("--layers", type=int, default=None,
                        help="layers (default 3 for LSTM/GRU, 1 for the NTM controller)")
    parser.add_argument("--reps", type=int, default=None,
                        help="timed steps (default: enough for ~3 s, at least 5)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    args = parser.parse_args(argv)

    torch.set_num_threads(2)
    cfg = make_config(args)
    init = rm.init_parameters(cfg, seed=args.seed)
    data = rm.copy_batch(args.length, args.batch, seed=args.seed + 1)
    compile_s = 0.0

    if args.impl == "torch-eager":
        model, opt, x, y, m = torch_setup(cfg, init, data)
        step = with_zero_grad(opt, torch_step_fn(model, opt, x, y, m))
        note = ("fused nn.LSTM/nn.GRU" if args.model != "ntm" else "Python time loop") + ", eager"
        median, reps = time_steps(step, args.reps)
    elif args.impl == "torch-compile":
        step, note, compile_s = torch_compiled_step(cfg, init, data)
        median, reps = time_steps(step, args.reps)
    else:
        params, consts = rm.split_parameters(cfg, init)
        opt_state = (jax.tree.map(jnp.zeros_like, params), jax.tree.map(jnp.zeros_like, params))
        batch = tuple(jnp.asarray(a) for a in data)
        step = jax_train_step(cfg)
        state = {"params": params, "opt": opt_state}

        def run():
            state["params"], state["opt"], loss = step(state["params"], state["opt"], consts, *batch)
            jax.block_until_ready((state["params"], loss))

        start = time.perf_counter()
        run()                                         # compiles, then runs one step
        compile_s = time.perf_counter() - start
        note = "jax.jit of value_and_grad + RMSprop, lax.scan over time, donated buffers"
        median, reps = time_steps(run, args.reps)

    result = {
        "impl": args.impl, "model": args.model, "length": args.length, "batch": args.batch,
        "ms_per_step": round(median * 1e3, 4),
        "ms_per_sequence": round(median * 1e3 / args.batch, 4),
        "reps": reps, "note": note,
        "hidden": cfg.controller_size if args.model == "ntm" else cfg.hidden_size,
        "layers": cfg.layers, "compile_s": round(compile_s, 2),
        "versions": f"torch {torch.__version__}, jax {jax.__version__}",
        "torch_threads": torch.get_num_threads(),
    }
    if not args.json:
        print(f"{args.impl} {args.model} L{args.length} B{args.batch}: "
              f"{result['ms_per_step']:.3f} ms/step, {result['ms_per_sequence']:.4f} ms/sequence "
              f"({reps} reps; {note})")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
