"""Mode coverage of a generator whose samples have known modes: counting maths, pure NumPy.

The toy GANs count modes of ring8 / grid25 from points (`ganviz.toy.metrics.mode_coverage`);
this module counts them from per-sample mode indices, however they were read (for images of
the synthetic shapes set: `ganviz.image.synthetic.assign_modes`, no classifier). Definitions
follow the VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018) benchmark code:

- a sample is *high quality* when it was assigned a mode (index >= 0; -1 means none);
  ``high_quality`` is their fraction of all samples;
- a mode is *captured* when at least ``min_count`` high-quality samples fall in it
  (``min_count=1`` is the toy metrics' and the papers' rule); ``modes`` counts them;
- ``mode_kl``: KL(p_high_quality || target) in nats, the mode histogram of the high-quality
  samples against the target proportions (uniform unless given, e.g. the data's own), as in
  the PacGAN paper's "reverse KL" column; natural log, ``0 log 0 = 0``; a histogram that puts
  mass where the target has none is refused. 0 for a perfect sampler, log(M / m) when the
  samples spread evenly over m of M equally likely modes, so collapse shows as a large value;
- ``largest_mode_share``: the most popular mode's share of the high-quality samples
  (1 / n_modes for a balanced sampler, 1 for total collapse).

Example: 100 samples spread evenly over 3 of 48 modes give modes 3, high_quality 1.0,
mode_kl log(16) = 2.77, largest_mode_share 0.34.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

# The papers' rule: one high-quality sample captures a mode.
MIN_COUNT = 1


@dataclass(frozen=True)
class ModeCounts:
    """Mode coverage of one sample set (see the module docstring for each definition).

    modes: modes captured; n_modes: all modes; high_quality: fraction in [0, 1];
    per_mode: high-quality samples per mode (n_modes ints); mode_kl: nats (inf if no sample is
    high quality); largest_mode_share in [0, 1] (0 if none); n_samples: all samples;
    min_count: high-quality samples a mode needs to count as captured.
    """

    modes: int
    n_modes: int
    high_quality: float
    per_mode: tuple[int, ...]
    mode_kl: float
    largest_mode_share: float
    n_samples: int
    min_count: int

    @property
    def missing(self) -> tuple[int, ...]:
        """Indices of the modes not captured."""
        return tuple(i for i, c in enumerate(self.per_mode) if c < self.min_count)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _mode_indices(mode_indices: Any, n_modes: int) -> np.ndarray:
    """Check and return (n,) int64 mode indices in [-1, n_modes)."""
    x = np.asarray(mode_indices)
    if x.ndim != 1:
        raise ValueError(f"mode_indices must be 1-D (one index per sample), got shape {x.shape}")
    if len(x) == 0:
        raise ValueError("mode_indices is empty: no samples to count")
    if not np.issubdtype(x.dtype, np.integer):
        raise ValueError(f"mode_indices must be integers (-1 = no mode), got {x.dtype}")
    if x.min() < -1 or x.max() >= n_modes:
        raise ValueError(f"mode_indices must be in [-1, {n_modes}), got "
                         f"[{x.min()}, {x.max()}]")
    return x.astype(np.int64)


def _target(target: Any, n_modes: int) -> np.ndarray:
    """Target proportions (n_modes,) summing to 1; uniform when None."""
    if target is None:
        return np.full(n_modes, 1.0 / n_modes)
    t = np.asarray(target, dtype=np.float64)
    if t.shape != (n_modes,) or not np.isfinite(t).all() or (t < 0).any() or t.sum() <= 0:
        raise ValueError(f"target must be {n_modes} non-negative finite weights, "
                         f"got shape {t.shape}")
    return t / t.sum()


def kl_divergence(p: Any, q: Any) -> float:
    """KL(p || q) = sum p log(p / q) in nats for two histograms over the same bins
    (each normalised here). 0 log 0 = 0; inf where p > 0 and q = 0."""
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    if p.shape != q.shape or p.ndim != 1:
        raise ValueError(f"p and q must be 1-D of the same length, got {p.shape} and {q.shape}")
    if p.sum() <= 0 or q.sum() <= 0 or (p < 0).any() or (q < 0).any():
        raise ValueError("p and q must be non-negative with a positive sum")
    p, q = p / p.sum(), q / q.sum()
    support = p > 0
    if (q[support] == 0).any():
        return float("inf")
    return float(np.sum(p[support] * np.log(p[support] / q[support])))


def mode_counts(mode_indices: Any, n_modes: int, min_count: int = MIN_COUNT,
                target: Any = None) -> ModeCounts:
    """Count modes captured, high-quality fraction, mode KL and the largest mode's share.

    mode_indices: (n,) ints in [-1, n_modes), -1 = not a high-quality sample of any mode.
    n_modes: how many modes the data has (48 for the shapes set). min_count: high-quality
    samples a mode needs to be captured (default 1, the papers' rule). target: (n_modes,)
    proportions the histogram is compared with (default uniform).
    """
    if not isinstance(n_modes, (int, np.integer)) or n_modes < 1:
        raise ValueError(f"n_modes must be a positive integer, got {n_modes!r}")
    if not isinstance(min_count, (int, np.integer)) or min_count < 1:
        raise ValueError(f"min_count must be a positive integer, got {min_count!r}")
    idx = _mode_indices(mode_indices, int(n_modes))
    q = _target(target, int(n_modes))
    hq = idx[idx >= 0]
    per_mode = np.bincount(hq, minlength=n_modes)
    n_hq = int(per_mode.sum())
    if n_hq:
        mode_kl = kl_divergence(per_mode, q)
        largest = float(per_mode.max() / n_hq)
    else:
        mode_kl, largest = float("inf"), 0.0
    return ModeCounts(
        modes=int((per_mode >= min_count).sum()), n_modes=int(n_modes),
        high_quality=n_hq / len(idx), per_mode=tuple(int(c) for c in per_mode),
        mode_kl=mode_kl, largest_mode_share=largest, n_samples=len(idx),
        min_count=int(min_count))
