"""ganviz.eval.frechet: Frechet distance / FID known answers (Heusel et al. 2017), pytorch-fid's
fallbacks, input checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.linalg import eigh

import ganviz.eval.frechet as frechet
from ganviz.eval.frechet import GaussianStats, fid, frechet_distance, gaussian_stats


def gaussian_pair_stats(cov_a, cov_b, mean_a, mean_b) -> tuple[GaussianStats, GaussianStats]:
    return GaussianStats(np.array(mean_a, float), np.array(cov_a, float)), GaussianStats(
        np.array(mean_b, float), np.array(cov_b, float))


# ---------------------------------------------------------------- known answers


def test_identical_sets_give_zero():
    x = np.random.default_rng(0).standard_normal((2000, 16)) @ np.diag(np.arange(1, 17.0))
    assert abs(fid(x, x)) < 1e-6
    assert abs(fid(x.astype(np.float32), x.astype(np.float32))) < 1e-6


def test_diagonal_covariances_match_the_closed_form():
    """Diagonal S_a, S_b: sum (mu diff)^2 + sum (s_a + s_b - 2 sqrt(s_a s_b)) per dimension."""
    mean_a, mean_b = [0.0, 1.0, -2.0, 3.0], [1.0, 1.0, 0.5, -1.0]
    var_a, var_b = [1.0, 4.0, 0.25, 9.0], [2.0, 1.0, 0.25, 16.0]
    a, b = gaussian_pair_stats(np.diag(var_a), np.diag(var_b), mean_a, mean_b)
    expected = sum((p - q) ** 2 for p, q in zip(mean_a, mean_b)) + sum(
        s + t - 2 * math.sqrt(s * t) for s, t in zip(var_a, var_b))
    assert frechet_distance(a, b) == pytest.approx(expected, abs=1e-6)
    assert frechet_distance(b, a) == pytest.approx(expected, abs=1e-6)


def test_commuting_full_covariances_by_hand():
    """S_a = [[2, 1], [1, 2]] and S_b = [[5, -3], [-3, 5]] share eigenvectors (1, 1), (1, -1)
    with eigenvalues (3, 1) and (2, 8): Tr sqrtm(S_a S_b) = sqrt(3 * 2) + sqrt(1 * 8)."""
    a, b = gaussian_pair_stats([[2, 1], [1, 2]], [[5, -3], [-3, 5]], [1.0, 2.0], [0.0, 0.0])
    expected = (1 + 4) + (4 + 10) - 2 * (math.sqrt(6) + math.sqrt(8))
    assert frechet_distance(a, b) == pytest.approx(expected, abs=1e-6)


def test_non_commuting_covariances_by_hand():
    """For a 2x2 matrix M with positive eigenvalues, Tr sqrt(M) = sqrt(Tr M + 2 sqrt(det M));
    here M = S_a S_b, det M = det S_a det S_b."""
    cov_a, cov_b = np.array([[2.0, 0.5], [0.5, 1.0]]), np.array([[1.0, -0.3], [-0.3, 3.0]])
    a, b = gaussian_pair_stats(cov_a, cov_b, [0.0, 0.0], [0.3, -0.4])
    m = cov_a @ cov_b
    tr_root = math.sqrt(np.trace(m) + 2 * math.sqrt(np.linalg.det(cov_a) * np.linalg.det(cov_b)))
    expected = 0.3 ** 2 + 0.4 ** 2 + np.trace(cov_a) + np.trace(cov_b) - 2 * tr_root
    assert frechet_distance(a, b) == pytest.approx(expected, abs=1e-6)


def test_one_feature_samples_by_hand():
    """1-D: (mu_a - mu_b)^2 + (sd_a - sd_b)^2 with ddof-1 variances 5/3 and 20/3."""
    a = np.array([[0.0], [1.0], [2.0], [3.0]])
    b = np.array([[1.0], [3.0], [5.0], [7.0]])
    stats = gaussian_stats(a)
    assert stats.n == 4 and stats.cov.shape == (1, 1)
    assert stats.cov[0, 0] == pytest.approx(5 / 3)
    assert fid(a, b) == pytest.approx(2.5 ** 2 + (math.sqrt(5 / 3) - math.sqrt(20 / 3)) ** 2)


def test_sample_statistics_approach_the_population_distance():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((200_000, 3)) * [1.0, 2.0, 0.5]
    b = rng.standard_normal((200_000, 3)) * [1.5, 2.0, 1.0] + [1.0, 0.0, 0.0]
    expected = 1.0 + (1.0 - 1.5) ** 2 + 0.0 + (0.5 - 1.0) ** 2
    assert fid(a, b) == pytest.approx(expected, abs=0.02)


def test_singular_covariances_when_n_below_d():
    """n = 20 < d = 64: both covariances have rank <= 19. The result is finite and equals
    Tr sqrt computed another way: the eigenvalues of S_a^1/2 S_b S_a^1/2."""
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((20, 64)), rng.standard_normal((20, 64)) + 0.1
    sa, sb = gaussian_stats(a), gaussian_stats(b)
    w, v = eigh(sa.cov)
    root_a = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    tr_root = np.sqrt(np.clip(eigh(root_a @ sb.cov @ root_a, eigvals_only=True), 0, None)).sum()
    diff = sa.mean - sb.mean
    expected = diff @ diff + np.trace(sa.cov) + np.trace(sb.cov) - 2 * tr_root
    value = fid(a, b)
    assert np.isfinite(value)
    assert value == pytest.approx(expected, rel=1e-5)


def test_eps_fallback_when_the_root_is_not_finite(monkeypatch):
    """pytorch-fid's fallback: a non-finite sqrtm(S_a S_b) is retried with eps * I added to both
    covariances (newer SciPy rarely returns one, so the first root is forced to NaN)."""
    calls = []
    real_sqrtm = frechet._sqrtm_product

    def flaky(cov_a, cov_b):
        calls.append((cov_a.copy(), cov_b.copy()))
        if len(calls) == 1:
            return np.full(cov_a.shape, np.nan)
        return real_sqrtm(cov_a, cov_b)

    monkeypatch.setattr(frechet, "_sqrtm_product", flaky)
    a, b = gaussian_pair_stats(np.diag([1.0, 4.0]), np.diag([4.0, 1.0]), [0, 0], [0, 0])
    with pytest.warns(RuntimeWarning, match="adding 0.01 to the diagonal"):
        value = frechet_distance(a, b, eps=0.01)
    assert len(calls) == 2
    np.testing.assert_allclose(calls[1][0], np.diag([1.01, 4.01]))
    np.testing.assert_allclose(calls[1][1], np.diag([4.01, 1.01]))
    expected = 10.0 - 2 * 2 * math.sqrt(1.01 * 4.01)
    assert value == pytest.approx(expected, abs=1e-9)


def test_complex_root_keeps_the_real_part_or_refuses(monkeypatch):
    a, b = gaussian_pair_stats(np.eye(2), np.eye(2), [0, 0], [0, 0])
    monkeypatch.setattr(frechet, "_sqrtm_product",
                        lambda s, t: np.eye(2) + 1e-4j * np.eye(2))  # round-off sized
    assert frechet_distance(a, b) == pytest.approx(0.0, abs=1e-12)
    monkeypatch.setattr(frechet, "_sqrtm_product", lambda s, t: np.eye(2) + 0.1j * np.eye(2))
    with pytest.raises(ValueError, match="imaginary diagonal component of 0.1"):
        frechet_distance(a, b)


# ---------------------------------------------------------------- results and bad input


def test_stats_are_read_only_float64():
    stats = gaussian_stats(np.arange(12, dtype=np.float32).reshape(6, 2))
    assert stats.mean.dtype == np.float64 and stats.cov.dtype == np.float64
    assert not stats.mean.flags.writeable and not stats.cov.flags.writeable
    assert stats.dim == 2


@pytest.mark.parametrize(("a", "b", "message"), [
    (np.ones((5, 3)), np.ones((5, 4)), "features_a has 3 features per sample but features_b has 4"),
    (np.ones((1, 3)), np.ones((5, 3)), "features_a needs at least 2 samples, got 1"),
    (np.ones((5, 3)), np.ones(5), r"features_b must be a 2-D array .* got shape \(5,\)"),
    (np.array([[1.0, np.nan], [0.0, 1.0]]), np.ones((5, 2)),
     "features_a holds NaN or Inf values .in 1 of 2 samples, first at row 0"),
    (np.ones((5, 2)), np.array([["a", "b"], ["c", "d"]]), "features_b must be an array of numbers"),
    (np.ones((5, 0)), np.ones((5, 0)), "features_a has no features"),
])
def test_bad_features_are_refused_by_name(a, b, message):
    with pytest.raises(ValueError, match=message):
        fid(a, b)


def test_bad_stats_are_refused():
    with pytest.raises(ValueError, match=r"cov must be \(2, 2\)"):
        GaussianStats(np.zeros(2), np.eye(3))
    with pytest.raises(ValueError, match="mean must be a 1-D array"):
        GaussianStats(np.zeros((2, 2)), np.eye(2))
    with pytest.raises(ValueError, match="must be finite"):
        GaussianStats(np.zeros(2), np.array([[1.0, np.inf], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="n must be an integer >= 2"):
        GaussianStats(np.zeros(2), np.eye(2), n=1)
    a = GaussianStats(np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match="stats_a has 2 features but stats_b has 3"):
        frechet_distance(a, GaussianStats(np.zeros(3), np.eye(3)))
    with pytest.raises(ValueError, match="stats_b must be a GaussianStats"):
        frechet_distance(a, np.eye(2))
    with pytest.raises(ValueError, match="eps must be a positive number"):
        frechet_distance(a, a, eps=0.0)


def test_low_rank_route_equals_the_d_by_d_root():
    """Tr sqrtm(S_a S_b) from the samples' cross product is the same number as pytorch-fid's
    d x d root (n > d here, so both routes are exact)."""
    from ganviz.eval.frechet import frechet_distance, gaussian_stats, low_rank_fid

    rng = np.random.default_rng(0)
    a = rng.normal(size=(300, 20))
    b = rng.normal(0.3, 1.5, size=(250, 20)) @ rng.normal(size=(20, 20))
    assert low_rank_fid(a, b) == pytest.approx(
        frechet_distance(gaussian_stats(a), gaussian_stats(b)), rel=1e-9)


def test_more_dimensions_than_samples_takes_the_low_rank_route():
    """Raw pixels of 32x32x3 images (d = 3,072) with 200 samples a side: the d x d root took
    319 s here; the low-rank route is exact and quick. Same set: 0; a shifted set: the squared
    shift, since the covariances are equal."""
    rng = np.random.default_rng(1)
    a = rng.random((200, 3072))
    assert fid(a, a) == pytest.approx(0.0, abs=1e-6)
    assert fid(a, a + 0.1) == pytest.approx(3072 * 0.01, rel=1e-9)
