"""ganviz.eval.prdc: precision / recall / density / coverage (Naeem et al. 2020) equal to the
authors' package (prdc 0.2) including ties, hand-computed answers, realism, nearest neighbours."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from ganviz.eval.prdc import nearest_neighbours, prdc, realism

KEYS = ("precision", "recall", "density", "coverage")


def package_prdc(real, fake, k):
    """The authors' prdc.compute_prdc (it prints the set sizes)."""
    compute_prdc = pytest.importorskip("prdc").compute_prdc
    with contextlib.redirect_stdout(io.StringIO()):
        return compute_prdc(real, fake, k)


def feature_sets(kind: str, seed: int):
    """(real, fake, k) of one kind: random, duplicated rows (ties), an integer grid (exact
    ties), float32 (sklearn's float32 distances) and mixed float32 / float64."""
    rng = np.random.default_rng(seed)
    n, m, d = 150 + 40 * seed, 130 + 30 * seed, (2, 16, 64)[seed % 3]
    k = 1 + seed % 5
    real, fake = rng.standard_normal((n, d)), rng.standard_normal((m, d)) * 1.1 + 0.2
    if kind in ("duplicates", "float32", "mixed"):
        # repeated reals; fakes that copy reals (some at a real's k-th neighbour: ties)
        real = np.concatenate([real, real[: n // 3]])
        fake = np.concatenate([fake[: m // 2], real[: m // 2], real[:5]])
    if kind == "integers":
        real = rng.integers(-2, 3, (n, d)).astype(float)
        fake = rng.integers(-2, 3, (m, d)).astype(float)
    if kind == "float32":
        real, fake = real.astype(np.float32), fake.astype(np.float32)
    if kind == "mixed":
        real = real.astype(np.float32)
    return real, fake, k


# ---------------------------------------------------------------- the package's numbers


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("kind", ["random", "duplicates", "integers", "float32", "mixed"])
def test_equals_the_authors_package(kind, seed):
    real, fake, k = feature_sets(kind, seed)
    expected = package_prdc(real, fake, k)
    for chunk in (64, 512):  # several row blocks, and one
        result = prdc(real, fake, k=k, chunk=chunk)
        for key in KEYS:
            assert getattr(result, key) == pytest.approx(expected[key], abs=1e-9), (key, chunk)


@pytest.mark.parametrize("n_rows", [2, 3, 64, 65, 66, 129, 130, 193])
@pytest.mark.parametrize("n_cols", [1, 2, 9, 100])
def test_block_distances_are_sklearns_bit_for_bit(n_rows, n_cols):
    """The claim ties rest on: row blocks x the package's 8 column slices give exactly
    pairwise_distances(n_jobs=8)'s numbers, also when a block ends one row past a multiple
    of 64 (a lone row would be a gemv and round differently)."""
    from sklearn.metrics import pairwise_distances

    from ganviz.eval import prdc as prdc_module

    rng = np.random.default_rng(n_rows * 1000 + n_cols)
    x, y = rng.standard_normal((n_rows, 64)), rng.standard_normal((n_cols, 64))
    rows, cols = prdc_module._Operand.of(x), prdc_module._Operand.of(y)
    squared = np.empty((n_rows, n_cols))
    for start, stop in prdc_module._row_blocks(n_rows, 64):
        for cs in prdc_module._column_slices(n_cols):
            prdc_module._squared_block(rows, start, stop, cols, cs, squared[start:stop, cs])
    expected = pairwise_distances(x, y, metric="euclidean", n_jobs=8)
    np.testing.assert_array_equal(np.sqrt(np.maximum(squared, 0)), expected)


def test_ties_are_frequent_in_the_tie_cases():
    """The integer grid really puts fakes on the balls' edges, where strict < decides."""
    real, fake, k = feature_sets("integers", 1)
    d = cdist(real, fake)
    radii = np.sort(cdist(real, real), axis=1)[:, k]
    assert np.count_nonzero(d == radii[:, None]) > 20


# ---------------------------------------------------------------- known answers


def test_identical_sets_score_one():
    x = np.random.default_rng(0).standard_normal((300, 8))
    result = prdc(x, x.copy(), k=5)
    assert (result.precision, result.recall, result.coverage) == (1.0, 1.0, 1.0)
    # no ties: each real ball holds itself and k - 1 others strictly inside
    assert result.density == pytest.approx(1.0, abs=1e-12)


def test_hand_computed_one_dimension():
    """real {0, 1, 3}, fake {0.5, 10}, k = 1: real radii 1, 1, 2; fake radii 9.5, 9.5.
    Fake 0.5 sits in the balls of 0 and 1 (not 3: 2.5 > 2), fake 10 in none:
    precision 1/2, density (2 + 0) / 2 / 1 = 1. Every real is within 9.5 of 0.5: recall 1.
    Reals 0 and 1 have 0.5 inside their radius 1, real 3 (2.5 vs 2) does not: coverage 2/3."""
    real, fake = np.array([[0.0], [1.0], [3.0]]), np.array([[0.5], [10.0]])
    result = prdc(real, fake, k=1)
    assert (result.precision, result.recall, result.density) == (0.5, 1.0, 1.0)
    assert result.coverage == pytest.approx(2 / 3)
    assert result.real_radii.tolist() == [1.0, 1.0, 2.0]
    assert result.fake_radii.tolist() == [9.5, 9.5]
    assert result.fake_real_balls.tolist() == [2, 0]
    assert result.real_covered.tolist() == [True, True, False]


def test_a_fake_on_the_ball_edge_is_outside():
    """Strict <: real {0, 2, 4} (k = 1, radii 2), fake {6, 100, 200}: fake 6 is exactly 2 from
    real 4, on the edge of its ball."""
    real, fake = np.array([[0.0], [2.0], [4.0]]), np.array([[6.0], [100.0], [200.0]])
    result = prdc(real, fake, k=1)
    assert result.precision == 0.0 and result.density == 0.0 and result.coverage == 0.0
    assert package_prdc(real, fake, 1)["precision"] == 0.0


def test_k_plus_one_samples_are_enough():
    """A radius needs k other samples: n = k + 1 works here (the package's argpartition
    needs k + 2)."""
    result = prdc(np.array([[0.0], [1.0]]), np.array([[0.0], [3.0]]), k=1)
    assert result.real_radii.tolist() == [1.0, 1.0] and result.fake_radii.tolist() == [3.0, 3.0]
    assert (result.precision, result.recall, result.coverage) == (0.5, 1.0, 0.5)


def test_chunk_size_does_not_change_anything():
    real, fake, k = feature_sets("duplicates", 2)
    results = [prdc(real, fake, k=k, chunk=c) for c in (1, 64, 100, 10**6)]
    for other in results[1:]:
        for name in ("real_radii", "fake_radii", "fake_real_balls", "real_in_fake",
                     "real_covered"):
            np.testing.assert_array_equal(getattr(other, name), getattr(results[0], name))


def test_per_sample_views_and_read_only_arrays():
    real, fake, k = feature_sets("random", 1)
    result = prdc(real, fake, k=k)
    assert result.precision == np.mean(result.fake_real_balls > 0)
    assert result.density == pytest.approx(result.fake_real_balls.mean() / k)
    assert result.recall == np.mean(result.real_in_fake)
    assert result.coverage == np.mean(result.real_covered)
    assert result.to_dict()["n_real"] == real.shape[0]
    for array in (result.real_radii, result.fake_radii, result.fake_real_balls,
                  result.real_in_fake, result.real_covered):
        assert not array.flags.writeable


# ---------------------------------------------------------------- realism, neighbours


def test_realism_matches_the_formula():
    """R(f) = max over reals with radius <= median of r_i / (||f - real_i|| + 1e-5)."""
    rng = np.random.default_rng(4)
    real, fake = rng.standard_normal((120, 5)), rng.standard_normal((40, 5)) * 1.5
    radii = np.sort(cdist(real, real), axis=1)[:, 3]
    kept = radii <= np.median(radii)
    expected = (radii[kept][None, :] / (cdist(fake, real[kept]) + 1e-5)).max(axis=1)
    np.testing.assert_allclose(realism(real, fake, k=3, chunk=64), expected, rtol=1e-9)


def test_realism_is_high_on_real_points_and_low_far_away():
    real = np.random.default_rng(5).standard_normal((200, 4))
    scores = realism(real, np.concatenate([real[:3], np.full((1, 4), 50.0)]), k=5)
    assert scores[3] < 0.1
    radii = np.sort(cdist(real, real), axis=1)[:, 5]
    kept = radii[:3] <= np.median(radii)
    assert kept.any() and (scores[:3][kept] > 1000).all()  # on a kept ball's centre: r / 1e-5
    assert (scores[:3] > 1).all()  # inside the real manifold either way


def test_nearest_neighbours_match_brute_force_and_copies_are_exactly_zero():
    rng = np.random.default_rng(6)
    reference, query = rng.standard_normal((300, 10)) * 3, rng.standard_normal((50, 10)) * 3
    query[:4] = reference[[7, 0, 299, 150]]  # memorised samples
    indices, distances = nearest_neighbours(reference, query, chunk=16)
    d = cdist(query, reference)
    np.testing.assert_array_equal(indices, d.argmin(axis=1))
    np.testing.assert_allclose(distances, d.min(axis=1), rtol=1e-12)
    assert indices[:4].tolist() == [7, 0, 299, 150]
    assert distances[:4].tolist() == [0.0] * 4


def test_nearest_neighbour_ties_take_the_lowest_index():
    reference = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    indices, distances = nearest_neighbours(reference, np.zeros((1, 2)))
    assert indices.tolist() == [0] and distances.tolist() == [1.0]


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(("real", "fake", "k", "message"), [
    (np.zeros((5, 2)), np.zeros((9, 2)), 5,
     "k=5 needs at least 6 samples in real_features .* got 5"),
    (np.zeros((9, 2)), np.zeros((3, 2)), 5, "k=5 needs at least 6 samples in fake_features"),
    (np.zeros((9, 2)), np.zeros((9, 2)), 0, "k must be at least 1, got 0"),
    (np.zeros((9, 2)), np.zeros((9, 2)), 2.0, "k must be an integer, got 2.0"),
    (np.zeros((9, 2)), np.zeros((9, 3)), 2,
     "real_features has 2 features per sample but fake_features has 3"),
    (np.zeros((9, 2)), np.full((9, 2), np.nan), 2, "fake_features holds NaN"),
    (np.zeros(9), np.zeros((9, 2)), 2, "real_features must be a 2-D array"),
])
def test_bad_input_is_refused_by_name(real, fake, k, message):
    with pytest.raises(ValueError, match=message):
        prdc(real, fake, k=k)


def test_bad_chunk_and_realism_sizes():
    x = np.zeros((9, 2))
    with pytest.raises(ValueError, match="chunk must be at least 1, got 0"):
        prdc(x, x, k=2, chunk=0)
    with pytest.raises(ValueError, match="chunk must be an integer"):
        nearest_neighbours(x, x, chunk=None)
    realism(np.random.default_rng(0).standard_normal((9, 2)), np.zeros((1, 2)), k=2)  # 1 fake ok
    with pytest.raises(ValueError, match="k=9 needs at least 10 samples in real_features"):
        realism(x, x, k=9)
    with pytest.raises(ValueError, match="reference has 2 features per sample but query has 3"):
        nearest_neighbours(x, np.zeros((2, 3)))
