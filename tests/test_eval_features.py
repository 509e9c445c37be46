"""Feature spaces (ganviz.judge.features): known answers for pixels, raw and the shipped
classifier; Inception's preprocessing on a tiny input and its unavailable path (no real
ImageNet weights here)."""

from __future__ import annotations

import numpy as np
import pytest

from ganviz.judge import features as F
from ganviz.judge.features import FEATURE_SPACES, FeaturesUnavailable, extract
from ganviz.judge.inputs import InputError, load_real, samples_from_array


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("GANVIZ_OFFLINE", "1")


@pytest.fixture(scope="module")
def mnist_real():
    return load_real("mnist_dcgan", n=64, seed=0)


def test_the_registry_names_four_spaces_and_says_which_compare_with_papers():
    assert set(FEATURE_SPACES) == {"classifier", "pixels", "raw", "inception"}
    assert not FEATURE_SPACES["classifier"].comparable_to_papers
    assert "not comparable" in FEATURE_SPACES["classifier"].description
    assert FEATURE_SPACES["classifier"].metric_label("KID", "mnist") == \
        "KID-C (MNIST classifier features)"


def test_pixels_are_the_images_flattened_in_0_1(mnist_real):
    f = extract("pixels", mnist_real)
    assert f.values.shape == (64, 784) and f.values.dtype == np.float64
    assert 0.0 <= f.values.min() and f.values.max() <= 1.0
    assert np.array_equal(f.values, mnist_real.images.reshape(64, -1) / 255.0)
    assert f.probabilities is None and not f.values.flags.writeable


def test_raw_passes_feature_vectors_through_and_flattens_images():
    feats = np.random.default_rng(0).normal(size=(5, 3))
    assert np.array_equal(extract("raw", samples_from_array(feats, "f")).values, feats)
    images = np.arange(2 * 2 * 2, dtype=np.uint8).reshape(2, 2, 2, 1)
    assert extract("raw", samples_from_array(images, "i")).values.tolist() == \
        [[0, 1, 2, 3], [4, 5, 6, 7]]
    with pytest.raises(InputError, match="only the raw space"):
        extract("pixels", samples_from_array(feats, "f"))


def test_classifier_features_are_deterministic_with_softmax_rows(mnist_real):
    a, b = extract("classifier", mnist_real), extract("classifier", mnist_real, batch_size=64)
    assert a.values.shape == (64, 128) and a.probabilities.shape == (64, 10)
    assert np.array_equal(a.values, b.values)
    assert np.allclose(a.probabilities.sum(axis=1), 1.0)
    assert a.label == "FID-C (MNIST classifier features)" and a.dataset == "mnist"


def test_classifier_features_are_the_hidden_layer_and_its_predictions(mnist_real):
    import keras

    from ganviz.image.classifier import load_classifier, predict

    model = load_classifier("mnist")
    hidden = keras.Model(model.input, model.get_layer("hidden").output)
    f = extract("classifier", mnist_real)
    expected = np.asarray(hidden(mnist_real.images.astype(np.float32), training=False))
    assert np.allclose(f.values, expected, atol=1e-5)
    assert np.array_equal(f.probabilities.argmax(axis=1), predict(model, mnist_real.images))


def test_classifier_needs_a_dataset_and_28x28x1_images():
    grey = samples_from_array(np.zeros((3, 28, 28, 1), np.uint8), "arr")
    with pytest.raises(InputError, match="pass dataset="):
        extract("classifier", grey)
    rgb = np.random.default_rng(0).integers(0, 256, (3, 28, 28, 3), dtype=np.uint8)
    with pytest.raises(InputError, match="pixels or inception"):
        extract("classifier", samples_from_array(rgb, "rgb"), dataset="mnist")
    with pytest.raises(InputError, match="no shipped classifier"):
        extract("classifier", grey, dataset="cifar10")


def test_progress_is_called_with_batch_counts(mnist_real):
    counts = []
    extract("classifier", mnist_real, batch_size=25, progress=counts.append)
    assert counts == [25, 25, 14]


def test_bad_arguments_are_refused(mnist_real):
    with pytest.raises(InputError, match="unknown feature space"):
        extract("fancy", mnist_real)
    with pytest.raises(InputError, match="batch_size"):
        extract("pixels", mnist_real, batch_size=0)


# ---------------------------------------------------------------------------- inception

def test_inception_inputs_are_rgb_299_in_minus_1_to_1():
    images = np.zeros((2, 4, 4, 1), np.uint8)
    images[1] = 255
    images[0, :, 2:] = 255  # left half black, right half white
    x = np.asarray(F.inception_inputs(images))
    assert x.shape == (2, 299, 299, 3) and x.dtype == np.float32
    assert np.array_equal(x[..., 0], x[..., 2])  # grey repeated to RGB
    assert np.allclose(x[1], 1.0)
    assert np.allclose(x[0, :, 0], -1.0) and np.allclose(x[0, :, -1], 1.0)
    row = x[0, 0, :, 0]
    assert np.all(np.diff(row) >= -1e-6) and -1 < row[149] < 1  # a smooth bilinear ramp


def test_inception_without_weights_says_which_file_to_put_where(mnist_real, monkeypatch,
                                                                tmp_path):
    monkeypatch.delenv(F.INCEPTION_WEIGHTS_ENV, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(F, "_inception_candidates", lambda: [tmp_path / "models" /
                                                             F.INCEPTION_WEIGHTS_FILE])
    with pytest.raises(FeaturesUnavailable) as err:
        extract("inception", mnist_real)
    message = str(err.value)
    assert F.INCEPTION_WEIGHTS_FILE in message and str(tmp_path / "models") in message
    assert F.INCEPTION_WEIGHTS_ENV in message and "storage.googleapis.com" in message
    monkeypatch.setenv(F.INCEPTION_WEIGHTS_ENV, str(tmp_path / "nope.h5"))
    with pytest.raises(FeaturesUnavailable, match="is not a file"):
        extract("inception", mnist_real)


def test_inception_batches_through_the_model_it_finds(mnist_real, monkeypatch, tmp_path):
    import keras

    weights = tmp_path / F.INCEPTION_WEIGHTS_FILE
    weights.write_bytes(b"stand-in")
    monkeypatch.setenv(F.INCEPTION_WEIGHTS_ENV, str(weights))
    pool = keras.Sequential([keras.Input((299, 299, 3)), keras.layers.GlobalAveragePooling2D()])
    seen = []
    monkeypatch.setattr(F, "_inception_model", lambda path, mtime: seen.append(path) or pool)
    f = extract("inception", mnist_real, batch_size=500)
    assert seen == [str(weights)] and f.values.shape == (64, 3)
    expected = np.asarray(F.inception_inputs(mnist_real.images)).mean(axis=(1, 2))
    assert np.allclose(f.values, expected, atol=1e-5) and f.label.startswith("FID (Inception")
