"""Benchmark: cost per input of the exact engine on a deep, narrow, big-integer network.

The network mimics stage 2 of the optimal-parameter construction (M2): a 300-bit register
holding packed ``rho``-bit boundaries is loaded according to the input's block, then
emptied one bit per layer with the exact ReLU bit test

    bit_k = relu(P - 2**k + 1) - relu(P - 2**k)      (exact for integer 0 <= P < 2**(k+1)),

each completed boundary ``B`` is compared with ``t = 2**rho * x_0`` through the clamp
``relu(t - B + 1) - relu(t - B)``, and the output accumulates the comparisons. Width 12,
sparse layers, weights up to ``reg_bits`` bits, values bounded like the real constructions.

Measured in the same run: :meth:`ReLUNetwork.forward_exact` on ``n`` inputs against the
plain-Python :func:`memnets._core.exact.reference_forward_exact` on a few inputs; the outputs are
checked against each other and against an independent closed form of the count.

Run ``python benchmarks/bench_exact.py`` (default: 10^4 inputs, 2,000 layers) or
``--quick``; ``--profile`` prints a cProfile of the engine.
"""

from __future__ import annotations

import argparse
import bisect
import cProfile
import math
import pstats
import sys
from collections import Counter
from fractions import Fraction
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import report_ratio, timed, write_result
from memnets import AffineLayer, ReLUNetwork
from memnets._blocks import exact_layer
from memnets._core.exact import reference_forward_exact

P, H1, H2, B, T, ACC, SEL, C1, C2 = 0, 1, 2, 3, 4, 5, 6, 10, 11
WIDTH = 12
N_BLOCKS = 4
STEP_SLOPE = 2**30


class RegisterNetwork:
    """The benchmark network plus what is needed to compute its output independently."""

    def __init__(self, depth: int, reg_bits: int, rho: int, rng: np.random.Generator) -> None:
        n_bits = depth - 4
        if n_bits < 1 or reg_bits < rho:
            raise ValueError("need depth >= 5 and reg_bits >= rho")
        self.rho = rho
        lengths = [rho] * (n_bits // rho) + ([n_bits % rho] if n_bits % rho else [])
        per_reg = reg_bits // rho
        regs = [lengths[i : i + per_reg] for i in range(0, len(lengths), per_reg)]
        # boundaries[b] = every boundary of block b; packed[r][b] = register r's constant
        self.boundaries: list[list[int]] = [[] for _ in range(N_BLOCKS)]
        packed: list[list[int]] = []
        for reg in regs:
            row = []
            for b in range(N_BLOCKS):
                value = 0
                for ln in reg:
                    bnd = int(rng.integers(0, 2**ln))
                    self.boundaries[b].append(bnd)
                    value = (value << ln) | bnd
                row.append(value)
            packed.append(row)
        self.sorted = [sorted(bs) for bs in self.boundaries]
        self.counts = [Counter(bs) for bs in self.boundaries]
        self.network = ReLUNetwork(self._layers(regs, packed))

    def _layers(self, regs: list[list[int]], packed: list[list[int]]) -> list[AffineLayer]:
        layers = [self._step_layer(), self._select_layer()]
        # bits in order: (register index, bit position k, completes a boundary)
        bits = []
        for r, reg in enumerate(regs):
            k = sum(reg)
            for ln in reg:
                for i in range(ln):
                    k -= 1
                    bits.append((r, k, i == ln - 1))
        prev = None
        for r, k, completes in bits:
            rows, bias = self._carry_rows(prev)
            if prev is None or prev[0] != r:  # load register r from the block selectors
                p_row = {SEL + b: packed[r][b] for b in range(N_BLOCKS)}
            else:
                kp = prev[1]
                p_row = {P: 1, H1: -(2**kp), H2: 2**kp}
            rows[P], bias[P] = dict(p_row), 0
            rows[H1], bias[H1] = dict(p_row), -(2**k) + 1
            rows[H2], bias[H2] = dict(p_row), -(2**k)
            layers.append(exact_layer(rows, bias, WIDTH))
            prev = (r, k, completes)
        rows, bias = self._carry_rows(prev)  # flush the last bit
        layers.append(exact_layer(rows, bias, WIDTH))
        layers.append(exact_layer([{ACC: 1, C1: 1, C2: -1}], [0], WIDTH))
        return layers

    @staticmethod
    def _step_layer() -> AffineLayer:
        """t = 2**rho x_0 (set later) and two ReLUs per block threshold on x_1."""
        rows: list[dict[int, int | Fraction]] = [{} for _ in range(WIDTH)]
        bias: list[int | Fraction] = [0] * WIDTH
        for j in range(1, N_BLOCKS):
            theta = Fraction(j, N_BLOCKS)
            rows[SEL + 2 * (j - 1)] = {1: STEP_SLOPE}
            bias[SEL + 2 * (j - 1)] = -STEP_SLOPE * theta + 1
            rows[SEL + 2 * (j - 1) + 1] = {1: STEP_SLOPE}
            bias[SEL + 2 * (j - 1) + 1] = -STEP_SLOPE * theta
        rows[T] = {0: 1}
        return exact_layer(rows, bias, 2)

    def _select_layer(self) -> AffineLayer:
        """sel_b = step_b - step_{b+1} (step_0 = 1, step_{N_BLOCKS} = 0); t scaled by 2**rho."""
        rows: list[dict[int, int | Fraction]] = [{} for _ in range(WIDTH)]
        bias: list[int | Fraction] = [0] * WIDTH

        def step(j: int) -> dict[int, int]:
            return {SEL + 2 * (j - 1): 1, SEL + 2 * (j - 1) + 1: -1}

        for b in range(N_BLOCKS):
            row: Counter[int] = Counter()
            if b == 0:
                bias[SEL] = 1
            else:
                row.update(step(b))
            if b + 1 < N_BLOCKS:
                row.subtract(step(b + 1))
            rows[SEL + b] = {c: v for c, v in row.items() if v}
        rows[T] = {T: 2**self.rho}
        return exact_layer(rows, bias, WIDTH)

    @staticmethod
    def _carry_rows(
        prev: tuple[int, int, bool] | None,
    ) -> tuple[list[dict[int, int | Fraction]], list[int | Fraction]]:
        """Rows consuming the pending bit of ``prev``: boundary, comparison, accumulator, copies."""
        rows: list[dict[int, int | Fraction]] = [{} for _ in range(WIDTH)]
        bias: list[int | Fraction] = [0] * WIDTH
        rows[T] = {T: 1}
        rows[ACC] = {ACC: 1, C1: 1, C2: -1}
        for b in range(N_BLOCKS):
            rows[SEL + b] = {SEL + b: 1}
        if prev is not None:
            full = {B: 2, H1: 1, H2: -1}  # the boundary with the pending bit appended
            if prev[2]:
                rows[C1] = {T: 1, **{c: -v for c, v in full.items()}}
                bias[C1] = 1
                rows[C2] = dict(rows[C1])
            else:
                rows[B] = full
        return rows, bias

    def expected(self, X: np.ndarray) -> list[Fraction | int]:
        """Closed form: sum over the block's boundaries of clamp(t - B + 1, 0, 1)."""
        out: list[Fraction | int] = []
        for x0, x1 in X.tolist():
            t = Fraction(x0) * 2**self.rho
            b = min(int(x1 * N_BLOCKS), N_BLOCKS - 1)
            fl = math.floor(t)
            total: Fraction | int = bisect.bisect_right(self.sorted[b], fl)  # B <= t: 1 each
            if t < fl + 1:  # the only integer in (t, t + 1) contributes t - B + 1 in (0, 1)
                total += self.counts[b][fl + 1] * (t - fl)
            out.append(total.numerator if isinstance(total, Fraction) and total.denominator == 1 else total)
        return out


def sample_inputs(n: int, rng: np.random.Generator) -> np.ndarray:
    """x_0 uniform; x_1 at least 0.025 from every block threshold (data away from steps)."""
    x0 = rng.random(n)
    block = rng.integers(0, N_BLOCKS, n)
    x1 = (block + 0.5 + rng.uniform(-0.4, 0.4, n)) / N_BLOCKS
    return np.column_stack([x0, x1])


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="1,000 inputs through 500 layers")
    ap.add_argument("--n", type=int, default=None, help="inputs for forward_exact (default 10^4)")
    ap.add_argument("--depth", type=int, default=None, help="layers (default 2000)")
    ap.add_argument("--reg-bits", type=int, default=300, help="register / weight bits")
    ap.add_argument("--rho", type=int, default=20, help="bits per packed boundary")
    ap.add_argument("--reference", type=int, default=3, help="inputs for the plain-Python reference")
    ap.add_argument("--chunk-size", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--profile", action="store_true", help="print a cProfile of forward_exact")
    ap.add_argument("--out", type=Path, default=None, help="results folder (default benchmarks/results)")
    args = ap.parse_args(argv)
    n = args.n or (1_000 if args.quick else 10_000)
    depth = args.depth or (500 if args.quick else 2_000)
    rng = np.random.default_rng(args.seed)

    reg, build_s, _ = timed(lambda: RegisterNetwork(depth, args.reg_bits, args.rho, rng))
    net = reg.network
    X = sample_inputs(n, rng)
    print(f"network: {net!r}, max_weight_bits={net.max_weight_bits}, "
          f"params_nonzero={net.num_params(nonzero=True)} (built in {build_s:.2f} s)")

    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
    exact, exact_s, exact_cpu = timed(lambda: net.forward_exact(X, chunk_size=args.chunk_size))
    if args.profile:
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(12)
    want = reg.expected(X)
    mismatches = sum(1 for a, b in zip(exact.tolist(), want, strict=True) if a != b)
    if mismatches:
        raise SystemExit(f"forward_exact disagrees with the closed form on {mismatches} inputs")

    k = min(args.reference, n)
    ref, ref_s, ref_cpu = timed(lambda: [reference_forward_exact(net, X[i])[0] for i in range(k)])
    if [Fraction(v) for v in exact[:k]] != ref:
        raise SystemExit("forward_exact disagrees with reference_forward_exact")

    per_exact, per_ref = exact_cpu / n, ref_cpu / k
    print(f"forward_exact: {n} inputs x {net.depth} layers in {exact_s:.2f} s wall, "
          f"{exact_cpu:.2f} s CPU; all {n} outputs equal the closed form")
    ratio = report_ratio("exact engine vs plain-Python reference (CPU)", per_exact, per_ref)
    return {
        "path": str(write_result("bench_exact", {
            "args": {k2: (str(v) if isinstance(v, Path) else v) for k2, v in vars(args).items()},
            "n_inputs": n,
            "depth": net.depth,
            "width": net.width,
            "max_weight_bits": net.max_weight_bits,
            "params_nonzero": net.num_params(nonzero=True),
            "build_seconds": build_s,
            "forward_exact_seconds": exact_s,
            "forward_exact_cpu_seconds": exact_cpu,
            "forward_exact_per_input_cpu_s": per_exact,
            "reference_inputs": k,
            "reference_seconds": ref_s,
            "reference_cpu_seconds": ref_cpu,
            "reference_per_input_cpu_s": per_ref,
            "speedup": ratio,
            "outputs_checked": n,
        }, args.out)),
        "speedup": ratio,
        "per_input_s": per_exact,
    }


if __name__ == "__main__":
    main()
