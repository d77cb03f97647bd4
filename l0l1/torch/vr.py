"""R23's comparison small: SPIDER-clip vs SGD, clipped SGD, SVRG and SARAH on a PyTorch model
over a finite sum, counting stochastic gradients exactly (T4, T5).

The estimators are THEORY T5's (the same as the Numba kernels'): SGD's minibatch gradient;
the SPIDER/SARAH recursion v_k = v_{k-1} + g_B(x_k) - g_B(x_{k-1}) (the same minibatch B at
both points) refreshed with the full gradient every ``q`` steps; SVRG's anchored
v_k = mu + g_B(x_k) - g_B(x~). Steps: a constant ``lr`` for SGD, SVRG and SARAH; the
clipping learning rate h_k = min(lr, clip / ||v_k||) for clipped SGD and SPIDER-clip. A
network's (L0, L1) are unknown, so ``lr`` and ``clip`` are tuned values, not T5's certified
schedule (which needs the constants): this compares the estimators and the clipping, as
R23's experiments do.

Cost (stochastic gradient calls, one per sample per point): b per SGD step, 2b per
recursive or anchored step, n per full-gradient refresh. The recorded full-data loss and
gradient norm are measurements and are not counted.
"""

from __future__ import annotations

import math

import torch
from torch.func import functional_call

from l0l1.progress import Progress
from l0l1.torch.experiments import _check, _count, _positive
from l0l1.torch.models import build

METHODS = ("sgd", "clipped_sgd", "svrg", "sarah", "spider_clip")
CLIPPED = ("clipped_sgd", "spider_clip")


class _Flat:
    """Loss and gradient of a model on index sets, as functions of a flat parameter vector."""

    def __init__(self, model, data):
        self.model, self.data = model, data
        self.named = [(n, p.shape, p.numel()) for n, p in model.named_parameters()]
        self.x0 = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).clone()

    def _params(self, x):
        out, i = {}, 0
        for n, shape, size in self.named:
            out[n] = x[i : i + size].reshape(shape)
            i += size
        return out

    def loss(self, x, idx=None):
        d = self.data
        xs, ys = (d.x_train, d.y_train) if idx is None else (d.x_train[idx], d.y_train[idx])
        return d.loss_fn(functional_call(self.model, self._params(x), (xs,)), ys)

    def grad(self, x, idx=None):
        x = x.detach().requires_grad_(True)
        (g,) = torch.autograd.grad(self.loss(x, idx), x)
        return g


def run(model: str = "digits", method: str = "spider_clip", *, lr: float = 0.5,
        clip: float = 0.5, batch: int = 32, q: int | None = None, epochs: float = 10,
        records: int = 40, seed: int = 0, quiet: bool = True) -> dict:  # fmt: skip
    """One run of ``method`` on experiment ``model`` ("digits", "text" or a pair (Data,
    module); the module is not modified) for ``epochs`` x n stochastic gradient
    calls. ``q``: steps between full-gradient refreshes (default ceil(n / batch), one epoch
    of minibatches); minibatches with replacement under ``seed``, the model initialised
    under seed 0 for every method (one start, as in R23's figures).

    Returns ``model, method, lr, clip, batch, q, seed, n, calls`` (stochastic gradients at
    each record), ``loss`` and ``grad_norm`` (full training set, there), ``diverged``
    (calls or None) and ``clipped_steps``.
    """
    _check("method", method, method in METHODS, ", ".join(METHODS))
    _positive("lr", lr)
    _positive("clip", clip)
    _positive("epochs", epochs)
    _count("batch", batch)
    _count("records", records)
    if q is not None:
        _count("q", q)
    data, net = build(model, seed=0)
    f = _Flat(net, data)
    n = data.n
    q = q or math.ceil(n / batch)
    budget = int(epochs * n)
    gen = torch.Generator().manual_seed(seed)
    out = {"model": data.name, "method": method, "lr": float(lr),
           "clip": float(clip) if method in CLIPPED else None, "batch": batch, "q": q,
           "seed": seed, "n": n, "calls": [], "loss": [], "grad_norm": [], "diverged": None,
           "clipped_steps": 0}  # fmt: skip
    x = f.x0.clone()
    every = budget / records
    next_record, calls, k = 0.0, 0, 0
    v = x_prev = anchor = mu = None
    with Progress(budget, f"{data.name} {method}", quiet=quiet) as bar:
        while calls < budget:
            if calls >= next_record:
                with torch.no_grad():
                    loss = float(f.loss(x))
                gnorm = float(torch.linalg.vector_norm(f.grad(x)))
                out["calls"].append(calls)
                out["loss"].append(loss)
                out["grad_norm"].append(gnorm)
                next_record += every
                if not (math.isfinite(loss) and math.isfinite(gnorm)):
                    out["diverged"] = calls
                    break
            before = calls
            idx = torch.randint(n, (batch,), generator=gen)
            if method in ("sgd", "clipped_sgd"):
                v = f.grad(x, idx)
                calls += batch
            elif k % q == 0:
                v = f.grad(x)
                calls += n
                anchor, mu = x.clone(), v
            elif method == "svrg":
                v = mu + f.grad(x, idx) - f.grad(anchor, idx)
                calls += 2 * batch
            else:
                v = v + f.grad(x, idx) - f.grad(x_prev, idx)
                calls += 2 * batch
            vn = float(torch.linalg.vector_norm(v))
            h = lr
            if method in CLIPPED and vn > 0 and clip / vn < lr:
                h = clip / vn
                out["clipped_steps"] += 1
            x_prev = x
            x = x - h * v
            k += 1
            bar.update(min(calls, budget) - before)
    out["steps"] = k
    return out


def compare(model: str = "digits", methods=METHODS, *, seeds: int = 3, quiet: bool = True,
            settings: dict | None = None, **common) -> list[dict]:  # fmt: skip
    """:func:`run` of every method for seeds 0..seeds-1; ``settings`` maps a method to its
    own keyword arguments (e.g. its tuned ``lr``), over ``common``."""
    settings = settings or {}
    return [run(model, m, seed=s, quiet=quiet, **{**common, **settings.get(m, {})})
            for m in methods for s in range(seeds)]  # fmt: skip


GRID = {"lr": (0.1, 0.3, 1.0, 3.0), "clip": (0.1, 0.3, 1.0)}
TUNED = {"sgd": {"lr": 1.0}, "clipped_sgd": {"lr": 3.0, "clip": 1.0}, "svrg": {"lr": 1.0},
         "sarah": {"lr": 0.3}, "spider_clip": {"lr": 1.0, "clip": 0.1}}  # fmt: skip
"""What :func:`tune` chose on the digits model (30 epochs, seeds 0 and 1, batch 32)."""


def tune(model: str = "digits", methods=METHODS, *, epochs: float = 30, seeds: int = 2,
         quiet: bool = True, **common) -> dict:  # fmt: skip
    """Per method, the :data:`GRID` point (``clip`` only for the clipped methods) with the
    least median final training loss over ``seeds``; a diverged run counts as +inf."""
    import itertools
    import statistics

    best = {}
    for m in methods:
        clips = GRID["clip"] if m in CLIPPED else (None,)
        scores = {}
        for lr, clip in itertools.product(GRID["lr"], clips):
            kw = {"lr": lr} | ({"clip": clip} if clip is not None else {})
            runs = [run(model, m, epochs=epochs, seed=s, quiet=quiet, **common, **kw)
                    for s in range(seeds)]  # fmt: skip
            finals = [r["loss"][-1] if r["diverged"] is None else math.inf for r in runs]
            scores[tuple(kw.items())] = statistics.median(finals)
        best[m] = dict(min(scores, key=scores.get))
    return best
