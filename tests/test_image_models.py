"""ganviz.image.models / losses / config / trainer: shapes, safe-mode round trips, loss known
answers, and a few real train steps on tiny random data (nothing large is trained here)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ganviz.image import losses, models, pixels
from ganviz.image.config import ImageGanConfig
from ganviz.image.models import Architecture
from ganviz.image.trainer import ImageGanTrainer


@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3), (64, 64, 3)])
@pytest.mark.parametrize("num_classes", [None, 10])
def test_shapes_and_ranges(shape, num_classes):
    arch = Architecture(image_shape=shape, latent_dim=8, num_classes=num_classes, base_filters=4)
    g, d = models.build_generator(arch), models.build_discriminator(arch)
    z = np.random.default_rng(0).standard_normal((3, 8)).astype(np.float32)
    labels = np.array([0, 5, 9], np.int32)
    images = np.asarray(g(z if num_classes is None else [z, labels], training=False))
    assert images.shape == (3, *shape)
    assert images.min() >= -1.0 and images.max() <= 1.0
    logits = d(images if num_classes is None else [images, labels], training=False)
    assert tuple(logits.shape) == (3, 1)


def test_dcgan_guidelines_are_followed():
    arch = Architecture(base_filters=8)
    g, d = models.build_generator(arch), models.build_discriminator(arch)
    g_types = {type(layer).__name__ for layer in g.layers}
    d_types = [type(layer).__name__ for layer in d.layers]
    assert "Conv2DTranspose" in g_types and "BatchNormalization" in g_types
    assert g.layers[-1].activation.__name__ == "tanh"
    assert "LeakyReLU" in d_types and "BatchNormalization" in d_types
    assert not {"MaxPooling2D", "AveragePooling2D", "Lambda"} & set(d_types) | g_types & {"Lambda"}
    # the gradient penalty is per example, so the WGAN-GP critic must not batch-normalise
    wgan = models.build_discriminator(Architecture(base_filters=8, d_normalization="layer"))
    assert "BatchNormalization" not in {type(layer).__name__ for layer in wgan.layers}


@pytest.mark.parametrize("num_classes", [None, 4])
def test_keras_file_round_trip_in_safe_mode(tmp_path, num_classes):
    import keras

    arch = Architecture(latent_dim=6, num_classes=num_classes, base_filters=4)
    g = models.build_generator(arch)
    g.save(tmp_path / "g.keras")
    loaded = keras.saving.load_model(tmp_path / "g.keras", safe_mode=True, compile=False)
    z = np.ones((2, 6), np.float32)
    inputs = z if num_classes is None else [z, np.array([1, 3], np.int32)]
    np.testing.assert_allclose(np.asarray(g(inputs, training=False)),
                               np.asarray(loaded(inputs, training=False)), atol=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    ({"image_shape": (30, 30, 1)}, "square with side"),
    ({"image_shape": (28, 28, 2)}, "channels"),
    ({"num_classes": 1}, "num_classes"),
    ({"d_normalization": "group"}, "d_normalization"),
    ({"packing": 0}, "packing must be 1..4, got 0"),
    ({"packing": 2, "num_classes": 10}, "packing needs an unconditional model"),
])
def test_architecture_refuses_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Architecture(**kwargs)


def test_architecture_dict_round_trip():
    arch = Architecture(image_shape=(32, 32, 3), num_classes=7, base_filters=16)
    assert Architecture.from_dict(arch.to_dict()) == arch
    assert [Architecture(image_shape=(s, s, 1)).num_scales for s in (28, 32, 64)] == [2, 3, 4]


def test_uint8_conversions_known_answers():
    x = np.array([-1.0, -0.5, 0.0, 1.0, 1.5], np.float32).reshape(1, 5, 1, 1)
    np.testing.assert_array_equal(pixels.to_uint8(x).ravel(), [0, 64, 128, 255, 255])
    np.testing.assert_allclose(pixels.to_unit_range(np.array([0, 255], np.uint8)), [-1, 1])


def test_losses_known_answers():
    zeros = np.zeros((4, 1), np.float32)
    # at D's indifference point each term is log 2
    assert np.allclose(losses.ns_discriminator_loss(zeros, zeros), 2 * math.log(2))
    assert np.allclose(losses.ns_generator_loss(zeros), math.log(2))
    real, fake = np.full((2, 1), 3.0, np.float32), np.full((2, 1), -1.0, np.float32)
    assert np.allclose(losses.wasserstein_discriminator_loss(real, fake), -4.0)
    assert np.allclose(losses.wasserstein_generator_loss(fake), 1.0)
    assert set(losses.LOSSES) == {"non_saturating", "wasserstein_gp", "wasserstein_clip"}


@pytest.mark.parametrize("kwargs, message", [
    ({"model": "stylegan"}, "model must be"),
    ({"batch_size": 0}, "batch_size must be 2..4096, got 0"),
    ({"loss": "hinge"}, "loss must be"),
    ({"strategy": "tpu"}, "strategy must be"),
    ({"g_learning_rate": 0.0}, "g_learning_rate"),
    ({"g_ema": 1.0}, r"g_ema must be in \[0, 1\), got 1.0"),
    ({"g_ema": -0.1}, "g_ema must be in"),
    ({"packing": 5}, "packing must be 1..4, got 5"),
    ({"packing": 2, "model": "cdcgan"}, "packing needs --model dcgan"),
    ({"packing": 3, "batch_size": 64}, r"batch_size \(64\) must be a multiple of packing \(3\)"),
])
def test_config_refuses_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ImageGanConfig(**kwargs)


def _tiny_trainer(loss="non_saturating", model="dcgan", strategy="default", seed=0, g_ema=0.0,
                  packing=1):
    config = ImageGanConfig(loss=loss, model=model, batch_size=8, latent_dim=8,
                                  base_filters=4, strategy=strategy, seed=seed, steps_per_call=2,
                                  g_ema=g_ema, packing=packing)
    arch = Architecture(latent_dim=8, base_filters=4, num_classes=3 if model == "cdcgan" else None,
                        d_normalization="layer" if loss == "wasserstein_gp" else "batch",
                        packing=packing)
    return ImageGanTrainer(config, arch)


def _changed(before, variables) -> bool:
    """Whether any variable differs from its copy in `before`."""
    return any(not np.allclose(a, np.array(b)) for a, b in zip(before, variables))


def _tiny_batches(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, (2, 8, 28, 28, 1), dtype=np.uint8),
            rng.integers(0, 3, (2, 8)).astype(np.int32))


@pytest.mark.parametrize("loss, model", [("non_saturating", "cdcgan"), ("wasserstein_gp", "dcgan")])
def test_train_chunk_updates_both_networks(loss, model):
    trainer = _tiny_trainer(loss, model)
    g_before = [np.array(v) for v in trainer.generator.trainable_variables]
    d_before = [np.array(v) for v in trainer.discriminator.trainable_variables]
    stats = trainer.train_chunk(*_tiny_batches())
    # a Wasserstein critic also reports its estimate, mean critic(real) - mean critic(fake)
    extra = {"wasserstein_estimate"} if loss.startswith("wasserstein") else set()
    assert set(stats) == {"d_loss", "g_loss", "d_real_logit", "d_fake_logit"} | extra
    assert all(np.isfinite(v) for v in stats.values())
    assert int(trainer.step.numpy()) == 2
    assert _changed(g_before, trainer.generator.trainable_variables)
    assert _changed(d_before, trainer.discriminator.trainable_variables)


def test_training_is_reproducible_from_the_seed():
    import keras

    results = []
    for _ in range(2):
        keras.utils.set_random_seed(3)
        trainer = _tiny_trainer(seed=3)
        trainer.train_chunk(*_tiny_batches())
        results.append(np.array(trainer.generator.trainable_variables[0]))
    np.testing.assert_allclose(results[0], results[1], atol=1e-6)


def test_mirrored_strategy_runs_a_step():
    trainer = _tiny_trainer(strategy="mirrored")
    stats = trainer.train_chunk(*_tiny_batches())
    assert trainer.strategy.num_replicas_in_sync >= 1
    assert all(np.isfinite(v) for v in stats.values()) and int(trainer.step.numpy()) == 2


@pytest.mark.parametrize("strategy", ["default", "mirrored"])
def test_g_ema_averages_every_step(strategy):
    """Known answer, one step at a time: ema_1 = 0.9 w_0 + 0.1 w_1, ema_2 = 0.9 ema_1 + 0.1 w_2,
    for every G weight (batch-norm statistics included); the sampler is the averaged G."""
    trainer = _tiny_trainer(strategy=strategy, g_ema=0.9)
    assert trainer.sampler is trainer.ema_generator
    images, labels = _tiny_batches()
    expected = [np.array(w) for w in trainer.generator.weights]
    for step in range(2):
        trainer.train_chunk(images[step:step + 1], labels[step:step + 1])
        weights = [np.array(w) for w in trainer.generator.weights]
        expected = [0.9 * e + 0.1 * w for e, w in zip(expected, weights)]
        for e, got in zip(expected, trainer.ema_generator.weights):
            np.testing.assert_allclose(np.array(got), e, rtol=1e-5, atol=1e-6)
    assert any(not np.allclose(np.array(a), np.array(b))
               for a, b in zip(trainer.generator.weights, trainer.ema_generator.weights))
    assert _tiny_trainer().ema_generator is None


def test_pack_stacks_consecutive_images_along_channels():
    """Known answer: pack i holds images i*m .. i*m+m-1, channel-major per image."""
    from ganviz.image.models import pack

    x = np.arange(6 * 2 * 2 * 3, dtype=np.float32).reshape(6, 2, 2, 3)
    p = np.array(pack(x, 2))
    assert p.shape == (3, 2, 2, 6)
    for i in range(3):
        np.testing.assert_array_equal(p[i, ..., :3], x[2 * i])
        np.testing.assert_array_equal(p[i, ..., 3:], x[2 * i + 1])
    assert pack(x, 1) is x


@pytest.mark.parametrize("loss", ["non_saturating", "wasserstein_gp"])
def test_packed_discriminator_judges_packs(loss):
    """PacGAN: D takes m images in channels and gives one verdict per pack; a step trains both
    networks. Known answer: D's real-batch loss is the mean over the 4 packs of a batch of 8."""
    import tensorflow as tf

    trainer = _tiny_trainer(loss, packing=2)
    assert trainer.discriminator.input_shape == (None, 28, 28, 2)
    images, labels = _tiny_batches()
    real = tf.cast(images[0], tf.float32) / 127.5 - 1.0
    logits = trainer.discriminator(trainer._d_inputs(real, labels[0]), training=False)
    assert logits.shape == (4, 1)
    g_before = [np.array(v) for v in trainer.generator.trainable_variables]
    stats = trainer.train_chunk(images, labels)
    assert all(np.isfinite(v) for v in stats.values())
    assert _changed(g_before, trainer.generator.trainable_variables)
    if loss == "non_saturating":  # the loss is averaged over packs, not images
        per_pack = trainer.loss.discriminator(logits, logits)
        mean = tf.nn.compute_average_loss(per_pack, global_batch_size=trainer._d_batch)
        np.testing.assert_allclose(float(mean), float(tf.reduce_mean(per_pack)), rtol=1e-6)


def test_state_round_trip(tmp_path):
    trainer = _tiny_trainer()
    trainer.train_chunk(*_tiny_batches())
    trainer.save_state(tmp_path / "state", epoch=4)
    fresh = _tiny_trainer()
    assert fresh.load_state(tmp_path / "state") == 4
    assert int(fresh.step.numpy()) == 2
    for a, b in zip(trainer.g_optimizer.variables, fresh.g_optimizer.variables):
        np.testing.assert_array_equal(np.array(a), np.array(b))


def test_auxiliary_classifier_head_and_step():
    """AC-GAN head: D returns (n, 1 + classes); the class loss trains with the GAN loss."""
    arch = Architecture(latent_dim=8, base_filters=4, num_classes=3, auxiliary_classifier=True)
    d = models.build_discriminator(arch)
    logits = d([np.zeros((2, 28, 28, 1), np.float32), np.array([0, 2], np.int32)])
    assert tuple(logits.shape) == (2, 4)
    with pytest.raises(ValueError, match="needs num_classes"):
        Architecture(auxiliary_classifier=True)
    config = ImageGanConfig(model="cdcgan", batch_size=8, latent_dim=8, base_filters=4,
                                  steps_per_call=2, update="simultaneous")
    trainer = ImageGanTrainer(config, arch)
    stats = trainer.train_chunk(*_tiny_batches())
    assert all(np.isfinite(v) for v in stats.values())
    # with the auxiliary term D's loss exceeds the pure GAN loss's floor of 0 by the class CE
    assert stats["d_loss"] > 0
