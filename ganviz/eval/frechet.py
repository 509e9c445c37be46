"""Frechet distance between Gaussians fitted to two feature sets: FID when the features come
from Inception, or from any other network (Heusel et al. 2017, "GANs Trained by a Two
Time-Scale Update Rule Converge to a Local Nash Equilibrium").

    d^2 = ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 sqrtm(S_a S_b))

computed as pytorch-fid computes it: ``scipy.linalg.sqrtm(S_a @ S_b)``; if that is not finite,
``eps * I`` is added to both covariances and the root taken again; a complex root keeps its
real part when the imaginary diagonal is within 1e-3, else the covariances are refused as too
ill-conditioned. Means and covariances are float64; covariances use ``np.cov(rowvar=False)``
(ddof 1).

FID depends on the sample size (fewer samples, larger FID): compare values at equal n, and
against a real-vs-real baseline at the same n (``ganviz.eval.bootstrap.split_baseline``).
With n <= d the covariance is singular (rank <= n - 1): the number is still defined but is
dominated by the missing dimensions; use n well above d. Values from different feature
extractors (an MNIST classifier vs Inception) are not comparable.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from ganviz.eval.metric_inputs import check_features, check_same_width, read_only

# pytorch-fid's defaults: the diagonal offset for a singular product, and the largest
# imaginary part on the diagonal of sqrtm(S_a S_b) that is taken for round-off.
DEFAULT_EPS = 1e-6
IMAGINARY_TOLERANCE = 1e-3


@dataclass(frozen=True, eq=False)
class GaussianStats:
    """A Gaussian fitted to features: mean (d,) and covariance (d, d), float64, read-only.

    n: the number of samples they were estimated from, or None for known (population)
    parameters. Build from samples with ``gaussian_stats``; build directly for known answers.
    """

    mean: np.ndarray
    cov: np.ndarray
    n: int | None = None

    def __post_init__(self) -> None:
        mean = np.array(self.mean, dtype=np.float64)
        cov = np.array(self.cov, dtype=np.float64)
        if mean.ndim != 1 or mean.shape[0] == 0:
            raise ValueError(f"mean must be a 1-D array (d,), got shape {mean.shape}")
        d = mean.shape[0]
        if cov.shape != (d, d):
            raise ValueError(f"cov must be ({d}, {d}) to match a mean of {d} features, "
                             f"got shape {cov.shape}")
        if not (np.isfinite(mean).all() and np.isfinite(cov).all()):
            raise ValueError("mean and cov must be finite (no NaN or Inf)")
        if self.n is not None and (isinstance(self.n, bool)
                                   or not isinstance(self.n, (int, np.integer)) or self.n < 2):
            raise ValueError(f"n must be an integer >= 2 (samples behind the estimate) or None, "
                             f"got {self.n!r}")
        read_only(mean, cov)
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "cov", cov)

    @property
    def dim(self) -> int:
        return int(self.mean.shape[0])


def gaussian_stats(features: Any) -> GaussianStats:
    """features: (n, d) numbers, n >= 2. Returns their mean and ddof-1 covariance (float64)."""
    x = check_features(features, "features", min_samples=2)
    cov = np.atleast_2d(np.cov(x, rowvar=False))  # (d, d); np.cov gives a scalar when d = 1
    return GaussianStats(mean=x.mean(axis=0), cov=cov, n=int(x.shape[0]))


def _sqrtm_product(cov_a: np.ndarray, cov_b: np.ndarray) -> np.ndarray:
    from scipy.linalg import sqrtm  # imported here: importing ganviz stays cheap

    return sqrtm(cov_a @ cov_b)


def trace_sqrt_product(cov_a: np.ndarray, cov_b: np.ndarray, eps: float = DEFAULT_EPS) -> float:
    """Tr sqrtm(S_a S_b) as pytorch-fid takes it: retry with eps * I added to both covariances
    when the root is not finite; keep the real part of a complex root whose imaginary
    diagonal is within 1e-3; refuse one beyond that."""
    root = _sqrtm_product(cov_a, cov_b)
    if not np.isfinite(root).all():
        warnings.warn(f"Frechet distance: sqrtm(S_a S_b) is not finite (singular product); "
                      f"adding {eps:g} to the diagonal of both covariances", RuntimeWarning,
                      stacklevel=3)
        offset = np.eye(cov_a.shape[0]) * eps
        root = _sqrtm_product(cov_a + offset, cov_b + offset)
        if not np.isfinite(root).all():
            raise ValueError(f"sqrtm(S_a S_b) is not finite even with {eps:g} added to the "
                             f"diagonals: the covariances are degenerate; use more samples, "
                             f"fewer feature dimensions or a larger eps")
    if np.iscomplexobj(root):
        largest = float(np.max(np.abs(np.diagonal(root).imag)))
        if largest > IMAGINARY_TOLERANCE:
            raise ValueError(
                f"sqrtm(S_a S_b) has an imaginary diagonal component of {largest:.3g} (above "
                f"{IMAGINARY_TOLERANCE:g}): the covariances are too ill-conditioned for a "
                f"Frechet distance; use more samples (n well above d = {cov_a.shape[0]})")
        root = root.real
    return float(np.trace(root))


def frechet_distance(
    stats_a: GaussianStats, stats_b: GaussianStats, eps: float = DEFAULT_EPS
) -> float:
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 sqrtm(S_a S_b)) (Heusel et al. 2017), pytorch-fid's
    arithmetic. Both stats must have the same dimension d. Returns a float >= 0 up to round-off
    (identical stats give ~1e-6 or less, possibly slightly negative)."""
    for name, stats in (("stats_a", stats_a), ("stats_b", stats_b)):
        if not isinstance(stats, GaussianStats):
            raise ValueError(f"{name} must be a GaussianStats (from gaussian_stats(features)), "
                             f"got {type(stats).__name__}")
    if stats_a.dim != stats_b.dim:
        raise ValueError(f"stats_a has {stats_a.dim} features but stats_b has {stats_b.dim}: "
                         f"both must come from the same feature extractor")
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a positive number, got {eps}")
    diff = stats_a.mean - stats_b.mean
    trace_root = trace_sqrt_product(stats_a.cov, stats_b.cov, eps)
    return float(diff @ diff + np.trace(stats_a.cov) + np.trace(stats_b.cov) - 2.0 * trace_root)


def fid(features_a: Any, features_b: Any, eps: float = DEFAULT_EPS) -> float:
    """Frechet distance between Gaussians fitted to two feature sets (n_a, d) and (n_b, d),
    n >= 2 each. ``frechet_distance(gaussian_stats(a), gaussian_stats(b), eps)``, except when
    d exceeds both sample counts (raw pixels of colour images: d = 3,072 at 32x32x3): then
    ``low_rank_fid``, the same number from the samples without a d x d root."""
    a = check_features(features_a, "features_a", min_samples=2)
    b = check_features(features_b, "features_b", min_samples=2)
    check_same_width(a, b, "features_a", "features_b")
    if a.shape[1] > max(len(a), len(b)):
        return low_rank_fid(a, b)
    return frechet_distance(gaussian_stats(a), gaussian_stats(b), eps)


def low_rank_fid(a: np.ndarray, b: np.ndarray) -> float:
    """The Frechet distance of (n_a, d) and (n_b, d) features from the centred samples A, B:
    S_a = A'A / (n_a - 1), S_b = B'B / (n_b - 1), and the non-zero eigenvalues of S_a S_b are
    those of (A B')' (A B') / ((n_a - 1)(n_b - 1)), so Tr sqrtm(S_a S_b) is the sum of the
    singular values of A B' / sqrt((n_a - 1)(n_b - 1)): O(n^2 d) work instead of the O(d^3)
    of a d x d root (319 s -> well under a second at d = 3,072, n = 200), and exact where the
    d x d route needs the eps retry because S_a S_b is singular (n <= d)."""
    from scipy.linalg import svdvals

    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    ca, cb = a - a.mean(axis=0), b - b.mean(axis=0)
    na, nb = len(a) - 1, len(b) - 1
    diff = a.mean(axis=0) - b.mean(axis=0)
    trace_root = float(svdvals(ca @ cb.T).sum()) / np.sqrt(na * nb)
    return float(diff @ diff + (ca * ca).sum() / na + (cb * cb).sum() / nb - 2.0 * trace_root)
