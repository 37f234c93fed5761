"""The 1-D memorizer's planner (``memnets._blocks.line_plan``) against the networks the builder
(``memnets._blocks.line_memorizer``) makes: the planned dense params, depth and every layer
width are those of the built network, on hand-made lines and on seeded random ones."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memnets import ReLUNetwork
from memnets._blocks.line_memorizer import line_memorizer
from memnets._blocks.line_plan import (
    _block_slots,
    _partition,
    _register_change,
    _stage1_widths,
    _stage2_widths,
)

# The Hypothesis example of the bug (n = 286, spread = 5, den_bits = 2, seed = 343373188 in
# test_line_memorizer_memorizes_random_lines), written out: every quarter in [-8, 8) with the
# label below, each value 1 to 11 times. Blocks 0 and 1 of its layout hold the same offsets
# (1, 2, 4 above starts 0 and 6) and the same counter flip, so the register P does not change
# at the first stage-1 step and is not carried into the second stage-1 layer (width 4, not 5).
_LABELS_286 = "-+--++-+--+--+++++-+-+-++-++---+-+--+++-+-+-++-++--+-++--++-+--+"
_REPEATS_286 = "4134348a5784755642443311665582622253b676334418523476278454433323"


def _line_286() -> tuple[list[Fraction], list[int]]:
    t, s = [], []
    for k, (lab, rep) in enumerate(zip(_LABELS_286, _REPEATS_286, strict=True)):
        t += [Fraction(k - 32, 4)] * int(rep, 16)
        s += [1 if lab == "+" else -1] * int(rep, 16)
    return t, s


def _built_vs_planned(t, s, **kw):
    layers, d = line_memorizer(t, s, rng=np.random.default_rng(0), **kw)
    net = ReLUNetwork(layers)
    X = np.array([float(v) for v in t]).reshape(-1, 1)  # dyadic: exact floats
    assert net.forward_exact(X).tolist() == list(s)
    return net, d


def test_equal_first_registers_are_planned_as_built():
    t, s = _line_286()
    assert len(t) == 286
    net, d = _built_vs_planned(t, s)
    assert (d["mode"], d["blocks"], d["boundaries_per_block"], d["offset_bits"]) == ("blocks", 11, 3, 3)
    assert net.num_params() == d["planned_params"]
    assert net.depth == d["planned_depth"]


def test_a_register_that_never_changes_is_planned_as_built():
    # 0, 1, ..., 13 with alternating labels: thresholds 1 .. 13, one per block of offset 1,
    # so every block register is the same and P is a constant through stage 1
    t = list(range(14))
    s = [(-1) ** k for k in t]
    net, d = _built_vs_planned(t, s)
    assert d["mode"] == "blocks"
    assert net.num_params() == d["planned_params"]
    assert net.depth == d["planned_depth"]


def test_register_change_and_the_widths_it_gives_hand_worked():
    th = [1, 2, 4, 6, 7, 8, 10, 11, 13, 18]
    starts, counts = _partition(th, 3, 3)
    assert (starts, counts) == ([0, 6, 11], [3, 3, 2])  # 13 and 18 sit 2 and 7 above 11
    assert list(_block_slots(th, starts, counts, 3)) == [(0, [1, 2, 4]), (0, [1, 2, 4]), (1, [0, 2, 7])]
    assert _register_change(th, starts, counts, 3) == 2  # blocks 0 and 1 hold the same P
    lattice = list(range(1, 14))
    starts, counts = _partition(lattice, 1, 4)
    assert starts == [0, 2, 4, 6, 8, 10, 12] and counts == [1] * 7
    assert _register_change(lattice, starts, counts, 1) == 7  # never: P is a constant
    # unfolded stage 1, 6 steps of 1: P first changes at step 3, so layers 1 and 2 lack it
    assert _stage1_widths(7, 1, False, 3) == [(3, 1), (4, 2), (5, 2), (5, 1)]
    assert _stage1_widths(7, 1, False, 1) == [(3, 1), (5, 4), (5, 1)]
    # 3 steps of 2 and no change: Tf, S + 4 after the first layer, the last one included
    assert _stage1_widths(7, 2, False, 7) == [(5, 1), (6, 1), (6, 1)]  # no (7, 0) run
    # a constant register: the first slot layer keeps V and its comparison pair only
    assert _stage2_widths(3, 2, 1, const=True) == [(3, 1), (4, 1), (6, 1), (4, 1), (4, 1), (5, 1), (3, 1), (4, 1)]
    assert _stage2_widths(1, 4, 1, const=True) == [(1, 1), (1, 1), (2, 1), (4, 1)]


#: (bits_per_layer, max_width) pairs the planner accepts
_OPTIONS = [(None, 6), (1, 6), (None, 8), (1, 8), (None, 12), (1, 12), (2, 12)]


def _random_line(seed: int, n: int, spread: int, den_bits: int, period: int):
    """``n`` dyadic values ``v / 2**den_bits`` with ``|v| < 2**spread`` (a small spread: heavy
    duplicates on a lattice) and labels random per value (``period`` 0) or alternating every
    ``period`` distinct values (repeated gaps: blocks holding equal registers)."""
    rng = np.random.default_rng(seed)
    t = [Fraction(int(v), 2**den_bits) for v in rng.integers(-(2**spread), 2**spread, n)]
    distinct = sorted(set(t))
    if period:
        lab = {v: (-1) ** (k // period) for k, v in enumerate(distinct)}
    else:
        lab = {v: int(rng.choice([-1, 1])) for v in distinct}
    return t, [lab[v] for v in t]


def _assert_planned_as_built(t, s, bits_per_layer, max_width):
    net, d = _built_vs_planned(t, s, bits_per_layer=bits_per_layer, max_width=max_width)
    assert d["depth"] == net.depth
    if d["mode"] == "constant":
        assert net.depth == 1 and len(set(s)) == 1
        return d
    assert d["width"] == net.width <= max_width
    assert net.num_params() == d["planned_params"] == sum(d["stage_params"].values())
    assert net.depth == d["planned_depth"]
    assert net.layer_sizes == d["planned_sizes"]
    assert 1 <= d["register_step"] <= d["blocks"] or d["mode"] == "direct"
    return d


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.one_of(st.integers(1, 40), st.integers(1, 700)),
    spread=st.one_of(st.integers(1, 7), st.integers(1, 52)),  # |t| < 2**52: exact floats
    den_bits=st.integers(0, 6),
    period=st.integers(0, 4),
    option=st.sampled_from(_OPTIONS),
    seed=st.integers(0, 2**31),
)
def test_planned_params_depth_and_widths_are_the_built_ones(n, spread, den_bits, period, option, seed):
    t, s = _random_line(seed, n, min(spread, 52 - den_bits), den_bits, period)
    _assert_planned_as_built(t, s, *option)


def test_seeded_lines_reach_every_layout_and_are_planned_as_built():
    """Fixed seeds (not Hypothesis'): every layout the planner can choose, including a register
    that changes late or never (with one slot or several), is met, and each is planned exactly
    as built."""
    seen = set()
    for k in range(84):
        n = (8, 40, 160, 600, 1)[k % 5]
        t, s = _random_line(k, n, (3, 5, 8, 20, 40, 50)[k % 6], k % 3, (0, 1, 2, 1)[k % 4])
        d = _assert_planned_as_built(t, s, *_OPTIONS[k % len(_OPTIONS)])
        if d["mode"] == "blocks":
            step, J, m = d["register_step"], d["blocks"], d["boundaries_per_block"]
            late = f"never, m {'>' if m > 1 else '='} 1" if step == J else "late" if step > 1 else "first"
            seen.add((d["mode"], d["start_bits"] > 0, d["bits_per_layer"], late))
        else:
            seen.add((d["mode"],))
    assert {("constant",), ("direct",), ("blocks", True, 1, "first"), ("blocks", True, 2, "first"),
            ("blocks", False, 1, "first"), ("blocks", False, 2, "first"), ("blocks", False, 1, "late"),
            ("blocks", False, 1, "never, m = 1"), ("blocks", False, 1, "never, m > 1")} <= seen, seen
