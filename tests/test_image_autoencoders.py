"""ganviz.image.autoencoders: the `ae` and `vae` registry entries trained for a few epochs on a
few hundred small synthetic images, their checkpoints (sampled from N(0, I), reconstructions),
resume, and the KL / reparameterisation maths against NumPy."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from ganviz.image import autoencoders
from ganviz.image.card import CheckpointError
from ganviz.image.config import ImageGanConfig
from ganviz.image.data import ImageDataset
from ganviz.image.models import MODELS, Architecture
from tests.bar_images import bar_images

EPOCHS = 3  # two trained fresh, the third by --resume




def _config(model: str, epochs: int) -> ImageGanConfig:
    """A tiny, fast run: a higher learning rate and lower beta_1 than the models' recipe (Adam's
    defaults), so 60 steps learn the bars."""
    return ImageGanConfig(dataset="bars", model=model, epochs=epochs, batch_size=16,
                          latent_dim=4, base_filters=8, g_learning_rate=2e-3, beta_1=0.5,
                          steps_per_call=5, eval_samples=64, epoch_samples=16)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """model -> (checkpoint folder, the resumed run's TrainResult): 2 epochs, then 1 more."""
    from ganviz.image.train import train

    data = ImageDataset("bars", bar_images(320, 0), None, bar_images(64, 1), None, None,
                        "synthetic")
    root = tmp_path_factory.mktemp("autoencoders")
    out = {}
    for model in ("ae", "vae"):
        train(_config(model, EPOCHS - 1), data, root / model, progress=False, command="first")
        result = train(_config(model, EPOCHS), data, root / model, resume=True,
                       progress=False, command="second")
        out[model] = (root / model, result)
    return out


def test_registry_entries_and_cli_choices(capsys):
    from ganviz.__main__ import build_parser

    assert MODELS["ae"].trainer is autoencoders.AeTrainer
    assert MODELS["vae"].trainer is autoencoders.VaeTrainer
    assert not MODELS["ae"].conditional and not MODELS["vae"].conditional
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--help"])
    text = capsys.readouterr().out
    assert "ae:" in text and "vae:" in text


@pytest.mark.parametrize("model", ["ae", "vae"])
def test_losses_are_finite_and_reconstruction_falls(runs, model):
    _, result = runs[model]
    history = result.history
    assert [h["epoch"] for h in history] == [1, 2, 3]
    for h in history:
        assert all(np.isfinite(v) for v in h.values() if isinstance(v, float))
    assert history[-1]["reconstruction"] < 0.9 * history[0]["reconstruction"]


def test_vae_records_a_positive_kl_and_latent_stats(runs):
    vae = runs["vae"][1].history
    ae = runs["ae"][1].history
    for h in vae:
        assert h["kl"] > 0
        np.testing.assert_allclose(h["loss"], h["reconstruction"] + h["kl"], rtol=1e-4)
        assert h["latent_mean_sq"] >= 0 and 0 < h["posterior_std"] < 5
    assert "kl" not in ae[0] and "posterior_std" not in ae[0] and "latent_mean_sq" in ae[0]
    # the chapter's point: nothing pulls the AE's codes to N(0, I), so they drift far from it
    assert ae[-1]["latent_mean_sq"] > 3 * vae[-1]["latent_mean_sq"]


@pytest.mark.parametrize("model", ["ae", "vae"])
def test_checkpoint_samples_and_reconstructs(runs, model):
    from ganviz.image.checkpoints import load

    folder, _ = runs[model]
    ckpt = load(folder)
    card = json.loads((folder / "card.json").read_text())
    assert card["model"] == model and card["epochs"] == EPOCHS and card["hardware"]
    samples = ckpt.sample(8, seed=3)
    assert samples.shape == (8, 28, 28, 1) and samples.dtype == np.uint8
    real = ckpt.reference_images[:12]
    rebuilt = autoencoders.reconstructor(ckpt)(real)
    assert rebuilt.shape == real.shape and rebuilt.dtype == np.uint8
    # each reconstruction is nearer its own input than the input with the bar elsewhere
    err = np.abs(rebuilt.astype(float) - real).mean(axis=(1, 2, 3))
    other = np.abs(rebuilt.astype(float) - np.roll(real, 1, axis=0)).mean(axis=(1, 2, 3))
    assert np.all(err < other)
    codes = autoencoders.load_autoencoder(ckpt).encode(real)
    assert codes.shape == (12, 4) and codes.dtype == np.float32
    with pytest.raises(ValueError, match=r"images must be \(n, 28, 28, 1\) uint8"):
        autoencoders.reconstructor(ckpt)(real.astype(np.float32))


@pytest.mark.parametrize("model", ["ae", "vae"])
def test_resume_continues_the_run(runs, model):
    folder, result = runs[model]
    progress = json.loads((folder / "state" / "progress.json").read_text())
    assert progress == {"epoch": EPOCHS, "step": EPOCHS * (320 // 16)}
    assert result.epochs == EPOCHS
    assert json.loads((folder / "card.json").read_text())["command"] == "first ; second"
    assert (folder / "encoder" / "encoder.keras").is_file()


def test_kl_matches_numpy():
    """1/2 sum(mu^2 + sigma^2 - log sigma^2 - 1): 0 at the prior, 1/2 per unit shift of mu."""
    rng = np.random.default_rng(0)
    mean = rng.normal(size=(5, 3)).astype(np.float32)
    log_var = rng.normal(size=(5, 3)).astype(np.float32)
    expected = 0.5 * np.sum(mean ** 2 + np.exp(log_var) - log_var - 1, axis=1)
    np.testing.assert_allclose(autoencoders.kl_to_standard_normal(mean, log_var), expected,
                               rtol=1e-5)
    zeros = np.zeros((1, 3), np.float32)
    np.testing.assert_allclose(autoencoders.kl_to_standard_normal(zeros, zeros), [0.0])
    np.testing.assert_allclose(autoencoders.kl_to_standard_normal(zeros + 1, zeros), [1.5])


def test_reparameterisation_draws_from_the_posterior():
    """z = mu + sigma * eps: (z - mu) / sigma is standard normal, and gradients reach mu."""
    import tensorflow as tf

    trainer = autoencoders.VaeTrainer(_config("vae", 1), Architecture(latent_dim=4,
                                                                      base_filters=4))
    x = tf.constant(bar_images(256, 2), tf.float32) / 127.5 - 1.0
    with tf.GradientTape() as tape:
        z, kl, mean, std = trainer._code(x)
        total = tf.reduce_sum(z)
    eps = np.asarray((z - mean) / std)
    assert abs(eps.mean()) < 0.1 and abs(eps.std() - 1) < 0.1
    assert np.all(np.asarray(kl) > 0)
    grads = tape.gradient(total, trainer.encoder.trainable_variables)
    assert all(g is not None for g in grads)


@pytest.mark.parametrize("kwargs, message", [
    ({"g_ema": 0.9}, "does not average weights"),
    ({"strategy": "mirrored"}, "trains on one device"),
])
def test_trainer_refuses_gan_only_options(kwargs, message):
    config = ImageGanConfig(model="ae", batch_size=8, **kwargs)
    with pytest.raises(ValueError, match=message):
        autoencoders.AeTrainer(config, Architecture(latent_dim=4, base_filters=4))


def test_reconstruction_needs_an_autoencoder_checkpoint(tmp_path):
    gan = SimpleNamespace(name="gan", path=tmp_path, card=SimpleNamespace(
        spec=MODELS["dcgan"], model="dcgan"))
    with pytest.raises(CheckpointError, match="is a dcgan, not an autoencoder"):
        autoencoders.load_autoencoder(gan)
    old = SimpleNamespace(name="old", path=tmp_path, card=SimpleNamespace(
        spec=MODELS["vae"], model="vae"))
    with pytest.raises(CheckpointError, match="lacks encoder/encoder.keras"):
        autoencoders.load_autoencoder(old)
