"""The theory experiments (width, density, sample-complexity, exponential, guarantee) at tiny
sizes: the paper's claims asserted on the numbers they write, not just that they ran."""

from __future__ import annotations

import json
import math

import matplotlib.image as mpimg
import pytest

import memnets as mn
from memnets.experiments import density, exponential, guarantee, sample_complexity, width
from memnets.experiments._runner import fit_shape
from memnets.theory import bound_cor64, bound_thm61, bound_thm65, sample_size_thm73

#: the experiments of ``tiny_report`` (conftest.py: run once per test session)
NAMES = ["width", "density", "sample-complexity", "exponential", "guarantee"]


def _doc(out, name):
    doc = json.loads((out / f"{name}.json").read_text())
    assert doc["memnets_version"] == mn.__version__ and doc["seed"] == 0 and doc["profile"] == "tiny"
    return doc


def test_report_has_every_section_and_plot(tiny_report):
    out, text = tiny_report
    for name in NAMES:
        assert name in text
    for png in ("width_ball_shell", "width_accuracy", "width_audit", "density", "sample_complexity_accuracy",
                "sample_complexity_nd2", "exponential_params", "exponential_samples", "guarantee_success"):
        assert f"{png}.png" in text
        assert mpimg.imread(out / f"{png}.png").shape[0] > 100  # a real PNG


@pytest.fixture(scope="module")
def width_run(tiny_report):
    out, _ = tiny_report
    return _doc(out, "width")


def test_width_efficient_generalizes_while_optimal_stays_far(width_run):
    doc = width_run
    cells = {(c["arm"], c["N"]): c for c in doc["cells"]}
    slack = doc["claims"]["test_slack"]
    # efficient (rank W_1 = n) approaches accuracy 1 as N grows
    assert cells[("efficient", 400)]["test_accuracy"] >= 0.97
    assert cells[("efficient", 400)]["rank_first_layer"] == 2
    assert cells[("efficient", 400)]["audit_bound"] is None
    # optimal (rank W_1 = 1) is capped by its certified bound at every N, far from 1
    for N in (40, 400):
        c = cells[("optimal", N)]
        assert c["rank_first_layer"] == 1 and c["audit_exact"]
        assert c["audit_bound"] > 0.2
        assert c["test_accuracy"] <= 1 - c["audit_bound"] + slack
        assert c["test_accuracy"] < 0.8
    # the gap does not close with N: efficient gains, optimal does not
    gain_m1 = cells[("efficient", 400)]["test_accuracy"] - cells[("efficient", 40)]["test_accuracy"]
    gain_m2 = cells[("optimal", 400)]["test_accuracy"] - cells[("optimal", 40)]["test_accuracy"]
    assert gain_m1 > gain_m2
    claims = doc["claims"]
    assert claims["rank_deficient_below_audit_ceiling"] and claims["audit_bound_at_most_measured_error"]
    assert claims["line_error_agrees_with_test_error"]
    # a trained net is built at its arm's first width (n - 1 = 1, 4n = 8) and either memorizes
    # (then it is audited: rank 1 certified like optimal; rank 2 = n, no bound) or is reported
    # as not memorized with its training accuracy (at 150 epochs here: both arms, both N)
    for arm, first, rank in (("trained_narrow", 1, 1), ("trained_wide", 8, 2)):
        for N in (40, 400):
            c = cells[(arm, N)]
            assert c["options"]["first_width"] == first and c["options"]["hidden"] == [first, 64]
            if c["memorized"]:
                assert c["rank_first_layer"] == rank and (c["audit_bound"] is None) == (rank == 2)
            else:
                assert 0 < c["train_accuracy"] < 1 and "training accuracy" in c["reason"]
                assert f"the MLP 2 -> {first} -> 64 -> 1 reached only" in c["reason"]


def test_width_ball_shell_theorem_51(width_run):
    """Theorem 5.1's distribution: rank-1 memorizers certified at error >= 0.49 - audit slack
    at every N; wide networks get no bound and are reported as measured (chance here)."""
    ball = width_run["ball_shell"]
    assert ball["plan"]["cases"] == [[200, 1]] and ball["plan"]["Ns"] == [100, 300]
    geo = ball["geometry"][0]
    assert geo["fibre_ratio"] >= 0.99 and geo["min_features"] == 191
    assert geo["log10_S_D_lower"] > 500 and geo["nn_distance_median"] > 100 * geo["separation"]
    claims = ball["claims"]
    cells = {(c["arm"], c["N"]): c for c in ball["cells"]}
    for N in (100, 300):
        for arm in ("optimal", "interval"):
            c = cells[(arm, N)]
            assert c["memorized"] and c["rank_first_layer"] == 1 and c["fibre_dim"] == 199 and c["audit_exact"]
            assert c["audit_bound"] >= 0.49 - claims["audit_slack"] - 1e-9
            assert c["test_accuracy"] <= 1 - c["audit_bound"] + claims["test_slack"]
        for arm, first in (("trained_wide", 200), ("trained_w", 1)):  # first width n, w
            c = cells[(arm, N)]
            assert c["options"]["first_width"] == first
            if c["memorized"]:  # rank n: nothing erased, no bound; rank w: certified
                assert c["rank_first_layer"] == first and (c["audit_bound"] is None) == (first == 200)
            else:
                assert 0 < c["train_accuracy"] < 1 and f"the MLP 200 -> {first} -> 64" in c["reason"]
    # efficient at N = 100 < n keeps <= 100 representatives: rank < n, certified like the rest
    assert cells[("efficient", 100)]["rank_first_layer"] <= 100 and cells[("efficient", 100)]["audit_bound"] > 0.4
    # at N = 300 it has rank n: no bound, and its measured accuracy is chance (not claimed otherwise)
    m1 = cells[("efficient", 300)]
    assert m1["rank_first_layer"] == 200 and m1["audit_bound"] is None and abs(m1["test_accuracy"] - 0.5) < 0.06
    assert claims["rank_at_most_w_at_theorem_level"] and claims["every_rank_deficient_run_certified"]
    assert claims["rank_deficient_below_ceiling"] and claims["full_rank_uncertified"]
    assert claims["rank_at_most_w_max_ceiling"] <= 0.52
    # every arm runs at every N (the pairwise network up to pairwise_max_N = 300): none is skipped
    assert {(c["arm"], c["N"]) for c in ball["cells"]} == {(a, N) for a in width.BALL_ARMS for N in (100, 300)}


def test_ball_claims_hand_worked():
    # n = 4, w = 1: a narrow run (rank 1, certified), a rank-3 run (certified, but its
    # accuracy 0.9 is above its ceiling 1 - 0.3 + test slack 0.043), a full-rank run (no
    # bound) and a run that did not memorize (ignored)
    from memnets.experiments._width_ball import _ball_claims

    def cell(arm, rank, acc, bound, minority, memorized=True):
        return {"arm": arm, "n": 4, "w": 1, "memorized": memorized, "rank_first_layer": rank,
                "test_accuracy": acc, "audit_bound": bound, "audit_minority_mean": minority}

    got = [cell("trained_w", 1, 0.55, 0.45, 0.47), cell("efficient", 3, 0.9, 0.3, 0.35),
           cell("efficient", 4, 0.95, None, None), cell("trained_w", 1, 0.6, None, None, memorized=False)]
    c = _ball_claims(got, {"n_test": 1000, "n_lines": 2000, "arms": ["trained_w", "efficient"]})
    assert math.isclose(c["test_slack"], 0.0429469, rel_tol=1e-5)  # sqrt(ln 40 / 2000)
    assert math.isclose(c["audit_slack"], 0.0136833, rel_tol=1e-5)  # sqrt(ln 20 / 4000) / 2
    assert (c["rank_deficient_runs"], c["rank_at_most_w_runs"], c["full_rank_runs"]) == (2, 1, 1)
    assert c["every_rank_deficient_run_certified"] is True and c["rank_deficient_below_ceiling"] is False
    assert c["min_bound"] == 0.3 and c["rank_at_most_w_min_bound"] == 0.45
    assert c["rank_at_most_w_max_ceiling"] == 0.55 and c["rank_at_most_w_max_accuracy"] == 0.55
    assert c["rank_at_most_w_at_theorem_level"] is True  # 0.47 >= 0.49 - 2 * 0.0137
    assert c["full_rank_uncertified"] is True and c["full_rank_max_accuracy"] == 0.95
    assert c["by_arm"]["trained_w"] == {"runs": 2, "memorized": 1, "max_accuracy": 0.55, "min_accuracy": 0.55,
                                        "min_bound": 0.45, "ranks": [1]}
    got[0]["audit_minority_mean"] = 0.46  # below 0.49 - 2 * 0.0137 = 0.4626
    got[1]["audit_bound"] = None
    c = _ball_claims(got, {"n_test": 1000, "n_lines": 2000, "arms": ["trained_w", "efficient"]})
    assert c["rank_at_most_w_at_theorem_level"] is False and c["every_rank_deficient_run_certified"] is False
    assert c["rank_deficient_below_ceiling"] is True  # the uncertified run has no ceiling


def test_width_ball_shell_options(tmp_path):
    with pytest.raises(mn.OptionError, match="191"):
        width.run(tmp_path, ball_cases=[[50, 1]], progress=False)
    with pytest.raises(mn.OptionError, match="ball arm"):
        width.run(tmp_path, ball_arms=["nope"], progress=False)
    assert width.ball_features(1) == 200 and width.ball_features(4) == 800


def test_density_theorem_53(tiny_report):
    doc = _doc(tiny_report[0], "density")
    claims = doc["claims"]
    assert claims["thm53_all_verified"] and claims["thm53_accuracy_is_other_label_fraction"]
    assert claims["thm53_at_most_051"] and claims["thm53_max_accuracy"] < 0.53
    assert claims["efficient_accuracy_at_largest_N"] > 0.97
    r = doc["distribution"]["2"]["density_bound"]
    D = mn.datasets.ball_mixture(n_features=2, n_balls=16, separation=0.05, rng=doc["seed"] * 1000 + 2)
    assert r == pytest.approx(density.density_bound(D), rel=1e-12) and r > 1
    for c in doc["cells"]:
        assert c["expression"] == pytest.approx(2 + math.sqrt(c["N"]) * math.log(c["N"] * 2 * r / c["separation"]))
        if c["method"] == "thm53":
            # same test points: accuracy = P(y != b) off slabs of mass <= 0.01
            assert abs(c["test_accuracy"] - c["other_label_fraction"]) <= 0.01 + claims["test_slack"]
            assert c["slab_halfwidth"] <= 0.01 / (2 * math.sqrt(2) * c["N"] * r / 2) + 1e-15
    fit = doc["fits"]["thm53"]
    assert fit["ratio_min"] <= fit["C"] <= fit["ratio_max"] and 0.8 < fit["slope_vs_expression"] < 1.3


def test_density_bound_counts_overlapping_balls():
    # two label-0 balls overlap (centres 0.05 < 2 rho apart): on their intersection the
    # mixture's density is 2 * (1/3) / (pi rho'^2), twice one ball's (rho' = rho - eta_2)
    from memnets.datasets import fp_margin
    from memnets.experiments.density import density_bound

    D = mn.datasets.BallMixture(centers=[[0.3, 0.5], [0.35, 0.5], [0.8, 0.5]], radius=0.1,
                                ball_labels=[0, 0, 1], requested_separation=0.2, seed=None)
    one = 1 / (3 * math.pi * (0.1 - fp_margin(2)) ** 2)
    assert math.isclose(density_bound(D), 2 * one, rel_tol=1e-12)
    apart = mn.datasets.BallMixture(centers=[[0.2, 0.5], [0.5, 0.5], [0.8, 0.5]], radius=0.1,
                                    ball_labels=[0, 0, 1], requested_separation=0.1, seed=None)
    assert math.isclose(density_bound(apart), one, rel_tol=1e-12)


def test_sample_complexity_information_bound(tiny_report):
    doc = _doc(tiny_report[0], "sample-complexity")
    claims = doc["claims"]
    # every method at n = 6 and 8 (the trained MLP only up to n = 6), three ratios each
    assert claims["memorized_runs"] == claims["runs"] == (2 * 4 + 1) * 3
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
        assert set(v["N_target"]) == ({"6"} if m == "trained" else {"6", "8"}), m
        for n in v["N_target"]:
            assert 0.6 * law["information"][n] <= v["N_target"][n] <= 4 * 2 ** int(n), (m, n)


def test_sample_complexity_paper_shapes(tiny_report):
    """Theorems 6.1 and 6.5 evaluated at the measured N_D (v = 1) and v fitted in log space."""
    doc = _doc(tiny_report[0], "sample-complexity")
    law, paper = doc["nd2_law"], doc["nd2_law"]["paper"]
    assert paper["eps"] == 0.1 and paper["delta"] == sample_complexity.PAPER_DELTA
    for n in ("6", "8"):
        nd = law["N_D"][n]
        assert paper["thm61"]["shape_v1"][n] == pytest.approx(bound_thm61(nd, 0.1, 0.1), rel=1e-12)
        assert paper["thm65"]["shape_v1"][n] == pytest.approx(bound_thm65(nd, 0.1, 0.1), rel=1e-12)
    for name in ("thm61", "thm65"):
        info = paper[name]["fits"]["information"]
        expect = fit_shape(law["information"], paper[name]["shape_v1"])
        assert info["v"] == pytest.approx(expect["v"], rel=1e-12) and info["points"] == 2
        slope = paper[name]["local_slopes"]["6-8"]
        nd6, nd8 = law["N_D"]["6"], law["N_D"]["8"]
        assert slope["information"] == pytest.approx(
            math.log(law["information"]["8"] / law["information"]["6"]) / math.log(nd8 / nd6))
    assert "Theorem 6.1" in tiny_report[1] and "Theorem 6.5" in tiny_report[1]


def test_fit_shape_is_least_squares_in_log_space():
    f = fit_shape({"a": 1.0, "b": 4.0}, {"a": 1.0, "b": 1.0})
    assert f["v"] == pytest.approx(2.0) and f["max_factor"] == pytest.approx(2.0)
    assert f["agree"] == [] and f["disagree"] == ["a", "b"]
    assert fit_shape({"a": 0}, {"a": 1.0})["v"] is None


def test_exponential_growth_of_generalizing_networks(tiny_report):
    doc = _doc(tiny_report[0], "exponential")
    small = doc["smallest_generalizing"]
    for m in ("efficient", "optimal"):
        for n in ("3", "4", "5", "6"):
            assert small[m][n] is not None and small[m][n]["accuracy"] >= 0.95
        params = [small[m][n]["params"] for n in ("3", "4", "5", "6")]
        assert params == sorted(params)  # grows with n
        assert doc["fits"][m]["base"] > 1.3
    assert doc["claims"]["all_bases_exponential"]
    assert exponential.fit_base([1, 2, 3], [3.0, 9.0, 27.0]) == pytest.approx(3.0)
    # Corollary 6.4 (c = 1 on cube corners) as a shape; its growth base exceeds the information bound's
    cor = doc["cor64"]
    for n in ("3", "4", "5", "6"):
        assert cor["shape_v1"][n] == pytest.approx(bound_cor64(int(n), 1.0, 0.05, 0.1, v=1e6) / 1e6, abs=1e-6)
        assert cor["shape_v1"][n] == pytest.approx(4 ** int(n) * 0.8 / int(n) ** 2, rel=1e-6)  # floored at v = 1e6
        assert cor["information"][n] == pytest.approx(sample_complexity.n_for_accuracy(int(n), 0.95))
    assert cor["bases"]["shape"] > cor["bases"]["information"] > 1.8
    assert cor["v_information"] == pytest.approx(fit_shape(cor["information"], cor["shape_v1"])["v"])
    assert "Corollary 6.4" in tiny_report[1]


def test_guarantee_meets_one_minus_delta_from_theorem_size(tiny_report):
    doc = _doc(tiny_report[0], "guarantee")
    claims = doc["claims"]
    assert claims["S_D"] == 6
    assert claims["N_star"] == sample_size_thm73(6, 0.1, 0.1) == math.ceil(60 * math.log(60))
    assert claims["success_at_least_1_minus_delta_from_N_star"]
    rows = {t["N"]: t for t in doc["table"]}
    assert rows[claims["N_star"]]["success_fraction"] >= 0.9 and rows[claims["N_star"]]["runs"] == 20
    # below N* the sample can miss balls; at N* every ball is hit in every run here
    assert rows[claims["N_star"]]["all_balls_hit_fraction"] == 1.0
    assert rows[min(rows)]["all_balls_hit_fraction"] < 1.0
    for c in doc["cells"]:
        if c["memorized"]:
            assert c["success"] == (c["accuracy"] >= 0.9) and c["verified"]
            assert c["paper_verified"] and c["paper_success"] == (c["paper_accuracy"] >= 0.9)
            # balls of radius 0.04 <= c_D / 8.2, far apart: one Definition 7.1 ball and one cell
            # each (test_theory's closed form), so both estimates count the balls this sample hit
            assert c["S_D_def71_estimate"] == c["S_D_estimate"] == c["balls_hit"]
    # the paper's own network meets the theorem's promise on the same samples
    assert claims["paper_network_success_at_least_1_minus_delta_from_N_star"]
    lo, hi = guarantee.wilson_interval(18, 20)
    assert lo < 0.9 < hi


def test_unknown_options_are_rejected(tmp_path):
    with pytest.raises(mn.OptionError, match="arm"):
        width.run(tmp_path, arms=["nope"], progress=False)
    with pytest.raises(mn.OptionError, match="method"):
        sample_complexity.run(tmp_path, methods=["nope"], progress=False)
    with pytest.raises(mn.OptionError):
        guarantee.run(tmp_path, eps=2.0, progress=False)
    with pytest.raises(mn.OptionError, match="profile"):
        exponential.run(tmp_path, profile="huge", progress=False)


def test_direct_run_returns_summary(tmp_path):
    summary = mn.experiments.run("guarantee", tmp_path, profile="tiny", seeds=3, factors=[1.0], progress=False)
    assert summary["name"] == "guarantee" and summary["json"] == str(tmp_path / "guarantee.json")
    assert summary["plots"] == [str(tmp_path / "guarantee_success.png")]
    assert "guarantee_success.png" in summary["markdown"] and summary["claims"]["N_star"] == 246
    # the claim reads the rows with N >= N*: here the N* row alone; with every N below N*
    # there is nothing to claim (False, not the vacuous truth of all([]))
    doc = json.loads((tmp_path / "guarantee.json").read_text())
    (row,) = doc["table"]
    claims = doc["claims"]
    assert row["N"] == 246 and claims["min_success_fraction_from_N_star"] == row["success_fraction"]
    assert claims["success_at_least_1_minus_delta_from_N_star"] == (row["success_fraction"] >= 1 - claims["delta"])
    below = mn.experiments.run("guarantee", tmp_path / "below", profile="tiny", seeds=2, factors=[0.25], progress=False)
    assert below["claims"]["min_success_fraction_from_N_star"] is None
    assert below["claims"]["success_at_least_1_minus_delta_from_N_star"] is False
