"""ganviz.image.latent: known answers and properties of lerp, slerp, grids, walks, truncation."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from ganviz.image import latent as L

RNG = np.random.default_rng(0)


def unit(v):
    v = np.asarray(v, np.float64)
    return v / np.linalg.norm(v)


# ---------------------------------------------------------------------------- endpoints

@pytest.mark.parametrize("fn", [L.lerp, L.slerp])
def test_both_methods_hit_both_endpoints_exactly(fn):
    for _ in range(20):
        a, b = RNG.standard_normal((2, 64)).astype(np.float32)
        path = fn(a, b, [0.0, 0.3, 0.7, 1.0])
        np.testing.assert_array_equal(path[0], a)
        np.testing.assert_array_equal(path[-1], b)
        np.testing.assert_array_equal(fn(a, b, 0.0), a)
        np.testing.assert_array_equal(fn(a, b, 1.0), b)


@pytest.mark.parametrize("method", L.METHODS)
def test_interpolate_hits_endpoints_and_has_steps_rows(method):
    a, b = RNG.standard_normal((2, 16))
    path = L.interpolate(a, b, 7, method)
    assert path.shape == (7, 16) and path.dtype == np.float32
    np.testing.assert_array_equal(path[0], a.astype(np.float32))
    np.testing.assert_array_equal(path[-1], b.astype(np.float32))


# ---------------------------------------------------------------------------- slerp known answers

def test_slerp_keeps_unit_norm_between_unit_vectors():
    for _ in range(50):
        a, b = (unit(v) for v in RNG.standard_normal((2, 64)))
        norms = L.latent_norms(L.slerp(a, b, np.linspace(0, 1, 33)))
        np.testing.assert_allclose(norms, 1.0, atol=1e-6)


def test_lerp_of_orthogonal_unit_vectors_dips_to_one_over_root_two():
    mid = L.lerp([1.0, 0.0], [0.0, 1.0], 0.5)
    assert np.linalg.norm(mid) == pytest.approx(1 / math.sqrt(2), abs=1e-7)


def test_slerp_midpoint_of_orthogonal_vectors_is_the_bisector():
    np.testing.assert_allclose(L.slerp([1.0, 0.0, 0.0], [0.0, 1.0, 0.0], 0.5),
                               [1 / math.sqrt(2), 1 / math.sqrt(2), 0.0], atol=1e-7)


def test_slerp_moves_at_constant_angular_speed():
    a, b = (unit(v) for v in RNG.standard_normal((2, 8)))
    path = L.slerp(a, b, np.linspace(0, 1, 11)).astype(np.float64)
    cos = np.sum(path[:-1] * path[1:], axis=1)
    angles = np.arccos(np.clip(cos, -1, 1))
    np.testing.assert_allclose(angles, angles.mean(), atol=1e-5)
    assert angles.sum() == pytest.approx(math.acos(a @ b), abs=1e-5)


def test_slerp_of_parallel_vectors_is_lerp():
    a = RNG.standard_normal(10)
    np.testing.assert_allclose(L.slerp(a, 2 * a, [0.25, 0.5]), L.lerp(a, 2 * a, [0.25, 0.5]),
                               rtol=1e-6)


def test_slerp_of_antiparallel_vectors_goes_round_the_sphere():
    a = unit(RNG.standard_normal(10))
    t = np.linspace(0, 1, 9)
    path = L.slerp(a, -a, t).astype(np.float64)
    assert np.all(np.isfinite(path))
    np.testing.assert_allclose(L.latent_norms(path), 1.0, atol=1e-6)
    assert path[4] @ a == pytest.approx(0.0, abs=1e-6)  # halfway: perpendicular to both
    np.testing.assert_array_equal(path[-1], (-a).astype(np.float32))


def test_slerp_with_a_zero_endpoint_falls_back_to_lerp():
    b = RNG.standard_normal(5)
    np.testing.assert_allclose(L.slerp(np.zeros(5), b, 0.5), b / 2, rtol=1e-6)


# ---------------------------------------------------------------------------- properties

finite = st.floats(-10, 10, allow_nan=False, width=64)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, 6, elements=finite), arrays(np.float64, 6, elements=finite),
       st.floats(0, 1))
def test_slerp_norm_lies_between_endpoint_norms(a, b, t):
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    n = np.linalg.norm(L.slerp(a, b, t).astype(np.float64))
    assert min(na, nb) - 1e-4 * (1 + max(na, nb)) <= n <= max(na, nb) + 1e-4 * (1 + max(na, nb))


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, 4, elements=finite), arrays(np.float64, 4, elements=finite),
       st.sampled_from(L.METHODS), st.integers(2, 20))
def test_paths_start_and_end_at_the_endpoints(a, b, method, steps):
    path = L.interpolate(a, b, steps, method)
    np.testing.assert_array_equal(path[0], a.astype(np.float32))
    np.testing.assert_array_equal(path[-1], b.astype(np.float32))
    assert np.all(np.isfinite(path))


# ---------------------------------------------------------------------------- grids

@pytest.mark.parametrize("method", L.METHODS)
def test_bilinear_grid_has_the_corners_in_its_corners(method):
    corners = RNG.standard_normal((4, 12)).astype(np.float32)
    grid = L.bilinear_grid(corners, 5, 7, method)
    assert grid.shape == (5, 7, 12)
    for got, want in zip((grid[0, 0], grid[0, -1], grid[-1, 0], grid[-1, -1]), corners):
        np.testing.assert_array_equal(got, want)


def test_bilinear_lerp_grid_centre_is_the_mean_of_the_corners():
    corners = RNG.standard_normal((4, 3))
    grid = L.bilinear_grid(corners, 3, 3, "lerp")
    np.testing.assert_allclose(grid[1, 1], corners.mean(axis=0), rtol=1e-6, atol=1e-6)


def test_class_grid_rows_follow_the_requested_classes_and_columns_share_noise():
    z = RNG.standard_normal((4, 8)).astype(np.float32)
    classes = [7, 2, 9]
    z_flat, labels = L.class_grid(z, classes)
    assert z_flat.shape == (12, 8) and labels.shape == (12,)
    np.testing.assert_array_equal(labels.reshape(3, 4), [[7] * 4, [2] * 4, [9] * 4])
    for r in range(3):
        np.testing.assert_array_equal(z_flat.reshape(3, 4, 8)[r], z)


def test_class_interpolation_steps_labels_or_mixes_embeddings():
    z = RNG.standard_normal(8)
    stepped = L.class_interpolation(z, 1, 4, 6, num_classes=5)
    assert not stepped.mixed
    np.testing.assert_array_equal(stepped.labels, [1, 1, 1, 4, 4, 4])
    np.testing.assert_array_equal(stepped.z, np.tile(z.astype(np.float32), (6, 1)))
    table = RNG.standard_normal((5, 3))
    mixed = L.class_interpolation(z, 1, 4, 5, num_classes=5, embedding_table=table)
    np.testing.assert_array_equal(mixed.embeddings[0], table[1].astype(np.float32))
    np.testing.assert_array_equal(mixed.embeddings[-1], table[4].astype(np.float32))
    np.testing.assert_allclose(mixed.embeddings[2], (table[1] + table[4]) / 2, rtol=1e-6)


@pytest.mark.parametrize("call, message", [
    (lambda: L.interpolate([0, 1], [1, 0], 1, "lerp"), "steps"),
    (lambda: L.interpolate([0, 1], [1, 0], 5, "cubic"), "method"),
    (lambda: L.lerp([0, 1], [1, 0, 0], 0.5), "same shape"),
    (lambda: L.slerp([0, 1], [1, 0], 1.5), r"\[0, 1\]"),
    (lambda: L.lerp([0, np.nan], [1, 0], 0.5), "NaN"),
    (lambda: L.bilinear_grid(np.zeros((3, 4)), 3, 3), "corners"),
    (lambda: L.bilinear_grid(np.zeros((4, 4)), 3, 1000), "cols"),
    (lambda: L.class_grid(np.zeros((2, 4)), []), "classes"),
    (lambda: L.class_interpolation(np.zeros(4), 0, 10, 5, num_classes=10), "class_b"),
    (lambda: L.random_walk(np.zeros(4), None, 5, 0.0), "step_size"),
    (lambda: L.random_walk(np.zeros(4), np.zeros(4), 5, 1.0), "zero vector"),
    (lambda: L.truncate(np.zeros((2, 4)), 0.0), "threshold"),
])
def test_bad_input_is_refused_with_a_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---------------------------------------------------------------------------- walks, truncation

def test_random_walk_takes_equal_steps_from_z0():
    z0 = RNG.standard_normal(16)
    walk = L.random_walk(z0, None, 9, 0.75, seed=3).astype(np.float64)
    np.testing.assert_array_equal(walk[0], z0.astype(np.float32))
    np.testing.assert_allclose(np.linalg.norm(np.diff(walk, axis=0), axis=1), 0.75, rtol=1e-5)
    assert np.linalg.matrix_rank(walk - walk[0], tol=1e-4) == 1  # a straight line


def test_random_direction_is_not_the_latent_draw_of_the_same_seed():
    z = np.random.default_rng(0).standard_normal(64)
    u = L.random_direction(64, seed=0)
    assert abs(unit(z) @ u) < 0.5


def test_truncation_resamples_into_the_threshold_and_keeps_inside_values():
    z = RNG.standard_normal((20_000, 8)).astype(np.float32)
    out = L.truncate(z, 1.0, seed=1)
    assert np.abs(out).max() <= 1.0
    inside = np.abs(z) <= 1.0
    np.testing.assert_array_equal(out[inside], z[inside])
    # a truncated standard normal on [-1, 1] has variance 1 - 2 phi(1) / (2 Phi(1) - 1)
    want = 1 - 2 * stats.norm.pdf(1) / (2 * stats.norm.cdf(1) - 1)
    assert out.var() == pytest.approx(want, abs=0.01)
    np.testing.assert_array_equal(L.truncate(z, None), z)


# ---------------------------------------------------------------------------- norms

@pytest.mark.parametrize("k", [1, 2, 16, 64, 512])
def test_chi_density_and_moments_match_scipy(k):
    r = np.linspace(0, 3 * math.sqrt(k) + 3, 400)
    np.testing.assert_allclose(L.chi_pdf(r, k), stats.chi.pdf(r, k), atol=1e-10)
    mean, std = L.chi_mean_std(k)
    assert mean == pytest.approx(stats.chi.mean(k)) and std == pytest.approx(stats.chi.std(k))


def test_reference_norms_of_real_draws_follow_chi():
    norms = L.reference_norms(64, n=20_000, seed=0)
    mean, std = L.chi_mean_std(64)
    assert norms.mean() == pytest.approx(mean, abs=0.02)
    assert norms.std() == pytest.approx(std, abs=0.02)
    assert stats.kstest(norms, stats.chi(64).cdf).pvalue > 1e-3
