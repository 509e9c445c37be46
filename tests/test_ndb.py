"""NDB known answers (Richardson & Weiss 2018), input checks and the `ganviz ndb` CLI."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ganviz.eval.ndb import (
    NDBBins,
    NDBResult,
    bin_map,
    elbow,
    evaluate,
    fit_bins,
    js_divergence,
    ndb,
    two_proportion_z_test,
)

REPO = Path(__file__).resolve().parents[1]
RING_CENTERS = np.array([[math.cos(2 * math.pi * i / 8), math.sin(2 * math.pi * i / 8)]
                         for i in range(8)])
GRID_CENTERS = np.array([[x, y] for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)], dtype=float)


def mixture(centers: np.ndarray, n: int, std: float, seed: int, modes=None) -> np.ndarray:
    """n points from an equal-weight Gaussian mixture over ``modes`` (default: all centres)."""
    rng = np.random.default_rng(seed)
    modes = np.arange(len(centers)) if modes is None else np.asarray(modes)
    return centers[rng.choice(modes, n)] + std * rng.standard_normal((n, centers.shape[1]))


@pytest.fixture(scope="module")
def ring_bins() -> NDBBins:
    return fit_bins(mixture(RING_CENTERS, 8000, 0.05, seed=0), 8, seed=0)


# ---------------------------------------------------------------- known answers


def test_hand_computed_z_p_js():
    # 1-D, three values: k-means with K=3 puts each value in its own bin, sizes 60/30/10.
    train = np.repeat([0.0, 10.0, 20.0], [60, 30, 10])
    query = np.repeat([20.0, 0.0, 10.0], [30, 20, 50])  # order must not matter
    bins = fit_bins(train, 3, seed=0)
    assert bins.center_samples().ravel().tolist() == [0.0, 10.0, 20.0]  # largest bin first

    result = evaluate(bins, query)
    p_train, p_query, n = [0.6, 0.3, 0.1], [0.2, 0.5, 0.3], 100
    for i in range(3):
        pooled = (p_train[i] * n + p_query[i] * n) / (2 * n)
        se = math.sqrt(pooled * (1 - pooled) * (1 / n + 1 / n))
        z = (p_train[i] - p_query[i]) / se
        assert result.se[i] == pytest.approx(se, abs=1e-9)
        assert result.z[i] == pytest.approx(z, abs=1e-9)
        assert result.p[i] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), abs=1e-9)
    m = [(a + b) / 2 for a, b in zip(p_train, p_query)]
    js = 0.5 * sum(a * math.log(a / c) for a, c in zip(p_train, m)) + 0.5 * sum(
        b * math.log(b / c) for b, c in zip(p_query, m))
    assert result.JS == pytest.approx(js, abs=1e-9)
    # z = 5.77, -2.89, -3.54: all below p 0.05; only bins 0 and 2 beyond |z| 3
    assert result.NDB == 3 and result.NDB_K == 1.0
    assert result.under_represented.tolist() == [0]
    assert result.over_represented.tolist() == [1, 2]
    assert evaluate(bins, query, z_threshold=3).different_bins.tolist() == [0, 2]
    assert result.query_counts.tolist() == [20, 50, 30]
    assert result.query_bins.tolist() == [2] * 30 + [0] * 20 + [1] * 50


@pytest.mark.parametrize("query_seed", [1, 2, 3])
def test_query_from_training_distribution_gives_ndb_0_at_z_4(query_seed):
    bins = fit_bins(mixture(GRID_CENTERS, 10000, 0.05, seed=0), 20, seed=0)
    result = evaluate(bins, mixture(GRID_CENTERS, 5000, 0.05, seed=query_seed), z_threshold=4)
    assert result.NDB == 0
    assert result.JS < 0.01


def test_same_distribution_in_784_dims_with_whitening_gives_ndb_0():
    rng = np.random.default_rng(0)
    centers = rng.random((10, 28, 28))
    def draw(n, seed):
        r = np.random.default_rng(seed)
        return centers[r.integers(0, 10, n)] + 0.1 * r.standard_normal((n, 28, 28))
    result = ndb(draw(3000, 1), draw(2000, 2), k=10, z_threshold=4, whiten=True)
    assert result.NDB == 0


def test_removed_ring_modes_are_exactly_the_under_represented_bins(ring_bins):
    dropped = [2, 5]
    query = mixture(RING_CENTERS, 4000, 0.05, seed=1, modes=[0, 1, 3, 4, 6, 7])
    result = evaluate(ring_bins, query, z_threshold=4)
    dropped_bins = ring_bins.assign(RING_CENTERS[dropped])
    assert sorted(result.under_represented.tolist()) == sorted(dropped_bins.tolist())
    assert result.query_proportions[result.under_represented].tolist() == [0.0, 0.0]
    # the six kept modes each hold 1/6 instead of 1/8 of the query: all over-represented
    assert len(result.over_represented) == 6 and result.NDB == 8


def test_removed_grid_modes_flag_their_bins_when_k_exceeds_modes():
    # K=50 on 25 modes: some modes span several bins; every bin of a dropped mode must be flagged
    train = mixture(GRID_CENTERS, 20000, 0.05, seed=0)
    dropped = [0, 6, 12, 18, 24]
    kept = [i for i in range(25) if i not in dropped]
    bins = fit_bins(train, 50, seed=0)
    result = evaluate(bins, mixture(GRID_CENTERS, 10000, 0.05, seed=1, modes=kept), z_threshold=4)
    mode_of_center = np.argmin(((bins.centers[:, None] - GRID_CENTERS[None]) ** 2).sum(-1), axis=1)
    expected = np.flatnonzero(np.isin(mode_of_center, dropped))
    assert result.under_represented.tolist() == expected.tolist()


def test_identical_sets_give_ndb_0_and_js_0(ring_bins):
    train = mixture(RING_CENTERS, 8000, 0.05, seed=0)
    result = evaluate(ring_bins, train)
    assert result.NDB == 0 and result.JS == 0.0
    np.testing.assert_array_equal(result.query_bins, ring_bins.train_bins)
    assert ndb(train, train, k=8).JS == 0.0


def test_bins_are_ordered_by_size_and_centres_are_member_means():
    train = mixture(GRID_CENTERS, 3000, 0.3, seed=4)
    bins = fit_bins(train, 12, seed=0)
    assert np.all(np.diff(bins.train_counts) <= 0)
    assert bins.train_counts.sum() == 3000 and bins.train_proportions.sum() == pytest.approx(1.0)
    for b in range(bins.K):
        np.testing.assert_allclose(bins.centers[b], train[bins.train_bins == b].mean(axis=0),
                                   atol=1e-12)


def test_fit_is_seeded_and_bins_are_reusable(ring_bins):
    train = mixture(RING_CENTERS, 8000, 0.05, seed=0)
    again = fit_bins(train, 8, seed=0)
    np.testing.assert_array_equal(again.centers, ring_bins.centers)
    query_a = mixture(RING_CENTERS, 1000, 0.05, seed=7)
    query_b = mixture(RING_CENTERS, 500, 0.05, seed=8, modes=[0])
    first = evaluate(ring_bins, query_a)
    evaluate(ring_bins, query_b)  # another query set in between must not change anything
    np.testing.assert_array_equal(evaluate(ring_bins, query_a).z, first.z)
    assert ndb(train, query_a, k=8).JS == first.JS
    with pytest.raises(ValueError):
        ring_bins.centers[0, 0] = 1.0  # frozen: bins are shared between query sets


def test_whitening_makes_bins_unit_free():
    train = mixture(RING_CENTERS, 2000, 0.05, seed=0) * np.array([1.0, 1000.0]) + 5.0
    bins = fit_bins(train, 8, whiten=True, seed=0)
    np.testing.assert_allclose(bins.mean, train.mean(axis=0))
    np.testing.assert_allclose(bins.std, train.std(axis=0) + 1e-6)
    # without whitening the y axis (x1000) dominates; with it all 8 modes get their own bin
    assert len(set(bins.assign(RING_CENTERS * np.array([1.0, 1000.0]) + 5.0).tolist())) == 8
    np.testing.assert_allclose(bins.center_samples().shape, (8, 2))


def test_images_are_flattened_per_sample_and_centres_come_back_as_images():
    rng = np.random.default_rng(0)
    train = rng.random((300, 4, 4, 1))
    bins = fit_bins(train, 5, seed=0)
    assert bins.n_features == 16 and bins.sample_shape == (4, 4, 1)
    assert bins.center_samples().shape == (5, 4, 4, 1)
    flat = evaluate(bins, train.reshape(300, 16))
    assert np.array_equal(flat.query_bins, evaluate(bins, train).query_bins)


def test_standard_error_band_is_the_references(ring_bins):
    result = evaluate(ring_bins, mixture(RING_CENTERS, 1000, 0.05, seed=3))
    p, n1, n2 = result.train_proportions, result.n_train, result.n_query
    np.testing.assert_allclose(result.train_se, np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2)))


def test_bin_map_draws_voronoi_cells_on_the_plane(ring_bins):
    xs, ys = np.linspace(-1.5, 1.5, 31), np.linspace(-1.2, 1.2, 25)
    cells = bin_map(ring_bins, xs, ys)
    assert cells.shape == (25, 31) and cells.dtype == np.int64
    assert cells[12, 0] == ring_bins.assign([[-1.5, 0.0]])[0]  # ys[12] == 0, xs[0] == -1.5
    assert set(np.unique(cells).tolist()) == set(range(8))
    with pytest.raises(ValueError, match="2-D"):
        bin_map(fit_bins(np.random.default_rng(0).random((50, 3)), 2), xs, ys)


def test_elbow_inertia_falls_and_bends_at_the_mode_count():
    train = mixture(RING_CENTERS, 2000, 0.05, seed=0)
    inertias = elbow(train, [2, 4, 6, 8, 10], seed=0)
    assert inertias.shape == (5,) and np.all(np.diff(inertias) < 0)
    # at K=8 each mode is one bin: inertia ~ n * dims * std^2 = 2000 * 2 * 0.05^2 = 10
    assert inertias[3] == pytest.approx(10.0, rel=0.1)
    assert inertias[3] < 0.1 * inertias[2] and inertias[4] > 0.7 * inertias[3]  # the bend
    assert inertias[3] == pytest.approx(fit_bins(train, 8, seed=0).inertia)


def test_z_test_and_js_edge_cases():
    z, p, se = two_proportion_z_test(np.array([0.0, 1.0]), 10, np.array([0.0, 1.0]), 20)
    assert z.tolist() == [0.0, 0.0] and p.tolist() == [1.0, 1.0] and se.tolist() == [0.0, 0.0]
    assert js_divergence([1.0, 0.0], [0.0, 1.0]) == pytest.approx(math.log(2), abs=1e-12)


def test_result_to_dict_is_json_ready(ring_bins):
    result = evaluate(ring_bins, mixture(RING_CENTERS, 500, 0.05, seed=3, modes=[0, 1]))
    assert isinstance(result, NDBResult)
    out = json.loads(json.dumps(result.to_dict(per_sample=True)))
    assert {"K", "NDB", "NDB_K", "JS", "different_bins", "query_bins"} <= out.keys()
    assert out["different_bins"] == result.different_bins.tolist()


# ---------------------------------------------------------------- input checks


@pytest.mark.parametrize("train, k, message", [
    (np.zeros((10, 2)), 1, "at least 2"),
    (np.ones((5, 2)), 6, "at least K=6 training samples"),
    (np.array([[0.0, np.nan]] * 10), 2, "NaN or Inf"),
    (np.array([[0.0, np.inf]] * 10), 2, "NaN or Inf"),
    (np.zeros((10, 2)), 2.5, "integer"),
    (np.array([["a", "b"]] * 10), 2, "numbers"),
    (np.zeros((0, 2)), 2, "no samples"),
    (np.zeros((10, 2)), 3, "too few distinct samples"),
])
def test_fit_refuses_bad_input(train, k, message):
    with pytest.raises(ValueError, match=message):
        fit_bins(train, k)


@pytest.mark.parametrize("query, kwargs, message", [
    (np.zeros((10, 3)), {}, "3 features per sample"),
    (np.full((10, 2), np.nan), {}, "NaN or Inf"),
    (np.zeros((10, 2)), {"alpha": 0.0}, "alpha"),
    (np.zeros((10, 2)), {"z_threshold": -1.0}, "z_threshold"),
])
def test_evaluate_refuses_bad_input(ring_bins, query, kwargs, message):
    with pytest.raises(ValueError, match=message):
        evaluate(ring_bins, query, **kwargs)


# ---------------------------------------------------------------- CLI


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ganviz", "ndb", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def npy_files(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("ndb_cli")
    rng = np.random.default_rng(0)
    arrays = {
        "train": (rng.random((600, 4, 4)) * 255).astype(np.uint8),
        "query": rng.random((300, 16)),
        "narrow": rng.random((300, 15)),
        "small": rng.random((5, 16)),
        "nan": np.where(rng.random((300, 16)) < 0.01, np.nan, 0.5),
    }
    paths = {}
    for name, array in arrays.items():
        paths[name] = str(folder / f"{name}.npy")
        np.save(paths[name], array)
    return paths


def test_cli_json_prints_one_object_with_the_keys(npy_files):
    done = run_cli("--train", npy_files["train"], "--query", npy_files["query"], "--bins", "6",
                   "--z-threshold", "4", "--whiten", "--seed", "1", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert {"K", "NDB", "NDB_K", "JS", "different_bins"} <= out.keys()
    assert out["K"] == 6 and out["NDB"] == len(out["different_bins"])
    assert out["z_threshold"] == 4.0 and out["whiten"] is True


def test_cli_human_summary(npy_files):
    done = run_cli("--train", npy_files["train"], "--query", npy_files["train"], "--bins", "4")
    assert done.returncode == 0, done.stderr
    assert "NDB = 0" in done.stdout and "JS = 0.0000" in done.stdout


@pytest.mark.parametrize("args, message", [
    (["--query", "narrow"], "have 15"),
    (["--query", "nan"], "NaN"),
    (["--train", "small"], "at least K=6"),
    (["--query", "missing"], "no such file"),
    (["--alpha", "2"], "alpha"),
    (["--seed", "-1"], "seed"),
])
def test_cli_bad_input_exits_2_with_one_line(npy_files, tmp_path, args, message):
    flags = {"--train": npy_files["train"], "--query": npy_files["query"], "--bins": "6"}
    flag, value = args
    if flag in ("--train", "--query"):
        value = npy_files.get(value, str(tmp_path / "missing.npy"))
    flags[flag] = value
    done = run_cli(*[item for pair in flags.items() for item in pair])
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_cli_unknown_checkpoint_exits_2(npy_files):
    done = run_cli("--checkpoint", "no-such-checkpoint-xyz", "--n", "10", "--bins", "6")
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_cli_checkpoint_generates_the_query_and_defaults_train_to_its_reference(monkeypatch,
                                                                               capsys):
    # A stand-in checkpoint (no TensorFlow): a "generator" that only draws 2 of 4 image kinds.
    from ganviz import checkpoints
    from ganviz.__main__ import main

    kinds = np.stack([np.full((6, 6, 1), v, np.uint8) for v in (0, 80, 160, 240)])
    rng = np.random.default_rng(0)

    class FakeCheckpoint:
        name, latent_dim = "fake", 4
        reference_images = kinds[rng.integers(0, 4, 800)]

        def sample(self, n, seed=0):
            return kinds[np.random.default_rng(seed).integers(0, 2, n)]

    monkeypatch.setattr(checkpoints, "load", lambda name: FakeCheckpoint())
    assert main(["ndb", "--checkpoint", "fake", "--n", "400", "--bins", "4",
                 "--z-threshold", "4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["K"] == 4 and len(out["under_represented"]) == 2 and out["NDB"] == 4
    assert out["train"] == "reference images of fake"
