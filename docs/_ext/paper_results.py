"""The measured column of "The paper, statement by statement", read from experiments' JSON.

``docs/results/`` holds the JSON files the experiments wrote (``make docs-results``: the
quick ``memnets reproduce`` into ``results/quick/`` and ``memnets experiment pairs
--profile paper`` into ``results/paper/``). Every number on the paper page comes from
here: :data:`STATEMENTS` says, per statement of the paper, which file and which entry
hold the measurement; :func:`render_all` turns them into Markdown fragments the page
includes. A missing file or entry stops the build with a message naming it (a number is
never typed by hand, and never silently dropped).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ResultsError(RuntimeError):
    """A results file or one of its entries that the paper page needs is missing."""


def at(d: Any, path: str) -> Any:
    """The entry of ``d`` at a dotted ``path`` (dict keys, or list indices as integers)."""
    cur = d
    for part in path.split("."):
        if isinstance(cur, list):
            cur = cur[int(part)]
        elif isinstance(cur, dict) and part in cur:
            cur = cur[part]
        else:
            raise ResultsError(f"no entry {path!r} (stopped at {part!r})")
    return cur


def fmt(value: Any, digits: int = 3) -> str:
    """A number as the page shows it: integers with thousands separators, floats rounded."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
            return f"{value:.{digits}g}"
        return f"{value:,.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:,.0f}"
    return str(value)


def span(values: Iterable[float], digits: int = 3) -> str:
    """``"lo–hi"`` of the non-null values (one value if they are equal)."""
    vals = [v for v in values if v is not None]
    if not vals:
        raise ResultsError("no values to summarize")
    lo, hi = min(vals), max(vals)
    return fmt(lo, digits) if fmt(lo, digits) == fmt(hi, digits) else f"{fmt(lo, digits)}–{fmt(hi, digits)}"


@dataclass
class Statement:
    """One statement of the paper and where memnets tests it."""

    key: str
    title: str
    paper: str
    tested_by: str
    experiment: str
    source: str
    measured: Callable[[dict[str, Any]], list[str]]
    extra: Callable[[dict[str, Any]], str] | None = None
    sources: list[str] = field(default_factory=list)


# -- what each statement's measurement is ---------------------------------------------

def _thm41(d: dict[str, Any]) -> list[str]:
    s = at(d, "summary")
    m, syn = s["mnist"], s["synthetic"]
    opt_acc = at(m, "test_accuracy.optimal").values()
    opt_rows = sorted((r["N"], r["params"], r["width"]) for r in at(d, "rows")
                      if r["data"] == "mnist" and r["method"] == "optimal")
    return [
        f"`optimal` on MNIST 3-5: params {fmt(opt_rows[0][1])} → {fmt(opt_rows[-1][1])} for N = "
        f"{fmt(opt_rows[0][0])} … {fmt(opt_rows[-1][0])}, width {span([float(w) for _, _, w in opt_rows], 0)}",
        f"largest width of `optimal` on MNIST 3-5: **{fmt(m['max_width_optimal'])}**; "
        f"weights up to {fmt(m['max_weight_bits_optimal'])} bits, every network verified exactly",
        f"params against N (MNIST 3-5, N = {fmt(m['N'][0])} … {fmt(m['N'][-1])}), log-log slope: "
        f"`optimal` **{fmt(m['slope_optimal_params'], 2)}** (non-zero {fmt(m['slope_optimal_params_nonzero'], 2)}), "
        f"`vardi2022` {fmt(m['slope_vardi2022_params'], 2)}, `park2021` {fmt(m['slope_park2021_params'], 2)}, "
        f"the Θ(N) `interval` {fmt(m['slope_interval_params'], 2)}",
        f"synthetic data: `optimal` {fmt(syn['slope_optimal_params'], 2)}, "
        f"`interval` {fmt(syn['slope_interval_params'], 2)}",
        f"test accuracy of `optimal` on MNIST 3-5: {span(opt_acc)} (a projection to one line does not generalize)",
    ]


def _thm43(d: dict[str, Any]) -> list[str]:
    c = at(d, "claims")
    dist = at(d, "distribution")
    per_seed = "; ".join(
        f"seed {seed}: {'/'.join(fmt(p) for p in v['params'])} params from N = {fmt(v['Ns'][0])} on"
        for seed, v in c["covered_runs_per_seed"].items()
    )
    return [
        f"{fmt(dist['n_balls'])} balls in [0,1]^{dist['n_features']}: params constant once every cell "
        f"is occupied: **{fmt(c['constant_params_constant_once_covered'])}** ({per_seed})",
        f"accuracy past the predicted N = {fmt(c['predicted_N'])}: at least {fmt(c['min_accuracy_past_predicted_N'])}",
        f"separation recovered within {fmt(100 * c['separation_relative_error'], 2)}%; "
        f"S_D estimated at {fmt(c['S_D_at_largest_N'])} (K = {fmt(c['K'])})",
        *_thm43_route(c),
    ]


def _thm43_route(c: dict[str, Any]) -> list[str]:
    """The paper's own route (``robust`` with ``net=True``), when the run measured it."""
    route = c.get("thm43_route")
    if not route:
        return []
    return [
        f"the paper's route (`robust`, `net=True`): the c₀/3-net has at most {fmt(route['max_net_size'])} points "
        f"(≤ Q as written, {fmt(route['Q_thm43_at_c_D'], 0)}, on every run: "
        f"{fmt(route['net_size_at_most_Q_thm43_every_run'])}; ≤ the corrected Q_sound {fmt(route['Q_sound_at_c_D'], 0)}: "
        f"{fmt(route['net_size_at_most_Q_sound_every_run'])}); its params grow by a factor "
        f"{fmt(route['robust_net_params_last_over_first'], 2)} from the smallest to the largest N; every network "
        f"verified: {fmt(route['robust_net_all_verified'])}",
    ]


def _thm51(d: dict[str, Any]) -> list[str]:
    bs = at(d, "ball_shell")
    geo = bs["geometry"][0]
    narrow = [r for r in bs["table"] if r["rank_first_layer"] == 1.0 and r["test_accuracy"] is not None]
    wide = [r for r in bs["table"] if r["arm"] in ("efficient", "pairwise") and r["test_accuracy"] is not None]
    arms = sorted({r["arm"] for r in narrow})
    Ns = sorted({r["N"] for r in narrow})
    per_dim = at(d, "claims.per_dimension")
    eff = [v["efficient"]["accuracy_at_largest_N"] for v in per_dim.values()]
    opt = [v["optimal_best_accuracy_any_N"] for v in per_dim.values()]
    return [
        f"`ball_shell({geo['n']}, {geo['w']})`: every rank-1 memorizer ({', '.join(f'`{a}`' for a in arms)}) "
        f"certified at error ≥ **{fmt(min(r['audit_bound'] for r in narrow))}** by the audit at N = "
        f"{', '.join(fmt(n) for n in Ns)}; measured accuracy {span(r['test_accuracy'] for r in narrow)}",
        f"wide networks (`efficient`, `pairwise`) measured at {span(r['test_accuracy'] for r in wide)}: "
        f"S_D ≥ 10^{fmt(geo['log10_S_D_lower'], 0)} here, so no claim that they generalize at feasible N",
        f"alternating shells (n = {', '.join(per_dim)}): `efficient` {span(eff)}, `optimal` at most "
        f"{fmt(max(opt))}, certified bounds up to {fmt(at(d, 'claims.max_bound'), 2)}",
    ]


def _thm53(d: dict[str, Any]) -> list[str]:
    c = at(d, "claims")
    return [
        f"`thm53` verified on every run: **{fmt(c['thm53_all_verified'])}**; accuracy "
        f"{span(r['test_accuracy'] for r in at(d, 'table') if r['method'] == 'thm53')} (= P(y ≠ b)) for N = "
        f"{span([float(r['N']) for r in at(d, 'table') if r['method'] == 'thm53'], 0)}; largest "
        f"**{fmt(c['thm53_max_accuracy'])}** (≤ 0.51: {fmt(c['thm53_at_most_051'])})",
        f"params ≈ {fmt(c['thm53_C'], 1)}·(n + √N ln(Nnr/c)) (slope {fmt(c['thm53_slope_vs_expression'], 2)})",
        f"`efficient` at the largest N: {fmt(c['efficient_accuracy_at_largest_N'])}; "
        f"our `optimal` {span(c['optimal_accuracy_range'])}: the theorem is an existence result",
    ]


def _sec6(d: dict[str, Any]) -> list[str]:
    c = at(d, "claims")
    return [
        f"cube corners: accuracy on unseen corners **{fmt(c['unseen_pooled_accuracy'])}** "
        f"over {fmt(c['unseen_pooled_count'])} test points (a coin flip); information bound respected: "
        f"{fmt(c['information_bound_respected'])}",
        f"samples for the target accuracy against measured N_D, log-log slopes: "
        f"{span(c['slopes_vs_N_D'].values(), 2)} ({span(c['slopes_two_largest_n'].values(), 2)} at the two "
        f"largest n); the information bound's {fmt(c['information_slope_vs_N_D'], 2)}",
        "local slope of the theorems' shapes between the two largest n: Theorem 6.1 "
        f"{fmt(_last_slope(d, 'thm61'), 2)}, Theorem 6.5 {fmt(_last_slope(d, 'thm65'), 2)} "
        "(steeper than every measured curve)",
    ]


def _last_slope(d: dict[str, Any], theorem: str) -> float:
    slopes = at(d, f"nd2_law.paper.{theorem}.local_slopes")
    last = sorted(slopes, key=lambda k: int(k.split("-")[0]))[-1]
    return float(slopes[last]["shape"])


def _exponential(d: dict[str, Any]) -> list[str]:
    c = at(d, "claims")
    bases = c["cor64_bases"]
    methods = [v for k, v in bases.items() if k not in ("shape", "information")]
    return [
        f"samples needed grow with base {span(methods, 2)} per unit n (information bound "
        f"{fmt(bases['information'], 2)}) against Corollary 6.4's shape {fmt(bases['shape'], 2)}; "
        f"exponential for every method: {fmt(c['all_bases_exponential'])}",
    ]


def _thm73(d: dict[str, Any]) -> list[str]:
    c = at(d, "claims")
    dist = at(d, "distribution")
    return [
        f"{fmt(dist.get('n_balls', c['S_D']))} balls in [0,1]^{dist.get('n_features', '?')}, "
        f"ε = δ = {fmt(c['eps'])}: N* = (S_D/ε) ln(S_D/δ) = **{fmt(c['N_star'])}**",
        f"success ≥ 1 − δ from N* on: `efficient` {fmt(c['success_at_least_1_minus_delta_from_N_star'])}, "
        f"the paper's network {fmt(c['paper_network_success_at_least_1_minus_delta_from_N_star'])}; "
        f"already from N = {fmt(c['smallest_N_with_success_1_minus_delta'])}",
        f"Definition 7.1's S_D estimate (mean over runs) reaches {fmt(c['S_D'])} from N = "
        f"{fmt(_first_N(at(d, 'table'), 'mean_S_D_def71_estimate', c['S_D']))} on; the cells estimate at N*: "
        f"{fmt(c['S_D_estimate_at_N_star'], 1)}",
    ]


def _first_N(rows: list[dict[str, Any]], key: str, target: float) -> int:
    for row in sorted(rows, key=lambda r: r["N"]):
        if row[key] is not None and row[key] >= target:
            return int(row["N"])
    raise ResultsError(f"no N with {key} >= {target}")


def _pairs_summary(d: dict[str, Any], dataset: str) -> list[str]:
    ds = at(d, f"datasets.{dataset}")
    threshold = float((ds.get("paper") or {}).get("threshold", 0.9))  # the paper's words: 90% MNIST, 70% CIFAR-10
    out = []
    for col, s in ds["summary"].items():
        above = sum(1 for row in ds["tables"][col] for v in row if v is not None and v > threshold) // 2
        out.append(
            f"`{col}`: {fmt(s['pairs'])} pairs, **{above} of {fmt(s['pairs'])} above {100 * threshold:.0f}%**, mean "
            f"{fmt(s['mean_accuracy'], 4)}, worst {s['worst_pair'][0]}-{s['worst_pair'][1]} at "
            f"{fmt(s['min_accuracy'], 4)}, every network verified: {fmt(s['all_verified'])}"
        )
    return out


def pairs_matrix(d: dict[str, Any], dataset: str, column: str) -> str:
    """The 10 x 10 accuracy table of one column of the ``pairs`` experiment, as Markdown."""
    ds = at(d, f"datasets.{dataset}")
    labels = ds["labels"]
    table = at(ds, f"tables.{column}")
    lines = ["| | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    for lab, row in zip(labels, table, strict=True):
        cells = ["" if v is None else f"{100 * v:.1f}" for v in row]
        lines.append(f"| **{lab}** | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _compare(d: dict[str, Any]) -> list[str]:
    claim = at(d, "claim")
    means = at(d, "mean_accuracy")
    methods = at(d, "methods")
    m1 = at(d, "m1_construction")
    rivals = ", ".join(f"{r} (`{methods[r]}`) {fmt(means[r])}" for r in claim["rivals"])
    others = ", ".join(f"{k} {fmt(v)}" for k, v in means.items() if k not in ("M1", *claim["rivals"]))
    return [
        f"pairs {', '.join(at(d, 'pairs'))}, {fmt(at(d, 'per_class.train'))} training images per label; "
        f"M1 is `{m1}` (the paper's network: {fmt(at(d, 'm1_is_paper_network'))})",
        f"M1 best of M1/M2/M3 on **{claim['m1_best_of_paper_methods']} of {claim['pairs']}** pairs "
        f"(mean accuracy M1 {fmt(means['M1'])}, {rivals}; smallest gap {fmt(claim['smallest_gap'])})",
        f"best of all {len(means)} columns on {claim['m1_best_of_all']} of {claim['pairs']} "
        f"(mean accuracy of the others: {others})",
        "M2 and M3 answer the smaller digit on at least "
        f"{fmt(100 * min(r['predicted_share_smaller'] for r in at(d, 'table') if r['method'] in claim['rivals']), 1)}"
        "% of the test images: their lookup fires only on a stored projected value",
    ]


def compare_table(d: dict[str, Any]) -> str:
    """Accuracy (%) per pair and method of the ``compare`` experiment, as Markdown."""
    rows = at(d, "table")
    methods = list(at(d, "methods"))
    pairs = at(d, "pairs")
    acc = {(r["pair"], r["method"]): r["accuracy"] for r in rows}
    lines = ["| pair | " + " | ".join(methods) + " |", "|---" + "|---:" * len(methods) + "|"]
    for pair in pairs:
        cells = [("" if acc.get((pair, m)) is None else f"{100 * acc[(pair, m)]:.1f}") for m in methods]
        lines.append(f"| {pair} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _robustness(d: dict[str, Any]) -> list[str]:
    c = at(d, "claims")
    rows = at(d, "table")
    by_bound: dict[str, list[float]] = {}
    for r in rows:
        if r.get("ratio_median") is not None:
            by_bound.setdefault(r["bound"], []).append(r["ratio_median"])
    sets = sorted({r["set"] for r in rows})
    methods = sorted({r["method"] for r in rows})
    return [
        f"{fmt(c['points'])} points ({', '.join(sets)}; {', '.join(f'`{m}`' for m in methods)}): certified radius ≤ "
        f"the distance an attack needs to flip the label on every point: "
        f"**{fmt(c['certified_below_attacked_every_point'])}** ({fmt(c['violations'])} violations)",
        "median certified / attacked radius per bound: "
        + "; ".join(f"{b} {span(v, 2)}" for b, v in sorted(by_bound.items())),
    ]


def _certify(d: dict[str, Any]) -> list[str]:
    c = at(d, "claims")
    return [
        f"{fmt(c['pairs'])} MNIST pairs, δ = {fmt(c['delta'])}: certified ≤ measured on every pair: "
        f"**{fmt(c['certified_at_most_measured_every_pair'])}**; every network verified: {fmt(c['all_verified'])}",
        f"mean certified accuracy {fmt(c['mean_certified_accuracy'])} (lowest {fmt(c['min_certified_accuracy'])}) "
        f"against mean measured test accuracy {fmt(c['mean_test_accuracy'])}; representatives kept: "
        f"{fmt(100 * c['mean_k_over_N'], 1)}% of N on average",
        f"per pair: certified {span(r['certified_accuracy'] for r in at(d, 'table'))} against measured "
        f"{span(r['test_accuracy'] for r in at(d, 'table'))}",
        f"pairs certified at ≥ {fmt(c['target'])}: {fmt(c['pairs_certified_at_least_target'])} of "
        f"{fmt(c['pairs'])} (quick profile; the bound tightens as N grows: see "
        "{doc}`../user_guide/certificates` for `--full`)",
    ]


STATEMENTS: list[Statement] = [
    Statement("thm41", "Theorem 4.1",
              "A memorization network of **width 6** and O(√N·ln(Nn/c)) parameters (after Vardi et al. 2022).",
              "{doc}`optimal <../user_guide/constructions/optimal>` (ours: width 6, Appendix B's compression "
              "by a documented equivalent); `vardi2022` (theirs, width ≤ 10); `park2021` (reconstructed)",
              "scaling", "quick/scaling.json", _thm41),
    Statement("thm43", "Theorem 4.3",
              "Networks with at most N′_D parameters for every N (via a c₀/3-net memorized robustly).",
              "{doc}`constant <../user_guide/constructions/constant>` (ours: grid + checked integer codes + "
              "`optimal`, the same bound another way); {doc}`robust <../user_guide/constructions/robust>` with "
              "`net=True` (the paper's route: a c₀/3-net memorized robustly), {func}`memnets.theory.bound_thm43`",
              "constant", "quick/constant.json", _thm43),
    Statement("thm51", "Theorem 5.1",
              "For any width w, some D ∈ 𝒟(n, c) makes every memorization network of width ≤ w have accuracy "
              "≤ 0.51 (Appendix D: a ball inside a thin shell, r₁ : r₂ : r₃ = 1 : 2^(1/n) : 3^(1/n)).",
              "{func}`memnets.datasets.ball_shell` (paper), {func}`memnets.audit` on the fibres x + ker W₁ "
              "(the paper's Lemma D.2 argument, computed exactly)",
              "width", "quick/width.json", _thm51),
    Statement("thm53", "Theorem 5.3",
              "If D has density ≤ r, some memorization network with O(n + √N·ln(Nnr/c)) parameters has "
              "accuracy ≤ 0.51.",
              "{doc}`thm53 <../user_guide/constructions/thm53>` (ours, after Appendix E: a witness from `optimal`'s parts)",
              "density", "quick/density.json", _thm53),
    Statement("thm61", "Theorems 6.1, 6.5",
              "Theorem 6.1: no algorithm generalizes for all D from N ≥ v·N_D²/ln²(N_D)·(1 − 2ε − δ) samples. "
              "Theorem 6.5: N ≥ v·N_D²·ln(N_D/(ε²δ))/ε² samples suffice for algorithms with ≤ N_D parameters.",
              "{func}`memnets.theory.bound_thm61`, {func}`memnets.theory.bound_thm65` (the statements as printed; "
              "v a parameter, default 1: shapes, not numbers; Theorem 6.5's proof carries an extra ln N_D, see "
              "`bound_thm65`), {func}`memnets.theory.estimate_ND_upper`; "
              "{func}`memnets.theory.samples_lower_bound` and {func}`memnets.theory.samples_upper_bound_constant` "
              "are ours, not Theorems 6.1/6.5",
              "sample-complexity", "quick/sample-complexity.json", _sec6),
    Statement("cor64", "Corollary 6.4",
              "For some D, N must exceed v·2^(2⌊n/⌈c²⌉⌋)·c⁴·(1 − 2ε − δ)/n²: exponential in n.",
              "{func}`memnets.theory.bound_cor64` (the statement as printed; `proved=True`: 2^⌊n/⌈c²⌉⌋, what its "
              "proof gives, see {doc}`corollary64`), {func}`memnets.datasets.cube_corners`",
              "exponential", "quick/exponential.json", _exponential),
    Statement("thm73", "Theorem 7.3 and Definition 7.1",
              "An efficient algorithm with A ≥ 1 − ε with probability ≥ 1 − δ once N ≥ S_D·ln(S_D/δ)/ε, "
              "S_D per Definition 7.1 (nearby balls of radius L(x)/3.1); its network (Appendix H.4) has "
              "**O(N²n)** parameters.",
              "{doc}`pairwise <../user_guide/constructions/pairwise>` (paper, built as written, stored sparsely), "
              "{func}`memnets.theory.estimate_SD` (Definition 7.1, greedy-cover upper estimate), "
              "{doc}`efficient <../user_guide/constructions/efficient>` (ours)",
              "guarantee", "quick/guarantee.json", _thm73),
]


def _source_note(d: dict[str, Any], rel: str) -> str:
    parts = [f"`results/{rel}`"]
    for key, label in (("memnets_version", "memnets"), ("seed", "seed"), ("started", "run")):
        if key in d:
            parts.append(f"{label} {d[key]}")
    if d.get("profile"):
        parts.append(f"profile {d['profile']}")
    return ", ".join(parts)


def _load(root: Path, rel: str) -> dict[str, Any]:
    path = root / rel
    if not path.is_file():
        raise ResultsError(f"{path} is missing: run `make docs-results` (see docs/results/README.md)")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def render_statement(root: Path, st: Statement) -> str:
    d = _load(root, st.source)
    try:
        measured = st.measured(d)
    except (KeyError, IndexError, TypeError, ResultsError) as exc:
        raise ResultsError(f"{st.source}: {exc!r} while rendering {st.title}") from exc
    lines = [
        f"**The paper.** {st.paper}", "",
        f"**Tested by.** {st.tested_by}; experiment `{st.experiment}`.", "",
        "**Measured.**", "",
        *[f"- {m}" for m in measured], "",
        f"<small>Source: {_source_note(d, st.source)}.</small>", "",
    ]
    return "\n".join(lines)


def render_all(root: Path) -> dict[str, str]:
    """``{fragment name: Markdown}`` for the paper page (see the module docstring)."""
    out = {st.key: render_statement(root, st) for st in STATEMENTS}
    quick_pairs = _load(root, "quick/pairs.json")
    out["pairs_quick"] = "\n".join([*(f"- {line}" for line in _pairs_summary(quick_pairs, "mnist")), "",
                                    f"<small>Source: {_source_note(quick_pairs, 'quick/pairs.json')}.</small>", ""])
    paper_pairs = _load(root, "paper/pairs.json")
    ds = at(paper_pairs, "datasets.mnist")
    first = at(paper_pairs, "columns.0")
    out["table1"] = "\n".join([
        f"{fmt(at(ds, 'per_class.train'))} training images per label, every test image of the pair:", "",
        *(f"- {line}" for line in _pairs_summary(paper_pairs, "mnist")),
        *(f"- {line}" for line in _agreement(ds)), "",
        f"Test accuracy (%) of `{first}` (the paper's network) on every MNIST pair:", "",
        pairs_matrix(paper_pairs, "mnist", first), "",
        f"<small>Source: {_source_note(paper_pairs, 'paper/pairs.json')}.</small>", "",
    ])
    out["table2"] = _table2(root)
    compare = _load(root, "quick/compare.json")
    out["table4"] = "\n".join([*(f"- {m}" for m in _compare(compare)), "",
                               "Test accuracy (%) per pair:", "", compare_table(compare), "",
                               f"<small>Source: {_source_note(compare, 'quick/compare.json')}.</small>", ""])
    robustness = _load(root, "quick/robustness.json")
    out["robustness"] = "\n".join([*(f"- {m}" for m in _robustness(robustness)), "",
                                   f"<small>Source: {_source_note(robustness, 'quick/robustness.json')}.</small>", ""])
    certify = _load(root, "quick/certify.json")
    out["certify"] = "\n".join([*(f"- {m}" for m in _certify(certify)), "",
                                f"<small>Source: {_source_note(certify, 'quick/certify.json')}.</small>", ""])
    return out


def _table2(root: Path) -> str:
    """Table 2 from ``table2_cifar10.json`` (a ``pairs`` run on CIFAR-10), when it is here."""
    path = root / "table2_cifar10.json"
    if not path.is_file():
        return ("The CIFAR-10 run is not among the committed results of this build "
                "(`docs/results/table2_cifar10.json`).\n")
    d = json.loads(path.read_text())
    ds = at(d, "datasets.cifar10")
    first = at(d, "columns.0")
    return "\n".join([
        f"{fmt(at(ds, 'per_class.train'))} training images per label, every test image of the pair:", "",
        *(f"- {line}" for line in _pairs_summary(d, "cifar10")),
        *(f"- {line}" for line in _agreement(ds)), "",
        f"Test accuracy (%) of `{first}` on every CIFAR-10 pair:", "",
        pairs_matrix(d, "cifar10", first), "",
        f"<small>Source: {_source_note(d, 'table2_cifar10.json')}.</small>", "",
    ])


def _agreement(ds: dict[str, Any]) -> list[str]:
    """How often the paper's network agrees with 1-NN, when the run recorded it."""
    paper = ds.get("paper")
    if not paper or "agreement_mean" not in paper:
        return []
    mean, low = paper["agreement_mean"], paper["agreement_min"]
    key = next(k for k in mean if k.endswith("1-NN") and not k.startswith("tree"))
    return [f"the paper's network agrees with 1-NN on {fmt(100 * mean[key], 2)}% of the test images "
            f"(worst pair {fmt(100 * low[key], 2)}%: its exact-zero band); the paper's words: "
            f"{paper.get('paper_words', '')}"]
