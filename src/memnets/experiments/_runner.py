"""Shared machinery of every experiment: parallel grids, resume cache, JSON, progress.

An experiment is a grid of independent *cells* (plain JSON-able dicts of parameters,
each with its own seed). :func:`run_cells` evaluates a top-level function on every
cell, in parallel with joblib (``jobs``) or on a Dask cluster (``dask_scheduler``), shows
a progress bar, and caches each finished cell as a JSON file under ``cache_dir`` so an
interrupted run resumes from the finished cells. Results come back in cell order, so a
local run and a cluster run with the same seeds give identical numbers. Experiments reach
it through :meth:`RunOptions.run_cells <memnets.experiments._options.RunOptions.run_cells>`,
which fills in the run's jobs, scheduler, cache folder and progress setting.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import math
import os
import warnings
from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from memnets import OptionError
from memnets._core.files import atomic_open

__all__ = [
    "AGREE_FACTOR",
    "TIMING_KEYS",
    "cell_key",
    "fit_shape",
    "fit_slope",
    "run_cells",
    "to_jsonable",
    "without_timing",
    "write_csv",
    "write_json",
    "write_text",
]

Cell = dict[str, Any]

#: keys whose values are wall-clock measurements (or depend on them); everything else in an
#: experiment's JSON is a deterministic function of the seed. See :func:`without_timing`.
#: Besides these names, every key ending in ``seconds`` is a timing by convention.
TIMING_KEYS = ("timing", "started")

def without_timing(obj: Any, keys: Sequence[str] = TIMING_KEYS) -> Any:
    """``obj`` with every dict entry named in ``keys`` removed, recursively.

    Two runs with the same seed must agree exactly on ``without_timing(json)``.
    """
    if isinstance(obj, dict):
        return {
            k: without_timing(v, keys)
            for k, v in obj.items()
            if k not in keys and not str(k).endswith("seconds")
        }
    if isinstance(obj, list | tuple):
        return [without_timing(v, keys) for v in obj]
    return obj


def fit_slope(x: Sequence[float], y: Sequence[float]) -> float:
    """Least-squares slope of ``log y`` against ``log x`` (NaN with fewer than two points).

    >>> round(fit_slope([10, 100, 1000], [3, 30, 300]), 6)
    1.0
    """
    if len(x) < 2:
        return float("nan")
    return float(np.polyfit(np.log(np.asarray(x, dtype=float)), np.log(np.asarray(y, dtype=float)), 1)[0])


#: a measured point agrees with a fitted shape when within this factor of it (see :func:`fit_shape`)
AGREE_FACTOR = 1.5


def fit_shape(measured: dict[str, float], shape: dict[str, float], *, factor: float = AGREE_FACTOR
              ) -> dict[str, Any]:
    """Fit the unknown constant v of ``measured ~ v * shape`` by least squares in log space.

    ``log v = mean(log measured - log shape)`` over the keys both have (positive values).
    Returns ``{"v", "points", "ratio" (measured / (v shape) per key), "max_factor" (the
    largest ratio or its inverse), "agree" (keys within ``factor``), "disagree"}``; ``v`` is
    None without a common point.

    >>> f = fit_shape({"1": 2.0, "2": 8.0, "3": 64.0}, {"1": 1.0, "2": 4.0, "3": 16.0})
    >>> round(f["v"], 6), round(f["max_factor"], 6), f["agree"], f["disagree"]
    (2.519842, 1.587401, ['1', '2'], ['3'])
    """
    keys = [k for k in measured if k in shape and measured[k] and shape[k] and measured[k] > 0 and shape[k] > 0]
    if not keys:
        return {"v": None, "points": 0, "ratio": {}, "max_factor": None, "agree": [], "disagree": []}
    logs = {k: math.log(measured[k]) - math.log(shape[k]) for k in keys}
    logv = sum(logs.values()) / len(logs)
    ratio = {k: math.exp(r - logv) for k, r in logs.items()}
    worst = max(max(q, 1.0 / q) for q in ratio.values())
    return {"v": math.exp(logv), "points": len(keys), "ratio": ratio, "max_factor": worst,
            "agree": [k for k in keys if 1.0 / factor <= ratio[k] <= factor],
            "disagree": [k for k in keys if not 1.0 / factor <= ratio[k] <= factor]}


def to_jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays, Fractions, Paths and tuples into JSON-able values."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.bool_ | bool):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating | float):
        f = float(obj)
        return f if math.isfinite(f) else str(f)
    if isinstance(obj, Fraction):
        return float(obj)
    if isinstance(obj, Path):
        return str(obj)
    return obj


def write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    """Write ``obj`` as pretty JSON atomically (write to a temp file, then rename)."""
    return write_text(path, json.dumps(to_jsonable(obj), indent=2, sort_keys=False) + "\n")


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``path`` atomically (:func:`~memnets._core.files.atomic_open`)."""
    with atomic_open(path) as fh:
        fh.write(text)
    return Path(path)


def write_csv(path: str | os.PathLike[str], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """Write a header of ``columns`` and then ``rows`` as CSV to ``path`` (folders created),
    atomically like :func:`write_json`."""
    with atomic_open(path, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows(rows)
    return Path(path)


def cell_key(fn: Callable[..., Any], cell: Cell) -> str:
    """Stable identity of one cell: function name, canonical JSON of its parameters and
    :func:`code_fingerprint` (a cache written by other code is never reused)."""
    text = (
        f"{fn.__module__}.{fn.__qualname__}:{code_fingerprint()}:"
        + json.dumps(to_jsonable(cell), sort_keys=True)
    )
    return hashlib.sha256(text.encode()).hexdigest()[:20]


@functools.cache
def code_fingerprint() -> str:
    """SHA-256 (16 hex digits) of every ``.py`` file of the installed memnets package.

    Part of every cache key: after any change to the library's code, cached cells are
    recomputed instead of silently mixing results of two versions.
    """
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _load_cached(path: Path) -> Any:
    try:
        return json.loads(path.read_text())["result"]
    except (OSError, ValueError, KeyError):
        return None


def run_cells(
    fn: Callable[[Cell], dict[str, Any]],
    cells: Sequence[Cell],
    *,
    jobs: int = 1,
    dask_scheduler: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    desc: str = "cells",
    progress: bool = True,
    counts: dict[str, int] | None = None,
    order: Callable[[Cell], Any] | None = None,
) -> list[dict[str, Any]]:
    """Evaluate ``fn(cell)`` for every cell; results in cell order, JSON-normalised.

    ``fn`` must be a module-level function (picklable) whose result depends only on the
    cell (seeds inside the cell). Cached results under ``cache_dir`` are reused; every newly
    finished cell is written there as soon as it completes, so an interrupted run loses
    only the cells in flight. Cache keys include the cell function's qualified name, so
    experiments can share one folder.

    ``jobs`` > 1 runs the cells in joblib worker processes; ``dask_scheduler`` (an address
    such as ``"tcp://127.0.0.1:8786"``) sends them to a Dask distributed cluster instead.
    Either way the results are the same list in the same order as ``jobs=1``: every cell
    runs with BLAS/OpenMP pinned to one thread, so float roundings do not depend on how the
    grid is spread (parallelism comes from running cells side by side). When
    ``counts`` is a dict, it receives ``{"total", "cached", "computed"}``. ``order`` is a
    sort key: cells are started in its order (e.g. the slowest first, so parallel workers
    finish together); the results still come back in cell order.
    """
    if jobs == -1:
        jobs = os.cpu_count() or 1
    if jobs < 1:
        raise OptionError(f"jobs must be >= 1 (or -1 for every core), got {jobs}")
    results: list[Any] = [None] * len(cells)
    paths: list[Path | None] = [None] * len(cells)
    todo: list[int] = []
    cache = Path(cache_dir) if cache_dir is not None else None
    for k, cell in enumerate(cells):
        if cache is not None:
            path = cache / f"{cell_key(fn, cell)}.json"
            paths[k] = path
            cached = _load_cached(path) if path.exists() else None
            if cached is not None:
                results[k] = cached
                continue
        todo.append(k)
    if order is not None:
        todo.sort(key=lambda k: order(cells[k]))

    def store(k: int, value: dict[str, Any]) -> None:
        value = to_jsonable(value)
        results[k] = value
        if paths[k] is not None:
            write_json(paths[k], {"cell": cells[k], "result": value})  # type: ignore[arg-type]

    if counts is not None:
        counts.update(total=len(cells), cached=len(cells) - len(todo), computed=len(todo))
    bar = _Progress(desc, total=len(cells), done=len(cells) - len(todo), enabled=progress)
    try:
        if not todo:
            pass
        elif dask_scheduler:
            try:
                from distributed import Client, as_completed
            except ImportError as exc:
                raise OptionError(
                    "dask_scheduler needs dask.distributed: pip install 'memnets[dask]'"
                ) from exc
            try:
                client = Client(dask_scheduler)
            except (OSError, TimeoutError) as exc:
                raise OptionError(f"cannot reach the Dask scheduler at {dask_scheduler!r}: {exc}") from exc
            with client:
                futures = {client.submit(_call, fn, cells[k], pure=False): k for k in todo}
                for fut in as_completed(futures):
                    store(futures[fut], fut.result())
                    bar.advance()
        elif jobs == 1:
            for k in todo:
                store(k, _call(fn, cells[k]))
                bar.advance()
        else:
            from joblib import Parallel, delayed

            with warnings.catch_warnings():
                # loky restarts a worker whose memory grew (big exact networks); the cell is
                # resubmitted and its result is unaffected, so the notice is noise here
                warnings.filterwarnings("ignore", message="A worker stopped while some jobs", category=UserWarning)
                par = Parallel(n_jobs=jobs, return_as="generator_unordered")
                out = par(delayed(_indexed)(fn, k, cells[k]) for k in todo)
                for k, value in out:
                    store(k, value)
                    bar.advance()
    finally:
        bar.close()
    return results


def _call(fn: Callable[[Cell], dict[str, Any]], cell: Cell) -> dict[str, Any]:
    """``fn(cell)`` with BLAS/OpenMP limited to one thread.

    Float reductions (BLAS matrix products) may round differently with different thread
    counts; pinning every cell to one thread makes its numbers independent of ``jobs``,
    of the machine's core count and of Dask, so every path gives the same JSON.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return fn(cell)


def _indexed(fn: Callable[[Cell], dict[str, Any]], k: int, cell: Cell) -> tuple[int, dict[str, Any]]:
    return k, _call(fn, cell)


class _Progress:
    """A rich progress bar that degrades to nothing when disabled or not a terminal."""

    def __init__(self, desc: str, *, total: int, done: int, enabled: bool) -> None:
        self._bar: Any = None
        if not enabled or total == 0:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        self._bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=False,
        )
        self._bar.start()
        self._task = self._bar.add_task(desc, total=total, completed=done)

    def advance(self) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


def mean_or_none(vals: Iterable[Any]) -> float | None:
    """The mean of the values that are not None (None when there are none)."""
    v = [float(x) for x in vals if x is not None]
    return float(np.mean(v)) if v else None
