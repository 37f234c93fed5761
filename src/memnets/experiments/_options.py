"""The options every experiment shares, declared, validated and documented once.

:func:`memnets.experiments.run`, :func:`~memnets.experiments.reproduce.reproduce` and the
command line build one :class:`RunOptions` from their keyword arguments and hand it to the
experiment's ``run``. Options only one experiment understands (``dims``, ``methods``,
``data`` ...) stay keyword arguments of that experiment's ``run``.
"""

from __future__ import annotations

import copy
import dataclasses
import numbers
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from memnets import OptionError
from memnets.experiments._registry import EXPERIMENTS, own_options

__all__ = ["PROFILES", "RunOptions"]

#: the sizes an experiment may be run at: ``"quick"`` (the default), ``"full"`` (every image and
#: the large grids), ``"tiny"`` (the test suite) and ``"paper"`` (the paper's own settings)
PROFILES = ("quick", "full", "tiny", "paper")


def _kind(value: Any) -> str:
    return f"{value!r} ({type(value).__name__})"


def _path(name: str, value: Any, *, optional: bool) -> Path | None:
    if value is None and optional:
        return None
    if isinstance(value, str | os.PathLike):
        return Path(value)
    allowed = "a path or None" if optional else "a path"
    raise OptionError(f"{name} must be {allowed}, got {_kind(value)}")


def _integer(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise OptionError(f"{name} must be an integer, got {_kind(value)}")
    return int(value)


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """How to run an experiment; the same knobs for every experiment.

    Attributes
    ----------
    out_dir : folder for ``NAME.json``, PNG plots and CSVs (created when written)
    profile : the run's size, one of :data:`PROFILES` (``None`` means ``"quick"``):
        ``"quick"`` every experiment at its small size (the default), ``"full"`` every image and
        the large grids (more than the paper used: not its settings), ``"tiny"`` the test
        suite's size, ``"paper"`` the paper's own settings where an experiment reproduces one
        of its tables (``pairs`` = Tables 1-2, ``compare`` = Table 4, which is also its quick
        size); an experiment without a size for a profile runs its quick size
    jobs : joblib worker processes for the grid of cells; ``-1`` for every core
    seed : base seed (an integer >= 0); every cell derives its seeds from it
    dask_scheduler : address of a Dask distributed scheduler (``"tcp://host:8786"``); the
        grid runs there instead of in local processes
    progress : rich progress bars and notes on the terminal
    cache_dir : keep every finished cell here as JSON and reuse it, so an interrupted run
        resumes (``None``: no cache, except ``scaling`` which defaults to
        ``out_dir/.cache/scaling``; ``memnets reproduce`` uses ``out/cache``)
    data_dir : folder of a dataset that is not bundled (CIFAR-10's ``cifar-10-batches-py`` or PNG folders);
        experiments that load no such dataset ignore it
    full : deprecated spelling of ``profile="full"`` (one release, with a
        :class:`DeprecationWarning`); after construction it reads ``profile == "full"``

    Construction validates every field and raises :class:`memnets.OptionError` naming it.
    Two runs with the same options give the same numbers whatever ``jobs``,
    ``dask_scheduler``, ``progress`` and ``cache_dir`` are.
    """

    out_dir: Path
    profile: str | None = "quick"
    jobs: int = 1
    seed: int = 0
    dask_scheduler: str | None = None
    progress: bool = True
    cache_dir: Path | None = None
    data_dir: Path | None = None
    full: bool = dataclasses.field(default=False, compare=False)

    def __post_init__(self) -> None:
        def put(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)

        put("out_dir", _path("out_dir", self.out_dir, optional=False))
        put("cache_dir", _path("cache_dir", self.cache_dir, optional=True))
        put("data_dir", _path("data_dir", self.data_dir, optional=True))
        for name in ("full", "progress"):
            if not isinstance(getattr(self, name), bool):
                raise OptionError(f"{name} must be True or False, got {_kind(getattr(self, name))}")
        profile = "quick" if self.profile is None else self.profile
        if profile not in PROFILES:
            valid = ", ".join(repr(p) for p in PROFILES)
            raise OptionError(f"profile must be one of {valid}, got {self.profile!r}")
        if self.full and profile != "full":
            warnings.warn("RunOptions(full=True) is deprecated; use profile='full'", DeprecationWarning, stacklevel=3)
            if profile == "quick":
                profile = "full"
        put("profile", profile)
        put("full", profile == "full")
        jobs = _integer("jobs", self.jobs)
        if jobs < 1 and jobs != -1:
            raise OptionError(f"jobs must be >= 1 (or -1 for every core), got {jobs}")
        put("jobs", jobs)
        seed = _integer("seed", self.seed)
        if seed < 0:
            raise OptionError(f"seed must be >= 0, got {seed}")
        put("seed", seed)
        if self.dask_scheduler is not None and not isinstance(self.dask_scheduler, str):
            raise OptionError(
                f"dask_scheduler must be an address such as 'tcp://127.0.0.1:8786' or None, "
                f"got {_kind(self.dask_scheduler)}"
            )
        put("dask_scheduler", self.dask_scheduler or None)

    @classmethod
    def names(cls, *, deprecated: bool = True) -> tuple[str, ...]:
        """The option names, ``out_dir`` first (without ``full`` when not ``deprecated``)."""
        return tuple(f.name for f in dataclasses.fields(cls) if deprecated or f.name != "full")

    @classmethod
    def coerce(
        cls, target: RunOptions | str | os.PathLike[str], options: Mapping[str, Any], *, experiment: str
    ) -> RunOptions:
        """``target`` (options, or an output folder) with the run options in ``options``.

        Every experiment's ``run`` starts with this, so it can be called as
        ``run(RunOptions(...), **own)`` or as ``run(out_dir, jobs=2, seed=1, **own)``.
        ``options`` holds the keyword arguments the experiment did not declare itself: a
        name that is not a run option raises :class:`memnets.OptionError` listing what
        ``experiment`` accepts.
        """
        unknown = sorted(set(options) - set(cls.names()[1:]))
        if unknown:
            raise OptionError(
                f"{experiment}: unknown option(s) {unknown}; valid options are "
                f"{(own_options(experiment) if experiment in EXPERIMENTS else []) + list(cls.names(deprecated=False)[1:])}"
            )
        if isinstance(target, RunOptions):
            return dataclasses.replace(target, **options) if options else target
        return cls(target, **options)  # type: ignore[arg-type]

    def plan(self, quick: Mapping[str, Any], full: Mapping[str, Any], tiny: Mapping[str, Any] | None = None,
             **overrides: Any) -> dict[str, Any]:
        """The size table of this run's profile (``tiny`` or ``full``; ``quick`` for the others
        and for ``tiny`` when there is no tiny table), with every override that is not None
        put in its place; a deep copy, free to change."""
        base = tiny if self.profile == "tiny" and tiny is not None else full if self.profile == "full" else quick
        return copy.deepcopy({**base, **{k: v for k, v in overrides.items() if v is not None}})

    def seed_for(self, k: int) -> int:
        """The seed of replicate (or dimension) ``k``: ``seed * 1000 + k``."""
        return self.seed * 1000 + int(k)

    def run_cells(
        self,
        fn: Callable[[dict[str, Any]], dict[str, Any]],
        cells: Sequence[dict[str, Any]],
        *,
        desc: str,
        counts: dict[str, int] | None = None,
        order: Callable[[dict[str, Any]], Any] | None = None,
    ) -> list[dict[str, Any]]:
        """:func:`memnets.experiments._runner.run_cells` with this run's jobs, Dask
        scheduler, cache folder and progress setting."""
        from memnets.experiments._runner import run_cells

        return run_cells(fn, cells, jobs=self.jobs, dask_scheduler=self.dask_scheduler,
                         cache_dir=self.cache_dir, desc=desc, progress=self.progress, counts=counts,
                         order=order)
