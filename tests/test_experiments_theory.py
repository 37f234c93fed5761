"""The theory experiments (width, sample-complexity, exponential, guarantee) at tiny sizes:
the paper's claims asserted on the numbers they write, not just that they ran."""

from __future__ import annotations

import json
import math

import matplotlib.image as mpimg
import pytest

import memnets as mn
from memnets.experiments import exponential, guarantee, sample_complexity, width
from memnets.theory import sample_size_m1


def _check_outputs(out, summary, name):
    doc = json.loads((out / f"{name}.json").read_text())
    assert summary["name"] == name and summary["json"] == str(out / f"{name}.json")
    assert doc["memnets_version"] == mn.__version__ and doc["seed"] == 0 and doc["full"] is False
    for p in summary["plots"]:
        assert mpimg.imread(p).shape[0] > 100  # a real PNG
        assert p.split("/")[-1] in summary["markdown"]
    return doc


@pytest.fixture(scope="module")
def width_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("width")
    summary = mn.experiments.run(
        "width", out, dims=[2], Ns=[40, 400], arms=["efficient", "optimal", "trained_narrow"],
        max_epochs=150, n_test=2000, n_lines=2000, progress=False,
    )
    return out, summary, _check_outputs(out, summary, "width")


def test_width_m1_generalizes_while_m2_stays_far(width_run):
    _, summary, doc = width_run
    cells = {(c["arm"], c["N"]): c for c in doc["cells"]}
    slack = doc["claims"]["test_slack"]
    # M1 (rank W_1 = n) approaches accuracy 1 as N grows
    assert cells[("efficient", 400)]["test_accuracy"] >= 0.97
    assert cells[("efficient", 400)]["rank_first_layer"] == 2
    assert cells[("efficient", 400)]["audit_bound"] is None
    # M2 (rank W_1 = 1) is capped by its certified bound at every N, far from 1
    for N in (40, 400):
        c = cells[("optimal", N)]
        assert c["rank_first_layer"] == 1 and c["audit_exact"]
        assert c["audit_bound"] > 0.2
        assert c["test_accuracy"] <= 1 - c["audit_bound"] + slack
        assert c["test_accuracy"] < 0.8
    # the gap does not close with N: M1 gains, M2 does not
    gain_m1 = cells[("efficient", 400)]["test_accuracy"] - cells[("efficient", 40)]["test_accuracy"]
    gain_m2 = cells[("optimal", 400)]["test_accuracy"] - cells[("optimal", 40)]["test_accuracy"]
    assert gain_m1 > gain_m2
    claims = doc["claims"]
    assert claims["rank_deficient_below_audit_ceiling"] and claims["audit_bound_at_most_measured_error"]
    assert claims["line_error_agrees_with_test_error"]
    # a narrow trained net either memorizes (then it is audited like M2) or is reported as not
    for N in (40, 400):
        c = cells[("trained_narrow", N)]
        if c["memorized"]:
            assert c["audit_bound"] is not None and c["rank_first_layer"] == 1
        else:
            assert 0 < c["train_accuracy"] < 1 and "training accuracy" in c["reason"]
    assert "| 2 | 400 |" in summary["markdown"]


@pytest.fixture(scope="module")
def corners_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("sc")
    summary = sample_complexity.run(out, dims=[6, 8], rhos=[0.5, 2.0, 4.0],
                                    methods=["efficient", "optimal", "constant"], progress=False)
    return out, summary, _check_outputs(out, summary, "sample-complexity")


def test_sample_complexity_information_bound(corners_run):
    _, _, doc = corners_run
    claims = doc["claims"]
    assert claims["memorized_runs"] == claims["runs"] == 2 * 3 * 3
    assert claims["seen_corners_all_right"] and claims["unseen_is_coin_flip"]
    assert claims["information_bound_respected"]
    for c in doc["cells"]:
        n = c["n"]
        # accuracy over all corners = seen (all right) + right unseen corners, exactly
        assert c["accuracy"] * 2**n == pytest.approx(c["seen_fraction"] * 2**n + c["unseen_right"], abs=1e-9)
        assert c["information_bound"] == pytest.approx(1 - 0.5 * (1 - 2.0**-n) ** c["N"], rel=1e-12)
    assert sample_complexity.information_bound(1, 1) == 0.75
    assert math.isclose(sample_complexity.n_for_accuracy(8, 0.9), math.log(0.2) / math.log(1 - 2**-8))
    law = doc["nd2_law"]
    assert set(law["N_D"]) == {"6", "8"} and law["N_D"]["8"] > law["N_D"]["6"]
    # no memorizer reaches accuracy 0.9 much before the information bound allows it
    # (ln 5 * 2^n samples), and every one reaches it by N = 4 * 2^n
    for m, v in law["methods"].items():
        for n in ("6", "8"):
            assert 0.6 * law["information"][n] <= v["N_target"][n] <= 4 * 2 ** int(n), (m, n)


@pytest.fixture(scope="module")
def exponential_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("exp")
    summary = exponential.run(out, dims=[3, 4, 5, 6], rhos=[3.0, 6.0],
                              methods=["efficient", "optimal", "trained"], widths=[2, 8, 32],
                              max_epochs=600, progress=False)
    return out, summary, _check_outputs(out, summary, "exponential")


def test_exponential_growth_of_generalizing_networks(exponential_run):
    _, _, doc = exponential_run
    small = doc["smallest_generalizing"]
    for m in ("efficient", "optimal"):
        for n in ("3", "4", "5", "6"):
            assert small[m][n] is not None and small[m][n]["accuracy"] >= 0.95
        params = [small[m][n]["params"] for n in ("3", "4", "5", "6")]
        assert params == sorted(params)  # grows with n
        assert doc["fits"][m]["base"] > 1.3
    assert doc["claims"]["all_bases_exponential"]
    assert exponential.fit_base([1, 2, 3], [3.0, 9.0, 27.0]) == pytest.approx(3.0)


def test_guarantee_meets_one_minus_delta_from_theorem_size(tmp_path):
    summary = guarantee.run(tmp_path, n_features=3, n_balls=6, separation=0.2, eps=0.1, delta=0.1,
                            factors=[1 / 32, 1.0, 2.0], seeds=20, n_test=2000, progress=False)
    doc = _check_outputs(tmp_path, summary, "guarantee")
    claims = doc["claims"]
    assert claims["S_D"] == 6
    assert claims["N_star"] == sample_size_m1(6, 0.1, 0.1) == math.ceil(60 * math.log(60))
    assert claims["success_at_least_1_minus_delta_from_N_star"]
    rows = {t["N"]: t for t in doc["table"]}
    assert rows[claims["N_star"]]["success_fraction"] >= 0.9 and rows[claims["N_star"]]["runs"] == 20
    # below N* the sample can miss balls; at N* every ball is hit in every run here
    assert rows[claims["N_star"]]["all_balls_hit_fraction"] == 1.0
    assert rows[min(rows)]["all_balls_hit_fraction"] < 1.0
    for c in doc["cells"]:
        if c["memorized"]:
            assert c["success"] == (c["accuracy"] >= 0.9) and c["verified"]
    lo, hi = guarantee.wilson_interval(18, 20)
    assert lo < 0.9 < hi


def test_unknown_options_are_rejected(tmp_path):
    with pytest.raises(mn.OptionError, match="arm"):
        width.run(tmp_path, arms=["nope"], progress=False)
    with pytest.raises(mn.OptionError, match="method"):
        sample_complexity.run(tmp_path, methods=["nope"], progress=False)
    with pytest.raises(mn.OptionError):
        guarantee.run(tmp_path, eps=2.0, progress=False)
