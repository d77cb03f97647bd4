"""THEORY T6's local smoothness of a PyTorch model along the user's own training run.

:class:`SmoothnessProbe` is a hook, not a training loop: call ``probe.step(batch)`` once
per training step, after ``loss.backward()`` and before ``optimizer.step()``. At every
``every``-th step k it keeps x_k, the minibatch and a dropout seed; at the next call the
parameters are x_{k+1} (whatever the optimizer did: SGD, clipping, Adam), and it records

    L_hat_k = max over gamma in GAMMAS of
              ||grad f_B(x_k + gamma d_k) - grad f_B(x_k)|| / (gamma ||d_k||),

d_k = x_{k+1} - x_k, every gradient on the SAME minibatch B (and the same dropout masks),
next to ||grad f_B(x_k)|| and, with ``hessian_top=True``, the eigenvalue of largest
modulus of hess f_B(x_k) by HVP power iteration (T1's ||hess f||). Gradients are taken by
``torch.func.functional_call`` on copies, so the model's parameters, ``.grad`` fields and
buffers are never written: they are bit-exactly what they were.
"""

from __future__ import annotations

import json
import math
import time
import uuid

import torch
from torch.func import functional_call

from l0l1.smoothness import GAMMAS

_KIND = "nn_probe"  # the store's method name for a probe record


def _check_batch(batch):
    if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
        raise ValueError(
            f"batch: {type(batch).__name__} is not allowed; allowed: a pair (inputs, targets)"
        )
    return batch


def _finite(v):
    return v if v is not None and math.isfinite(v) else None


class _Functional:
    """f_B(params) of a model on one batch, with fixed dropout seed; never mutates the model."""

    def __init__(self, model, loss_fn):
        self.model = model
        self.loss_fn = loss_fn
        self.names = [n for n, p in model.named_parameters() if p.requires_grad]

    def params(self):
        named = dict(self.model.named_parameters())
        return [named[n].detach().clone() for n in self.names]

    def loss(self, flat_params, batch, seed):
        inputs, targets = batch
        buffers = {n: b.detach().clone() for n, b in self.model.named_buffers()}
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            out = functional_call(
                self.model, {**dict(zip(self.names, flat_params, strict=True)), **buffers},
                (inputs,),
            )  # fmt: skip
            return self.loss_fn(out, targets)

    def grad(self, params, batch, seed, create_graph=False):
        ps = [p.detach().requires_grad_(True) for p in params]
        loss = self.loss(ps, batch, seed)
        gs = torch.autograd.grad(loss, ps, create_graph=create_graph)
        return loss, ps, gs


def _norm(ts) -> float:
    return float(torch.sqrt(sum((t.double() ** 2).sum() for t in ts)))


def hessian_top(model, loss_fn, batch, *, iters: int = 100, tol: float = 1e-10, seed: int = 0):
    """Eigenvalue of largest modulus of hess f_B at the model's parameters (T1's ||hess||),
    by power iteration on Hessian-vector products (autograd double backward).

    Returns ``(lam, iterations)``; ``lam`` is the Rayleigh quotient v^T H v of the final
    unit vector (its sign kept). The model is not modified.
    """
    _check_batch(batch)
    fn = _Functional(model, loss_fn)
    return _power(fn, fn.params(), batch, seed, iters, tol)


def _power(fn, params, batch, seed, iters, tol):
    _, ps, gs = fn.grad(params, batch, seed, create_graph=True)
    gen = torch.Generator().manual_seed(seed)
    v = [torch.randn(p.shape, generator=gen, dtype=p.dtype) for p in ps]
    nv = _norm(v)
    v = [t / nv for t in v]
    lam, prev = 0.0, math.inf
    for it in range(1, iters + 1):
        hv = torch.autograd.grad(gs, ps, grad_outputs=v, retain_graph=True)
        lam = float(sum((a.double() * b.double()).sum() for a, b in zip(v, hv, strict=True)))
        nh = _norm(hv)
        if nh == 0 or not math.isfinite(nh):
            return (0.0 if nh == 0 else math.nan), it
        v = [t / nh for t in hv]
        if abs(lam - prev) <= tol * max(abs(lam), 1e-300):
            return lam, it
        prev = lam
    return lam, iters


class SmoothnessProbe:
    """Record THEORY T6's L_hat along a user's training loop (see the module docstring).

    ``every``: record every k-th call of :meth:`step` (k >= 1); ``gammas``: the grid in
    (0, 1] (default T6's ``(0.125, 0.25, 0.5, 1)``; Z20's code uses 0.5 only);
    ``hessian_top``: also the top Hessian eigenvalue (``power_iters`` HVPs at most);
    ``store``: an l0l1 results store path written by :meth:`close` (one run row of
    method ``"nn_probe"`` whose trace is the records). ``records`` is the list of dicts
    ``iteration, loss, grad_norm, L_hat, L_hat_by_gamma, step_norm, hess_top``.
    Use as a context manager, or call :meth:`close` after the loop.
    """

    def __init__(self, model, loss_fn, *, every: int = 1, gammas=GAMMAS,
                 hessian_top: bool = False, power_iters: int = 50, store=None,
                 label: str | None = None, seed: int = 0):  # fmt: skip
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every: {every!r} is not allowed; allowed: an integer >= 1")
        gl = list(gammas) if isinstance(gammas, (list, tuple)) else None
        if not gl or not all(
            isinstance(t, (int, float)) and not isinstance(t, bool) and 0 < t <= 1 for t in gl
        ):
            raise ValueError(
                f"gammas: {gammas!r} is not allowed; allowed: a non-empty list of numbers in (0, 1]"
            )
        if not isinstance(model, torch.nn.Module):
            raise ValueError(
                f"model: {type(model).__name__} is not allowed; allowed: a torch.nn.Module"
            )
        self.fn = _Functional(model, loss_fn)
        self.every = every
        self.gammas = tuple(float(t) for t in gl)
        self.hessian_top = bool(hessian_top)
        self.power_iters = int(power_iters)
        self.store = store
        self.label = label or type(model).__name__
        self.seed = int(seed)
        self.iteration = -1
        self.records: list[dict] = []
        self.gradient_evaluations = 0
        self._pending = None
        self._t0 = time.perf_counter()
        self._batch_size = None

    def step(self, batch) -> dict | None:
        """Call once per training step (after backward, before ``optimizer.step``).

        Returns the record completed by this call (that of the previous recorded step,
        now that x_{k+1} is known), or None.
        """
        _check_batch(batch)
        self.iteration += 1
        done = None
        if self._pending is not None:
            done = self._resolve(self.fn.params())
        if self.iteration % self.every == 0:
            self._snapshot(batch)
        return done

    def _snapshot(self, batch):
        k = self.iteration
        seed = self.seed * 1_000_003 + k
        batch = tuple(b.detach().clone() if torch.is_tensor(b) else b for b in batch)
        if torch.is_tensor(batch[0]) and batch[0].dim() > 0:
            self._batch_size = int(batch[0].shape[0])
        params = self.fn.params()
        loss, _, g = self.fn.grad(params, batch, seed)
        self.gradient_evaluations += 1
        g = [t.detach() for t in g]
        rec = {"iteration": k, "loss": _finite(float(loss.detach())),
               "grad_norm": _finite(_norm(g)), "L_hat": None, "L_hat_by_gamma": None,
               "step_norm": None, "hess_top": None}  # fmt: skip
        if self.hessian_top:
            lam, its = _power(self.fn, params, batch, seed, self.power_iters, 1e-10)
            self.gradient_evaluations += its
            rec["hess_top"] = _finite(lam)
        self._pending = (rec, params, g, batch, seed)

    def _resolve(self, x_next) -> dict:
        rec, x, g, batch, seed = self._pending
        self._pending = None
        d = [b - a for a, b in zip(x, x_next, strict=True)]
        dn = _norm(d)
        rec["step_norm"] = _finite(dn)
        if dn > 0 and math.isfinite(dn):
            per = []
            for t in self.gammas:
                y = [a + t * s for a, s in zip(x, d, strict=True)]
                _, _, gy = self.fn.grad(y, batch, seed)
                self.gradient_evaluations += 1
                diff = _norm([a.detach() - b for a, b in zip(gy, g, strict=True)])
                per.append(_finite(diff / (t * dn)))
            rec["L_hat_by_gamma"] = per
            vals = [v for v in per if v is not None]
            rec["L_hat"] = max(vals) if len(vals) == len(per) else None
        self.records.append(rec)
        return rec

    def close(self) -> list[dict]:
        """Finish the last recorded step with the current parameters (if they moved), write
        the store (if given) and return the records."""
        if self._pending is not None:
            x_next = self.fn.params()
            if any(not torch.equal(a, b) for a, b in zip(self._pending[1], x_next, strict=True)):
                self._resolve(x_next)
            else:
                self._pending = None
        if self.store is not None:
            self.save(self.store)
            self.store = None
        return self.records

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def to_json(self, path) -> None:
        """The records (and the probe's settings) as a JSON file."""
        with open(path, "w", encoding="utf-8") as fh:
            json.dump({"label": self.label, "settings": self._settings(),
                       "records": self.records}, fh, indent=1, allow_nan=False)  # fmt: skip

    def _settings(self) -> dict:
        return {"every": self.every, "gammas": list(self.gammas),
                "hessian_top": self.hessian_top, "power_iters": self.power_iters,
                "seed": self.seed, "estimator": "THEORY T6 (Z20), same minibatch"}  # fmt: skip

    def save(self, path, sweep: str = _KIND) -> str:
        """One run row (method ``"nn_probe"``) in the l0l1 results store at ``path``; its
        trace is the records. Returns the run key. L0, L1 are :func:`fit_frontier`'s
        estimate (None with fewer than 3 points), never certified."""
        from l0l1 import __version__
        from l0l1.experiments.store import Store
        from l0l1.torch.frontier import fit_frontier

        usable = [r for r in self.records if r["L_hat"] is not None and r["grad_norm"]]
        fit = fit_frontier(self.records, n_boot=100) if len(usable) >= 3 else None
        last = self.records[-1] if self.records else {}
        key = f"{_KIND}:{self.label}:{uuid.uuid4().hex}"
        row = {
            "run_key": key, "sweep": sweep, "l0l1_version": __version__, "index": 0,
            "problem": "torch", "problem_label": self.label, "problem_params": {},
            "x0": [], "method": _KIND, "method_ref": None, "method_label": self.label,
            "noise": None, "noise_level": None, "batch": self._batch_size, "n0": None,
            "probe_every": self.every, "overrides": {}, "eps": None, "seed": self.seed,
            "max_iter": None, "max_calls": None, "checkpoints": None,
            "instance": type(self.fn.model).__name__, "n": 0,
            "dim": int(sum(p.numel() for p in self.fn.params())), "status": "ran",
            "iterations": self.iteration + 1, "oracle_calls": self.gradient_evaluations,
            "oracle_calls_at_hit": None, "value_calls": 0, "hit_iteration": None,
            "f_value": last.get("loss"), "grad_norm": last.get("grad_norm"),
            "L0": fit["L0"] if fit else None, "L1": fit["L1"] if fit else None,
            "constants_certified": False,
            "constants_how": "estimated: " + (fit["how"] if fit else "too few points to fit"),
            "Delta": None, "M": None, "start_certified": False, "oracle": "minibatch",
            "oracle_level": None, "schedule": "user", "params": self._settings(),
            "bound": None, "bound_name": None, "clipped_steps": None, "clip_fraction": None,
            "max_estimator_norm": None, "assumptions": {"frontier": fit}, "x": [],
            "wall_time": time.perf_counter() - self._t0, "trace": self.records,
        }  # fmt: skip
        with Store(path) as st:
            st.insert(row)
        return key


def load_probe(path, sweep: str | None = None) -> list[dict]:
    """The probe rows of an l0l1 results store, each with its ``trace`` (the records)."""
    from l0l1.experiments.store import load_records

    return [r for r in load_records(path, sweep, trace=True) if r["method"] == _KIND]
