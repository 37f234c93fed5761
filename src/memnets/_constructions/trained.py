"""Baseline: a gradient-trained ReLU MLP driven to 100% training accuracy (PyTorch).

This is the memorizer practitioners actually use, registered as ``method="trained"`` so it
is compared with ``efficient``, ``optimal``, ``constant`` and the others through the same entry point and the same verification.

.. math::

    F(x) = W_L\\,\\sigma(\\cdots \\sigma(W_1 x + b_1) \\cdots) + b_L, \\qquad
    \\text{layer sizes } n \\to h_1 \\to \\cdots \\to h_{L-1} \\to (1 \\text{ or } C),

trained with Adam (float64, full batch or mini-batches) on the logistic loss
``log(1 + exp(-y F(x)))`` (binary, ``y`` in {-1, +1}) or the cross-entropy of the ``C`` class
scores (multi-class), until every training sample is classified correctly, i.e.
``y_i F(x_i) > 0`` (binary) or ``F_{y_i}(x_i) > max_{c != y_i} F_c(x_i)``, or the epoch
budget runs out (then :class:`~memnets.ConstructionError`).

Guarantees: none on size (``params = sum_k (h_{k-1} + 1) h_k``, ``bottleneck <= h_1``) and
none on generalization; memorization itself is *verified* like every construction: the
trained float64 weights are copied into a :class:`~memnets.ReLUNetwork` (layers 2..L bit for
bit; layer 1 with the input standardization folded in, see below) and the returned network
itself is checked on every sample by :func:`memnets._constructions.result.finish` (certified float64
evaluation, exact rational re-check of any sample whose margin is within the float error
bound), so what is verified is exactly what is returned.

Inputs are standardized for training (``(x - mu) / sd`` per feature); the standardization is
folded into the first layer of the returned network (``W_1 / sd``, ``b_1 - (W_1 / sd) mu``),
so the network takes raw ``x``. Everything is deterministic for a given seed: weights are
initialised from a local ``torch.Generator`` seeded from ``rng``, mini-batch order comes from
``rng``, and torch runs single-threaded while training (the previous thread count is
restored). No global random state is read or written.

Example
-------
>>> import numpy as np, memnets as mn
>>> X = np.array([[0.1, 0.1], [0.9, 0.9], [0.1, 0.9], [0.9, 0.1]])
>>> res = mn.construct(X, [0, 0, 1, 1], method="trained", rng=0, hidden=(8,))
>>> res.verified, res.score(X, [0, 0, 1, 1]), res.network.layer_sizes
(True, 1.0, (2, 8, 1))
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable
from typing import Any

import numpy as np

from memnets._constructions.result import ConstructionResult
from memnets._constructions.verify import finish
from memnets._core.checks import Dataset, check_scalar
from memnets._core.errors import ConstructionError, OptionError
from memnets._core.network import ReLUNetwork
from memnets._engines.decide import certified_margins

__all__ = ["build"]

_FULL_BATCH_LIMIT = 4096
_AUTO_BATCH = 256


def _check_options(
    hidden: Any, first_width: Any, max_epochs: Any, lr: Any, batch_size: Any
) -> tuple[int, ...]:
    items = [] if isinstance(hidden, str | bytes) or not isinstance(hidden, Iterable) else list(hidden)
    if not items:
        raise OptionError(f"hidden must be a non-empty sequence of layer sizes, got {hidden!r}")
    sizes = tuple(check_scalar(f"hidden[{i}] (a layer size)", h, int, ge=1) for i, h in enumerate(items))
    if first_width is not None:
        sizes = (check_scalar("first_width", first_width, int, ge=1), *sizes[1:])
    check_scalar("max_epochs", max_epochs, int, ge=1)
    check_scalar("lr", lr, float, gt=0)
    if batch_size is not None:
        check_scalar("batch_size", batch_size, int, ge=1)
    return sizes


def build(
    data: Dataset,
    *,
    rng: np.random.Generator,
    seed: int | None,
    hidden: tuple[int, ...] = (64, 64),
    first_width: int | None = None,
    max_epochs: int = 3000,
    lr: float = 0.01,
    batch_size: int | None = None,
) -> ConstructionResult:
    """Train an MLP with Adam until it memorizes ``data``; return it verified.

    Parameters
    ----------
    data : checked dataset, ``X`` of shape (N, n), ``C >= 2`` classes
    rng : draws the torch seed (weight initialisation) and the mini-batch order
    seed : recorded in ``stats['seed']``
    hidden : hidden layer sizes ``(h_1, ..., h_{L-1})``
    first_width : if given, replaces ``h_1`` (the first layer's width, which bounds the
        bottleneck; the width experiment of Section 5 sweeps it below and above ``n``)
    max_epochs : epoch budget; :class:`ConstructionError` if 100% training accuracy is not
        reached within it
    lr : Adam learning rate
    batch_size : ``None`` = full batch when ``N <= 4096``, else mini-batches of 256

    Returns
    -------
    ConstructionResult with ``stats['epochs']``, ``stats['final_loss']``,
    ``stats['torch_seed']``, ``stats['hidden']``.

    Raises
    ------
    ConstructionError
        When 100% training accuracy is not reached; its attribute ``train_accuracy`` is the
        best training accuracy seen.
    """
    started = time.perf_counter()
    sizes = _check_options(hidden, first_width, max_epochs, lr, batch_size)
    import torch

    torch_seed = int(rng.integers(0, 2**63 - 1))
    options = {
        "hidden": list(int(h) for h in hidden),
        "first_width": first_width,
        "max_epochs": int(max_epochs),
        "lr": float(lr),
        "batch_size": batch_size,
    }
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        net, epochs, loss = _train(
            data, sizes, torch_seed=torch_seed, rng=rng, max_epochs=int(max_epochs),
            lr=float(lr), batch_size=batch_size,
        )
    finally:
        torch.set_num_threads(previous_threads)
    return finish(
        net,
        data,
        method="trained",
        options=options,
        seed=seed,
        started=started,
        engine="float",
        arithmetic="certified",
        extra_stats={
            "epochs": epochs,
            "final_loss": loss,
            "torch_seed": torch_seed,
            "hidden": list(sizes),
        },
    )


def _train(
    data: Dataset,
    sizes: tuple[int, ...],
    *,
    torch_seed: int,
    rng: np.random.Generator,
    max_epochs: int,
    lr: float,
    batch_size: int | None,
) -> tuple[ReLUNetwork, int, float]:
    import torch

    X = data.X
    N, n = X.shape
    binary = data.n_classes == 2
    n_out = 1 if binary else data.n_classes
    mu = X.mean(axis=0)
    sd = X.std(axis=0)
    sd[sd == 0] = 1.0
    xs = torch.from_numpy((X - mu) / sd)
    if binary:
        target = torch.from_numpy(np.asarray(data.signs, dtype=np.float64))
    else:
        target = torch.from_numpy(data.codes.astype(np.int64))

    gen = torch.Generator().manual_seed(torch_seed)
    dims = [n, *sizes, n_out]
    params: list[torch.Tensor] = []
    for fan_in, fan_out in itertools.pairwise(dims):
        bound = 1.0 / np.sqrt(fan_in)  # PyTorch's nn.Linear default, from a local generator
        w = torch.empty(fan_out, fan_in, dtype=torch.float64).uniform_(-bound, bound, generator=gen)
        b = torch.empty(fan_out, dtype=torch.float64).uniform_(-bound, bound, generator=gen)
        params += [w.requires_grad_(), b.requires_grad_()]
    opt = torch.optim.Adam(params, lr=lr)

    def forward(a: torch.Tensor) -> torch.Tensor:
        last = len(params) // 2 - 1
        for k in range(last + 1):
            a = torch.addmm(params[2 * k + 1], a, params[2 * k].T)
            if k < last:
                a = torch.relu(a)
        return a

    def loss_and_margin(out: torch.Tensor, idx: torch.Tensor | slice) -> tuple[torch.Tensor, torch.Tensor]:
        t = target[idx]
        if binary:
            m = out[:, 0] * t
            return torch.nn.functional.softplus(-m).mean(), m
        loss = torch.nn.functional.cross_entropy(out, t)
        own = out.gather(1, t[:, None])[:, 0]
        rival = out.scatter(1, t[:, None], -torch.inf).max(dim=1).values
        return loss, own - rival

    bs = batch_size if batch_size is not None else (N if N <= _FULL_BATCH_LIMIT else _AUTO_BATCH)
    full = bs >= N
    loss_value = float("nan")
    best_acc = 0.0
    for epoch in range(max_epochs + 1):
        if full:
            out = forward(xs)
            loss, margin = loss_and_margin(out, slice(None))
            loss_value = float(loss.detach())
            done = bool((margin > 0).all())
        else:
            with torch.no_grad():
                loss, margin = loss_and_margin(forward(xs), slice(None))
            loss_value = float(loss.detach())
            done = bool((margin > 0).all())
        best_acc = max(best_acc, float((margin > 0).double().mean()))
        if done:
            net = _to_network(params, mu, sd)
            vals, err = certified_margins(net, data, "float")
            if bool(np.all(vals > err)):
                return net, epoch, loss_value
        if epoch == max_epochs:
            break
        if full:
            opt.zero_grad()
            loss.backward()
            opt.step()
        else:
            order = torch.from_numpy(rng.permutation(N))
            for s in range(0, N, bs):
                idx = order[s : s + bs]
                opt.zero_grad()
                batch_loss, _ = loss_and_margin(forward(xs[idx]), idx)
                batch_loss.backward()
                opt.step()
    exc = ConstructionError(
        f"trained: the MLP {' -> '.join(map(str, dims))} reached only {best_acc:.4f} training "
        f"accuracy in {max_epochs} epochs (lr={lr}); it is a memorization method, so it fails "
        "here. Give it more hidden units, a larger max_epochs or another lr."
    )
    exc.train_accuracy = best_acc  # type: ignore[attr-defined]
    raise exc


def _to_network(params: list[Any], mu: np.ndarray, sd: np.ndarray) -> ReLUNetwork:
    """Copy the float64 weights bit for bit, folding the input standardization into layer 1."""
    layers = []
    for k in range(len(params) // 2):
        w = params[2 * k].detach().numpy().astype(np.float64, copy=True)
        b = params[2 * k + 1].detach().numpy().astype(np.float64, copy=True)
        if k == 0:
            w = w / sd
            b = b - w @ mu
        layers.append((w, b))
    return ReLUNetwork(layers)
