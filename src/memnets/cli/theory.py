"""``memnets estimate``, ``memnets audit``, ``memnets certify``: the theory's numbers for a
dataset or a model."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated, Any

import typer

from memnets import MemnetsError, NotCompressibleError
from memnets.cli._app import app, console, fail, parse_classes, stats_table, subsample_flag
from memnets.cli._options import DataDir, DeprecatedNTest, SubsampleSeed


@app.command()
def estimate(
    data: Annotated[str, typer.Argument(help="Dataset name (see `memnets data list`)")],
    classes: Annotated[str | None, typer.Option(help="Class subset, e.g. 3,5 (N_D needs two classes)")] = None,
    n_train: Annotated[int | None, typer.Option(help="Subsample this many training points")] = None,
    n: Annotated[int | None, typer.Option("--n", hidden=True, help="Deprecated: use --n-train")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the subsample and of the grid")] = 0,
    eps: Annotated[float, typer.Option(help="Target error for the sample-size bounds")] = 0.01,
    delta: Annotated[float, typer.Option(help="Failure probability for the sample-size bounds")] = 0.05,
    grid: Annotated[str, typer.Option(help="constant grid: fixed (diameter < c) or adaptive")] = "fixed",
) -> None:
    """Estimate c_D, S_D, M_D, N_D of a dataset and the sample sizes the theory predicts."""
    from memnets import datasets
    from memnets.theory import estimate_all

    try:
        n_train = subsample_flag(n_train, n)
        X, y = datasets.load(data, classes=parse_classes(classes), split="train", n=n_train, rng=seed)
        with console.status(f"estimating on {len(y)} samples..."):
            est = estimate_all(X, y, rng=seed, eps=eps, delta=delta, grid=grid)
    except MemnetsError as exc:
        fail(exc)
    md = est["M_D"]
    rows = {
        "samples N / features n / classes": f"{est['n_samples']} / {est['n_features']} / {est['n_classes']}",
        "c (separation, >= c_D)": f"{est['separation']:.6g}",
        "S_D (Definition 7.1: greedy cover by balls L(x)/3.1)": est["S_D"],
        "cells of diameter < c/2 (greedy cover, radius c/4)": est["cells"],
        "M_D occupied cells": md["occupied"],
        "  cell size / diameter": f"{md['cell_size']:.6g} / {md['cell_diameter']:.6g} ({md['grid']})",
        "  singletons f1 / coverage 1-f1/N": f"{md['singletons']} / {md['coverage']:.4f}",
        "  Chao1 cells": f"{md['chao1']:.1f}",
        "N_D upper (constant params, nonzero)": (
            f"{est['N_D_upper']} ({est['N_D_upper_nonzero']})" if est["N_D_upper"] is not None else est["N_D_note"]
        ),
        f"N lower bound (1-2eps) N_D^2, any memorizer (eps={eps})": est["samples_lower_bound"],
        f"N upper bound, constant params (eps={eps}, delta={delta})": est["samples_upper_bound_constant"],
        "  (both bounds evaluated at the N_D upper estimate)": "",
        "N for Theorem 7.3 S_D ln(S_D/delta)/eps": est["sample_size_thm73"],
        "N for constant cells (M/eps) ln(M/delta), M = Chao1": est["sample_size_cells"],
        "The paper's bounds (its absolute constant v is unknown; v = 1 here: shapes, not numbers)": "",
        "  Thm 6.1: no algorithm generalizes for every D below v N_D^2/ln^2(N_D)(1-2eps-delta)": _big(
            est["bound_thm61"], est["N_D_note"] if est["N_D_upper"] is None else "N_D <= 1"),
        "  Thm 6.5: N_D-param memorizers generalize from v N_D^2 ln(N_D/(eps^2 delta))/eps^2": _big(
            est["bound_thm65"], est["N_D_note"] if est["N_D_upper"] is None else "N_D <= 1"),
        "    (6.1 and 6.5 at the N_D upper estimate)": "",
        f"  Cor 6.4 at (n, c) = ({est['n_features']}, {est['separation']:.4g}): some D needs more than": _big(
            est["bound_cor64"], "c = 0"),
        "    v 2^(2 floor(n / ceil(c^2))) c^4 (1-2eps-delta) / n^2": "",
    }
    console.print(stats_table(f"memnets estimate {data}", rows))


def _big(value: float | int | None, missing: str) -> str:
    """A sample size for the table: ``-`` with the reason when absent, ints of more than 15
    digits in scientific notation with their digit count (Corollary 6.4 can have hundreds)."""
    if value is None:
        return f"- ({missing})"
    if isinstance(value, int):
        if value == 0:
            return "0 (vacuous here: below one sample)"
        digits = str(value)
        if len(digits) <= 15:
            return digits
        return f"{digits[0]}.{digits[1:4]}e+{len(digits) - 1} ({len(digits)} digits)"
    return f"{value:.4g}"


@app.command("audit")
def audit_command(
    model: Annotated[Path, typer.Argument(help="A .memnet file, or a torch.save of an nn.Sequential of Linear/ReLU")],
    data: Annotated[str | None, typer.Option(help="Distribution family with an exact line measure: shells, balls or corners")] = None,
    n_shells: Annotated[int | None, typer.Option(help="Shells of the 'shells' family (default 4)")] = None,
    lines: Annotated[int, typer.Option(help="Lines sampled for the Monte Carlo bound")] = 4000,
    delta: Annotated[float, typer.Option(help="The bound holds with probability >= 1 - delta")] = 0.05,
    seed: Annotated[int, typer.Option(help="Seed of the sampled lines")] = 0,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the report as JSON")] = None,
) -> None:
    """Bottleneck, a direction v with W_1 v = 0, and a certified lower bound on the error."""
    from memnets import audit, datasets, load_model

    try:
        net = load_model(model)
        params = {} if n_shells is None else {"n_shells": n_shells}
        dist = datasets.line_measured(data, net.n_inputs, **params) if data else None
        with console.status(f"auditing {model} on {lines} lines..."):
            rep = audit(net, dist, n_lines=lines, delta=delta, rng=seed)
    except MemnetsError as exc:
        fail(exc)
    d = rep.to_dict()
    rows = {k: d[k] for k in ("n_inputs", "hidden_sizes", "bottleneck", "rank_first_layer", "exact")}
    if rep.direction is not None:
        shown = ", ".join(f"{x:.6g}" for x in rep.direction[:12].tolist())
        rows["direction v (W_1 v = 0)"] = f"[{shown}{', ...' if rep.n_inputs > 12 else ''}]"
    if rep.error_lower_bound is not None:
        rows[f"error lower bound (prob >= {1 - delta:g})"] = f"{rep.error_lower_bound:.4f}"
        rows["mean minority mass on lines"] = f"{rep.minority_mean:.4f}"
    if rep.line_error is not None:
        rows["network error on lines (estimate)"] = f"{rep.line_error:.4f} +- {rep.line_error_halfwidth:.4f}"
    if rep.note:
        rows["note"] = rep.note
    console.print(stats_table(f"memnets audit {model}" + (f" --data {data}" if data else ""), rows))
    if json_out is not None:
        from memnets.experiments import write_json

        write_json(json_out, d)


@app.command()
def certify(
    model: Annotated[Path, typer.Argument(help="A .memnet file written by memnets")],
    delta: Annotated[float, typer.Option(help="The bound holds with probability >= 1 - delta")] = 0.05,
    data: Annotated[str | None, typer.Option(help="Also a held-out bound on this dataset's split (samples the model never saw)")] = None,
    classes: Annotated[str | None, typer.Option(help="Class subset of --data, e.g. 3,5")] = None,
    split: Annotated[str, typer.Option(help="Split of --data for the held-out bound")] = "test",
    n_test: Annotated[int | None, typer.Option(help="Subsample this many points of --data's split")] = None,
    n: DeprecatedNTest = None,
    seed: SubsampleSeed = 0,
    data_dir: DataDir = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the certificates as JSON")] = None,
) -> None:
    """A rigorous lower bound on the model's accuracy, from its training set alone.

    ``efficient`` is a sample-compression scheme: its network is a fixed function of
    k of its N training samples and is right on the other N - k, which bounds its accuracy
    with probability >= 1 - delta (no test set needed). Other methods have no such bound:
    give --data for a held-out (test-set) bound instead.
    """
    from memnets import load

    certs = []
    try:
        n_test = subsample_flag(n_test, n, "--n-test")
        res = load(model)
        if data is None:
            certs.append(res.certify(delta))
        else:
            from memnets import datasets

            X, y = datasets.load(data, classes=parse_classes(classes), split=split, n=n_test, rng=seed,
                                 data_dir=data_dir)
            with contextlib.suppress(NotCompressibleError):
                certs.append(res.certify(delta))
            certs.append(res.certify(delta, X_test=X, y_test=y))
    except MemnetsError as exc:
        fail(exc)
    for cert in certs:
        title = ("training-set certificate (sample compression)" if cert.bound == "sample-compression"
                 else f"held-out certificate ({data} {split})")
        rows: dict[str, Any] = {
            "certified accuracy": f"{cert.accuracy:.4f}",
            "error bound": f"{cert.error_bound:.4f}",
            "probability": f">= {1 - cert.delta:g} (delta = {cert.delta:g})",
        }
        if cert.bound == "sample-compression":
            rows["kept samples k / N"] = f"{cert.k:,} / {cert.n_samples:,} ({cert.k / cert.n_samples:.2%})"
        else:
            rows["mistakes / test samples"] = f"{cert.errors:,} / {cert.n_samples:,}"
        rows["statement"] = cert.statement
        console.print(stats_table(f"memnets certify {model}: {title}", rows))
        if cert.bound == "sample-compression":
            note = weak_certificate_note(cert.k, cert.n_samples, cert.accuracy, res.stats.get("options", {}))
            if note:
                console.print(f"[bold yellow]note:[/] {note}")
    if json_out is not None:
        from memnets.experiments import write_json

        write_json(json_out, {"model": str(model), "certificates": [c.to_dict() for c in certs]})



#: kept fraction k/N from which a sample-compression certificate is called weak
WEAK_KEPT_FRACTION = 0.05


def weak_certificate_note(k: int, n: int, accuracy: float, options: dict[str, Any]) -> str | None:
    """Why a sample-compression certificate is weak and how to get a strong one, or None.

    The bound is about ``1 - (k ln(N/k) + ln(N/delta)) / (N - k)``: it is near-vacuous
    once the network keeps more than a few percent of its samples. ``condense="mcs"`` keeps
    the smallest consistent subset (MNIST 4-vs-9 at N = 2,000: 0.21 by default, 0.70 with
    mcs).
    """
    if k < WEAK_KEPT_FRACTION * n and accuracy >= 0.5:
        return None
    text = (f"the network keeps k = {k:,} of its N = {n:,} samples (k/N = {k / n:.1%}), so the bound "
            f"is weak ({'near-vacuous' if accuracy < 0.5 else 'loose'}: certified accuracy {accuracy:.2f}).")
    if options.get("condense") != "mcs":
        text += (' Rebuild with condense="mcs" (memnets build ... --set condense=mcs, or '
                 'construct(..., condense="mcs")): the smallest consistent subset, a far stronger certificate.')
    return text
