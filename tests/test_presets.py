"""Presets: every recipe builds a valid config and trains; the Stack Overflow story's presets
say exactly what FACTS.md says; the benchmarks' pass/fail thresholds give known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchmarks.circle_story import COVERAGE_MIN, RADIAL_MAX, succeeded
from benchmarks.toy_modes import ED_MAX
from ganviz.toy import presets
from ganviz.toy.config import ToyConfig
from ganviz.toy.datasets import DATASETS, dataset_names, get_dataset
from ganviz.toy.metrics import circle_diagnostics, energy_distance

NAMES = [n for n in presets.preset_names() if presets.get_preset(n).dataset != "points"]


@pytest.mark.parametrize("name", presets.preset_names())
def test_every_preset_builds_a_valid_config(name):
    config = presets.config(name)
    assert isinstance(config, ToyConfig)
    assert config.dataset == presets.get_preset(name).dataset
    assert config == ToyConfig.from_dict(config.to_dict())  # round-trips through JSON fields


def test_every_dataset_has_its_default():
    for dataset in dataset_names():
        assert presets.default_preset(dataset) in presets.PRESETS
        assert presets.dataset_default(dataset).dataset == dataset
    assert presets.dataset_default("ring8", seed=3).seed == 3


def test_every_preset_trains_a_few_steps():
    """One trainer per distinct network structure (compiling is the slow part), 3 steps each."""
    from ganviz.toy.trainer import ToyTrainer

    seen = set()
    for name in NAMES:
        config = presets.config(name)
        key = (config.g_hidden, config.d_hidden, config.latent_dim, config.g_output,
               config.batch_size, config.combined_batch, config.packing, config.loss)
        if key in seen:
            continue
        seen.add(key)
        trainer = ToyTrainer(config, chunk=3, jit_compile=False)
        trainer.train(3)
        assert trainer.step == 3 and trainer.diverged_at is None, name
        x = trainer.sample(16, seed=0)
        assert x.shape == (16, 2) and np.isfinite(x).all(), name
    assert len(seen) >= 6


def test_so_question_is_the_askers_setup():
    c = presets.config("so-question")
    assert (c.dataset, c.circle_radius, c.dataset_size) == ("circle", 1.0, 10_000)
    assert (c.latent_dim, c.latent_distribution) == (128, "normal")
    assert c.g_hidden == (64, 128) and c.d_hidden == (64, 128)
    assert (c.hidden_activation, c.leaky_slope, c.g_output) == ("leaky_relu", 0.2, "tanh")
    assert (c.g_optimizer, c.g_lr, c.g_beta1) == ("adam", 2e-4, 0.5)
    assert (c.d_optimizer, c.d_lr, c.d_beta1) == ("adam", 2e-4, 0.5)
    assert (c.batch_size, c.combined_batch, c.d_steps, c.steps) == (32, False, 1, 10_000)
    assert c.loss == "non_saturating" and c.packing == 1 and c.r1_weight == 0


@pytest.mark.parametrize("name, change", [
    ("so-answer", {"combined_batch": True, "batch_size": 256, "g_layers": "16,32"}),
    ("so-question+combined", {"combined_batch": True}),
    ("so-question+batch256", {"batch_size": 256}),
    ("so-question+small-g", {"g_layers": "16,32"}),
    ("so-question+radius0.5", {"circle_radius": 0.5}),
    ("so-question+linear", {"g_output": "linear"}),
    ("so-parabola", {"dataset": "parabola"}),
])
def test_each_story_preset_changes_exactly_its_fix(name, change):
    assert presets.config(name).diff(presets.config("so-question")) == change


def test_circle_success_threshold_known_answers():
    a = np.random.default_rng(0).uniform(0, 2 * math.pi, 2500)
    ring = np.stack([np.cos(a), np.sin(a)], 1)
    assert succeeded(circle_diagnostics(ring).to_dict())
    # points 10% off the radius fail on radial error; a half circle fails on coverage
    assert not succeeded(circle_diagnostics(1.1 * ring).to_dict())
    half = ring[ring[:, 1] > 0]
    d = circle_diagnostics(half).to_dict()
    assert d["radial_error"] <= RADIAL_MAX and d["angular_coverage"] < COVERAGE_MIN
    assert not succeeded(d)
    # the radius is the preset's: a circle of radius 0.5 judged against 0.5 succeeds
    assert succeeded(circle_diagnostics(0.5 * ring, radius=0.5).to_dict())


def test_distance_threshold_known_answers():
    """Two real samples pass ED <= ED_MAX on every dataset; a collapse to one point fails."""
    for name in DATASETS:
        ds = get_dataset(name)
        real_a, real_b = ds.sample(1000, 1), ds.sample(1000, 2)
        assert energy_distance(real_a, real_b) <= ED_MAX, name
        collapsed = np.repeat(real_a[:1], 1000, axis=0)
        assert energy_distance(collapsed, real_b) > ED_MAX, name
