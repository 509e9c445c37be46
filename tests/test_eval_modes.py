"""Known answers for ganviz.eval.modes (mode counting for data with known modes)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ganviz.eval.modes import ModeCounts, kl_divergence, mode_counts


def test_three_modes_present_covered_three():
    idx = np.array([0, 0, 5, 5, 7, 7, -1, -1])
    c = mode_counts(idx, 48)
    assert c.modes == 3
    assert c.n_modes == 48 and c.n_samples == 8
    assert c.high_quality == pytest.approx(6 / 8)
    assert c.per_mode[0] == 2 and c.per_mode[5] == 2 and c.per_mode[7] == 2
    assert sum(c.per_mode) == 6
    # even over 3 of 48 equally likely modes: KL = log(48 / 3)
    assert c.mode_kl == pytest.approx(math.log(16))
    assert c.largest_mode_share == pytest.approx(1 / 3)
    assert len(c.missing) == 45 and 0 not in c.missing


def test_perfect_balanced_sampler():
    c = mode_counts(np.repeat(np.arange(48), 10), 48)
    assert (c.modes, c.high_quality, c.largest_mode_share) == (48, 1.0, pytest.approx(1 / 48))
    assert c.mode_kl == pytest.approx(0.0, abs=1e-12)
    assert c.missing == ()


def test_collapsed_set_reads_collapsed():
    rng = np.random.default_rng(0)
    idx = np.where(rng.random(1000) < 0.9, 3, rng.integers(-1, 2, 1000))  # 90% one mode
    c = mode_counts(idx, 48)
    assert c.modes <= 3
    assert c.largest_mode_share > 0.9
    assert c.mode_kl > math.log(48 / 3)


def test_min_count_drops_rare_modes():
    idx = np.array([0] * 5 + [1] * 2 + [2])
    assert mode_counts(idx, 4).modes == 3
    assert mode_counts(idx, 4, min_count=2).modes == 2
    assert mode_counts(idx, 4, min_count=5).modes == 1


def test_hand_computed_kl_against_target():
    # p = (3/4, 1/4), q = (1/2, 1/2): KL = 3/4 log(3/2) + 1/4 log(1/2)
    c = mode_counts(np.array([0, 0, 0, 1]), 2, target=[1, 1])
    assert c.mode_kl == pytest.approx(0.75 * math.log(1.5) + 0.25 * math.log(0.5))
    assert kl_divergence([3, 1], [2, 2]) == pytest.approx(c.mode_kl)
    # mass on a mode the target says never happens: infinite
    assert mode_counts(np.array([0, 1]), 2, target=[1, 0]).mode_kl == math.inf


def test_no_high_quality_sample():
    c = mode_counts(np.full(10, -1), 48)
    assert (c.modes, c.high_quality, c.largest_mode_share) == (0, 0.0, 0.0)
    assert c.mode_kl == math.inf


def test_to_dict_and_frozen():
    c = mode_counts(np.array([0, 1, 1]), 3)
    d = c.to_dict()
    assert d["modes"] == 2 and d["per_mode"] == (1, 2, 0) and d["min_count"] == 1
    assert isinstance(c, ModeCounts)
    with pytest.raises(AttributeError):
        c.modes = 3  # type: ignore[misc]


@pytest.mark.parametrize("idx, n_modes, kwargs, message", [
    (np.array([0, 48]), 48, {}, r"\[-1, 48\)"),
    (np.array([-2, 0]), 48, {}, r"\[-1, 48\)"),
    (np.array([]), 48, {}, "empty"),
    (np.array([[0, 1]]), 48, {}, "1-D"),
    (np.array([0.5]), 48, {}, "integers"),
    (np.array([0]), 0, {}, "n_modes"),
    (np.array([0]), 2, {"min_count": 0}, "min_count"),
    (np.array([0]), 2, {"target": [1, 1, 1]}, "target"),
])
def test_bad_input_refused(idx, n_modes, kwargs, message):
    with pytest.raises(ValueError, match=message):
        mode_counts(idx, n_modes, **kwargs)
