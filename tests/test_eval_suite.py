"""The evaluation suite (ganviz.judge.suite): known answers on small synthetic features, the JSON
keys exactly, the real-vs-real baseline, notes, and refusals at the edge. No TensorFlow: the
feature spaces here are raw vectors and pixels."""

from __future__ import annotations

import json

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from ganviz.eval.kid import kid
from ganviz.judge import suite
from ganviz.judge.features import Features
from ganviz.judge.suite import METRICS, REPORTED, EvalConfig, Scorecard, evaluate, score

VALUE_KEYS = ["FID", "KID", "KID_std", "IS", "IS_std", "precision", "recall", "density",
              "coverage", "NDB_K"]
SMALL = dict(kid_subsets=10, kid_subset_size=50)


@pytest.fixture(autouse=True)
def one_blas_thread(monkeypatch):
    """Small matrices: BLAS threads only fight the other processes of a shared 2-core box."""
    monkeypatch.setenv("GANVIZ_OFFLINE", "1")
    with threadpool_limits(1):
        yield


def features(values, probabilities=None, space="raw") -> Features:
    return Features(np.asarray(values, np.float64), probabilities, space, f"FID-{space} (test)")


def blobs(n=200, d=4, seed=0, shift=0.0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, d)) + shift


def one_hot(labels, classes=10) -> np.ndarray:
    return np.eye(classes)[labels]


def images(n=120, seed=0) -> np.ndarray:
    """(n, 8, 8, 1) uint8: a bright square at one of four places, plus noise."""
    rng = np.random.default_rng(seed)
    out = rng.integers(0, 40, (n, 8, 8, 1)).astype(np.uint8)
    for i, place in enumerate(rng.integers(0, 4, n)):
        r, c = divmod(int(place), 2)
        out[i, 4 * r:4 * r + 4, 4 * c:4 * c + 4] = 230
    return out


# ---------------------------------------------------------------- known answers


def test_identical_sets_score_as_real_data_does():
    x = blobs()
    probs = one_hot(np.arange(200) % 10)
    pics = images(200)
    out = score(features(x, probs), features(x, probs), EvalConfig(**SMALL), pics, pics)
    assert set(out) == set(VALUE_KEYS)
    assert abs(out["FID"]) < 1e-6
    assert abs(out["KID"]) < 0.05  # unbiased: about 0, either sign
    assert out["precision"] == out["recall"] == out["coverage"] == 1.0
    assert out["NDB_K"] == 0.0


def test_confident_balanced_predictions_score_about_the_number_of_classes():
    """One-hot predictions: each split scores exp(entropy of its class histogram), 10 when
    balanced; 200 per split leaves the histograms nearly so."""
    p = one_hot(np.arange(2000) % 10)
    out = score(features(blobs(2000), p), features(blobs(50)), EvalConfig(metrics=("is",)))
    assert out["IS"] == pytest.approx(10.0, abs=0.3) and out["IS_std"] < 0.2


def test_fid_of_a_shifted_copy_is_d_times_the_shift_squared():
    """Equal covariances leave only ||mu_a - mu_b||^2 = d c^2 (Heusel et al. 2017)."""
    x = blobs(300, d=4)
    out = score(features(x + 0.5), features(x), EvalConfig(metrics=("fid",)))
    assert out == {"FID": pytest.approx(4 * 0.25, abs=1e-6)}


def test_a_far_away_set_has_no_precision_recall_or_coverage_and_a_large_kid():
    real, fake = features(blobs(150)), features(blobs(150, seed=1, shift=50.0))
    out = score(fake, real, EvalConfig(metrics=("kid", "prdc"), **SMALL))
    assert out["precision"] == out["recall"] == out["coverage"] == out["density"] == 0.0
    assert out["KID"] > 1.0


def test_constant_predictions_score_one():
    p = np.full((100, 10), 0.1)
    out = score(features(blobs(100), p), features(blobs(100, seed=1)), EvalConfig(metrics=("is",)))
    assert out["IS"] == pytest.approx(1.0) and out["IS_std"] == pytest.approx(0.0, abs=1e-12)


def test_is_does_not_depend_on_the_order_of_a_class_sorted_set():
    """Classes in file order (a dataset split) must not fall into one split each."""
    labels = np.repeat(np.arange(10), 30)  # sorted: 30 of class 0, then 30 of class 1...
    real = features(blobs(300))
    out = score(features(blobs(300), one_hot(labels)), real, EvalConfig(metrics=("is",)))
    assert out["IS"] > 8.5


def test_kid_matches_the_kid_module_draw_for_draw():
    a, b = blobs(120), blobs(120, seed=1, shift=0.3)
    ticks = []
    out = score(features(a), features(b), EvalConfig(metrics=("kid",), kid_subsets=7,
                                                      kid_subset_size=40, seed=3),
                progress=lambda stage, done, total: ticks.append((stage, done, total)))
    reference = kid(a, b, subsets=7, subset_size=40, seed=3)
    assert out["KID"] == pytest.approx(reference.mean, rel=1e-12)
    assert out["KID_std"] == pytest.approx(reference.std, rel=1e-12)
    assert ticks == [("KID subsets", i, 7) for i in range(1, 8)]


def test_ndb_flags_a_generator_that_draws_one_mode():
    real = images(400)
    collapsed = np.repeat(real[:1], 400, axis=0)
    config = EvalConfig(metrics=("ndb",), ndb_bins=4)
    x = features(np.zeros((400, 1)))
    assert score(x, x, config, real, real)["NDB_K"] == 0.0
    assert score(x, x, config, collapsed, real)["NDB_K"] >= 0.75


# ---------------------------------------------------------------- what runs, and the notes


def test_is_and_ndb_are_left_out_when_the_inputs_cannot_give_them():
    names, notes = suite.runnable(EvalConfig(), features(blobs()), None, None)
    assert names == ("fid", "kid", "prdc")
    assert len(notes) == 2 and "probabilities" in notes[0] and "pixels" in notes[1]


def test_kid_subset_size_follows_the_data_there():
    assert suite.kid_subset_size(EvalConfig(), 5000, 2000) == (1000, [])
    m, notes = suite.kid_subset_size(EvalConfig(), 1000, 300)
    assert m == 300 and len(notes) == 1 and "300 samples" in notes[0]
    assert suite.kid_subset_size(EvalConfig(kid_subset_size=80), 100, 100) == (80, [])
    m, notes = suite.kid_subset_size(EvalConfig(), 1000, 1000)  # every subset is both sets
    assert m == 1000 and len(notes) == 1 and "KID_std is 0" in notes[0]
    with pytest.raises(ValueError, match="--kid-subset-size 100 or fewer"):
        suite.kid_subset_size(EvalConfig(kid_subset_size=500), 100, 300)


def test_the_registry_rows_say_what_they_need_and_report():
    from ganviz.cli.eval import METRIC_NAMES

    assert list(METRICS) == ["fid", "kid", "is", "prdc", "ndb"] == list(METRIC_NAMES)
    assert list(REPORTED) == VALUE_KEYS
    assert {m.needs for m in METRICS.values()} == {"features", "probabilities", "pixels"}
    assert REPORTED["FID"].better == "lower" and REPORTED["recall"].better == "higher"
    assert REPORTED["KID_std"].better is None


@pytest.mark.parametrize("kwargs, message", [
    (dict(metrics=("fid", "lpips")), "unknown metric"),
    (dict(metrics=()), "unknown metric"),
    (dict(features="vgg"), "unknown feature space 'vgg'"),
    (dict(k=0), "k must be at least 1"),
    (dict(kid_subset_size=1), "kid_subset_size must be at least 2"),
    (dict(bootstrap=-1), "bootstrap must be at least 0"),
    (dict(n=1), "n must be at least 2"),
    (dict(seed=-3), "seed must be an integer"),
])
def test_bad_configs_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EvalConfig(**kwargs)


def test_bad_pairs_are_refused_before_any_metric_runs():
    with pytest.raises(ValueError, match="4 dimensions but real features have 3"):
        score(features(blobs(50)), features(blobs(50, d=3)))
    with pytest.raises(ValueError, match="more than k=5 samples"):
        score(features(blobs(5)), features(blobs(50)), EvalConfig(metrics=("prdc",)))


# ---------------------------------------------------------------- the scorecard and JSON


def test_to_json_has_exactly_the_listed_keys_and_turns_nan_into_null():
    values = dict.fromkeys(VALUE_KEYS, 0.5) | {"FID": float("nan")}
    card = Scorecard(values=values, baseline=dict.fromkeys(VALUE_KEYS, 0.1),
                     intervals={"FID": (1.0, 2.0)}, feature_label="FID-raw (test)", n_gen=10,
                     n_real=12, notes=("a note",))
    out = card.to_json()
    assert set(out) == set(VALUE_KEYS) | {"baseline", "features", "n_gen", "n_real", "notes",
                                          "FID_ci"}
    assert out["FID"] is None and out["FID_ci"] == [1.0, 2.0] and out["notes"] == ["a note"]
    assert set(out["baseline"]) == set(VALUE_KEYS)
    json.loads(json.dumps(out, allow_nan=False))  # strict JSON


def test_a_users_own_feature_files_get_a_split_half_baseline_and_intervals(tmp_path):
    np.save(tmp_path / "gen.npy", blobs(300, seed=1, shift=0.4))
    np.save(tmp_path / "real.npy", blobs(300, seed=2))
    config = EvalConfig(features="raw", bootstrap=10, **SMALL)
    card = evaluate(str(tmp_path / "gen.npy"), str(tmp_path / "real.npy"), config)
    out = card.to_json()
    assert set(out) == {"FID", "KID", "KID_std", "precision", "recall", "density", "coverage",
                        "baseline", "features", "n_gen", "n_real", "notes", "FID_ci", "KID_ci"}
    assert card.n_gen == card.n_real == 300 and card.n_baseline == 150
    assert out["baseline"]["FID"] < out["FID"] and out["baseline"]["recall"] > 0.5
    low, high = out["FID_ci"]
    assert low <= high
    low, high = out["KID_ci"]
    assert low <= high and low < out["KID"] + 3 * out["KID_std"]
    notes = " ".join(card.notes)
    assert "two halves of 150" in notes and "probabilities" in notes and "pixels" in notes
    assert card.realism.shape == (300,) and card.nearest is None
    assert evaluate(str(tmp_path / "gen.npy"), str(tmp_path / "real.npy"),
                    config).to_json() == out  # deterministic for a seed


def test_pixels_of_image_files_run_ndb_and_refuse_other_shapes(tmp_path):
    np.save(tmp_path / "gen.npy", images(120, seed=1))
    np.savez(tmp_path / "real.npz", images=images(120, seed=2))
    card = evaluate(str(tmp_path / "gen.npy"), str(tmp_path / "real.npz"),
                    EvalConfig(features="pixels", metrics=("fid", "ndb")))
    assert set(card.values) == {"FID", "NDB_K"} and set(card.baseline) == {"FID", "NDB_K"}
    assert card.gen_images.shape == (120, 8, 8, 1)
    np.save(tmp_path / "big.npy", np.zeros((120, 16, 16, 1), np.uint8))
    with pytest.raises(ValueError, match=r"\(16, 16, 1\).*\(8, 8, 1\).*one shape"):
        evaluate(str(tmp_path / "big.npy"), str(tmp_path / "real.npz"),
                 EvalConfig(features="pixels"))


def test_a_dataset_baseline_uses_training_images_and_finds_nearest_training_samples(
        monkeypatch):
    """With a known dataset the baseline's partner is load_training_real (faked here): the
    nearest training sample of a generated copy is the one it copies, at distance 0."""
    from ganviz.judge import inputs

    training = images(200, seed=5)
    real = images(100, seed=6)
    sets = {"gen": inputs.SampleSet(training[:100], None, "copies", "mnist"),
            "real": inputs.SampleSet(real, None, "held out", "mnist")}
    monkeypatch.setattr(inputs, "load_generated", lambda spec, n=None, seed=0: sets[spec])
    monkeypatch.setattr(inputs, "load_real", lambda spec, n=None, seed=0: sets[spec])
    monkeypatch.setattr(inputs, "load_training_real", lambda dataset, n=None, seed=0:
                        inputs.SampleSet(training[:n], None, "training", dataset))
    card = evaluate("gen", "real", EvalConfig(features="pixels", metrics=("fid", "prdc"),
                                              k=3))
    assert card.n_baseline == 100 and card.baseline["FID"] == pytest.approx(card.values["FID"])
    indices, distances = card.nearest
    assert np.array_equal(indices, np.arange(100)) and np.all(distances == 0)
    assert card.real_nearest.shape == (100,) and np.all(card.real_nearest > 0)
    assert np.array_equal(card.nearest_images(), training[:100])
    assert any("100 training images of mnist" in note for note in card.notes)


def test_a_users_real_set_never_borrows_the_generators_training_split(monkeypatch):
    from ganviz.judge import inputs

    sets = {"gen": inputs.SampleSet(images(100, seed=1), None, "checkpoint", "mnist"),
            "real": inputs.SampleSet(images(100, seed=2), None, "my digits", None)}
    monkeypatch.setattr(inputs, "load_generated", lambda spec, n=None, seed=0: sets[spec])
    monkeypatch.setattr(inputs, "load_real", lambda spec, n=None, seed=0: sets[spec])

    def no_training(*args, **kwargs):
        raise AssertionError("the baseline must not use the generator's dataset")
    monkeypatch.setattr(inputs, "load_training_real", no_training)
    card = evaluate("gen", "real", EvalConfig(features="pixels", metrics=("fid",)))
    assert card.n_baseline == 50 and card.nearest is None
    assert any("two halves of 50" in note for note in card.notes)
