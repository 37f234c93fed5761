"""The text encoding of exact entries in a ``.memnet`` file: ``int`` as signed hexadecimal
(``-1f``), :class:`~fractions.Fraction` as ``hex/hex`` in lowest terms, comma-separated.

>>> exact_text(np.array([31, -1, Fraction(1, 3)], dtype=object))
b'1f,-1,1/3'
>>> parse_exact("-1f"), parse_exact("1/3")
(-31, Fraction(1, 3))
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

__all__ = ["exact_text", "hex_fraction", "parse_exact", "parse_hex_int"]


def hex_fraction(q: Fraction) -> str:
    return f"{q.numerator:x}/{q.denominator:x}"


def exact_text(values: np.ndarray) -> bytes:
    parts = [format(v, "x") if type(v) is int else hex_fraction(v) for v in values]
    return ",".join(parts).encode("ascii")


def parse_hex_int(s: Any) -> int:
    if not isinstance(s, str) or not s or not all(c in "-0123456789abcdef" for c in s):
        raise ValueError(f"bad hexadecimal integer {s!r}")
    return int(s, 16)


def parse_exact(s: str) -> int | Fraction:
    if "/" in s:
        p, q = s.split("/")
        num, den = parse_hex_int(p), parse_hex_int(q)
        if den < 1:
            raise ValueError(f"bad denominator in {s!r}")
        out = Fraction(num, den)
        if out.denominator != den:
            raise ValueError(f"fraction {s!r} is not in lowest terms")
        return out
    return parse_hex_int(s)
