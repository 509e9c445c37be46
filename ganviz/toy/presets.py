"""Named ToyConfig recipes: each dataset's default, and the "why circles fail" story.

A preset is a dataset plus the fields it changes from ToyConfig's defaults; ``config(name)``
builds the validated ToyConfig. The defaults of each dataset are the recipes measured in
``benchmarks/toy_modes.py`` (see docs/why-circles-fail.md for the circle presets).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ganviz.toy.config import ToyConfig


@dataclass(frozen=True)
class Preset:
    name: str
    dataset: str
    description: str
    overrides: dict[str, Any] = field(default_factory=dict)

    def config(self, **changes: Any) -> ToyConfig:
        return ToyConfig(dataset=self.dataset).replace(**{**self.overrides, **changes})


# The asker's setup in "why GAN cannot generate samples from some distributions" (FACTS.md):
# latent 128 ~ N(0, 1); G and D Dense 64 -> 128, LeakyReLU(0.2); G tanh out; Adam(2e-4, 0.5);
# batch 32; D trained on a real batch and a fake batch separately; 10,000 steps.
SO_QUESTION = dict(
    latent_dim=128, latent_distribution="normal", g_layers="64,128", d_layers="64,128",
    hidden_activation="leaky_relu", leaky_slope=0.2, g_output="tanh", batch_size=32,
    g_optimizer="adam", d_optimizer="adam", g_lr=2e-4, d_lr=2e-4, g_beta1=0.5, d_beta1=0.5,
    loss="non_saturating", d_steps=1, combined_batch=False, dataset_size=10_000, steps=10_000,
)
FIX_COMBINED = dict(combined_batch=True)
FIX_BATCH = dict(batch_size=256)
FIX_SMALL_G = dict(g_layers="16,32")

# Each dataset's default, measured by benchmarks/toy_modes.py (10 seeds; numbers in
# docs/toy-modes-results.md). The recipe search (lr, beta1, widths, depth, batch, packing,
# minibatch discrimination, R1, hinge, WGAN-GP, latent 1/2/8 normal or uniform, D steps) is in
# docs/toy-recipe-search.md: on ring8 and grid25 what limits "high quality" is first the thin
# bridges of samples between modes that a continuous generator of a connected latent draws,
# then the blur of each mode. ring8's categorical recipe with a uniform latent averages 99.2%
# with 8/8 modes (10 seeds, all >= 98.6%); grid25's, with 25 categories at lr 3e-3,
# 25/25 modes and >= 95% in 9 of 10 seeds (97.7% on average).
_DEFAULT = dict(latent_dim=2, g_depth=2, g_width=64, d_depth=2, d_width=64, batch_size=256,
                g_lr=3e-4, d_lr=3e-4, g_beta1=0.5, d_beta1=0.5, loss="non_saturating", steps=5000)
# ring8 and grid25: what limits "high quality" is blur (G jittering around each mode) and the
# thin bridges of samples between modes that a continuous generator of a connected latent must
# draw (docs/toy-recipe-search.md). Annealing the learning rates to 3% over the second half of
# training removes most of the blur (ring8, 10 seeds: 79% high quality at 12,000 steps, against
# 70% at 6,000 steps constant); exact discriminator rejection sampling removes most bridges
# (ring8: ~91%, energy distance ~0.002, every mode at its weight). The DRS paper's gamma shift
# (rejection_percentile 95: the "-sharp" preset) reaches 97.6-99.3% with 8/8 modes in 10/10
# seeds, but by keeping what D likes best it skews the modes' weights (energy distance ~0.19):
# precision bought with recall, so it is a preset to compare, not the default.
_ANNEAL_DRS = dict(lr_final=0.03, rejection_sampling=True)
# ring8: lr 3e-4 rather than GAN Lab's 1e-3 keeps all 8 modes and about halves the bridges.
_RING8_CONNECTED = dict(_DEFAULT, steps=12_000, **_ANNEAL_DRS)
# The ring8 default removes the bridges at their source: a latent of 8 categories with
# InfoGAN's mutual-information term (each category must draw a region of its own, so G never
# joins two modes; raw generator 85-99% high quality, every mode at its weight), G weight
# averaging against the remaining jitter (+3-9 points) and a D of 128 units, which resolves the
# modes' 0.01 scale better than 64 (10 seeds: 97.0 +- 0.5%; info weight 2 lifted the two
# weakest seeds but averaged 96.4% over ten); docs/toy-recipe-search.md, third round.
# Rejection sampling no longer adds anything there, so it is off. The continuous part of the
# latent is uniform on [-1, 1]^2 rather than normal: a bounded latent has no tails for G to map
# outside a mode's 3-std disc, which is where the misses of the normal latent lay (all within
# 6 std of a centre); the weakest seeds went from 93.2 / 96.2% to 97.7 / 99.9%. It also needs
# fewer steps: 9,000 rather than 12,000 (seeds 1, 4, 6: 98.6-98.9%; 8,000: 97.8-98.3%), which
# keeps a CLI run well inside a minute (docs/toy-recipe-search.md, fourth round).
_RING8 = dict(_DEFAULT, steps=9_000, lr_final=0.03, latent_categories=8, info_weight=1.0,
              g_ema=0.999, d_width=128, latent_distribution="uniform")
# grid25: a third generator layer of 128 is what lets G carve the latent into ~25 cells (two
# layers, or three of 64, reach 13-20 modes); lr 1e-3 carves them faster than 3e-4.
_GRID25_CONNECTED = dict(_DEFAULT, g_depth=3, g_width=128, d_width=128, g_lr=1e-3, d_lr=1e-3,
                         steps=12_000, **_ANNEAL_DRS)
# The grid25 default is ring8's recipe with 25 categories: a uniform continuous latent, InfoGAN's
# term, G weight averaging, D 128; G's two layers of 64 suffice (the categories carve the latent,
# not G) and lr 3e-3 (annealed to 3%) lets all 25 categories find a mode of their own (3e-4
# leaves 3-4 categories between modes, 1e-3 one or two, 2e-3 five to seven on 5 of 10 seeds;
# docs/toy-recipe-search.md, fourth round).
_GRID25 = dict(_DEFAULT, steps=8000, g_lr=3e-3, d_lr=3e-3, lr_final=0.03, latent_categories=25,
               info_weight=1.0, g_ema=0.999, d_width=128, latent_distribution="uniform")
# gaussians2 and disjoint3 (separate blobs): a latent of 6 categories lets G keep the blobs
# apart instead of joining them; annealing and exact rejection sampling as above (3 seeds:
# disjoint3 energy distance 0.0021-0.0065 against 0.022 for the plain 4,000-step recipe).
_SEPARATE = dict(steps=8000, lr_final=0.1, latent_categories=6, rejection_sampling=True)
# gaussians2: with 6 categories the two hills get 3 + 3 or 4 + 2 of them, so their weights come
# out uneven (10 seeds: energy distance <= 0.01 in 3). Two categories with InfoGAN's term (one
# per hill, equal weights) and G weight averaging: the three worst seeds 0.0016-0.0066.
_GAUSSIANS2 = dict(_SEPARATE, latent_categories=2, info_weight=0.5, g_ema=0.999,
                   rejection_sampling=False)

PRESETS: dict[str, Preset] = {p.name: p for p in [
    # ---- each dataset's default recipe ------------------------------------------------
    Preset("parabola-default", "parabola", "A small GAN that learns the parabola.", dict(_DEFAULT)),
    Preset("circle-default", "circle", "A recipe that learns the circle well.",
           dict(_DEFAULT, steps=6000)),
    Preset("moons-default", "moons", "Learns both moons.", dict(_DEFAULT, steps=6000)),
    Preset("swiss_roll-default", "swiss_roll", "Learns the swiss roll.",
           dict(_DEFAULT, steps=6000)),
    Preset("ring8-default", "ring8", "All 8 modes of the ring.", _RING8),
    Preset("grid25-default", "grid25", "All 25 modes of the grid.", _GRID25),
    Preset("grid25-connected", "grid25", "A plain connected latent (G 3 x 128) with annealing and "
           "exact rejection sampling: most modes, joined by bridges.", _GRID25_CONNECTED),
    Preset("ring8-connected", "ring8", "A plain connected latent with annealing and exact "
           "rejection sampling: G must draw thin bridges between the modes, DRS removes most.",
           _RING8_CONNECTED),
    Preset("ring8-sharp", "ring8", "ring8-connected with strict rejection sampling: nearly every "
           "sample on a mode, but the modes' weights skewed (precision bought with recall).",
           dict(_RING8_CONNECTED, rejection_percentile=95.0)),
    Preset("grid25-sharp", "grid25", "grid25-connected with strict rejection sampling.",
           dict(_GRID25_CONNECTED, rejection_percentile=95.0)),
    Preset("gaussians2-default", "gaussians2", "Two Gaussian hills.",
           dict(_DEFAULT, **_GAUSSIANS2)),
    Preset("line-default", "line", "A line segment.", dict(_DEFAULT, steps=8000, lr_final=0.1)),
    Preset("disjoint3-default", "disjoint3", "Three blobs.", dict(_DEFAULT, **_SEPARATE)),
    Preset("spiral-default", "spiral", "The spiral.", dict(_DEFAULT, steps=6000)),
    Preset("points-default", "points", "Your own points.", dict(_DEFAULT)),
    # ---- the Stack Overflow circle story ---------------------------------------------
    Preset("so-question", "circle", "The asker's setup: fails on the circle.", dict(SO_QUESTION)),
    Preset("so-answer", "circle", "All three fixes of the accepted answer.",
           {**SO_QUESTION, **FIX_COMBINED, **FIX_BATCH, **FIX_SMALL_G}),
    Preset("so-question+combined", "circle", "Fix 1 only: real and fake in one D batch.",
           {**SO_QUESTION, **FIX_COMBINED}),
    Preset("so-question+batch256", "circle", "Fix 2 only: batch 256.",
           {**SO_QUESTION, **FIX_BATCH}),
    Preset("so-question+small-g", "circle", "Fix 3 only: a 16-32 generator.",
           {**SO_QUESTION, **FIX_SMALL_G}),
    Preset("so-question+radius0.5", "circle", "The asker's setup on a circle of radius 0.5 "
           "(tanh's saturation out of play).", {**SO_QUESTION, "circle_radius": 0.5}),
    Preset("so-question+linear", "circle", "The asker's setup with a linear generator output.",
           {**SO_QUESTION, "g_output": "linear"}),
    Preset("so-parabola", "parabola", "The asker's setup on the parabola, where it works.",
           dict(SO_QUESTION)),
]}

BENCH = dict(dataset="ring8", batch_size=256, g_depth=2, g_width=32, d_depth=2, d_width=32,
             hidden_activation="leaky_relu", latent_dim=2, g_optimizer="adam", d_optimizer="adam",
             loss="non_saturating")
"""The throughput benchmark's config (issue: ring8, batch 256, 2 x 32 leaky ReLU, latent 2)."""


def preset_names(dataset: str | None = None) -> list[str]:
    return [n for n, p in PRESETS.items() if dataset is None or p.dataset == dataset]


def default_preset(dataset: str) -> str:
    return f"{dataset}-default"


def get_preset(name: str) -> Preset:
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}")
    return PRESETS[name]


def choose(preset: str | None, dataset: str | None, default_dataset: str) -> Preset:
    """The preset named, else ``dataset``'s (or ``default_dataset``'s) default recipe."""
    from ganviz.toy.datasets import dataset_names

    if preset:
        return get_preset(preset)
    dataset = dataset or default_dataset
    if dataset not in dataset_names():
        raise ValueError(f"unknown dataset {dataset!r}; choose from {', '.join(dataset_names())}")
    return get_preset(default_preset(dataset))


def config(name: str, **changes: Any) -> ToyConfig:
    """The validated ToyConfig of preset ``name`` with ``changes`` applied."""
    return get_preset(name).config(**changes)


def dataset_default(dataset: str, **changes: Any) -> ToyConfig:
    """The default recipe of ``dataset``."""
    return config(default_preset(dataset), **changes)
