"""The width audit: exact null directions, exact line measures, a bound that holds."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import memnets as mn
from _helpers import assert_close
from memnets import ReLUNetwork
from memnets._core.linalg import is_null
from memnets._io import load_model
from memnets.theory.audit import audit, null_direction, predict_codes

SHELLS2 = mn.datasets.alternating_shells(n_features=2, n_shells=4)


def projection_net(w):
    """A rank-1 first layer: F(x) = relu(<w,x>) - relu(<w,x> - 0.5) - 0.25 (depends on <w,x> only)."""
    w = np.asarray(w, dtype=float)
    return mn.ReLUNetwork([(np.vstack([w, w]), [0.0, -0.5]), (np.array([[1.0, -1.0]]), [-0.25])])


# --------------------------------------------------------------------------- direction
def test_hand_network_direction_and_structure():
    net = mn.ReLUNetwork([([[1.0, 0.0]], [0.0]), ([[1.0]], [-0.5])])
    rep = audit(net)
    assert rep.bottleneck == 1 and rep.rank_first_layer == 1 and rep.exact
    assert rep.direction.tolist() == [0.0, 1.0]
    assert rep.direction_exact == (Fraction(0), Fraction(1))
    assert rep.error_lower_bound is None


def test_full_rank_first_layer_has_no_direction():
    net = mn.ReLUNetwork([(np.eye(2), [0.0, 0.0]), ([[1.0, -1.0]], [0.0])])
    rep = audit(net, SHELLS2, rng=0)
    assert rep.direction is None and rep.error_lower_bound is None
    assert "rank W_1 = n" in rep.note


def test_narrow_later_layer_is_reported_but_gives_no_line():
    net = mn.ReLUNetwork([(np.eye(2), [0.0, 0.0]), ([[1.0, 1.0]], [0.0]), ([[1.0]], [0.0])])
    rep = audit(net)
    assert rep.bottleneck == 1 and rep.direction is None and "later layer" in rep.note


def test_large_float_first_layer_gets_an_exact_direction(rng):
    W = rng.normal(size=(30, 400))  # 12000 entries: past the RREF size, rank 30
    net = mn.ReLUNetwork([(W, np.zeros(30)), (np.ones((1, 30)), [0.0])])
    v, ve, residual = null_direction(net)
    assert ve is not None and residual == 0.0 and is_null(W, ve)
    assert abs(np.linalg.norm(v) - 1) < 1e-12 and np.abs(W @ v).max() < 1e-12


# --------------------------------------------------------------------------- line measure
def test_shell_line_masses_hand_values():
    S = mn.datasets.alternating_shells(n_features=2, n_shells=2, gap=0.1)  # (0, .2), (.3, .5)
    v = np.array([1.0, 0.0])
    X = np.array([[0.5, 0.5], [0.5, 0.75], [0.5, 0.6]])  # line distances 0, 0.25, 0.1
    m = S.line_label_masses(X, v)
    pi = m / m.sum(axis=1, keepdims=True)
    assert_pi = [0.5, 0.0, 2 * math.sqrt(0.03) / (2 * math.sqrt(0.03) + 2 * (math.sqrt(0.24) - math.sqrt(0.08)))]
    assert_close(pi[:, 0], assert_pi, rtol=0)
    # equal shell probabilities: the ball is 4x denser than the ring (areas .04 pi vs .16 pi)
    U = mn.datasets.alternating_shells(n_features=2, n_shells=2, gap=0.1, weights="uniform")
    mu = U.line_label_masses(X[:1], v)
    assert_close(mu[0, 0] / mu[0].sum(), 0.8, rtol=0)


def test_line_masses_match_60_digit_evaluation():
    """The float64 closed form against the same formula in 60-digit decimal arithmetic (the
    audit's _GEOMETRY_SLACK of 1e-9 must dwarf the float error)."""
    from decimal import Decimal, localcontext

    S = mn.datasets.alternating_shells(n_features=5, n_shells=4)
    X, _ = S.sample(200, rng=1)
    v = np.random.default_rng(0).normal(size=5)
    v /= np.linalg.norm(v)
    m = S.line_label_masses(X, v)
    pi = m[:, 0] / m.sum(axis=1)
    probs = S.shell_probabilities()
    with localcontext() as ctx:
        ctx.prec = 60
        c = [Decimal(float(t)) for t in S.center]
        vd = [Decimal(float(t)) for t in v]
        vn = sum(t * t for t in vd)
        for i in range(len(X)):
            u = [Decimal(float(X[i, j])) - c[j] for j in range(5)]
            a = sum(ui * vi for ui, vi in zip(u, vd, strict=True))
            rho2 = sum(ui * ui for ui in u) - a * a / vn
            mass = [Decimal(0), Decimal(0)]
            for k, (r_in, r_out) in enumerate(S.radii):
                lo, hi = Decimal(r_in), Decimal(r_out)
                length = 2 * (max(hi * hi - rho2, Decimal(0)).sqrt() - max(lo * lo - rho2, Decimal(0)).sqrt())
                mass[k % 2] += Decimal(float(probs[k])) / (hi**5 - lo**5) * length
            assert abs(float(mass[0] / (mass[0] + mass[1])) - pi[i]) < 1e-11


def test_line_measure_matches_binned_samples():
    """Independent path: label frequencies of samples binned by their projection onto v-perp."""
    v = np.array([1.0, 0.0])
    X, y = SHELLS2.sample(200_000, rng=7)
    edges = np.linspace(0.02, 0.98, 25)
    which = np.digitize(X[:, 1], edges)
    for b in range(1, len(edges)):
        sel = which == b
        centre = 0.5 * (edges[b - 1] + edges[b])
        grid = np.column_stack([np.full(41, 0.5), np.linspace(edges[b - 1], edges[b], 41)])
        m = SHELLS2.line_label_masses(grid, v)
        # the bin's label-1 share = mass-weighted average of pi_1 across the bin
        expected = m[:, 1].sum() / m.sum()
        assert abs(y[sel].mean() - expected) < 0.03, (centre, y[sel].mean(), expected)


# --------------------------------------------------------------------------- the bound
@pytest.fixture(scope="module")
def m2_on_shells():
    X, y = SHELLS2.sample(200, rng=0)
    res = mn.construct(X, y, method="optimal", rng=0)
    Xt, yt = SHELLS2.sample(4000, rng=1)
    return res, 1.0 - res.score(Xt, yt)


def test_m2_bound_is_nontrivial_and_below_measured_error(m2_on_shells):
    res, err = m2_on_shells
    rep = audit(res, SHELLS2, n_lines=4000, rng=0)
    slack = math.sqrt(math.log(2 / 0.05) / (2 * 4000))
    assert rep.bottleneck == 1 and rep.exact and rep.certified
    assert rep.error_lower_bound > 0.1
    assert rep.error_lower_bound <= err + slack
    assert rep.minority_mean - rep.error_lower_bound == pytest.approx(
        0.5 * math.sqrt(math.log(1 / 0.05) / (2 * 4000)) + 1e-9, abs=1e-12
    )
    # the same lines estimate the network's own error: agrees with the test error
    assert abs(rep.line_error - err) <= rep.line_error_halfwidth + slack
    assert rep.line_error >= rep.minority_mean - 1e-12  # per line, error >= minority mass


def test_m1_has_full_rank(m2_on_shells):
    X, y = SHELLS2.sample(200, rng=0)
    rep = audit(mn.construct(X, y, method="efficient", rng=0), SHELLS2, rng=0)
    assert rep.rank_first_layer == 2 and rep.error_lower_bound is None


def test_predict_codes_exact_path_equals_result_predict(m2_on_shells):
    res, _ = m2_on_shells
    Xt, _ = SHELLS2.sample(300, rng=5)
    # both go through the one decision path (the exact engine here): each is checked against
    # the sign of the exact outputs, not only against the other
    want = np.array([int(v > 0) for v in res.network.forward_exact(Xt).tolist()])
    assert 0 < want.sum() < len(want)
    assert predict_codes(res.network, Xt).tolist() == want.tolist()
    assert np.array_equal(res.predict(Xt), res.classes[want])


@settings(max_examples=8, deadline=None)
@given(st.floats(0.05, 3.0), st.floats(-3.0, 3.0), st.integers(0, 2**16))
def test_bound_never_exceeds_true_error_of_projection_nets(a, b, seed):
    """For any rank-1 network the certified bound is at most its error (estimated on the
    same law by 20000 fresh test points; slack = both Hoeffding half-widths)."""
    net = projection_net([a, b])
    rep = audit(net, SHELLS2, n_lines=3000, rng=seed)
    Xt, yt = SHELLS2.sample(20_000, rng=seed + 1)
    err = float(np.mean(predict_codes(net, Xt) != yt))
    assert rep.error_lower_bound <= err + math.sqrt(math.log(2 / 0.05) / 40_000)


def test_ball_mixture_bound_and_line_error():
    D = mn.datasets.ball_mixture(n_features=2, n_balls=8, separation=0.1, rng=0)
    net = projection_net([1.0, 0.3])
    rep = audit(net, D, n_lines=3000, rng=0)
    Xt, yt = D.sample(10_000, rng=1)
    err = float(np.mean(predict_codes(net, Xt) != yt))
    assert 0 <= rep.error_lower_bound <= err + 0.02
    assert abs(rep.line_error - err) <= rep.line_error_halfwidth + 0.02


def test_distribution_without_line_measure_gets_direction_but_no_bound():
    rep = audit(projection_net([1.0, 0.3]), mn.datasets.two_moons(), n_lines=200, rng=0)
    assert rep.exact and rep.direction is not None and rep.distribution["family"] == "two_moons"
    assert rep.error_lower_bound is None and rep.line_error is None
    assert "TwoMoons exposes no line measure" in rep.note and "LineMeasured" in rep.note


def test_shell_bound_in_three_dimensions_with_two_erased_directions():
    S3 = mn.datasets.alternating_shells(n_features=3, n_shells=4)
    net = projection_net([0.2, -0.5, 0.9])
    rep = audit(net, S3, n_lines=3000, rng=0)
    assert rep.rank_first_layer == 1 and rep.error_lower_bound > 0.1


# --------------------------------------------------------------------------- inputs
def test_torch_sequential_is_audited_like_the_network():
    seq = torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.ReLU(), torch.nn.Linear(1, 1)).double()
    net = ReLUNetwork.from_torch(seq)
    r1, r2 = audit(seq, SHELLS2, rng=3), audit(net, SHELLS2, rng=3)
    assert r1.direction_exact == r2.direction_exact and r1.error_lower_bound == r2.error_lower_bound
    w = seq[0].weight.detach().numpy()[0]
    assert abs(float(w @ r1.direction)) < 1e-15


def test_torch_other_modules_rejected():
    seq = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Sigmoid(), torch.nn.Linear(3, 1))
    with pytest.raises(mn.InputError, match=r"module 1 .*Sigmoid"):
        audit(seq)
    with pytest.raises(mn.InputError, match="end with a Linear"):
        ReLUNetwork.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU()))
    with pytest.raises(mn.InputError):
        audit("not a network")


def test_bad_options_and_dimension_mismatch():
    net = projection_net([1.0, 1.0])
    with pytest.raises(mn.OptionError):
        audit(net, SHELLS2, n_lines=0)
    with pytest.raises(mn.OptionError):
        audit(net, SHELLS2, delta=1.5)
    with pytest.raises(mn.InputError, match="3 features"):
        audit(net, mn.datasets.alternating_shells(n_features=3), rng=0)


def test_load_model_files(tmp_path):
    seq = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    torch.save(seq, tmp_path / "seq.pt")
    torch.save(seq.state_dict(), tmp_path / "sd.pt")
    a, b = load_model(tmp_path / "seq.pt"), load_model(tmp_path / "sd.pt")
    for la, lb in zip(a.layers, b.layers, strict=True):
        assert np.array_equal(la.weight, lb.weight) and np.array_equal(la.bias, lb.bias)
    net = projection_net([0.3, 0.8])
    mn.save(net, tmp_path / "m.memnet")
    assert load_model(tmp_path / "m.memnet").layer_sizes == net.layer_sizes
    (tmp_path / "junk.pt").write_bytes(b"not a model")
    with pytest.raises(mn.ModelFileError):
        load_model(tmp_path / "junk.pt")


def test_line_error_reads_result_labels_against_distribution_classes(m2_on_shells):
    res, _ = m2_on_shells
    net_rep = audit(res.network, SHELLS2, n_lines=2000, rng=4)
    res_rep = audit(res, SHELLS2, n_lines=2000, rng=4)
    assert res_rep.line_error == net_rep.line_error  # labels 0/1 = class indices 0/1
    X, y = SHELLS2.sample(100, rng=0)
    shifted = mn.construct(X, y + 10, method="optimal", rng=0)  # labels 10/11: no class of D
    rep = audit(shifted, SHELLS2, n_lines=500, rng=4)
    assert rep.line_error == 1.0
    assert rep.error_lower_bound == pytest.approx(audit(res, SHELLS2, n_lines=500, rng=4).error_lower_bound)


# --------------------------------------------------------------------------- cube corners
def _brute_corner_masses(dist, X, v_int):
    """Corners z with z - x parallel to the integer vector v_int (exact 2x2 minors)."""
    n = dist.n_features
    allc = dist.corners(np.arange(2**n)).astype(int)
    out = np.zeros((len(X), 2))
    for i, x in enumerate(np.asarray(X, dtype=int)):
        for k, z in enumerate(allc):
            d = z - x
            if all(d[a] * v_int[b] == d[b] * v_int[a] for a in range(n) for b in range(n)):
                out[i, dist.labels[k]] += 1
    return out


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10**6), v=st.lists(st.integers(-2, 2), min_size=4, max_size=4).filter(any))
def test_corner_line_masses_match_brute_force(seed, v):
    dist = mn.datasets.cube_corners(4, rng=seed)
    X, _ = dist.sample(12, np.random.default_rng(seed))
    v_int = np.array(v)
    got = dist.line_label_masses(X, v_int / np.linalg.norm(v_int))
    assert (got == _brute_corner_masses(dist, X, v_int)).all()


def test_audit_bounds_the_error_on_cube_corners():
    # F reads x0 + x1, x2 and x3: the line through x along e0 - e1 holds x and x with bits
    # 0, 1 swapped when they differ. Label = x0: the swapped pair (01, 10) disagrees, so
    # half of the corners sit on a line with minority mass 1/2; with label = x0 XOR x1 every
    # line is pure and the bound is 0 (checked too)
    n = 4
    idx = np.arange(2**n)
    labels = (idx >> 3) & 1
    dist = mn.datasets.CubeCorners(labels=labels, seed=None)
    W1 = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
    net = mn.ReLUNetwork([(W1, np.zeros(3)), (np.array([[1.0, -1.0, 0.5]]), [-0.75])])
    rep = mn.audit(net, dist, n_lines=4000, rng=0)
    assert rep.exact and rep.direction_exact is not None
    # exact minority mass: 1/2 on the 8 corners with x0 != x1, 0 on the 8 lone corners
    exact_minority = 0.25
    assert abs(rep.minority_mean - exact_minority) < 0.03
    slack = 0.5 * math.sqrt(math.log(1 / 0.05) / (2 * 4000))
    assert rep.error_lower_bound == pytest.approx(max(0.0, rep.minority_mean - slack), abs=1e-9)
    assert 0.2 < rep.error_lower_bound <= exact_minority
    xor = mn.datasets.CubeCorners(labels=((idx >> 3) & 1) ^ ((idx >> 2) & 1), seed=None)
    assert mn.audit(net, xor, n_lines=500, rng=0).minority_mean == 0.0


def test_three_classes_hand_worked_minority_and_halfwidth():
    # three balls of one radius on the line x1 = 0.5, labels 0, 1, 2; F reads x1 only, so
    # every sampled line x + t e0 cuts the three balls in equal chords: pi = (1/3, 1/3, 1/3)
    # on every line, minority mass 1 - max pi = 2/3 (not min pi = 1/3), and every
    # prediction is right on a third of its line: line error 2/3
    D = mn.datasets.BallMixture(centers=[[0.2, 0.5], [0.5, 0.5], [0.8, 0.5]], radius=0.1,
                                ball_labels=[0, 1, 2], requested_separation=0.1, seed=None)
    rep = audit(projection_net([0.0, 1.0]), D, n_lines=800, delta=0.05, rng=0)
    assert rep.minority_mean == pytest.approx(2 / 3, abs=1e-12)
    assert rep.line_error == pytest.approx(2 / 3, abs=1e-12)
    slack = (2 / 3) * math.sqrt(math.log(20) / 1600)  # (1 - 1/C) sqrt(ln(1/delta) / (2 L))
    assert rep.error_lower_bound == pytest.approx(2 / 3 - slack, abs=1e-8)
    assert rep.line_error_halfwidth == pytest.approx(math.sqrt(math.log(40) / 1600), rel=1e-12)  # two-sided
    # a bare network whose argmax (class index 3) is no class of D is wrong on every line
    four = mn.ReLUNetwork([([[0.0, 1.0]], [0.0]), ([[0.0], [0.0], [0.0], [0.0]], [0.0, 0.0, 0.0, 1.0])])
    assert audit(four, D, n_lines=50, rng=0).line_error == 1.0
