"""Discriminator rejection sampling (Azadi, Olsson, Darrell, Goodfellow, Odena, ICLR 2019).

A discriminator trained with a cross-entropy loss to optimality has logit
D(x) = log p_data(x) / p_G(x). Rejection sampling with proposal p_G and acceptance
probability exp(D(x) - M), M = max_x D(x), then yields samples from p_data exactly; with a
learned D it removes what G draws where the data have little mass. As in the paper, M is
estimated as the largest logit seen among the candidates (the paper's gamma shift and
epsilon, which trade exactness for acceptance rate, are not used here).

Pure NumPy over two callables, so it can be tested with known densities.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

MAX_ROUNDS = 50


@dataclass(frozen=True)
class RejectionResult:
    """samples: (n, d) accepted candidates in draw order; acceptance: accepted / drawn;
    filled: how many of the n were not accepted but taken as the highest-ratio leftovers
    (0 unless D rejects nearly everything within MAX_ROUNDS rounds)."""

    samples: np.ndarray
    acceptance: float
    filled: int


def acceptance(logits: np.ndarray, top: float, gamma_percentile: float | None) -> np.ndarray:
    """Acceptance probabilities. Without ``gamma_percentile``: exp(D - M), exact rejection
    sampling. With it, the paper's (Algorithm 1) F = D - M - log(1 - exp(D - M - eps)) - gamma,
    p = sigmoid(F), gamma being that percentile of F over the candidates: a larger percentile
    keeps fewer samples, preferring those D finds most data-like."""
    if gamma_percentile is None:
        return np.exp(logits - top)
    delta = logits - top
    f = delta - np.log1p(-np.exp(delta - 1e-6))
    finite = np.isfinite(f)
    gamma = np.percentile(f[finite], gamma_percentile) if finite.any() else 0.0
    return 1.0 / (1.0 + np.exp(-(np.where(finite, f, -np.inf) - gamma)))


def rejection_sample(draw: Callable[[int, int], np.ndarray],
                     logit: Callable[[np.ndarray], np.ndarray],
                     n: int, seed: int, pool: int | None = None,
                     gamma_percentile: float | None = None) -> RejectionResult:
    """n samples: ``draw(k, round) -> (k, d)`` candidates, ``logit(x) -> (k,)`` D's logits.

    Candidates come in rounds of ``pool`` (default max(10 n, 10,000)); M is the largest logit
    seen so far, so the first round fixes most of it. Deterministic for a given seed."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    pool = pool or max(10 * n, 10_000)
    rng = np.random.default_rng([seed, 5])
    kept: list[np.ndarray] = []
    leftovers, leftover_logits = [], []
    have = drawn = 0
    top = -np.inf
    for r in range(MAX_ROUNDS):
        x = np.asarray(draw(pool, r))
        lg = np.asarray(logit(x), np.float64)
        finite = np.isfinite(lg)
        lg = np.where(finite, lg, -np.inf)
        top = max(top, float(lg.max()))
        drawn += len(x)
        accept = rng.random(len(x)) < acceptance(lg, top, gamma_percentile)
        kept.append(x[accept])
        have += int(accept.sum())
        leftovers.append(x[~accept])
        leftover_logits.append(lg[~accept])
        if have >= n:
            break
    samples = np.concatenate(kept)[:n]
    filled = n - len(samples)
    if filled:  # D rejects nearly everything: take the most data-like of the rest, and say so
        rest, rest_lg = np.concatenate(leftovers), np.concatenate(leftover_logits)
        samples = np.concatenate([samples, rest[np.argsort(-rest_lg, kind="stable")[:filled]]])
    return RejectionResult(samples.astype(np.float32), have / drawn, filled)
