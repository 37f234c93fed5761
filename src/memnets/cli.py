"""The ``memnets`` command line (typer): a face over the public ``memnets`` names only.

``memnets reproduce`` is the main job. Each command is a thin layer over the library:
parse options, call the public function, print a table. Heavy imports happen inside the
commands so that ``memnets --help`` stays fast.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from memnets import MemnetsError, NotCompressibleError, OptionError

app = typer.Typer(
    name="memnets",
    help="Construct, verify and evaluate ReLU networks that provably memorize a dataset.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Datasets: list what is available offline.", no_args_is_help=True)
app.add_typer(data_app, name="data")
console = Console()


def _fail(exc: Exception) -> None:
    console.print(f"[bold red]error:[/] {exc}")
    raise typer.Exit(code=2)


def _parse_classes(classes: str | None) -> tuple[Any, ...] | None:
    if not classes:
        return None
    parts = [c.strip() for c in classes.replace("-", ",").split(",") if c.strip()]
    return tuple(int(p) if p.lstrip("-").isdigit() else p for p in parts)


def _stats_table(title: str, rows: dict[str, Any]) -> Table:
    table = Table(title=title, show_header=False)
    table.add_column("key", style="bold")
    table.add_column("value")
    for k, v in rows.items():
        table.add_row(str(k), str(v))
    return table


@app.callback()
def _main() -> None:
    """memnets: memorization networks with exact verification."""


@data_app.command("list")
def data_list() -> None:
    """List the datasets memnets can load, and whether each is installed here."""
    from memnets import datasets

    table = Table(title="memnets datasets")
    for col in ("name", "kind", "available", "features", "classes", "source / note"):
        table.add_column(col)
    for entry in datasets.catalog():
        table.add_row(
            entry["name"],
            entry["kind"],
            "yes" if entry["available"] else "no",
            str(entry.get("n_features", "")),
            str(entry.get("n_classes", "")),
            entry.get("note", ""),
        )
    console.print(table)


@app.command()
def inspect(path: Annotated[Path, typer.Argument(help="A .memnet file written by memnets")]) -> None:
    """Show the structure, statistics and provenance of a saved model."""
    from memnets import load

    try:
        res = load(path)
    except MemnetsError as exc:
        _fail(exc)
    net = res.network
    rows = {
        "method": res.method,
        "verified": res.verified,
        "classes": list(res.classes.tolist()),
        "min_margin": float(res.min_margin),
        "engine": res.engine,
        "layer sizes": " -> ".join(map(str, net.layer_sizes))
        if net.depth <= 12
        else f"{net.n_inputs} -> ... ({net.depth} layers) -> {net.n_outputs}",
        **{k: v for k, v in res.stats.items() if k not in ("options",)},
        "options": res.stats.get("options"),
    }
    console.print(_stats_table(str(path), rows))


def _parse_options(items: list[str]) -> dict[str, Any]:
    """``["k=2", "radius=local", "alpha=0.9", "x=true"]`` -> ``{"k": 2, "radius": "local", ...}``."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise OptionError(f"--set expects KEY=VALUE with a Python name as KEY, got {item!r}")
        value: Any = text.strip()
        if value.lower() in ("true", "false"):
            value = value.lower() == "true"
        else:
            for kind in (int, float):
                try:
                    value = kind(value)
                    break
                except ValueError:
                    pass
        out[key] = value
    return out


@app.command()
def build(
    data: Annotated[str, typer.Argument(help="Dataset name (see `memnets data list`)")],
    method: Annotated[str, typer.Option(help="Construction (efficient, optimal, interval, constant, trained)")] = "efficient",
    classes: Annotated[str | None, typer.Option(help="Class subset, e.g. 3,5")] = None,
    n_train: Annotated[int | None, typer.Option(help="Subsample this many training points")] = None,
    seed: Annotated[int, typer.Option(help="Seed of every random choice")] = 0,
    out: Annotated[Path, typer.Option(help="Where to save the model")] = Path("model.memnet"),
    data_dir: Annotated[Path | None, typer.Option(help="Folder of a dataset that is not bundled (CIFAR-10)")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Option of the method as KEY=VALUE, repeatable (e.g. --set condense=cover "
                     "--set k=2); numbers and true/false are converted"),
    ] = None,
) -> None:
    """Construct a memorizing network on a dataset, verify it and save it.

    The compact M1 of the README: ``memnets build mnist --set radius=local --set alpha=0.9
    --set k=2``.
    """
    from memnets import construct, datasets, save

    try:
        options = _parse_options(set_ or [])
        X, y = datasets.load(
            data, classes=_parse_classes(classes), split="train", n=n_train, rng=seed, data_dir=data_dir
        )
        with console.status(f"constructing {method} on {len(y)} samples..."):
            res = construct(X, y, method=method, rng=seed, **options)
        save(res, out)
    except MemnetsError as exc:
        _fail(exc)
    console.print(_stats_table(f"{method} on {data} -> {out}", {k: v for k, v in res.stats.items() if k != "options"}))


@app.command("eval")
def evaluate(
    model: Annotated[Path, typer.Argument(help="A .memnet file")],
    data: Annotated[str, typer.Option(help="Dataset name")],
    classes: Annotated[str | None, typer.Option(help="Class subset, e.g. 3,5")] = None,
    split: Annotated[str, typer.Option(help="train or test")] = "test",
    n: Annotated[int | None, typer.Option(help="Subsample this many points")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the subsample")] = 0,
    data_dir: Annotated[Path | None, typer.Option(help="Folder of a dataset that is not bundled")] = None,
) -> None:
    """Accuracy of a saved model on a dataset split."""
    from memnets import datasets, load

    try:
        res = load(model)
        X, y = datasets.load(data, classes=_parse_classes(classes), split=split, n=n, rng=seed, data_dir=data_dir)
        acc = res.score(X, y)
    except MemnetsError as exc:
        _fail(exc)
    console.print(f"accuracy on {data} {split} ({len(y)} samples): [bold]{acc:.4f}[/]")


@app.command()
def experiment(
    name: Annotated[str, typer.Argument(help="Experiment name (see `memnets experiment --help`)")],
    out: Annotated[Path, typer.Option(help="Output folder")] = Path("memnets-report"),
    full: Annotated[bool, typer.Option("--full", help="Every image / the large grid instead of the quick default (more than the paper used)")] = False,
    profile: Annotated[str | None, typer.Option(help="'paper': the paper's own settings where the experiment reproduces a table (pairs: Tables 1-2)")] = None,
    jobs: Annotated[int, typer.Option(help="Parallel jobs on this machine")] = 1,
    seed: Annotated[int, typer.Option(help="Base seed")] = 0,
    dask_scheduler: Annotated[str | None, typer.Option(help="Address of a Dask scheduler to run the grid on")] = None,
    data: Annotated[str | None, typer.Option(help="Dataset, for experiments that take one")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Folder of a dataset that is not bundled (CIFAR-10)")] = None,
) -> None:
    """Run one experiment; writes NAME.json and PNG plots into --out."""
    from memnets import experiments

    own: dict[str, Any] = {} if data is None else {"data": data}
    try:
        options = experiments.RunOptions(out, full=full, jobs=jobs, seed=seed, dask_scheduler=dask_scheduler,
                                         data_dir=data_dir, profile=profile)
        summary = experiments.run(name, options, **own)
    except MemnetsError as exc:
        _fail(exc)
    console.print(f"[bold green]{name}[/] done: {summary.get('json')}")
    for plot in summary.get("plots", []):
        console.print(f"  plot: {plot}")


@app.command()
def reproduce(
    out: Annotated[Path, typer.Option(help="Report folder")] = Path("memnets-report"),
    full: Annotated[bool, typer.Option("--full", help="Every image (all of MNIST/Fashion-MNIST, CIFAR-10 if given) and the large grids: more than the paper used")] = False,
    profile: Annotated[str | None, typer.Option(help="'paper': Tables 1-2 at the paper's settings (MNIST 500/label, CIFAR-10 3,000/label, all test images), the rest quick")] = None,
    jobs: Annotated[int, typer.Option(help="Parallel jobs on this machine")] = 2,
    seed: Annotated[int, typer.Option(help="Base seed")] = 0,
    dask_scheduler: Annotated[str | None, typer.Option(help="Address of a Dask scheduler")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="CIFAR-10 folder (cifar-10-batches-py)")] = None,
) -> None:
    """The main job: run every experiment and write report.md with tables and plots."""
    from memnets.experiments import RunOptions
    from memnets.experiments.reproduce import reproduce as run_reproduce

    try:
        report = run_reproduce(RunOptions(out, full=full, jobs=jobs, seed=seed, dask_scheduler=dask_scheduler,
                                          data_dir=data_dir, profile=profile))
    except MemnetsError as exc:
        _fail(exc)
    console.print(f"[bold green]report written:[/] {report}")


# --- commands added by later work go below this line (audit, estimate, certify) ---


@app.command()
def estimate(
    data: Annotated[str, typer.Argument(help="Dataset name (see `memnets data list`)")],
    classes: Annotated[str | None, typer.Option(help="Class subset, e.g. 3,5 (N_D needs two classes)")] = None,
    n: Annotated[int | None, typer.Option(help="Subsample this many training points")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the subsample and of the grid")] = 0,
    eps: Annotated[float, typer.Option(help="Target error for the sample-size bounds")] = 0.01,
    delta: Annotated[float, typer.Option(help="Failure probability for the sample-size bounds")] = 0.05,
    grid: Annotated[str, typer.Option(help="M3 grid: fixed (diameter < c) or adaptive")] = "fixed",
) -> None:
    """Estimate c_D, S_D, M_D, N_D of a dataset and the sample sizes the theory predicts."""
    from memnets import datasets
    from memnets.theory import estimate_all

    try:
        X, y = datasets.load(data, classes=_parse_classes(classes), split="train", n=n, rng=seed)
        with console.status(f"estimating on {len(y)} samples..."):
            est = estimate_all(X, y, rng=seed, eps=eps, delta=delta, grid=grid)
    except MemnetsError as exc:
        _fail(exc)
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
        "N_D upper (M3 params, nonzero)": (
            f"{est['N_D_upper']} ({est['N_D_upper_nonzero']})" if est["N_D_upper"] is not None else est["N_D_note"]
        ),
        f"N lower bound (1-2eps) N_D^2, any memorizer (eps={eps})": est["samples_lower_bound"],
        f"N upper bound, constant params (eps={eps}, delta={delta})": est["samples_upper_bound_constant"],
        "  (both bounds evaluated at the N_D upper estimate)": "",
        "N for Theorem 7.3 S_D ln(S_D/delta)/eps": est["sample_size_thm73"],
        "N for M3 cells (M/eps) ln(M/delta), M = Chao1": est["sample_size_cells"],
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
    console.print(_stats_table(f"memnets estimate {data}", rows))


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
        _fail(exc)
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
    console.print(_stats_table(f"memnets audit {model}" + (f" --data {data}" if data else ""), rows))
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
    n: Annotated[int | None, typer.Option(help="Subsample this many points of --data")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the subsample")] = 0,
    data_dir: Annotated[Path | None, typer.Option(help="Folder of a dataset that is not bundled")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the certificates as JSON")] = None,
) -> None:
    """A rigorous lower bound on the model's accuracy, from its training set alone.

    M1 (method efficient) is a sample-compression scheme: its network is a fixed function of
    k of its N training samples and is right on the other N - k, which bounds its accuracy
    with probability >= 1 - delta (no test set needed). Other methods have no such bound:
    give --data for a held-out (test-set) bound instead.
    """
    from memnets import load

    certs = []
    try:
        res = load(model)
        if data is None:
            certs.append(res.certify(delta))
        else:
            from memnets import datasets

            X, y = datasets.load(data, classes=_parse_classes(classes), split=split, n=n, rng=seed, data_dir=data_dir)
            with contextlib.suppress(NotCompressibleError):
                certs.append(res.certify(delta))
            certs.append(res.certify(delta, X_test=X, y_test=y))
    except MemnetsError as exc:
        _fail(exc)
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
        console.print(_stats_table(f"memnets certify {model}: {title}", rows))
    if json_out is not None:
        from memnets.experiments import write_json

        write_json(json_out, {"model": str(model), "certificates": [c.to_dict() for c in certs]})


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
