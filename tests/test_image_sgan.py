"""ganviz.image.sgan: the `sgan` registry entry trained for a few epochs on a few hundred
synthetic three-class images with a handful of labels each, resume, the labelled subset, and
D(x) = Z / (Z + 1) and the losses against NumPy on fixed logits."""

from __future__ import annotations

import numpy as np
import pytest

from ganviz.image import sgan
from ganviz.image.config import ImageGanConfig
from ganviz.image.models import MODELS, Architecture

EPOCHS = 2  # one trained fresh, the second by --resume
LABELS_PER_CLASS = 4
CLASSES = 3


def _bars(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, 28, 28, 1) uint8 dim noise plus a bright bar whose height is the class, (n,) labels."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, CLASSES, n)
    images = rng.integers(0, 30, (n, 28, 28, 1), dtype=np.uint8)
    for i, c in enumerate(labels):
        images[i, 4 + 7 * c:10 + 7 * c, 6:22] = 250
    return images, labels


@pytest.fixture(scope="module")
def dataset_name(tmp_path_factory) -> str:
    """npz:PATH of 320 labelled bar images (the trainer loads its labels by dataset name)."""
    path = tmp_path_factory.mktemp("sgan_data") / "bars.npz"
    images, labels = _bars(320, 0)
    np.savez(path, images=images, labels=labels, class_names=np.array(["top", "mid", "low"]))
    return f"npz:{path}"


def _config(dataset: str, epochs: int, **kw) -> ImageGanConfig:
    kw = {"labels_per_class": LABELS_PER_CLASS, **kw}
    return ImageGanConfig(dataset=dataset, model="sgan", epochs=epochs, batch_size=16,
                          latent_dim=4, base_filters=8, g_learning_rate=1e-3,
                          d_learning_rate=1e-3, steps_per_call=5, eval_samples=64,
                          epoch_samples=16, **kw)


@pytest.fixture(scope="module")
def run(dataset_name, tmp_path_factory):
    """(checkpoint folder, the resumed run's TrainResult): 1 epoch, then 1 more."""
    from ganviz.image import data
    from ganviz.image.train import train

    dataset = data.load(dataset_name)
    out = tmp_path_factory.mktemp("sgan") / "run"
    train(_config(dataset_name, EPOCHS - 1), dataset, out, progress=False, command="first")
    result = train(_config(dataset_name, EPOCHS), dataset, out, resume=True, progress=False,
                   command="second")
    return out, result


def test_registry_entry():
    spec = MODELS["sgan"]
    assert spec.trainer is sgan.SganTrainer and not spec.conditional
    d = spec.build_discriminator(Architecture(base_filters=8))
    assert d.output_shape == (None, sgan.DEFAULT_CLASSES)


def test_real_probability_and_losses_on_fixed_logits():
    real = np.array([[0.0, 0.0, 0.0], [np.log(3.0), -50.0, -50.0], [2.0, -1.0, 0.5]],
                    np.float32)
    fake = np.array([[-3.0, -3.0, -3.0], [1.0, 0.0, -1.0], [0.0, 0.0, 0.0]], np.float32)
    labels = np.array([1, 0, 2])
    z_real = np.exp(real.astype(np.float64)).sum(axis=1)
    z_fake = np.exp(fake.astype(np.float64)).sum(axis=1)
    np.testing.assert_allclose(sgan.real_probability(real), z_real / (z_real + 1), rtol=1e-6)
    np.testing.assert_allclose(sgan.real_probability(real)[:2], [0.75, 0.75], rtol=1e-6)
    softmax = np.exp(real) / np.exp(real).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(sgan.supervised_loss(real, labels),
                               -np.log(softmax[np.arange(3), labels]), rtol=1e-5)
    np.testing.assert_allclose(sgan.supervised_loss(real[:1], [1]), [np.log(3.0)], rtol=1e-6)
    expected = -np.log(z_real / (z_real + 1)) - np.log(1 / (z_fake + 1))
    np.testing.assert_allclose(sgan.unsupervised_loss(real, fake), expected, rtol=1e-5)
    np.testing.assert_allclose(sgan.generator_loss(fake), -np.log(z_fake / (z_fake + 1)),
                               rtol=1e-5)


def test_exactly_n_labels_per_class_seeded(dataset_name):
    arch = Architecture(base_filters=8, latent_dim=4)
    first = sgan.semi_supervised_data(_config(dataset_name, 1), arch)
    again = sgan.semi_supervised_data(_config(dataset_name, 1), arch)
    other = sgan.semi_supervised_data(_config(dataset_name, 1, seed=1), arch)
    assert len(first.labelled_indices) == LABELS_PER_CLASS * CLASSES
    assert np.bincount(first.labelled_labels).tolist() == [LABELS_PER_CLASS] * CLASSES
    np.testing.assert_array_equal(first.labelled_indices, again.labelled_indices)
    assert not np.array_equal(first.labelled_indices, other.labelled_indices)
    with pytest.raises(ValueError, match="labels_per_class 1000"):
        sgan.semi_supervised_data(_config(dataset_name, 1, labels_per_class=1000), arch)


def test_losses_finite_accuracy_recorded_and_above_chance(run):
    _, result = run
    history = result.history
    assert [h["epoch"] for h in history] == [1, 2]
    for h in history:
        assert all(np.isfinite(v) for v in h.values() if isinstance(v, float))
        assert h["labelled_images"] == LABELS_PER_CLASS * CLASSES
        assert 0.0 <= h["classifier_test_accuracy"] <= 1.0
        assert 0.0 < h["d_real"] < 1.0 and 0.0 < h["d_fake"] < 1.0
    assert history[-1]["classifier_test_accuracy"] > 1.5 / CLASSES  # chance is 1/3


def test_checkpoint_samples_and_resume(run):
    from ganviz.image.checkpoints import load
    from ganviz.image.models import generate_images

    out, result = run
    ckpt = load(out.resolve())
    assert ckpt.card.model == "sgan" and ckpt.card.epochs == EPOCHS
    assert ckpt.card.command == "first ; second"
    assert ckpt.card.history[-1]["classifier_test_accuracy"] == pytest.approx(
        result.metrics["classifier_test_accuracy"])
    images = generate_images(ckpt.generator, np.zeros((5, 4), np.float32))
    assert images.shape == (5, 28, 28, 1) and images.dtype == np.uint8


def test_refuses_unlabelled_or_unknown_data(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, images=_bars(40, 2)[0])
    arch = Architecture(base_filters=8, latent_dim=4)
    with pytest.raises(ValueError, match="needs labelled data"):
        sgan.semi_supervised_data(_config(f"npz:{path}", 1), arch)
    with pytest.raises(ValueError, match="loads its labels by dataset name"):
        sgan.semi_supervised_data(_config("bars", 1), arch)


def test_input_noise_is_a_training_only_layer():
    """d_input_noise adds Gaussian noise to D's input while training, never at test time."""
    arch = Architecture(base_filters=8, d_input_noise=0.3)
    d = sgan.build_sgan_discriminator(arch, 3)
    assert d.get_layer("input_noise").stddev == pytest.approx(0.3)
    x = np.zeros((4, 28, 28, 1), np.float32)
    still = np.asarray(d(x, training=False))
    np.testing.assert_array_equal(still, np.asarray(d(x, training=False)))
    assert not np.allclose(np.asarray(d(x, training=True)), still)
    assert "input_noise" not in [layer.name for layer in
                                 sgan.build_sgan_discriminator(Architecture(base_filters=8)).layers]
    with pytest.raises(ValueError, match="d_input_noise must be in"):
        Architecture(d_input_noise=-0.1)


def test_unsupervised_weight_scales_the_real_fake_term(dataset_name):
    """d_loss = supervised + w * unsupervised, step by step, so also in the chunk's means."""
    from ganviz.image.config import ImageGanConfig

    config = _config(dataset_name, 1, unsupervised_weight=2.0)
    arch = Architecture(base_filters=8, latent_dim=4, num_classes=None)
    trainer = sgan.SganTrainer(config, arch)
    images, _ = _bars(32, 1)
    stats = trainer.train_chunk(images.reshape(2, 16, 28, 28, 1), np.zeros((2, 16), np.int64))
    assert stats["d_loss"] == pytest.approx(
        stats["supervised_loss"] + 2.0 * stats["unsupervised_loss"], rel=1e-5)
    with pytest.raises(ValueError, match="unsupervised_weight must be in"):
        ImageGanConfig(model="sgan", unsupervised_weight=0.0)
