"""How much a two-sample metric moves with the samples: bootstrap percentile intervals, and the
real-vs-real baseline a generator's number should be read against.

``bootstrap_ci`` resamples both sets with replacement (Efron & Tibshirani 1993, "An
Introduction to the Bootstrap", ch. 13: the percentile interval) and recomputes the metric
each time. Caveat for neighbour-based metrics (PRDC, the realism score): a resample holds
duplicated points, whose k-NN radii shrink, so their intervals are wider and shifted; read
them as a spread, not as exact coverage.

A metric's value means little alone: FID and KID depend on n, precision and recall on k and
n. ``split_baseline`` computes the same metric between two disjoint halves of the real data
at the size the generator is scored at; the evaluation suite may instead call the metric on
(held-out real, training real) at the generator's n, which is the same idea with the
official split.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ganviz.eval.metric_inputs import check_count, check_seed, read_only

DEFAULT_RESAMPLES = 200
DEFAULT_LEVEL = 0.95

Metric = Callable[[np.ndarray, np.ndarray], float]


@dataclass(frozen=True, eq=False)
class Interval:
    """Bootstrap percentile interval [low, high] at ``level`` (e.g. 0.95) from ``resamples``
    recomputations; values: (resamples,) float64 the metric on each resample, read-only."""

    low: float
    high: float
    resamples: int
    level: float
    values: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "resamples": self.resamples,
                "level": self.level}


def _samples(x: Any, name: str, minimum: int) -> np.ndarray:
    array = np.asarray(x)
    if array.ndim == 0:
        raise ValueError(f"{name} must be an array of samples (n, ...), got a scalar")
    if array.shape[0] < minimum:
        raise ValueError(f"{name} needs at least {minimum} samples, got {array.shape[0]}")
    return array


def _metric_value(metric: Metric, a: np.ndarray, b: np.ndarray, what: str) -> float:
    value = metric(a, b)
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"metric must return one number, got {type(value).__name__} on "
                         f"{what}; wrap it, e.g. lambda a, b: prdc(a, b).precision") from None
    if not np.isfinite(value):
        raise ValueError(f"metric returned {value} on {what}")
    return value


def bootstrap_ci(
    metric: Metric,
    a: Any,
    b: Any,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    level: float = DEFAULT_LEVEL,
) -> Interval:
    """Percentile bootstrap interval of ``metric(a, b)``.

    metric: (a, b) -> float, e.g. ``fid`` or ``lambda a, b: kid(a, b, subset_size=500).mean``.
    a: (n_a, ...), b: (n_b, ...) samples (features); each resample draws n_a rows of a and
    n_b rows of b with replacement. resamples >= 2; level in (0, 1); seed 0..2**32-1.
    Returns the (1 - level)/2 and (1 + level)/2 quantiles (linear interpolation) of the
    resampled values.
    """
    a = _samples(a, "a", 1)
    b = _samples(b, "b", 1)
    resamples = check_count(resamples, "resamples", 2)
    if not (isinstance(level, (int, float)) and 0.0 < level < 1.0):
        raise ValueError(f"level must be in (0, 1), e.g. 0.95, got {level!r}")
    rng = np.random.default_rng(check_seed(seed))
    values = np.empty(resamples)
    for i in range(resamples):
        rows_a = rng.integers(0, a.shape[0], a.shape[0])
        rows_b = rng.integers(0, b.shape[0], b.shape[0])
        values[i] = _metric_value(metric, a[rows_a], b[rows_b], f"resample {i}")
    low, high = np.quantile(values, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    read_only(values)
    return Interval(low=float(low), high=float(high), resamples=resamples,
                    level=float(level), values=values)


def split_baseline(metric: Metric, real: Any, size: int | None = None, seed: int = 0) -> float:
    """``metric`` between two disjoint random halves of real samples: the value a perfect
    generator would get at this sample size.

    real: (n, ...) samples; size: rows per half (default n // 2; at most n // 2). Score the
    generator with ``size`` samples too, so both numbers share their sample-size bias.
    """
    real = _samples(real, "real", 2)
    half = real.shape[0] // 2
    size = half if size is None else check_count(size, "size", 1)
    if size > half:
        raise ValueError(f"size {size} needs {2 * size} real samples for two disjoint halves, "
                         f"got {real.shape[0]}: use size <= {half}")
    order = np.random.default_rng(check_seed(seed)).permutation(real.shape[0])
    return _metric_value(metric, real[order[:size]], real[order[size:2 * size]],
                         "the two real halves")
