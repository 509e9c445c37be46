"""KID: Kernel Inception Distance, the unbiased squared MMD between two feature sets under a
cubic polynomial kernel (Binkowski et al. 2018, "Demystifying MMD GANs"), as torch-fidelity
computes it (``metric_kid.kid_features_to_metric``):

    k(x, y) = (x . y / d + 1)^3
    MMD^2_u = (sum_{i!=j} k(a_i, a_j) + sum_{i!=j} k(b_i, b_j)) / (m (m - 1))
              - 2 sum_{i,j} k(a_i, b_j) / m^2

over ``subsets`` random subsets of m = ``subset_size`` samples drawn without replacement
from each set; KID is the mean over subsets, reported with its std (ddof 0). The subsets are
drawn exactly as torch-fidelity draws them (``np.random.RandomState(seed).choice``, one draw
from ``features_a`` then one from ``features_b`` per subset), so the same seed picks the same
subsets; arithmetic here is float64.

Unlike FID, the estimator is unbiased: its expected value does not depend on m, and it can be
slightly negative when the two sets come from one distribution. Scoring a set against itself
is not that case: subsets drawn from one set share about m^2 / n samples, whose k(x, x) land in
the cross term, so KID(x, x) is a little below 0 (about -2 (m / n) (E k(x, x) - E k(x, y)) / m);
compare against held-out real data instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ganviz.eval.metric_inputs import (
    check_count,
    check_features,
    check_same_width,
    check_seed,
    read_only,
)

# torch-fidelity's defaults (KID_SUBSETS, KID_SUBSET_SIZE); its own default seed is 2020.
DEFAULT_SUBSETS = 100
DEFAULT_SUBSET_SIZE = 1000


@dataclass(frozen=True, eq=False)
class KidResult:
    """KID mean and std (ddof 0) over subsets; values: (subsets,) float64 MMD^2 per subset."""

    mean: float
    std: float
    subsets: int
    subset_size: int
    values: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        return {"kid_mean": self.mean, "kid_std": self.std, "subsets": self.subsets,
                "subset_size": self.subset_size}


def polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x: (m, d), y: (p, d) float64. Returns (m, p) k(x_i, y_j) = (x_i . y_j / d + 1)^3."""
    k = x @ y.T  # (m, p)
    k *= 1.0 / x.shape[1]
    k += 1.0
    cube = k * k
    cube *= k
    return cube


def mmd2_unbiased(a: np.ndarray, b: np.ndarray) -> float:
    """a, b: (m, d) float64, m >= 2. Unbiased MMD^2 under the cubic polynomial kernel: the
    within-set sums leave out the diagonal k(x, x), the cross sum keeps all m^2 terms."""
    m = a.shape[0]
    k_aa = polynomial_kernel(a, a)
    within_a = k_aa.sum() - np.trace(k_aa)
    del k_aa  # three (m, m) matrices never live at once
    k_bb = polynomial_kernel(b, b)
    within_b = k_bb.sum() - np.trace(k_bb)
    del k_bb
    across = polynomial_kernel(a, b).sum()
    return float((within_a + within_b) / (m * (m - 1)) - 2.0 * across / (m * m))


def kid(
    features_a: Any,
    features_b: Any,
    subsets: int = DEFAULT_SUBSETS,
    subset_size: int = DEFAULT_SUBSET_SIZE,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> KidResult:
    """KID between features_a (n_a, d) and features_b (n_b, d) (Binkowski et al. 2018).

    subsets: number of random subsets (>= 1). subset_size: m samples per set per subset,
    2 <= m <= min(n_a, n_b); pass a smaller one explicitly for small sets (the estimate stays
    unbiased, only noisier). seed: 0..2**32-1; torch-fidelity's default is 2020.
    progress: called as progress(subsets done, subsets) after each subset (for a progress bar).
    """
    a = check_features(features_a, "features_a", min_samples=2)
    b = check_features(features_b, "features_b", min_samples=2)
    check_same_width(a, b, "features_a", "features_b")
    subsets = check_count(subsets, "subsets", 1)
    subset_size = check_count(subset_size, "subset_size", 2)
    if subset_size > min(a.shape[0], b.shape[0]):
        raise ValueError(
            f"subset_size {subset_size} is larger than the feature sets (features_a has "
            f"{a.shape[0]} samples, features_b {b.shape[0]}): pass "
            f"subset_size={min(a.shape[0], b.shape[0])} or fewer, or use more samples")
    rng = np.random.RandomState(check_seed(seed))
    values = np.empty(subsets, dtype=np.float64)
    for i in range(subsets):
        # the same two draws per subset, in the same order, as torch-fidelity
        subset_a = a[rng.choice(a.shape[0], subset_size, replace=False)]
        subset_b = b[rng.choice(b.shape[0], subset_size, replace=False)]
        values[i] = mmd2_unbiased(subset_a, subset_b)
        if progress is not None:
            progress(i + 1, subsets)
    read_only(values)
    return KidResult(mean=float(np.mean(values)), std=float(np.std(values)), subsets=subsets,
                     subset_size=subset_size, values=values)
