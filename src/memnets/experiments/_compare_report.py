"""What ``compare`` writes besides its JSON: the CSV (one row per pair, column and replicate)
and the report's markdown (the paper's claim checked, accuracies, sizes and costs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from memnets.experiments._runner import write_csv as table_csv

__all__ = ["CSV_COLUMNS", "markdown", "write_csv"]

CSV_COLUMNS = (
    "pair", "method", "construction", "replicate", "n_train", "n_test", "negative_class", "accuracy",
    "train_accuracy", "predicted_share_smaller", "test_share_smaller", "params", "params_nonzero", "width",
    "depth", "max_weight_bits", "seconds",
)


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Write ``rows`` (one per pair, column and replicate) to ``path``."""
    return table_csv(path, CSV_COLUMNS, (
        [
            r["pair"], r["method"], r["construction"], r["replicate"], r["n_train"], r["n_test"],
            r["negative_class"], f"{r['accuracy']:.6f}", f"{r['train_accuracy']:.6f}",
            f"{r['predicted_share_smaller']:.6f}", f"{r['test_share_smaller']:.6f}", r["params"],
            r["params_nonzero"], r["width"], r["depth"], r["max_weight_bits"],
            f"{r['timing']['construction_seconds']:.4f}",
        ]
        for r in rows
    ))


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.2f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def _mean_fmt(values: list[float | None], digits: int = 2) -> str:
    got = [v for v in values if v is not None]
    return f"{sum(got) / len(got):.{digits}f}" if got else "–"


def markdown(
    table: dict[tuple[str, str], dict[str, Any]], groups: list[str], columns: dict[str, str],
    mean: dict[str, float], data: str, ntr: int | None, nte: int | None, reps: int, plot: Path,
    claim: dict[str, Any], described: dict[str, str],
) -> str:
    """The report's section: the claim checked, the accuracy table, sizes and costs."""
    def per_class(n: int | None, what: str) -> str:
        return f"every {what} image of the pair" if n is None else f"{n} {what} images per class"

    lines: list[str] = []
    if claim["checked"]:
        n = claim["pairs"]
        verdict = "holds" if claim["holds"] else "does NOT hold"
        bests = ", ".join(f"{g}: {p['best']}" for g, p in claim["per_pair"].items())
        lines += [
            "**The paper's words (Appendix I.3):** \"We can see that our method performs much better in all "
            "cases\" and \"our method gets the best accuracy\" (M1, its Theorem 7.3 network, against M2 and M3; "
            "its Table 4 is an image that could not be read here, so only these words are compared). "
            f"**Measured:** M1 (`{columns['M1']}`) is best of M1/{'/'.join(claim['rivals'])} on "
            f"{claim['m1_best_of_paper_methods']} of {n} pairs (the claim {verdict}; smallest gap "
            f"{claim['smallest_gap']:.3f}), and best of all {len(columns)} columns on {claim['m1_best_of_all']} "
            f"of {n} pairs ({claim['m1_strictly_best_of_all']} strictly). Best column per pair: {bests}.",
            "",
        ]
    reps_text = "" if reps == 1 else f" Mean over {reps} seeded subsamples of the training images."
    lines += [
        f"{len(groups)} {data} pairs, the smaller digit labelled -1; {per_class(ntr, 'training')} "
        f"(seeded subsample), tested on {per_class(nte, 'test')}.{reps_text} Columns: "
        + "; ".join(f"{m} = {described[m]} (`{c}`)" if m != c else f"{m} = {described[m]}"
                    for m, c in columns.items())
        + ". Every memorizing network is verified on its training set. Last column: the share of "
        "the smaller digit among the test images, the accuracy of answering -1 everywhere.",
        "",
        "Test accuracy (best of each pair in bold):",
        "",
        "| pair | " + " | ".join(columns) + " | all -1 |",
        "|---" * (len(columns) + 2) + "|",
    ]
    for g in groups:
        best = max(table[(g, m)]["accuracy"] for m in columns)
        cells = [
            (f"**{table[(g, m)]['accuracy']:.4f}**" if table[(g, m)]["accuracy"] == best
             else f"{table[(g, m)]['accuracy']:.4f}")
            for m in columns
        ]
        share = table[(g, next(iter(columns)))]["test_share_smaller"]
        lines.append(f"| {g} | " + " | ".join(cells) + f" | {share:.4f} |")
    share_mean = float(np.mean([table[(g, next(iter(columns)))]["test_share_smaller"] for g in groups]))
    lines.append("| mean | " + " | ".join(f"{mean[m]:.4f}" for m in columns) + f" | {share_mean:.4f} |")
    lines += [
        "",
        "Size and cost (range over the pairs; train acc. the lowest; answers -1 = share of test "
        "images sent to the smaller digit, mean; build s = construction, "
        "verify s = the exact or certified check on every training image, means). All numbers: "
        "[compare.csv](compare.csv).",
        "",
        "| column | construction | params | nonzero | width | depth | weight bits | train acc. | answers -1 | build s | verify s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for m, c in columns.items():
        vals = [table[(g, m)] for g in groups]

        def span(key: str, vals: list[dict[str, Any]] = vals) -> str:
            got = [v[key] for v in vals]
            if any(x is None for x in got):
                return "–"
            lo, hi = min(got), max(got)
            return _fmt(lo) if lo == hi else f"{_fmt(lo)}–{_fmt(hi)}"

        lines.append(
            f"| {m} | `{c}` | {span('params')} | {span('params_nonzero')} | {span('width')} | {span('depth')} | "
            f"{span('max_weight_bits')} | {min(v['train_accuracy'] for v in vals):.4f} | "
            f"{_mean_fmt([v['predicted_share_smaller'] for v in vals], 3)} | "
            f"{_mean_fmt([v['seconds'] for v in vals])} | {_mean_fmt([v['verify_seconds'] for v in vals])} |"
        )
    lines += ["", f"![compare]({plot.name})", ""]
    return "\n".join(lines)
