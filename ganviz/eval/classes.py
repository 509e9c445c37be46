"""Class statistics of generated samples from a classifier's predicted labels: histograms,
KL divergence, and which classes a generator never or rarely makes (missing modes).

Pure NumPy on integer labels; the classifier that produced them lives in
`ganviz.image.classifier` (feature extraction and metric maths stay apart).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# A class is "thin" when the generator gives it under this fraction of a uniform share 1/C.
THIN_FRACTION = 0.5


def class_histogram(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """(n,) ints in [0, num_classes) -> (num_classes,) float64 proportions summing to 1
    (all zeros when n = 0)."""
    counts = np.bincount(np.asarray(labels, np.int64), minlength=num_classes)[:num_classes]
    return counts / max(1, counts.sum())


def kl_divergence(p: np.ndarray, q: np.ndarray, eps: float = 1e-10) -> float:
    """KL(p || q) = sum_i p_i log(p_i / q_i) in nats for histograms (k,), each normalised to
    sum 1; q is floored at eps so a class the generator never makes gives a large finite value
    instead of inf."""
    p = np.asarray(p, np.float64) / np.sum(p)
    q = np.maximum(np.asarray(q, np.float64) / np.sum(q), eps)
    mask = p > 0
    return float(np.sum(p[mask] * np.log(p[mask] / q[mask])))


@dataclass(frozen=True)
class ClassCoverage:
    """How a generator's samples spread over C classes.

    histogram: (C,) proportions of samples per predicted class, summing to 1.
    missing: classes no sample was assigned to (dropped modes).
    thin: classes with some samples but under THIN_FRACTION of the uniform share 1/C.
    """

    histogram: np.ndarray
    missing: tuple[int, ...]
    thin: tuple[int, ...]


def class_coverage(predicted: np.ndarray, num_classes: int,
                   thin_fraction: float = THIN_FRACTION) -> ClassCoverage:
    """predicted: (n,) class indices in [0, num_classes) -> ClassCoverage. Known answer: with
    4 classes, fifteen 0s and one 1 give missing (2, 3) and thin (1,), since 1/16 < 0.5 * 1/4
    (a share of exactly half, 1/8, is not thin)."""
    if num_classes < 1:
        raise ValueError(f"num_classes must be at least 1, got {num_classes}")
    predicted = np.asarray(predicted)
    if predicted.size and (predicted.min() < 0 or predicted.max() >= num_classes):
        raise ValueError(f"predicted classes must be in [0, {num_classes}), got "
                         f"[{predicted.min()}, {predicted.max()}]")
    hist = class_histogram(predicted, num_classes)
    hist.setflags(write=False)
    thin = (hist > 0) & (hist < thin_fraction / num_classes)
    return ClassCoverage(hist, tuple(int(i) for i in np.flatnonzero(hist == 0)),
                         tuple(int(i) for i in np.flatnonzero(thin)))
