"""Mutation testing (mutmut 3) of the soundness-critical modules, one module at a time.

``make mutate`` (not in CI: minutes per module) runs this. For each module of
:data:`MODULES` it copies ``src/``, ``tests/`` and ``pyproject.toml`` into a scratch folder
(the working tree is never mutated), adds a ``[tool.mutmut]`` section that mutates only that
module and runs only that module's fast test selection, runs ``mutmut run``, and collects
the verdicts. mutmut records which tests reach each mutated function and runs only those for
each mutant. Writes ``benchmarks/results/mutmut_<module>.txt`` (every survivor's diff) and
``benchmarks/results/mutmut.json`` (counts), and prints a Markdown table of the counts.

Usage::

    .venv/bin/python benchmarks/mutate.py                    # every module of MODULES
    .venv/bin/python benchmarks/mutate.py exact decide       # some of them
    .venv/bin/python benchmarks/mutate.py --max-children 2 --keep /tmp/mut
    .venv/bin/python benchmarks/mutate.py maxtree --keep /tmp/mut --resume   # go on after a cut
    .venv/bin/python benchmarks/mutate.py checks progress --decorated   # only their @property / @contextmanager functions

Killed = a test failed on the mutant; survived = every selected test passed (read the
diffs: an equivalent mutant, a performance-only path, or a missing test); timeout = the
tests ran over mutmut's time limit (counted as killed by mutmut's own summary);
no tests = no selected test reaches the mutated function.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"

#: module key -> (file under src/memnets, fast test selection); soundness-critical first.
#: A selection may hold pytest options (``--deselect``/``-k``) keeping slow tests out: mutmut
#: runs, per mutant, every selected test that reaches the mutated function, so one 10 s test
#: there costs 10 s per mutant. The ``*_mutants.py`` files hold the tests written to kill
#: survivors (the per-module tables of benchmarks/README.md name them).
MODULES: dict[str, tuple[str, list[str]]] = {
    "decide": ("_engines/decide.py", ["tests/engines/test_decide.py", "tests/engines/test_decide_mutants.py",
                                      "tests/engines/test_maxtree.py", "tests/engines/test_sweep.py"]),
    "maxtree": ("_engines/maxtree.py", ["tests/engines/test_maxtree.py", "tests/engines/test_maxtree_mutants.py",
                                        "tests/engines/test_decide.py", "tests/constructions/test_efficient.py",
                                        "-k", "not mnist_subset and not default_preset"]),
    "verify": ("_constructions/verify.py", ["tests/constructions/test_verify_mutants.py",
                                            "tests/constructions/test_contract.py",
                                            "tests/constructions/test_result_attributes.py", "tests/io/test_io.py",
                                            "-k", "not every_method and not recorded_seed and not typed_attributes "
                                            "and not any_supported_info"]),
    "pac": ("_core/pac.py", ["tests/theory/test_certify.py", "tests/core/test_pac_mutants.py", "tests/core/test_checks.py",
                             "-k", "not experiment_certify_tiny and not repetitions"]),
    "exact": ("_core/exact.py", ["tests/core/test_exact.py", "tests/core/test_exact_mutants.py",
                                  "tests/core/test_network.py", "tests/engines/test_decide.py"]),
    "sweep": ("_engines/sweep.py", ["tests/engines/test_sweep.py", "tests/engines/test_sweep_mutants.py",
                                    "tests/engines/test_decide.py"]),
    "rounding": ("_core/rounding.py", ["tests/core/test_rounding_mutants.py", "tests/core/test_exact.py",
                                        "tests/core/test_exactdigits.py", "tests/core/test_exactgram.py",
                                        "tests/core/test_network.py", "tests/engines/test_maxtree.py"]),
    "exactdigits": ("_core/exactdigits.py", ["tests/core/test_exactdigits.py", "tests/core/test_exactdigits_mutants.py",
                                              "tests/core/test_exactgram.py", "tests/blocks/test_pair_blocks.py"]),
    "checks": ("_core/checks.py", ["tests/core/test_checks.py", "tests/core/test_checks_mutants.py"]),
    "pair_units": ("_engines/pair_units.py", ["tests/engines/test_pair_units_mutants.py", "tests/blocks/test_pair_blocks.py",
                                              "tests/constructions/test_pairwise.py",
                                              "-k", "not onnx and not export_matches and not lemmas "
                                              "and not engine_matches_exact"]),
    "exactgram": ("_core/exactgram.py", ["tests/core/test_exactgram.py", "tests/core/test_exactgram_mutants.py",
                                          "tests/core/test_exactdigits.py"]),
    "radius": ("_engines/radius.py", ["tests/engines/test_radius.py", "tests/engines/test_radius_mutants.py",
                                      "tests/engines/test_radius_allowance_mutants.py",
                                      "tests/constructions/test_robust.py"]),
    # only the certified float evaluation (NAMES); the rest is structure reports and exporters
    "network": ("_core/network.py", ["tests/core/test_network.py", "tests/core/test_network_mutants.py",
                                     "tests/core/test_exact.py", "tests/engines/test_decide_mutants.py"]),
    # mut-layers: the layers behind the certified float bounds and the float64 checks, and the scaling
    "layers": ("_core/layers.py", ["tests/core/test_layers_mutants.py", "tests/core/test_network.py",
                                   "tests/core/test_sparse_index_dtype.py", "tests/core/test_exact.py"]),
    "scaling": ("_core/scaling.py", ["tests/core/test_scaling_mutants.py", "tests/constructions/test_rescale_domain.py",
                                     "-k", "not every_method and not progress_bar"]),
    # exact ranks and null vectors: rank_first_layer and the width audit's null direction of W_1
    "linalg": ("_core/linalg.py", ["tests/core/test_linalg.py", "tests/core/test_linalg_mutants.py",
                                   "tests/theory/test_audit.py", "tests/core/test_network.py"]),
    # network.py without the certified float evaluation ("network" above): NAMES
    "network-rest": ("_core/network.py", ["tests/core/test_network.py", "tests/core/test_network_rest_mutants.py",
                                          "tests/core/test_export.py", "tests/core/test_sparse_index_dtype.py"]),
    # the torch/ONNX exactness contract: refusals with ExactnessError, weights bit for bit
    "export": ("_core/export.py", ["tests/core/test_export.py", "tests/core/test_export_mutants.py",
                                   "tests/core/test_network.py"]),
    # mut-small: the _core modules never mutated before; label runs (what the 1-D memorizer
    # stores) first, then ConstructionResult equality, then the small helpers
    "runs": ("_core/runs.py", ["tests/core/test_runs_mutants.py", "tests/blocks/test_line_plan.py",
                               "tests/geometry/test_projection.py", "tests/constructions/test_vardi2022.py",
                               "tests/constructions/test_optimal.py",
                               "-k", "not memorizes_within_their_bounds and not scaling_experiment_tiny"]),
    "equality": ("_core/equality.py", ["tests/core/test_equality_mutants.py", "tests/core/test_sparse_index_dtype.py",
                                       "tests/constructions/test_rescale_domain.py::test_equality_of_results",
                                       "tests/sklearn/test_sklearn.py"]),
    "option_groups": ("_core/option_groups.py", ["tests/constructions/test_option_groups.py"]),
    # -k: the exact-frame tests (mutmut's trampoline adds frames); a relative test stands in
    "deprecated": ("_core/deprecated.py", ["tests/core/test_deprecated_mutants.py",
                                           "tests/constructions/test_vocabulary.py", "-k", "not points_at"]),
    "errors": ("_core/errors.py", ["tests/core/test_errors_mutants.py", "tests/core/test_checks.py"]),
    "progress": ("_core/progress.py", ["tests/core/test_progress_mutants.py",
                                       "tests/constructions/test_rescale_domain.py::test_progress_bar_only_when_asked",
                                       "tests/constructions/test_rescale_domain.py::test_progress_waits_for_slow_loops",
                                       "tests/sklearn/test_sklearn.py::test_verbose_shows_progress"]),
}

#: module key -> the mutant-name globs run when ``--names`` is not given (default: all)
NAMES: dict[str, list[str]] = {
    "network": [f"memnets._core.network.xǁReLUNetworkǁ{f}__mutmut_*"
                for f in ("forward_certified", "_certified_chunks", "_chunk", "_check_inputs")],
    "network-rest": [*(f"memnets._core.network.xǁReLUNetworkǁ{f}__mutmut_*"
                       for f in ("__init__", "num_params", "rank_first_layer", "max_weight_bits",
                                 "float64_bits_needed", "float64_representable", "check_float64_representable",
                                 "forward", "forward_exact", "from_torch", "to_torch", "to_onnx", "summary",
                                 "__repr__", "n_inputs", "n_outputs", "depth", "hidden_sizes", "layer_sizes",
                                 "width", "bottleneck")),
                     "memnets._core.network.x__single_entry_rank__mutmut_*",
                     "memnets._core.network.x__gram_for_rank__mutmut_*"],
}

#: module keys whose ``@property`` / ``@cached_property`` methods and module-level ``@contextmanager``
#: functions are mutated too: mutmut 3 skips every decorated function, so the scratch copy spells
#: ``@p def f`` as ``def f`` + ``f = p(f)`` (:func:`undecorate`). (mutmut 3.8.1 itself mutates a method
#: whose only decorator is ``@staticmethod`` or ``@classmethod``: ``GridSide.of`` and
#: ``GramParts.side`` were in exactdigits' first run.) ``--decorated`` runs only the rewritten
#: functions (:func:`decorated_names`).
UNDECORATE = {"network-rest", "exact", "sweep", "checks", "exactgram", "radius", "scaling", "layers", "runs",
              "progress"}

#: the decorators :func:`undecorate` spells out: on a method of a top-level class, on a top-level function
METHOD_DECORATORS = ("property", "cached_property")
FUNCTION_DECORATORS = ("contextmanager",)

VERDICTS = ("killed", "survived", "timeout", "no tests", "suspicious", "skipped", "not checked")


def _only_decorator(node: ast.stmt, names: Sequence[str]) -> str | None:
    """The name of ``node``'s decorator when it is a ``def`` whose one decorator is a bare name of
    ``names`` (``@property``, not ``@functools.cached_property`` or ``@lru_cache(2)``), else None."""
    if isinstance(node, ast.FunctionDef) and len(node.decorator_list) == 1:
        deco = node.decorator_list[0]
        if isinstance(deco, ast.Name) and deco.id in names:
            return deco.id
    return None


def _rewritten(tree: ast.Module) -> list[tuple[str | None, ast.FunctionDef, str]]:
    """(class name or None, function, decorator) of every function :func:`undecorate` rewrites: the
    methods of top-level classes (not of nested ones: mutmut 3 names no nested method) whose only
    decorator is one of :data:`METHOD_DECORATORS`, and the top-level functions whose only decorator
    is one of :data:`FUNCTION_DECORATORS`."""
    found: list[tuple[str | None, ast.FunctionDef, str]] = []
    for node in tree.body:
        owner, body, names = ((node.name, node.body, METHOD_DECORATORS) if isinstance(node, ast.ClassDef)
                              else (None, [node], FUNCTION_DECORATORS))
        for fn in body:
            if isinstance(fn, ast.FunctionDef) and (deco := _only_decorator(fn, names)):
                found.append((owner, fn, deco))
    return found


def undecorate(text: str) -> str:
    """The module source with each function of :func:`_rewritten` written as a plain ``def``
    followed by ``name = decorator(name)`` at the same indent: the same module, but one whose
    functions mutmut 3 mutates. The decorator's line goes; the assignment follows the body's
    last line. Anything else (other decorators, nested classes) is left as it is."""
    lines = text.splitlines(keepends=True)
    drop: set[int] = set()
    after: dict[int, str] = {}
    for _, fn, deco in _rewritten(ast.parse(text)):
        d = fn.decorator_list[0]
        if "".join(lines[d.lineno - 1].split("#", 1)[0].split()) != f"@{deco}":
            raise ValueError(f"undecorate: @{deco} of {fn.name} is not alone on its line")
        drop.add(d.lineno - 1)
        end = fn.end_lineno if fn.end_lineno is not None else fn.lineno
        after[end - 1] = f"{' ' * fn.col_offset}{fn.name} = {deco}({fn.name})\n"
    out = []
    for i, line in enumerate(lines):
        if i not in drop:
            out.append(line)
        if i in after:
            out.append(("" if line.endswith("\n") else "\n") + after[i])
    return "".join(out)


def decorated_names(path: str, source: str | None = None) -> list[str]:
    """Mutant-name globs of the functions :func:`undecorate` rewrites in a module file
    (``memnets._core.checks.xǁDatasetǁn_classes__mutmut_*``,
    ``memnets._core.progress.x_progress_enabled__mutmut_*``); ``source``: the file's text
    (default: read from ``src/memnets/<path>``)."""
    module = "memnets." + path.removesuffix(".py").replace("/", ".")
    text = (ROOT / "src" / "memnets" / path).read_text() if source is None else source
    return [f"{module}.xǁ{cls}ǁ{fn.name}__mutmut_*" if cls else f"{module}.x_{fn.name}__mutmut_*"
            for cls, fn, _ in _rewritten(ast.parse(text))]


def _mutmut() -> str:
    exe = Path(sys.executable).with_name("mutmut")
    return str(exe) if exe.exists() else "mutmut"


def run_module(key: str, scratch: Path, max_children: int, *, resume: bool = False,
               timeout_multiplier: float = 10.0, without_new: bool = False,
               names: Sequence[str] = (), decorated: bool = False) -> dict[str, object]:
    path, tests = MODULES[key]
    if decorated and key not in UNDECORATE:
        raise SystemExit(f"{key}: --decorated needs the key in UNDECORATE")
    names = list(names) or (decorated_names(path) if decorated else NAMES.get(key, []))
    if decorated and not names:
        return {"module": path, "tests": tests, **dict.fromkeys(VERDICTS, 0)}
    tests = [t for t in tests if not t.startswith("tests/") or (ROOT / t.split("::")[0]).exists()]
    if without_new:
        tests = [t for t in tests if not t.endswith("_mutants.py")]
    tag = key + ("-decorated" if decorated else "") + ("-before" if without_new else "")
    work = scratch / tag
    if not (resume and (work / "mutants").exists()):
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
        shutil.copytree(ROOT / "src", work / "src", ignore=ignore)
        shutil.copytree(ROOT / "tests", work / "tests", ignore=ignore)
        if key in UNDECORATE:
            module = work / "src" / "memnets" / path
            module.write_text(undecorate(module.read_text()))
    # mutmut's limit is (estimated test time + 1 s) x multiplier x 2 CPU seconds per mutant (its
    # default multiplier 15 lets a mutant that only slows the tests run 30x longer)
    config = (ROOT / "pyproject.toml").read_text() + "\n[tool.mutmut]\n" + "\n".join([
        'source_paths = ["src"]',
        f'only_mutate = ["src/memnets/{path}"]',
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}",
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q"]',
        "use_git_change_detection = false",
        f"timeout_multiplier = {float(timeout_multiplier)}",
    ]) + "\n"
    (work / "pyproject.toml").write_text(config)
    # one BLAS thread: mutmut's limit counts CPU seconds of every thread, and the machine is shared
    threads = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    env = {**os.environ, **threads, "PYTHONPATH": str(work / "src")}
    log = work / "mutmut-run.log"
    with log.open("w") as fh:
        subprocess.run([_mutmut(), "run", "--max-children", str(max_children), *names], cwd=work, env=env,
                       stdout=fh, stderr=subprocess.STDOUT, check=False)
    if any(m in log.read_text(errors="replace") for m in ("failed to collect stats", "Failed to run clean test")):
        raise SystemExit(f"{key}: the selected tests fail on the unmutated code; see {log}")
    listing = subprocess.run([_mutmut(), "results", "--all", "true"], cwd=work, env=env, capture_output=True,
                             text=True, check=False).stdout
    counts = dict.fromkeys(VERDICTS, 0)
    survivors = []
    for line in listing.splitlines():
        name, _, verdict = line.strip().rpartition(": ")
        if names and not any(fnmatch.fnmatch(name, pat) for pat in names):
            continue  # a mutant of a function left out of a --names run
        if verdict in counts:
            counts[verdict] += 1
            if verdict == "survived":
                survivors.append(name)
    diffs = []
    for name in survivors:
        shown = subprocess.run([_mutmut(), "show", name], cwd=work, env=env, capture_output=True, text=True,
                               check=False).stdout
        # body lines and the def line itself (a mutated default argument)
        diffs.append(f"## {name}\n" + "\n".join(ln for ln in shown.splitlines() if ln.startswith(("- ", "+ ", "-def ", "+def "))
                                               and not ln.startswith(("---", "+++"))))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"mutmut_{tag}.txt").write_text("\n\n".join(diffs) + "\n")
    return {"module": path, "tests": tests, **counts}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("modules", nargs="*", default=list(MODULES), help=f"some of {list(MODULES)}")
    ap.add_argument("--max-children", type=int, default=2)
    ap.add_argument("--keep", type=Path, default=None, help="scratch folder to keep (default: a temporary one)")
    ap.add_argument("--resume", action="store_true",
                    help="with --keep: go on with a module's earlier, interrupted run in that folder")
    ap.add_argument("--without-new", action="store_true",
                    help="leave the *_mutants.py tests out (the 'killed before' column of benchmarks/README.md)")
    ap.add_argument("--names", nargs="+", default=(),
                    help="run (and count) only these mutant names or fnmatch globs, e.g. "
                         "'memnets._core.network.xǁReLUNetworkǁ*certified*'")
    ap.add_argument("--decorated", action="store_true",
                    help="run (and count) only the @property/@cached_property methods and module-level "
                         "@contextmanager functions of each module "
                         "(its key must be in UNDECORATE); results tagged <key>-decorated")
    ap.add_argument("--timeout-multiplier", type=float, default=10.0,
                    help="mutmut's timeout_multiplier (a mutant's CPU limit: (test time + 1 s) x this x 2)")
    args = ap.parse_args(argv)
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        ap.error(f"unknown module(s) {unknown}; valid: {list(MODULES)}")
    scratch = args.keep or Path(tempfile.mkdtemp(prefix="memnets-mutmut-"))
    rows = {}
    try:
        for key in args.modules:
            tag = key + ("-decorated" if args.decorated else "") + ("-before" if args.without_new else "")
            rows[tag] = run_module(key, scratch, args.max_children, resume=args.resume,
                                   timeout_multiplier=args.timeout_multiplier, without_new=args.without_new,
                                   names=args.names, decorated=args.decorated)
            print(tag, rows[tag], flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(scratch, ignore_errors=True)
    out = RESULTS / "mutmut.json"
    old = json.loads(out.read_text()) if out.exists() else {}
    out.write_text(json.dumps({**old, **rows}, indent=2) + "\n")
    print("| module | mutants | killed | survived | timeout | no tests |\n|---|---|---|---|---|---|")
    for r in rows.values():
        total = sum(int(r[v]) for v in VERDICTS)  # type: ignore[call-overload]
        print(f"| `{r['module']}` | {total} | {r['killed']} | {r['survived']} | {r['timeout']} | {r['no tests']} |")


if __name__ == "__main__":
    main()
