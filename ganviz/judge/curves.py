"""FID and KID against the sample count: why FID is biased by n and KID is not.

FID of n-sample subsets falls as n grows towards the population value (Binkowski et al. 2018;
Chong & Forsyth 2020, "Effectively unbiased FID"), so FIDs are comparable only at equal n; KID,
an unbiased estimator, stays level and only its spread shrinks. Pure NumPy over features that
were already extracted (n, d).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CURVE_SIZES = (50, 100, 250, 500, 1000, 2500, 5000, 10_000)
CURVE_KID_SUBSETS = 20
CURVE_FID_REPEATS = 3


@dataclass(frozen=True)
class SampleSizeCurve:
    """FID and KID of random subsets of n generated and n real features, per n; the baseline
    arrays are the same for training real vs held-out real (None without a training set)."""

    sizes: np.ndarray
    fid: np.ndarray
    kid_mean: np.ndarray
    kid_std: np.ndarray
    baseline_fid: np.ndarray | None
    baseline_kid: np.ndarray | None


def sample_sizes(n: int) -> tuple[int, ...]:
    """The n-curve's sample counts for sets of n: CURVE_SIZES below n // 2, then n // 2 (at
    most half the sets, so each FID repeat and KID subset is a fresh random draw)."""
    return tuple(s for s in CURVE_SIZES if s < n // 2) + (int(n) // 2,)


def _fid_kid_at(a: np.ndarray, b: np.ndarray, n: int, seed: int) -> tuple[float, float, float]:
    """(FID averaged over CURVE_FID_REPEATS random n-subsets of a and b, KID mean, KID std over
    CURVE_KID_SUBSETS subsets of n). a: (n_a, d), b: (n_b, d) features."""
    from ganviz.eval.frechet import fid
    from ganviz.eval.kid import kid

    rng = np.random.default_rng(seed)
    fids = [fid(a[rng.choice(len(a), n, replace=False)], b[rng.choice(len(b), n, replace=False)])
            for _ in range(CURVE_FID_REPEATS)]
    result = kid(a, b, CURVE_KID_SUBSETS, n, seed=seed)
    return float(np.mean(fids)), result.mean, result.std


def sample_size_curve(gen: np.ndarray, real: np.ndarray, sizes: tuple[int, ...], seed: int,
                      training: np.ndarray | None = None) -> SampleSizeCurve:
    """FID and KID of gen (n_g, d) vs real (n_r, d) features at each n of `sizes` (each at most
    min(n_g, n_r)); with `training` (n_t, d), the same for training vs real (the baseline).
    FID at small n is inflated (Binkowski et al. 2018, Chong & Forsyth 2020); KID is not."""
    sizes = tuple(int(s) for s in sizes if 2 <= s <= min(len(gen), len(real)))
    if not sizes:
        raise ValueError("the n-curve needs at least 2 samples per set")
    rows = np.array([_fid_kid_at(gen, real, n, seed) for n in sizes])  # (sizes, 3)
    base = (None if training is None or len(training) < max(sizes)
            else np.array([_fid_kid_at(training, real, n, seed) for n in sizes]))
    return SampleSizeCurve(np.array(sizes), rows[:, 0], rows[:, 1], rows[:, 2],
                           None if base is None else base[:, 0],
                           None if base is None else base[:, 1])
