"""Classifier score: the Inception Score computed from any classifier's class probabilities
(Salimans et al. 2016, "Improved Techniques for Training GANs"):

    IS = exp( E_x KL( p(y|x) || p(y) ) ),   p(y) = mean of p(y|x) over the split

The n samples are cut into ``splits`` consecutive parts (boundaries i * n // splits, as the
authors' code cuts them); the score is computed per part and reported as mean and std
(ddof 0) over the parts. It ranges from 1 (every sample gets the same prediction, or each
prediction is uniform) to the number of classes C (confident predictions, classes balanced).

Terms with p(y|x) = 0 contribute 0 (the limit p log p -> 0), so one-hot rows are allowed.
The score does not look at real data at all: a generator that makes one perfect sample per
class scores C. With an MNIST classifier, real MNIST test data scores about 9.9 of 10; such
numbers are not comparable to Inception-network scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ganviz.eval.metric_inputs import check_count, check_features, read_only

# Rows must sum to 1 within this: loose enough for float32 softmax, tight enough to catch
# logits or unnormalised scores passed by mistake.
ROW_SUM_TOLERANCE = 1e-3
DEFAULT_SPLITS = 10


@dataclass(frozen=True, eq=False)
class ScoreResult:
    """Classifier (Inception) score: mean and std (ddof 0) over splits; values: (splits,)."""

    mean: float
    std: float
    splits: int
    values: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        return {"score_mean": self.mean, "score_std": self.std, "splits": self.splits}


def check_probabilities(probabilities: Any) -> np.ndarray:
    """(n, C) non-negative rows summing to 1 (within 1e-3), C >= 2. Returns float64."""
    p = check_features(probabilities, "probabilities")
    if p.shape[1] < 2:
        raise ValueError(f"probabilities need at least 2 classes (columns), got {p.shape[1]}")
    if (p < 0).any():
        raise ValueError(f"probabilities must be non-negative, got a minimum of {p.min():.4g}: "
                         f"pass softmax outputs, not logits")
    sums = p.sum(axis=1)
    off = np.abs(sums - 1.0) > ROW_SUM_TOLERANCE
    if off.any():
        row = int(np.argmax(off))
        raise ValueError(f"probabilities rows must sum to 1 (within {ROW_SUM_TOLERANCE:g}); "
                         f"{int(off.sum())} of {p.shape[0]} do not (row {row} sums to "
                         f"{sums[row]:.6g}): apply a softmax first")
    return p


def split_score(p: np.ndarray) -> float:
    """p: (m, C) probabilities of one split. Returns exp(mean_x KL(p(y|x) || p(y)))."""
    from scipy.special import xlogy  # imported here: importing ganviz stays cheap

    marginal = p.mean(axis=0, keepdims=True)  # (1, C) p(y)
    kl = (xlogy(p, p) - xlogy(p, marginal)).sum(axis=1)  # (m,) KL per sample, nats
    return float(np.exp(kl.mean()))


def classifier_score(probabilities: Any, splits: int = DEFAULT_SPLITS) -> ScoreResult:
    """Inception-style score of (n, C) class probabilities (Salimans et al. 2016).

    splits: 1 <= splits <= n consecutive parts (the authors use 10). Returns mean and std
    (ddof 0) of exp(E KL(p(y|x) || p(y))) over the parts.
    """
    p = check_probabilities(probabilities)
    splits = check_count(splits, "splits", 1)
    n = p.shape[0]
    if splits > n:
        raise ValueError(f"splits {splits} is more than the {n} samples: use splits <= {n}")
    values = np.array([split_score(p[i * n // splits:(i + 1) * n // splits])
                       for i in range(splits)])
    read_only(values)
    return ScoreResult(mean=float(np.mean(values)), std=float(np.std(values)), splits=splits,
                       values=values)
