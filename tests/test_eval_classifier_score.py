"""ganviz.eval.classifier_score: Inception-style score known answers (Salimans et al. 2016)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ganviz.eval.classifier_score import classifier_score


def test_uniform_predictions_score_one():
    result = classifier_score(np.full((100, 10), 0.1))
    assert result.mean == pytest.approx(1.0, abs=1e-12)
    assert result.std == pytest.approx(0.0, abs=1e-12)
    assert result.splits == 10 and result.values.shape == (10,)


def test_confident_balanced_predictions_score_the_number_of_classes():
    labels = np.arange(100) % 10  # every split of 10 holds each class once
    result = classifier_score(np.eye(10)[labels])
    assert result.mean == pytest.approx(10.0, abs=1e-12)
    assert result.std == pytest.approx(0.0, abs=1e-12)


def test_confident_collapsed_predictions_score_one():
    """Sharp predictions all on one class: p(y|x) = p(y), KL 0 (mode collapse)."""
    assert classifier_score(np.eye(4)[np.zeros(40, int)], splits=4).mean == pytest.approx(1.0)


def test_hand_computed_two_samples():
    """p1 = (0.9, 0.1), p2 = (0.2, 0.8), one split: p(y) = (0.55, 0.45)."""
    p = np.array([[0.9, 0.1], [0.2, 0.8]])
    marginal = (0.55, 0.45)
    kl = [sum(q * math.log(q / m) for q, m in zip(row, marginal)) for row in p]
    assert classifier_score(p, splits=1).mean == pytest.approx(math.exp(sum(kl) / 2), abs=1e-12)


def test_splits_are_consecutive_parts_cut_at_i_n_over_splits():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(3) * 0.3, size=10)
    result = classifier_score(p, splits=3)  # parts 0:3, 3:6, 6:10
    for value, part in zip(result.values, (p[0:3], p[3:6], p[6:10])):
        assert value == pytest.approx(classifier_score(part, splits=1).mean, rel=1e-12)
    assert result.mean == pytest.approx(np.mean(result.values))
    assert result.std == pytest.approx(np.std(result.values))
    assert not result.values.flags.writeable


def test_float32_softmax_rows_are_accepted():
    logits = np.random.default_rng(1).standard_normal((64, 10)).astype(np.float32)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert 1.0 <= classifier_score(p, splits=4).mean <= 10.0


@pytest.mark.parametrize(("p", "splits", "message"), [
    (np.array([[2.0, -1.0], [0.5, 0.5]]), 1, "non-negative, got a minimum of -1: pass softmax"),
    (np.array([[0.5, 0.6], [0.5, 0.5]]), 1, r"1 of 2 do not \(row 0 sums to 1.1\)"),
    (np.full((5, 1), 1.0), 1, "at least 2 classes"),
    (np.full(4, 0.25), 1, "probabilities must be a 2-D array"),
    (np.full((4, 2), 0.5), 5, "splits 5 is more than the 4 samples"),
    (np.full((4, 2), 0.5), 0, "splits must be at least 1"),
    (np.array([[np.nan, 0.5], [0.5, 0.5]]), 1, "probabilities holds NaN"),
])
def test_bad_probabilities_are_refused(p, splits, message):
    with pytest.raises(ValueError, match=message):
        classifier_score(p, splits=splits)
