"""Robust trend of a short series: Theil–Sen slope with the spread of its pairwise slopes.

Quadratic in the number of points, so series are thinned to at most ``max_points`` (24
by default: two years of months, 276 pairs) before fitting. The pairwise slopes of
finite floats are computed with numpy (the same IEEE operations as in Python, four
times faster at this size); anything else takes the plain Python path.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

__all__ = ["Trend", "flat", "median", "pairwise_slopes", "quantile", "theil_sen", "thin"]


@dataclass(frozen=True, slots=True)
class Trend:
    """A line through recent points, anchored at the last one.

    ``level`` is the fitted value at ``x_ref`` (the last x); ``slope_low``/``slope_high``
    are quantiles of the pairwise slopes and ``resid_low``/``resid_high`` quantiles of
    the residuals around the fitted line, both at the ``q``/``1 - q`` levels.
    """

    slope: float
    level: float
    x_ref: float
    slope_low: float
    slope_high: float
    resid_low: float
    resid_high: float
    n: int

    def at(self, x: float) -> float:
        return self.level + self.slope * (x - self.x_ref)

    def low_at(self, x: float) -> float:
        return self.level + self.resid_low + self.slope_low * (x - self.x_ref)

    def high_at(self, x: float) -> float:
        return self.level + self.resid_high + self.slope_high * (x - self.x_ref)


def quantile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolated quantile of an already sorted, non-empty sequence."""
    pos = q * (len(sorted_values) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def median(values: Sequence[float]) -> float:
    return quantile(sorted(values), 0.5)


def thin(n: int, max_points: int) -> list[int]:
    """Indices of at most ``max_points`` items spread evenly over ``n``, keeping the last."""
    if n <= max_points:
        return list(range(n))
    step = (n - 1) / (max_points - 1)
    return sorted({round(i * step) for i in range(max_points)} | {n - 1})


def theil_sen(
    xs: Sequence[float], ys: Sequence[float], q: float = 0.1, max_points: int = 24
) -> Trend | None:
    """Theil–Sen fit of ``ys`` over ``xs`` (xs ascending); None for an empty series."""
    if not xs:
        return None
    keep = thin(len(xs), max_points)
    px = [xs[i] for i in keep]
    py = [ys[i] for i in keep]
    slopes = pairwise_slopes(px, py)
    slope = quantile(slopes, 0.5) if slopes else 0.0
    x_ref = px[-1]
    level = median([y - slope * (x - x_ref) for x, y in zip(px, py, strict=True)])
    resid = sorted(y - (level + slope * (x - x_ref)) for x, y in zip(px, py, strict=True))
    return Trend(
        slope=slope,
        level=level,
        x_ref=x_ref,
        slope_low=quantile(slopes, q) if slopes else 0.0,
        slope_high=quantile(slopes, 1 - q) if slopes else 0.0,
        resid_low=quantile(resid, q),
        resid_high=quantile(resid, 1 - q),
        n=len(px),
    )


def pairwise_slopes(px: Sequence[float], py: Sequence[float]) -> list[float]:
    """``(py[j] - py[i]) / (px[j] - px[i])`` for every pair i < j with distinct x, sorted."""
    if len(px) > 2 and _finite_floats(px) and _finite_floats(py):
        i, j = _pairs(len(px))
        x, y = np.array(px), np.array(py)
        dx = x[j] - x[i]
        with np.errstate(over="ignore"):  # Python's float division gives inf as well
            found = (y[j] - y[i]) / dx if dx.all() else (y[j] - y[i])[dx != 0] / dx[dx != 0]
        found.sort(kind="stable")  # as sorted(): equal slopes (0.0, -0.0) keep their order
        out: list[float] = found.tolist()
        return out
    return sorted(
        (py[j] - py[i]) / (px[j] - px[i])
        for i in range(len(px))
        for j in range(i + 1, len(px))
        if px[j] != px[i]
    )


def _finite_floats(values: Sequence[float]) -> bool:
    """Whether every value is a finite ``float`` (not a subclass). A sum of finite values
    that overflows says no as well: the Python path gives the same slopes, only slower."""
    return set(map(type, values)) == _FLOAT and math.isfinite(sum(values))


_FLOAT = {float}


@lru_cache(maxsize=64)
def _pairs(n: int) -> tuple[Any, Any]:
    return np.triu_indices(n, 1)


def flat(ys: Sequence[float], x_ref: float, q: float = 0.1) -> Trend | None:
    """A level without slope: the median of ``ys`` and the quantiles of the deviations."""
    if not ys:
        return None
    level = median(ys)
    resid = sorted(y - level for y in ys)
    return Trend(0.0, level, x_ref, 0.0, 0.0, quantile(resid, q), quantile(resid, 1 - q), len(ys))
