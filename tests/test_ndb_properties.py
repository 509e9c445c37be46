"""Property tests for NDB's pieces (Richardson & Weiss 2018): the z-test, JS, nearest-centre
assignment and the invariants of an evaluation."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ganviz.eval.ndb import evaluate, fit_bins, js_divergence, nearest_center, two_proportion_z_test

FAST = settings(max_examples=40, deadline=None)


@st.composite
def histograms(draw, k=None):
    k = k or draw(st.integers(2, 12))
    weights = draw(st.lists(st.integers(0, 50), min_size=k, max_size=k)
                   .filter(lambda w: sum(w) > 0))
    return np.array(weights, dtype=float) / sum(weights)


@st.composite
def histogram_pairs(draw):
    k = draw(st.integers(2, 12))
    return draw(histograms(k)), draw(histograms(k))


@FAST
@given(histogram_pairs())
def test_js_is_symmetric_bounded_and_zero_only_for_equal_histograms(pair):
    p, q = pair
    js = js_divergence(p, q)
    assert js == js_divergence(q, p) or math.isclose(js, js_divergence(q, p), abs_tol=1e-15)
    assert -1e-15 <= js <= math.log(2) + 1e-12
    assert js_divergence(p, p) == 0.0
    if not np.allclose(p, q):
        assert js > 0


@FAST
@given(histogram_pairs(), st.integers(1, 10_000), st.integers(1, 10_000))
def test_z_test_matches_the_formula_and_is_antisymmetric(pair, n1, n2):
    p1, p2 = pair
    z, p, se = two_proportion_z_test(p1, n1, p2, n2)
    for i in range(len(p1)):
        pooled = (p1[i] * n1 + p2[i] * n2) / (n1 + n2)
        expected_se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        assert math.isclose(se[i], expected_se, rel_tol=1e-12, abs_tol=1e-15)
        if expected_se > 0:
            expected_z = (p1[i] - p2[i]) / expected_se
            assert math.isclose(z[i], expected_z, rel_tol=1e-9, abs_tol=1e-12)
            assert math.isclose(p[i], math.erfc(abs(expected_z) / math.sqrt(2)), rel_tol=1e-9,
                                abs_tol=1e-300)
    z_swapped, p_swapped, _ = two_proportion_z_test(p2, n2, p1, n1)
    np.testing.assert_allclose(z_swapped, -z, atol=1e-12)
    np.testing.assert_allclose(p_swapped, p, atol=1e-12)
    assert np.all((p >= 0) & (p <= 1))


@FAST
@given(st.integers(0, 2**31 - 1), st.integers(1, 300), st.integers(1, 20), st.integers(1, 40))
def test_nearest_center_finds_the_closest_centre(seed, n, k, d):
    rng = np.random.default_rng(seed)
    x, centers = rng.standard_normal((n, d)), rng.standard_normal((k, d))
    chosen = nearest_center(x, centers)
    distances = ((x[:, None, :] - centers[None]) ** 2).sum(-1)
    # ties may pick either centre: compare distances, not indices
    np.testing.assert_allclose(distances[np.arange(n), chosen], distances.min(axis=1),
                               rtol=1e-9, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(2, 6), st.integers(1, 5), st.booleans(),
       st.floats(0.001, 0.5), st.none() | st.floats(0.5, 6))
def test_evaluation_invariants(seed, k, d, whiten, alpha, z_threshold):
    rng = np.random.default_rng(seed)
    train, query = rng.standard_normal((120, d)), rng.standard_normal((80, d)) + 0.3
    bins = fit_bins(train, k, whiten=whiten, seed=seed)
    result = evaluate(bins, query, alpha=alpha, z_threshold=z_threshold)
    assert result.K == k and result.query_counts.sum() == 80 and result.query_bins.shape == (80,)
    assert math.isclose(result.query_proportions.sum(), 1.0)
    assert np.all(np.diff(bins.train_counts) <= 0)
    expected = np.abs(result.z) > z_threshold if z_threshold is not None else result.p < alpha
    np.testing.assert_array_equal(result.different, expected)
    assert result.NDB == result.different.sum() and result.NDB_K == result.NDB / k
    np.testing.assert_array_equal(result.direction, -np.sign(result.z))
    shuffled = evaluate(bins, query[rng.permutation(80)], alpha=alpha, z_threshold=z_threshold)
    np.testing.assert_array_equal(shuffled.query_counts, result.query_counts)
