"""``memnets estimate``, ``memnets audit``, ``memnets certify`` as a user runs them."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np

import memnets as mn
from memnets import theory


def _table_rows(output: str) -> list[tuple[str, str]]:
    """(label, value) of every two-column row of a printed stats table."""
    rows = []
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if len(cells) == 2 and cells[0]:
            rows.append((cells[0], cells[1]))
    return rows


def test_estimate_prints_the_numbers(cli):
    out = cli("estimate", "balls", "--n-train", "400", "--seed", "1")
    assert out.exit_code == 0, out.output
    X, y = mn.datasets.load("balls", n=400, rng=1)
    est = theory.estimate_all(X, y, rng=1)
    # each row's value, read from its own row of the table (a value printed in the wrong row,
    # or only the row labels, would be found anywhere in the output)
    rows = dict(_table_rows(out.output))
    md = est["M_D"]
    assert rows["c (separation, >= c_D)"] == f"{est['separation']:.6g}"
    assert rows["S_D (Definition 7.1: greedy cover by balls L(x)/3.1)"] == str(est["S_D"])
    assert rows["cells of diameter < c/2 (greedy cover, radius c/4)"] == str(est["cells"])
    assert rows["M_D occupied cells"] == str(md["occupied"]) and rows["Chao1 cells"] == f"{md['chao1']:.1f}"
    assert rows["N_D upper (constant params, nonzero)"] == f"{est['N_D_upper']} ({est['N_D_upper_nonzero']})"
    assert rows["N lower bound (1-2eps) N_D^2, any memorizer (eps=0.01)"] == str(est["samples_lower_bound"])
    assert rows["N for Theorem 7.3 S_D ln(S_D/delta)/eps"] == str(est["sample_size_thm73"])
    assert rows["N for constant cells (M/eps) ln(M/delta), M = Chao1"] == str(est["sample_size_cells"])
    # the paper's bounds at v = 1, said to be shapes: 6.1 and 6.5 at the N_D estimate, 6.4 at (n, c)
    assert est["v"] == 1.0
    assert est["bound_thm61"] == theory.bound_thm61(est["N_D_upper"], 0.01, 0.05)
    assert est["bound_thm65"] == theory.bound_thm65(est["N_D_upper"], 0.01, 0.05)
    assert est["bound_cor64"] == theory.bound_cor64(2, est["separation"], 0.01, 0.05) == 0
    text = " ".join(out.output.split())
    assert "v is unknown; v = 1 here" in text
    for key, row in (("bound_thm61", "Thm 6.1:"), ("bound_thm65", "Thm 6.5:")):
        (value,) = [v for label, v in _table_rows(out.output) if label.startswith(row)]
        assert value == f"{est[key]:.4g}", (row, value)
    assert "Cor 6.4 at (n, c) = (2," in text and "vacuous" in text


def test_big_numbers_are_readable():
    from memnets.cli.theory import _big

    assert _big(None, "pick two classes") == "- (pick two classes)"
    assert _big(123456, "") == "123456" and _big(2.5e9, "") == "2.5e+09"
    big = theory.bound_cor64(784, 3.5, 0.01, 0.05)  # MNIST-sized n: ceil(c^2) = 13, floor(784 / 13) = 60
    assert big == math.floor(Fraction(2**120) * Fraction(2401, 16) * Fraction(93, 100) / 784**2)
    shown = _big(big, "")
    assert shown.startswith(str(big)[0] + ".") and f"({len(str(big))} digits)" in shown
    assert _big(theory.bound_cor64(784, 0.5, 0.01, 0.05), "").endswith("digits)")


def test_estimate_bad_dataset_is_a_clear_error(cli):
    out = cli("estimate", "no-such-data")
    assert out.exit_code == 2
    assert "error" in out.output and "no-such-data" in out.output


def projection_net(w):
    """A rank-1 first layer: F(x) = relu(<w,x>) - relu(<w,x> - 0.5) - 0.25 (depends on <w,x> only)."""
    w = np.asarray(w, dtype=float)
    return mn.ReLUNetwork([(np.vstack([w, w]), [0.0, -0.5]), (np.array([[1.0, -1.0]]), [-0.25])])


def test_audit_on_files(cli, tmp_path):
    net = projection_net([0.3, 0.8])
    mn.save(net, tmp_path / "m.memnet")
    (tmp_path / "junk.pt").write_bytes(b"not a model")
    out = cli("audit", tmp_path / "m.memnet", "--data", "shells", "--lines", "2000", "--json", tmp_path / "a.json")
    assert out.exit_code == 0, out.output
    assert "error lower bound" in out.output
    doc = json.loads((tmp_path / "a.json").read_text())
    assert doc["certified"] and doc["error_lower_bound"] > 0.1 and doc["bottleneck"] == 1
    # the printed table says what the JSON says, each number in its own row
    rows = dict(_table_rows(out.output))
    assert (rows["bottleneck"], rows["rank_first_layer"], rows["exact"]) == ("1", "1", "True")
    assert rows["error lower bound (prob >= 0.95)"] == f"{doc['error_lower_bound']:.4f}"
    assert rows["mean minority mass on lines"] == f"{doc['minority_mean']:.4f}"
    assert rows["network error on lines (estimate)"] == f"{doc['line_error']:.4f} +- {doc['line_error_halfwidth']:.4f}"
    bad = cli("audit", tmp_path / "junk.pt")
    assert bad.exit_code == 2 and " ".join(bad.output.split()).startswith(
        f"error: cannot read {tmp_path / 'junk.pt'} as a memnets model or a torch.save of an nn.Sequential"), bad.output
    for data, extra in (("balls", []), ("corners", []), ("shells", ["--n-shells", "3"])):
        out = cli("audit", tmp_path / "m.memnet", "--data", data, "--lines", "200", *extra)
        assert out.exit_code == 0 and "error lower bound" in out.output, (data, out.output)
    for data, extra, why in (("moons", [], "'moons' has no exact line measure"),
                             ("balls", ["--n-shells", "3"], "balls has no parameter(s) ['n_shells']")):
        bad = cli("audit", tmp_path / "m.memnet", "--data", data, *extra)
        assert bad.exit_code == 2 and bad.output.startswith(f"error: {why}"), (data, bad.output)


def test_certify_on_a_saved_model(cli, tmp_path):
    X, y = mn.datasets.load("moons", split="train", n=300, rng=0)
    res = mn.construct(X, y, method="efficient", condense="mcs", rng=0)
    path = mn.save(res, tmp_path / "m.memnet")
    out = cli("certify", path, "--delta", "0.1", "--json", tmp_path / "c.json")
    assert out.exit_code == 0, out.output
    cert = res.certify(0.1)
    # each number in its own row (the statement row repeats the accuracy: anywhere is not enough)
    rows = dict(_table_rows(out.output))
    assert rows["certified accuracy"] == f"{cert.accuracy:.4f}" and rows["error bound"] == f"{cert.error_bound:.4f}"
    assert rows["kept samples k / N"] == f"{cert.k:,} / 300 ({cert.k / 300:.2%})"
    doc = json.loads((tmp_path / "c.json").read_text())
    assert doc["certificates"] == [cert.to_dict()]
    # with --data: the training-set certificate and a held-out one on the test split
    out = cli("certify", path, "--data", "moons", "--n-test", "500")
    assert out.exit_code == 0, out.output
    assert "sample compression" in out.output and "held-out" in out.output
    # a network without compression: a clear error, exit code 2, unless --data is given
    opt = mn.save(mn.construct(X, y, method="optimal", rng=0), tmp_path / "o.memnet")
    out = cli("certify", opt)
    assert out.exit_code == 2 and "no training-set certificate" in out.output
    out = cli("certify", opt, "--data", "moons", "--n-test", "500")
    assert out.exit_code == 0 and "held-out" in out.output and "sample compression" not in out.output
    out = cli("certify", path, "--delta", "2")
    assert out.exit_code == 2 and "delta" in out.output
