"""ganviz.image.began: the `began` registry entry trained for a few epochs on a few hundred small
synthetic images (finite losses, k_t in [0, 1] and moving, M_global recorded, resume), and the
k_t update, convergence measure and reconstruction loss against hand-computed numbers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ganviz.image import began
from ganviz.image.config import ImageGanConfig
from ganviz.image.data import ImageDataset
from ganviz.image.models import MODELS, Architecture
from tests.bar_images import bar_images

EPOCHS = 3  # two trained fresh, the third by --resume
N_IMAGES, BATCH = 320, 16




def _config(epochs: int) -> ImageGanConfig:
    return ImageGanConfig(dataset="bars", model="began", epochs=epochs, batch_size=BATCH,
                          latent_dim=8, base_filters=8, steps_per_call=5, eval_samples=64,
                          epoch_samples=16)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """(checkpoint folder, the resumed run's TrainResult): 2 epochs, then 1 more."""
    from ganviz.image.train import train

    data = ImageDataset("bars", bar_images(N_IMAGES, 0), None, bar_images(64, 1), None, None,
                        "synthetic")
    folder = tmp_path_factory.mktemp("began") / "run"
    train(_config(EPOCHS - 1), data, folder, progress=False, command="first")
    result = train(_config(EPOCHS), data, folder, resume=True, progress=False,
                   command="second")
    return folder, result


def test_registry_entry():
    spec = MODELS["began"]
    assert spec.trainer is began.BeganTrainer and not spec.conditional and not spec.packing
    config = _config(1)
    assert (config.optimizer, config.g_learning_rate, config.d_learning_rate) == ("adam", 1e-4,
                                                                                  1e-4)


def test_losses_finite_k_in_range_and_moving(run):
    _, result = run
    history = result.history
    assert [h["epoch"] for h in history] == [1, 2, 3]
    for h in history:
        for name in began.STAT_NAMES:
            assert np.isfinite(h[name]), (name, h)
        assert 0.0 <= h["k_t"] <= 1.0
        assert h["m_global"] >= h["loss_real"] > 0  # M = L(x) + |gamma L(x) - L(G(z))|
        assert h["g_loss"] == h["loss_fake"]
    assert history[-1]["k_t"] > 0.0  # k_t starts at 0
    # resume carries k_t on: it keeps growing from where epoch 2 left it
    assert history[2]["k_t"] > history[0]["k_t"]


def test_checkpoint_samples_images(run):
    from ganviz.image.checkpoints import load

    folder, _ = run
    ckpt = load(folder)
    samples = ckpt.sample(8, seed=3)
    assert samples.shape == (8, 28, 28, 1) and samples.dtype == np.uint8
    z = np.random.default_rng(0).standard_normal((8, 8)).astype(np.float32)
    images = np.asarray(ckpt.generator(z, training=False))
    assert images.shape == (8, 28, 28, 1)
    assert np.all(np.abs(images) <= 1.0) and images.std() > 0


def test_resume_continues_the_run(run):
    folder, result = run
    progress = json.loads((folder / "state" / "progress.json").read_text())
    assert progress["epoch"] == EPOCHS and progress["step"] == EPOCHS * (N_IMAGES // BATCH)
    assert 0.0 < progress["k"] <= 1.0
    assert result.epochs == EPOCHS
    assert json.loads((folder / "card.json").read_text())["command"] == "first ; second"
    trainer = began.BeganTrainer(_config(EPOCHS), Architecture(latent_dim=8, base_filters=8))
    assert trainer.load_state(folder / "state") == EPOCHS
    assert float(trainer.k.numpy()) == pytest.approx(progress["k"])
    assert int(trainer.step.numpy()) == progress["step"]


def test_k_update_and_convergence_measure_known_answers():
    # 0.3 + 0.001 (0.5 * 0.2 - 0.05) = 0.30005
    assert float(began.update_k(0.3, 0.2, 0.05)) == pytest.approx(0.30005, abs=1e-7)
    assert float(began.update_k(0.0, 0.1, 0.9)) == 0.0  # clipped below
    assert float(began.update_k(0.999, 1.0, 0.0, lambda_k=0.01)) == 1.0  # clipped above
    assert float(began.update_k(0.5, 0.4, 0.2, gamma=0.5)) == pytest.approx(0.5)  # equilibrium
    # 0.2 + |0.5 * 0.2 - 0.05| = 0.25;  0.2 + |0.1 - 0.3| = 0.4;  gamma 0.7: 1 + |0.7 - 0.7|
    assert float(began.convergence_measure(0.2, 0.05)) == pytest.approx(0.25)
    assert float(began.convergence_measure(0.2, 0.3)) == pytest.approx(0.4)
    assert float(began.convergence_measure(1.0, 0.7, gamma=0.7)) == pytest.approx(1.0)


def test_reconstruction_loss_matches_numpy():
    rng = np.random.default_rng(0)
    a, b = (rng.uniform(-1, 1, (3, 4, 4, 1)).astype(np.float32) for _ in range(2))
    assert float(began.reconstruction_loss(a, b)) == pytest.approx(np.abs(a - b).mean(), rel=1e-6)


def test_one_step_records_the_papers_quantities():
    """From k_0 = 0: L_D = L(x), L_G = L(G(z)), k_1 = update_k(0, ...), M from the same L."""
    trainer = began.BeganTrainer(_config(1), Architecture(latent_dim=8, base_filters=8))
    stats = trainer.train_chunk(bar_images(BATCH, 2)[None], np.zeros((1, BATCH), np.int32))
    assert list(stats) == list(began.STAT_NAMES)
    assert stats["d_loss"] == pytest.approx(stats["loss_real"])
    assert stats["g_loss"] == pytest.approx(stats["loss_fake"])
    k1 = float(began.update_k(0.0, stats["loss_real"], stats["loss_fake"]))
    assert stats["k_t"] == pytest.approx(k1) and float(trainer.k.numpy()) == pytest.approx(k1)
    m = float(began.convergence_measure(stats["loss_real"], stats["loss_fake"]))
    assert stats["m_global"] == pytest.approx(m)


def test_refuses_what_it_cannot_do():
    arch = Architecture(latent_dim=8, base_filters=8)
    with pytest.raises(ValueError, match="g_ema 0"):
        began.BeganTrainer(ImageGanConfig(model="began", g_ema=0.9), arch)
    with pytest.raises(ValueError, match="d_steps 1"):
        began.BeganTrainer(ImageGanConfig(model="began", d_steps=5), arch)


def test_gamma_and_lambda_k_come_from_the_config():
    from ganviz.image.config import ImageGanConfig
    from ganviz.image.models import Architecture

    config = ImageGanConfig(model="began", gamma=0.7, lambda_k=0.01, k_init=0.25,
                            base_filters=8, latent_dim=4)
    trainer = began.BeganTrainer(config, Architecture(base_filters=8, latent_dim=4))
    assert (trainer.gamma, trainer.lambda_k, float(trainer.k.numpy())) == (0.7, 0.01, 0.25)
    with pytest.raises(ValueError, match="gamma must be in"):
        ImageGanConfig(model="began", gamma=0.0)
    with pytest.raises(ValueError, match="lambda_k must be in"):
        ImageGanConfig(model="began", lambda_k=-1.0)
    with pytest.raises(ValueError, match="k_init must be in"):
        ImageGanConfig(model="began", k_init=1.5)
