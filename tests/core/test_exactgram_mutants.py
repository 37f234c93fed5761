"""Exact Gram words (memnets._core.exactgram): cases written to kill mutmut survivors.

Each test pins a value the earlier tests left free (see the `_core/exactgram.py` table of
benchmarks/README.md): the int64 fast path of :func:`fixed_point_exponent`, the overflow
guards of :func:`limbs`, the carry invariants of :class:`Words`, the mixed
:class:`Split` / array calls of :func:`gram_words`, its intermediate carries over many
chunks (int64 words that would overflow without them) and how often they come, and the
Python-int wrappers.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

import numpy as np
import pytest

from memnets import InputError
from memnets._core.exactgram import (
    BETA,
    CHUNK,
    Split,
    Words,
    fixed_point_exponent,
    gram_ints,
    gram_words,
    limbs,
    sq_norm_ints,
    sq_norm_words,
)


def _w(*words: int, scale: int = 0) -> Words:
    return Words([np.array([w], dtype=np.int64) for w in words], scale)


def _value(W: Words) -> list[Fraction]:
    return [Fraction(int(v), 2**W.scale) for v in W.to_ints().ravel().tolist()]


def test_fixed_point_exponent_fast_path_values() -> None:
    assert fixed_point_exponent(np.array([2.0**-40])) == 40   # 2**-40 * 2**61 = 2**21
    assert fixed_point_exponent(np.array([1.0, -1.0])) == 0   # smallest T, not 1
    assert fixed_point_exponent(np.array([-1.5])) == 1
    # the OR of every chunk, not only the last one
    assert fixed_point_exponent(np.array([0.25, 0.5, 1.0]), chunk=1) == 2
    assert fixed_point_exponent(np.array([1.0, 0.5, 0.125]), chunk=2) == 3
    # pixels and values beyond the fast path agree with the definition
    for v in (1 / 255, 254 / 255, 1 / 3):
        assert fixed_point_exponent(np.array([v])) == Fraction(v).denominator.bit_length() - 1
    assert fixed_point_exponent(np.array([2.0**-70, 3.0])) == 70


def test_limbs_refuse_shifts_and_values_beyond_the_guard() -> None:
    assert [v.tolist() for v in limbs(np.array([[2.0**-960]]), 960)] == [[[1.0]]]
    with pytest.raises(InputError, match="too large for an exact fixed-point split"):
        limbs(np.array([[0.5]]), 1000)          # T > 960: refused whatever the values
    with pytest.raises(InputError, match="too large for an exact fixed-point split"):
        limbs(np.array([[2.0**60]]), 940)       # |x| 2**T = 2**1000
    got = limbs(np.array([[2.0**59]]), 940)     # 2**999: accepted, limbs sum back exactly
    assert sum(Fraction(float(v[0, 0])) * 2 ** (BETA * k) for k, v in enumerate(got)) == 2**999


def test_a_top_word_of_exactly_2_to_the_beta_is_carried() -> None:
    for v in (1 << BETA, (1 << BETA) + 5, (2 << BETA) - 1, 3 << BETA):
        W = _w(v).carry()
        assert len(W.words) == 2 and 0 <= int(W.words[0][0]) < 1 << BETA
        assert [float(t[0]) for t in W.to_float_terms(1)] == [float(v)]
        assert W.bits() == v.bit_length()
    N = _w(-(1 << BETA)).carry()
    assert N.to_ints().tolist() == [-(1 << BETA)] and N.bits() == BETA + 1


def test_zero_top_words_are_dropped_and_bits_are_exact() -> None:
    assert _w(5, 0).carry().bits() == 3 and len(_w(5, 0).carry().words) == 1
    assert _w(0).carry().bits() == 0 and _w(0, 0, 0).carry().bits() == 0
    assert _w(1).carry().bits() == 1
    empty = Words([np.zeros(0, dtype=np.int64)], 0).carry()
    assert empty.bits() == 0
    assert [t.shape for t in empty.to_float_terms(1)] == [(0,)]


def test_combine_with_longer_and_shorter_operands() -> None:
    big = _w(2**40 + 7).carry()                   # two words
    assert _value(big.combine([(1, _w(3)), (2, _w(4))])) == [2**40 + 7 + 3 + 8]
    assert _value(_w(1).combine([(1, big), (-1, _w(2))])) == [1 + 2**40 + 7 - 2]
    assert _value(_w(1).combine([(3, big)])) == [1 + 3 * (2**40 + 7)]
    assert big.combine([(1, _w(3))]).words[0].dtype == np.int64


def test_float_terms_scale_limits_and_width() -> None:
    assert [float(t[0]) for t in _w(1, scale=1074).to_float_terms(1)] == [2.0**-1074]
    with pytest.raises(InputError, match="below float64's range"):
        _w(1, scale=1075).to_float_terms(1)
    with pytest.raises(InputError, match="float64 terms"):
        _w(1 << 52).carry().to_float_terms(1)     # 53 bits need two terms
    terms = _w(1 << 52).carry().to_float_terms(2)
    assert [float(t[0]) for t in terms] == [0.0, 2.0**52]
    assert [float(t[0]) for t in _w((1 << 52) - 1).carry().to_float_terms(1)] == [2.0**52 - 1]


def _ref(A: np.ndarray, B: np.ndarray, T: int) -> list[list[int]]:
    return [[int(sum((Fraction(a) * Fraction(b) for a, b in zip(r, c, strict=True)), Fraction(0)) * 4**T)
             for c in B] for r in A]


def test_gram_words_with_splits_arrays_and_explicit_T() -> None:
    A = np.array([[2.0**-30, 0.5], [0.25, 1.0]])    # T is set by A
    B = np.array([[0.5, 0.75]])                     # one limb at T = 2
    assert fixed_point_exponent(A, B) == 30
    for T in (None, 30, 33):
        want = _ref(A, B, 30 if T is None else T)
        assert gram_words(A, B, T).to_ints().tolist() == want
        assert gram_words(B, A, T).to_ints().T.tolist() == want
    SA, SB = Split(A, 30), Split(B, 30)
    for a, b in ((SA, B), (A, SB), (SA, SB)):
        G = gram_words(a, b)
        assert G.scale == 60 and G.to_ints().tolist() == _ref(A, B, 30)
    one = Split(np.array([[0.5, 0.25]]), 2)         # a single limb on both sides
    assert one.n_limbs == 1 and gram_words(one, one).to_ints().tolist() == [[5]]
    short = np.array([[2.0**-30, 0.0]])                # one limb against A's two
    assert gram_words(A, short, 30).to_ints().tolist() == _ref(A, short, 30)
    assert gram_words(short, A, 30).to_ints().tolist() == [list(r) for r in zip(*_ref(A, short, 30), strict=True)]
    with pytest.raises(InputError, match=r"^gram_words: the two splits differ in T or columns$"):
        gram_words(Split(A, 30), Split(B, 31))
    with pytest.raises(InputError, match="differ in T or columns"):
        gram_words(Split(A, 30), Split(np.zeros((1, CHUNK + 1)), 30))


def test_gram_words_carries_before_int64_overflows() -> None:
    """1400 chunks of the largest limbs a float64 allows on three limbs: word 2 grows by
    ``3 * 2**51`` per chunk, past ``2**63`` after 1366 chunks without the periodic carry."""
    a0, a1, a2 = 2**20 - 2**10, 2**20 - 1, 2**20 - 1
    M = a0 + (a1 << BETA) + (a2 << 2 * BETA)        # 52 significant bits: a float64
    x = Fraction(M, 2**62)
    n = 1400 * CHUNK
    S = Split(np.full((1, n), float(x)), 62)
    assert [float(S.chunks[0][k][0, 0]) for k in range(3)] == [a0, a1, a2]
    G = gram_words(S, S)
    assert G.scale == 124 and G.to_ints().tolist() == [[n * M * M]]


def test_sq_norms_of_one_limb_and_their_scale() -> None:
    X = np.array([[0.5, 0.25], [1.0, 0.0], [0.0, 0.0]])
    for T in (2, 5):
        W = sq_norm_words(X, T)
        assert W.scale == 2 * T
        assert W.to_ints().tolist() == [5 * 4 ** (T - 2), 16 * 4 ** (T - 2), 0]
        ints = sq_norm_ints(X, T)
        assert ints.dtype == object and ints.tolist() == [5 * 4 ** (T - 2), 16 * 4 ** (T - 2), 0]


def test_gram_ints_at_a_larger_T_and_on_the_python_path() -> None:
    A, B = np.array([[0.5]]), np.array([[0.5]])
    assert gram_ints(A, B, 3).tolist() == [[16]]           # 0.25 * 2**6, not at T = 1
    assert gram_ints(A, B, 960).tolist() == [[2**1918]]
    A3 = np.array([[2.0**-1000, 0.5, 0.25]])                # T > 960: Python ints
    B2 = np.array([[1.0, 2.0**-1001, 0.5], [0.0, 1.0, 1.0]])
    assert gram_ints(A3, B2, 1001).tolist() == _ref(A3, B2, 1001)
    with pytest.raises(ValueError, match="zip"):
        gram_ints(A3, np.array([[1.0, 2.0]]), 1001)
    with pytest.raises(InputError, match=r"X \* 2\*\*961 is not an integer array"):
        gram_ints(np.array([[2.0**-1070]]), B2[:, :1], 961)
    small = sq_norm_ints(np.array([[2.0**-1001, 0.0]]), 1001)   # Python path, a small result
    assert small.dtype == object and small.tolist() == [1]
    S = sq_norm_ints(A3, 1001)
    assert S.dtype == object and S.tolist() == [int((Fraction(2.0**-1000) ** 2 + Fraction(5, 16)) * 4**1001)]


class _Counted(list[list[np.ndarray]]):
    """A chunk list that counts the chunks :func:`gram_words` has taken from it."""

    seen = 0

    def __iter__(self) -> Iterator[list[np.ndarray]]:
        for item in super().__iter__():
            self.seen += 1
            yield item


@pytest.mark.parametrize("L", [1, 2, 3, 6])
def test_gram_words_carries_as_often_as_the_documented_word_bound_needs(L: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The carry schedule itself, on ``L`` limbs and few columns (the overflow it prevents needs
    millions). Per chunk a word grows by at most ``3 L 2**53`` (the bound in ``gram_words``); a
    carry leaves it below ``2**53``. So after ``g`` chunks since the last carry the words are below
    ``(1 + 3 L g) 2**53``, which must stay ``<= 2**63`` (int64), and the carry comes after the chunk
    at which one more chunk could take the bound to ``2**62``: every ``g = ceil(511 / 3L) - 1``
    chunks (170, 85, 56, 28), whatever the values (here one column per chunk, its top limb 1)."""
    g = -(-511 // (3 * L)) - 1
    n = 2 * g + 7
    S, R = (Split(np.full((1, 1), 2.0 ** (BETA * (L - 1))), 0) for _ in range(2))
    assert S.n_limbs == R.n_limbs == L
    S.chunks = _Counted(S.chunks * n)
    R.chunks = R.chunks * n
    at: list[int] = []
    carry = Words.carry

    def counting(self: Words) -> Words:
        at.append(S.chunks.seen)
        return carry(self)

    monkeypatch.setattr(Words, "carry", counting)
    G = gram_words(S, R)
    for k, (a, b) in enumerate(zip([0, *at[:-1]], at, strict=True)):
        assert (k > 0) + 3 * L * (b - a) <= 2**10    # the documented bound stays <= 2**63
    assert at == [g, 2 * g, n]                       # two periodic carries, then the final one
    assert G.to_ints().tolist() == [[n * 2 ** (2 * BETA * (L - 1))]]
