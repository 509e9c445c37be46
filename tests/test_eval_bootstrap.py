"""ganviz.eval.bootstrap: percentile intervals (Efron & Tibshirani 1993) and the real-vs-real
baseline."""

from __future__ import annotations

import numpy as np
import pytest

from ganviz.eval.bootstrap import bootstrap_ci, split_baseline
from ganviz.eval.frechet import fid


def mean_difference(a, b):
    return float(a.mean() - b.mean())


def test_difference_of_means_matches_the_normal_theory_interval():
    """n = 2000 per set, sd 1: the 95% interval is about +- 1.96 sqrt(2 / n) = +- 0.062."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(2000) + 0.3, rng.standard_normal(2000)
    interval = bootstrap_ci(mean_difference, a, b, resamples=400, seed=1)
    estimate = mean_difference(a, b)
    assert interval.low < estimate < interval.high
    assert interval.low < 0.3 < interval.high
    assert (interval.high - interval.low) / 2 == pytest.approx(1.96 * np.sqrt(2 / 2000), rel=0.15)


def test_interval_is_the_quantiles_of_the_resampled_values():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((50, 2)), rng.standard_normal((40, 2))
    interval = bootstrap_ci(mean_difference, a, b, resamples=30, seed=3, level=0.8)
    assert interval.values.shape == (30,) and not interval.values.flags.writeable
    low, high = np.quantile(interval.values, [0.1, 0.9])
    assert (interval.low, interval.high) == (pytest.approx(low), pytest.approx(high))
    assert interval.to_dict() == {"low": interval.low, "high": interval.high, "resamples": 30,
                                  "level": 0.8}


def test_seeded_and_constant_data():
    a, b = np.arange(20.0), np.arange(30.0)
    first = bootstrap_ci(mean_difference, a, b, resamples=10, seed=5)
    assert first.values.tolist() == bootstrap_ci(mean_difference, a, b, 10, seed=5).values.tolist()
    assert first.values.tolist() != bootstrap_ci(mean_difference, a, b, 10, seed=6).values.tolist()
    flat = bootstrap_ci(mean_difference, np.full(10, 2.0), np.full(7, 0.5), resamples=5)
    assert (flat.low, flat.high) == (1.5, 1.5)


def test_resamples_draw_with_replacement_at_full_size():
    seen = []

    def record(a, b):
        seen.append((a.shape, b.shape, len(np.unique(a))))
        return 0.0

    bootstrap_ci(record, np.arange(100), np.arange(60).reshape(30, 2), resamples=5)
    assert all(shape_a == (100,) and shape_b == (30, 2) for shape_a, shape_b, _ in seen)
    assert all(unique < 100 for _, _, unique in seen)  # some rows drawn twice


def test_works_with_a_feature_metric():
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal((300, 4)), rng.standard_normal((300, 4)) + 1.0
    interval = bootstrap_ci(fid, a, b, resamples=20)
    assert 0 < interval.low < fid(a, b) < interval.high  # FID 4 + noise; bootstrap adds bias


def test_split_baseline_uses_two_disjoint_halves():
    seen = {}

    def record(a, b):
        seen["a"], seen["b"] = a, b
        return 1.0

    real = np.arange(21).reshape(21, 1)
    assert split_baseline(record, real, seed=0) == 1.0
    assert seen["a"].shape == seen["b"].shape == (10, 1)
    assert not set(seen["a"].ravel()) & set(seen["b"].ravel())
    split_baseline(record, real, size=4, seed=0)
    assert seen["a"].shape == (4, 1)
    rng = np.random.default_rng(8)
    assert abs(split_baseline(fid, rng.standard_normal((4000, 3)))) < 0.02


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"resamples": 1}, "resamples must be at least 2, got 1"),
    ({"level": 1.0}, r"level must be in \(0, 1\), e.g. 0.95, got 1.0"),
    ({"level": "95%"}, "level must be in"),
    ({"seed": 2**32}, "seed must be an integer"),
])
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        bootstrap_ci(mean_difference, np.ones(5), np.ones(5), **kwargs)


def test_bad_metrics_and_samples_are_refused():
    with pytest.raises(ValueError, match="metric must return one number, got ndarray on "
                                         "resample 0; wrap it"):
        bootstrap_ci(lambda a, b: np.array([1.0, 2.0]), np.ones(5), np.ones(5))
    with pytest.raises(ValueError, match="metric returned nan on resample 0"):
        bootstrap_ci(lambda a, b: float("nan"), np.ones(5), np.ones(5))
    with pytest.raises(ValueError, match="b needs at least 1 samples, got 0"):
        bootstrap_ci(mean_difference, np.ones(5), np.ones(0))
    with pytest.raises(ValueError, match="a must be an array of samples"):
        bootstrap_ci(mean_difference, 3.0, np.ones(5))
    with pytest.raises(ValueError, match="size 6 needs 12 real samples for two disjoint halves, "
                                         "got 11: use size <= 5"):
        split_baseline(mean_difference, np.ones(11), size=6)
