"""ganviz.eval.kid: KID known answers (Binkowski et al. 2018), torch-fidelity's subsets."""

from __future__ import annotations

import numpy as np
import pytest

from ganviz.eval.kid import kid, mmd2_unbiased, polynomial_kernel


def torch_fidelity_kid(f1, f2, subsets, subset_size, seed):
    """torch-fidelity's kid_features_to_metric re-typed (metric_kid.py, without torch)."""
    def kernel(x, y):
        return (np.matmul(x, y.T) * (1.0 / x.shape[1]) + 1) ** 3

    rng = np.random.RandomState(seed)
    mmds = np.zeros(subsets)
    for i in range(subsets):
        x = f1[rng.choice(len(f1), subset_size, replace=False)]
        y = f2[rng.choice(len(f2), subset_size, replace=False)]
        k_xx, k_yy, k_xy = kernel(x, x), kernel(y, y), kernel(x, y)
        m = subset_size
        sum_xx = (k_xx.sum(axis=1) - np.diagonal(k_xx)).sum()
        sum_yy = (k_yy.sum(axis=1) - np.diagonal(k_yy)).sum()
        mmds[i] = (sum_xx + sum_yy) / (m * (m - 1)) - 2 * k_xy.sum(axis=0).sum() / (m * m)
    return float(np.mean(mmds)), float(np.std(mmds))


def test_hand_computed_mmd():
    """d = 1, a = {0, 1}, b = {2, 3}: k(x, y) = (x y + 1)^3.
    within a: 2 k(0, 1) = 2, /(2*1) -> 1; within b: 2 k(2, 3) = 2 * 343 -> 343;
    across: k(0,2) + k(0,3) + k(1,2) + k(1,3) = 1 + 1 + 27 + 64 = 93, 2 * 93 / 4 = 46.5."""
    a, b = np.array([[0.0], [1.0]]), np.array([[2.0], [3.0]])
    assert mmd2_unbiased(a, b) == 1 + 343 - 46.5
    result = kid(a, b, subsets=3, subset_size=2)  # every subset is the whole set
    assert result.mean == 297.5 and result.std == 0.0
    assert result.values.tolist() == [297.5] * 3


def test_kernel_is_the_cubic_polynomial():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((5, 3))
    expected = [[(x[i] @ y[j] / 3 + 1) ** 3 for j in range(5)] for i in range(4)]
    np.testing.assert_allclose(polynomial_kernel(x, y), expected, rtol=1e-12)


def test_equals_torch_fidelity_subsets_and_arithmetic():
    rng = np.random.default_rng(1)
    f1, f2 = rng.standard_normal((300, 7)), rng.standard_normal((250, 7)) * 1.2 + 0.1
    result = kid(f1, f2, subsets=6, subset_size=100, seed=2020)
    mean, std = torch_fidelity_kid(f1, f2, 6, 100, 2020)
    assert result.mean == pytest.approx(mean, rel=1e-12)
    assert result.std == pytest.approx(std, rel=1e-9)
    assert result.std == pytest.approx(float(np.std(result.values)))  # ddof 0


def test_same_distribution_gives_about_zero_and_a_shift_does_not():
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((2000, 16)), rng.standard_normal((2000, 16))
    same = kid(x, y, subsets=20, subset_size=500)
    identical = kid(x, x, subsets=20, subset_size=500)
    shifted = kid(x, y + 0.5, subsets=20, subset_size=500)
    assert abs(same.mean) < 3 * same.std / np.sqrt(20)  # unbiased: zero within its noise
    # identical sets: subsets drawn from one set share ~m^2/n samples, whose k(x, x) lands in
    # the cross term: about -2 (m/n) (E k(x,x) - E k(x,y)) / m = -0.007 here; still ~0 next
    # to a real difference
    assert -0.02 < identical.mean < 0
    assert shifted.mean > 50 * max(abs(same.mean), abs(identical.mean), same.std)


def test_identical_whole_sets_by_hand():
    """subset_size = n: both subsets are the whole set {0, 1} (d = 1), K = [[1, 1], [1, 8]]:
    2 * (off-diagonal sum 2) / (2 * 1) - 2 * (all 11) / 4 = -3.5. The unbiased within-set
    terms leave out k(x, x), the cross term keeps it: identical sets score below 0."""
    x = np.array([[0.0], [1.0]])
    assert kid(x, x, subsets=1, subset_size=2).mean == -3.5


def test_seed_picks_the_subsets():
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((400, 4)), rng.standard_normal((400, 4))
    first, again = kid(x, y, 5, 100, seed=7), kid(x, y, 5, 100, seed=7)
    assert first.values.tolist() == again.values.tolist()
    ticks = []
    kid(x, y, 3, 100, seed=7, progress=lambda done, total: ticks.append((done, total)))
    assert ticks == [(1, 3), (2, 3), (3, 3)]
    assert kid(x, y, 5, 100, seed=8).values.tolist() != first.values.tolist()
    assert not first.values.flags.writeable
    assert first.to_dict() == {"kid_mean": first.mean, "kid_std": first.std, "subsets": 5,
                               "subset_size": 100}


def test_bad_input_is_refused_by_name():
    x = np.zeros((50, 3))
    with pytest.raises(ValueError, match=r"subset_size 1000 is larger than the feature sets "
                                         r"\(features_a has 50 samples, features_b 40\)"):
        kid(x, np.zeros((40, 3)))
    with pytest.raises(ValueError, match="subsets must be at least 1, got 0"):
        kid(x, x, subsets=0, subset_size=10)
    with pytest.raises(ValueError, match="subset_size must be at least 2, got 1"):
        kid(x, x, subset_size=1)
    with pytest.raises(ValueError, match="seed must be an integer"):
        kid(x, x, subset_size=10, seed=-1)
    with pytest.raises(ValueError, match="features_a has 3 features per sample but "
                                         "features_b has 2"):
        kid(x, np.zeros((50, 2)), subset_size=10)
    with pytest.raises(ValueError, match="features_b holds NaN"):
        kid(x, np.full((50, 3), np.inf), subset_size=10)
