"""``memnets reproduce``: run every experiment and write one report.

:func:`reproduce` builds one :class:`~memnets.experiments.RunOptions` and calls
``run(options)`` of every experiment in :data:`memnets.experiments.EXPERIMENTS`, in
registry order, all writing into ``out`` (``NAME.json``, PNGs, CSVs), then assembles
``out/report.md`` from each experiment's ``"markdown"`` and ``"plots"`` (relative image
links) and writes ``out/reproduce.json`` (status and wall time of each experiment).

Profiles (:data:`~memnets.experiments.PROFILES`): ``"quick"`` (the default) -- every
experiment at its small size, designed to take under 10 minutes on 2 cores; ``"full"`` --
every image and the large grids (more than the paper used); ``"paper"`` -- the paper's own
settings for Tables 1-2 (``pairs``) and Table 4 (``compare``), the others at their quick size.

Resume: every finished grid cell is cached under ``out/cache/`` (keyed by the cell's
parameters), so re-running after an interruption only computes the missing cells; delete
``out/cache`` to recompute everything. Determinism: the same seed gives identical numbers
in every JSON except the wall-clock entries under ``"timing"`` (and ``"started"``).

Failures: an experiment that raises does not stop the others; its section in the report
shows the error. After the report is written, :class:`ExperimentsFailed` (a
:class:`~memnets.MemnetsError`) is raised naming the failed experiments, so the command
line exits with a non-zero status.
"""

from __future__ import annotations

import dataclasses
import os
import time
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from memnets import MemnetsError
from memnets.experiments import _registry
from memnets.experiments._options import RunOptions
from memnets.experiments._runner import write_json, write_text

__all__ = ["ExperimentsFailed", "reproduce"]


class ExperimentsFailed(MemnetsError):
    """Some experiments failed; the report (``.report``) was written anyway."""

    def __init__(self, report: Path, failed: Sequence[str]) -> None:
        self.report = report
        self.failed = list(failed)
        super().__init__(
            f"{len(self.failed)} experiment(s) failed: {', '.join(self.failed)}; "
            f"the report with their errors is {report}"
        )


def reproduce(
    out: RunOptions | str | os.PathLike[str] = "memnets-report",
    *,
    names: Sequence[str] | None = None,
    experiment_options: Mapping[str, Mapping[str, Any]] | None = None,
    **options: Any,
) -> Path:
    """Run every registered experiment into ``out`` and write ``out/report.md``.

    Parameters
    ----------
    out : report folder (created; default ``./memnets-report``), or the whole
        :class:`~memnets.experiments.RunOptions`
    names : run only these experiments (default: all, in registry order)
    experiment_options : an experiment's own options, by name (``{"pairs": {"resnet":
        False}}``), passed to its ``run`` (which rejects a name it does not take)
    options : run options (``profile``, ``jobs``, ``seed``, ``dask_scheduler``, ``progress``,
        ``cache_dir``, ``data_dir``; see :class:`RunOptions`), handed to every
        experiment. Here ``jobs`` defaults to 2 and ``cache_dir`` to ``out/cache``.

    Returns the path of ``report.md``. Raises :class:`ExperimentsFailed` after writing the
    report when an experiment failed.
    """
    if not isinstance(out, RunOptions):
        options = {"jobs": 2, **options}
    opts = RunOptions.coerce(out, options, experiment="reproduce")
    if opts.cache_dir is None:
        opts = dataclasses.replace(opts, cache_dir=opts.out_dir / "cache")
    selected = [_registry.check_name(name) for name in (_registry.EXPERIMENTS if names is None else names)]
    own = {_registry.check_name(name): dict(values) for name, values in (experiment_options or {}).items()}
    root = opts.out_dir
    root.mkdir(parents=True, exist_ok=True)
    console = _console(opts.progress)
    started = time.perf_counter()
    sections: list[dict[str, Any]] = []
    for k, name in enumerate(selected, 1):
        description = _registry.EXPERIMENTS[name][1]
        if console is not None:
            console.rule(f"[bold]{k}/{len(selected)} {name}[/]: {description}")
        t0 = time.perf_counter()
        section: dict[str, Any] = {"name": name, "description": description}
        try:
            section.update(status="ok", summary=_registry.module(name).run(opts, **own.get(name, {})))
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            section.update(status="failed", error=f"{type(exc).__name__}: {exc}",
                           traceback=traceback.format_exc(limit=-6))
            if console is not None:
                console.print(f"[bold red]{name} failed:[/] {type(exc).__name__}: {exc}")
        section["seconds"] = time.perf_counter() - t0
        sections.append(section)
    wall = time.perf_counter() - started
    report = _write_report(opts, sections, wall=wall)
    write_json(root / "reproduce.json", {
        "full": opts.full, "seed": opts.seed, "jobs": opts.jobs, "dask_scheduler": opts.dask_scheduler,
        "profile": opts.profile,
        "experiments": {s["name"]: {"status": s["status"], "json": s.get("summary", {}).get("json"),
                                    "error": s.get("error")} for s in sections},
        "timing": {"wall_seconds": wall, "experiments": {s["name"]: s["seconds"] for s in sections}},
    })
    if console is not None:
        console.print(f"[bold]report:[/] {report}  ({wall:.0f} s)")
    failed = [s["name"] for s in sections if s["status"] != "ok"]
    if failed:
        raise ExperimentsFailed(report, failed)
    return report


def _console(progress: bool) -> Any:
    if not progress:
        return None
    from rich.console import Console

    return Console()


def _rel(root: Path, path: str | os.PathLike[str]) -> str:
    """``path`` (absolute, or relative to the working folder) as a link relative to ``root``."""
    p = Path(path)
    if not p.exists() and (root / p.name).exists():
        p = root / p.name
    return Path(os.path.relpath(p.resolve(), root.resolve())).as_posix()


def _write_report(opts: RunOptions, sections: list[dict[str, Any]], *, wall: float) -> Path:
    from memnets import __version__

    root = opts.out_dir
    command = ("memnets reproduce" + ("" if opts.profile == "quick" else f" --profile {opts.profile}")
               + f" --seed {opts.seed} --jobs {opts.jobs}")
    if opts.dask_scheduler:
        command += f" --dask-scheduler {opts.dask_scheduler}"
    scale = {"quick": "quick profile (every experiment at its small size)",
             "full": "full profile (every image and the large grids)",
             "paper": "paper profile (the paper's settings for Tables 1, 2 and 4; the rest quick)",
             "tiny": "tiny profile (the test suite's size)"}[str(opts.profile)]
    lines = [
        "# memnets reproduction report",
        "",
        "Reproduces the experiments of *Generalizability of Memorization Neural Networks* "
        "(Yu, Gao, Zhang, Miao, NeurIPS 2024, arXiv 2411.00372) with memnets "
        f"{__version__}.",
        "",
        f"- command: `{command}`",
        f"- scale: {scale}; seed {opts.seed}; wall time {wall:.0f} s",
        "- every number is in the experiment's JSON next to this file; re-running with the same "
        "seed gives the same numbers (wall-clock times aside) and reuses the finished cells in `cache/`",
        "",
        "| experiment | status | seconds | data |",
        "|---|---|---|---|",
    ]
    for s in sections:
        link = ""
        if s["status"] == "ok" and s["summary"].get("json"):
            rel = _rel(root, s["summary"]["json"])
            link = f"[{rel}]({rel})"
        status = "ok" if s["status"] == "ok" else "**FAILED**"
        lines.append(f"| [{s['name']}](#{s['name']}) | {status} | {s['seconds']:.1f} | {link} |")
    lines.append("")
    for s in sections:
        lines += [f'<a id="{s["name"]}"></a>', "", f"## {s['name']}: {s['description']}", ""]
        if s["status"] != "ok":
            lines += ["**This experiment failed**; the other sections are unaffected.", "", "```text",
                      s["traceback"].rstrip(), "```", ""]
            continue
        summary = s["summary"]
        markdown = str(summary.get("markdown", "")).rstrip()
        lines += [markdown, ""]
        for plot in summary.get("plots", []):
            rel = _rel(root, plot)
            if rel not in markdown and Path(rel).name not in markdown:
                lines += [f"![{s['name']}]({rel})", ""]
    return write_text(root / "report.md", "\n".join(lines).rstrip() + "\n")
