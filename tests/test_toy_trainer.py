"""ToyTrainer: every dataset, loss and option trains; determinism; divergence; save/load."""

import numpy as np
import pytest

from ganviz.toy.config import LOSSES, ToyConfig
from ganviz.toy.datasets import DATASETS
from ganviz.toy.engine import METRICS, draw_latent
from ganviz.toy.trainer import ToyTrainer

SMALL = dict(g_width=16, d_width=16, batch_size=64)
STEPS = 200


def _check_trained(t: ToyTrainer, steps: int = STEPS):
    assert t.step == steps and t.diverged_at is None
    assert len(t.history) == steps
    for k in METRICS:
        assert np.isfinite(t.history.values[k]).all(), k
    s = t.sample(100, seed=1)
    assert s.shape == (100, 2) and s.dtype == np.float32 and np.isfinite(s).all()


@pytest.mark.parametrize("dataset", list(DATASETS) + ["points"])
def test_every_dataset_trains(dataset):
    points = np.random.default_rng(0).normal(size=(40, 2)) if dataset == "points" else None
    t = ToyTrainer(ToyConfig(dataset=dataset, **SMALL), points=points)
    t.train(STEPS)
    _check_trained(t)


OPTIONS = [dict(loss=name) for name in LOSSES] + [
    dict(combined_batch=False),
    dict(packing=2),
    dict(packing=4, combined_batch=False),
    dict(minibatch_discrimination=True),
    dict(spectral_norm=True),
    dict(r1_weight=1.0),
    dict(label_smoothing=0.1, label_noise=0.05),
    dict(g_optimizer="rmsprop", d_optimizer="sgd"),
    dict(latent_dim=1, latent_distribution="uniform", g_output="tanh"),
    dict(hidden_activation="relu"), dict(hidden_activation="tanh"),
    dict(hidden_activation="elu"), dict(hidden_activation="sigmoid"),
    dict(d_steps=3),
    dict(g_layers="8,16,8", d_layers="32"),
    dict(g_depth=1, d_depth=6),
    dict(latent_categories=3),
    dict(latent_categories=4, info_weight=1.0),
    dict(latent_categories=4, info_weight=1.0, combined_batch=False, minibatch_discrimination=True),
    dict(g_ema=0.99, lr_final=0.1),
    dict(info_weight=1.0, packing=2),  # inactive without categories and with packing: trains plain
]


@pytest.mark.parametrize("options", OPTIONS,
                         ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
def test_every_loss_and_option_trains(options):
    t = ToyTrainer(ToyConfig(dataset="ring8", **{**SMALL, **options}))
    t.train(STEPS)
    _check_trained(t)


def test_same_seed_same_history_other_seed_differs():
    c = ToyConfig(dataset="moons", seed=5, **SMALL)
    a, b = ToyTrainer(c), ToyTrainer(c)
    a.train(150)
    b.train(100)
    b.train(50)  # chunking does not change the result
    for k in METRICS:
        np.testing.assert_array_equal(a.history.values[k], b.history.values[k])
    np.testing.assert_array_equal(a.sample(50, 2), b.sample(50, 2))
    other = ToyTrainer(c.replace(seed=6))
    other.train(150)
    assert not np.array_equal(a.history.values["g_loss"], other.history.values["g_loss"])


def test_step_modes_and_reset():
    t = ToyTrainer(ToyConfig(**SMALL))
    g0 = [x.numpy().copy() for x in t.state["g"]]
    d0 = [x.numpy().copy() for x in t.state["d"]]
    t.train(5, mode="d")
    assert t.step == 5
    assert all(np.array_equal(a, b.numpy()) for a, b in zip(g0, t.state["g"]))  # G untouched
    assert not all(np.array_equal(a, b.numpy()) for a, b in zip(d0, t.state["d"]))
    d1 = [x.numpy().copy() for x in t.state["d"]]
    t.train(5, mode="g")
    assert all(np.array_equal(a, b.numpy()) for a, b in zip(d1, t.state["d"]))  # D untouched
    g_loss = t.history.values["g_loss"]
    assert np.isnan(g_loss[:5]).all() and np.isfinite(g_loss[5:]).all()
    t.reset()
    assert t.step == 0 and len(t.history) == 0
    assert all(np.array_equal(a, b.numpy()) for a, b in zip(g0, t.state["g"]))


def test_divergence_stops_and_keeps_last_finite_weights():
    c = ToyConfig(loss="least_squares", g_optimizer="sgd", d_optimizer="sgd", g_lr=1.0, d_lr=1.0,
                  g_beta1=0.99, d_beta1=0.99, **SMALL)
    t = ToyTrainer(c)
    t.train(300)
    assert t.diverged_at is not None and t.diverged_at < 300
    assert t.step == t.diverged_at and len(t.history) == t.diverged_at
    assert all(np.isfinite(x.numpy()).all() for x in t.state["g"] + t.state["d"])
    assert np.isfinite(t.sample(100)).all()
    before = t.step
    t.train(10)  # a diverged run stays paused
    assert t.step == before


def test_snapshot_views():
    t = ToyTrainer(ToyConfig(dataset="circle", **SMALL))
    t.train(50)
    s = t.snapshot()
    assert s.step == 50 and s.fake.shape == (512, 2) and s.real.shape == (512, 2)
    assert s.d_grid.shape == (len(s.grid_y), len(s.grid_x))
    assert s.d_is_probability and (0 <= s.d_grid).all() and (s.d_grid <= 1).all()
    assert s.fake_grad.shape == (512, 2) and np.abs(s.fake_grad).sum() > 0
    assert s.manifold.shape == (21, 21, 2)
    t1 = ToyTrainer(ToyConfig(latent_dim=1, **SMALL)).snapshot()
    assert t1.manifold.shape == (21, 1, 2)


def test_snapshot_fake_is_generator_on_fixed_noise():
    t = ToyTrainer(ToyConfig(**SMALL))
    a = t.snapshot().fake
    assert np.array_equal(a, t.snapshot().fake)
    t.train(20)
    assert not np.array_equal(a, t.snapshot().fake)


def test_update_config_hot_and_rebuild():
    t = ToyTrainer(ToyConfig(**SMALL))
    t.train(20)
    assert t.update_config(t.config.replace(g_lr=1e-4, loss="hinge")) == []
    assert t.step == 20
    t.train(10)
    assert t.step == 30
    assert t.update_config(t.config.replace(g_width=8)) == ["g_width"]
    assert t.step == 0


def test_save_load_round_trip(tmp_path):
    t = ToyTrainer(ToyConfig(dataset="parabola", **SMALL))
    t.train(60)
    path = t.save(tmp_path / "run")
    u = ToyTrainer.load(path)
    assert u.config == t.config and u.step == 60 and len(u.history) == 60
    np.testing.assert_array_equal(t.sample(30, 1), u.sample(30, 1))
    t.train(10)
    u.train(10)
    np.testing.assert_array_equal(t.sample(30, 1), u.sample(30, 1))
    t.save(path)  # overwriting an existing save is atomic and works
    assert ToyTrainer.load(path).step == 70


def test_load_refuses_garbage(tmp_path):
    (tmp_path / "x").mkdir()
    with pytest.raises(ValueError, match="not a saved toy GAN"):
        ToyTrainer.load(tmp_path / "x")
    (tmp_path / "x" / "config.json").write_text("{not json")
    (tmp_path / "x" / "weights.npz").write_bytes(b"junk")
    with pytest.raises(ValueError, match="cannot read saved toy GAN"):
        ToyTrainer.load(tmp_path / "x")


def test_info_weight_gives_each_category_a_mode_of_its_own():
    """InfoGAN's term on gaussians2 (two far blobs) with 2 categories: G learns to send each
    category to one blob (category purity near 1); the known answer of Chen et al.'s L_I."""
    cfg = ToyConfig(dataset="gaussians2", latent_dim=2, latent_categories=2, info_weight=1.0,
                    g_width=32, d_width=32, batch_size=128, g_lr=1e-3, d_lr=1e-3, seed=3)
    t = ToyTrainer(cfg)
    t.train(1500)
    z = draw_latent(np.random.default_rng(0), 2000, cfg)
    x = t.engine.sample(t.state, z[None])[0]
    centres = t.dataset.centres
    near = np.argmin(((x[:, None] - centres[None]) ** 2).sum(-1), axis=1)
    cat = z[:, -2:].argmax(1)
    purity = [np.bincount(near[cat == k], minlength=2).max() / (cat == k).sum() for k in (0, 1)]
    assert min(purity) > 0.9, purity
    assert {np.bincount(near[cat == k], minlength=2).argmax() for k in (0, 1)} == {0, 1}
