"""Streamlit pieces of the Model zoo page: the sidebar (keys zoo_*), cached computation of each
model's row (`ganviz.judge.zoo`), and the drawing of a Comparison.

Each model's row is cached on its own (`st.cache_resource`, keyed by checkpoint path, its
card's modification time, the reference checkpoint and the ZooConfig fields), so adding a
fourth model to three computes one row, and a rerun with the same picks computes nothing. The
cached objects are frozen, with read-only arrays, and shared by every session.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ganviz import checkpoints as ckpts
from ganviz.judge import zoo
from ganviz.plots import images as pictures
from ganviz.plots import scorecard as scorecard_plots
from ganviz.plots import zoo as plots
from ganviz.ui.images import load_checkpoint

SAMPLE_CHOICES = (200, 500, 1000, 2000)
MAX_SEED = 2**31 - 1


@dataclass(frozen=True)
class Picks:
    """What the sidebar asks for: checkpoint names (in pick order) and the ZooConfig."""

    names: tuple[str, ...]
    config: zoo.ZooConfig


def _cards() -> dict[str, ckpts.Card]:
    return {s.name: s.card for s in ckpts.list_checkpoints() if s.ok and s.card is not None}


def sidebar() -> Picks:
    """The widgets: models (grouped by dataset), samples per model, seeds, path steps."""
    cards = _cards()
    options = sorted(cards, key=lambda n: (cards[n].dataset, n))  # grouped by dataset
    sb = st.sidebar
    names = sb.multiselect(
        "Models (2 to 4 of one dataset)", options, default=zoo.default_picks(cards),
        key="zoo_models", format_func=lambda n: f"{cards[n].dataset} · {n} ({cards[n].model})",
        help="Checkpoints trained on the same data; each is judged against the first one's "
             "held-out reference images.")
    samples = sb.select_slider("Samples per model", SAMPLE_CHOICES, value=1000, key="zoo_samples",
                               help="For the metrics and sharpness. More is steadier and slower; "
                                    "FID depends on it, so compare numbers at one setting.")
    seed = sb.number_input("Latent seed (grids and metrics)", 0, MAX_SEED, 0, key="zoo_seed")
    sb.divider()
    seed_a = sb.number_input("Path seed A", 0, MAX_SEED, 1, key="zoo_seed_a")
    seed_b = sb.number_input("Path seed B", 0, MAX_SEED, 2, key="zoo_seed_b")
    steps = sb.slider("Path steps", 4, 16, 8, key="zoo_steps")
    config = zoo.ZooConfig(samples=int(samples), steps=int(steps), seed=int(seed),
                           path_seeds=(int(seed_a), int(seed_b)))
    return Picks(tuple(names), config)


def guard(picks: Picks) -> list[ckpts.Checkpoint] | None:
    """The loaded checkpoints, or None after a message saying what to pick instead."""
    n = len(picks.names)
    if n < zoo.MIN_MODELS:
        st.info(f"Pick {zoo.MIN_MODELS} to {zoo.MAX_MODELS} models trained on the same data in "
                f"the sidebar ({n} picked).")
        return None
    if n > zoo.MAX_MODELS:
        st.warning(f"{n} models picked: the zoo compares at most {zoo.MAX_MODELS} side by side. "
                   f"Remove {n - zoo.MAX_MODELS} in the sidebar.")
        return None
    try:
        loaded = [load_checkpoint(name) for name in picks.names]
        zoo.check_models(loaded)
    except (ckpts.CheckpointError, ValueError, OSError) as exc:
        st.warning(f"Cannot compare these: {exc}")
        return None
    return loaded


def _stamp(ckpt: ckpts.Checkpoint) -> float:
    card = ckpt.path / "card.json"
    return card.stat().st_mtime if card.exists() else 0.0


def _config(fields: tuple) -> zoo.ZooConfig:
    samples, steps, seed, seed_a, seed_b = fields
    return zoo.ZooConfig(samples=samples, steps=steps, seed=seed, path_seeds=(seed_a, seed_b))


def _fields(config: zoo.ZooConfig) -> tuple:
    return (config.samples, config.steps, config.seed, *config.path_seeds)


@st.cache_resource(show_spinner="Scoring the real reference images…", max_entries=8)
def _real_side(name: str, stamp: float, fields: tuple) -> zoo.RealSide:
    return zoo.real_side(load_checkpoint(name), _config(fields))


@st.cache_resource(show_spinner="Sampling and scoring a model…", max_entries=24)
def _model_result(name: str, stamp: float, reference: str, reference_stamp: float,
                  fields: tuple) -> zoo.ModelResult:
    real = _real_side(reference, reference_stamp, fields)
    return zoo.model_result(load_checkpoint(name), real, _config(fields))


def comparison(loaded: list[ckpts.Checkpoint], config: zoo.ZooConfig) -> zoo.Comparison | None:
    """The Comparison from cached rows, or None after an error message (never a traceback)."""
    from ganviz.judge.features import FeaturesUnavailable

    fields, first = _fields(config), loaded[0]
    try:
        real = _real_side(first.name, _stamp(first), fields)
        rows = [_model_result(c.name, _stamp(c), first.name, _stamp(first), fields)
                for c in loaded]
        return zoo.assemble(loaded, real, rows, config)
    except (ckpts.CheckpointError, ValueError, OSError, FeaturesUnavailable) as exc:
        st.error(f"Cannot compare these models: {exc}")
        return None


# ---------------------------------------------------------------------------- drawing

def findings(comp: zoo.Comparison) -> None:
    st.subheader("What the numbers show")
    st.markdown("\n".join(f"- {sentence}" for sentence in zoo.findings(comp)))
    st.caption("Each sentence is computed from the numbers below on this run: change the seed "
               "or the samples and it may change.")


def metrics_table(comp: zoo.Comparison) -> None:
    st.subheader("Metrics")
    st.dataframe(zoo.table_rows(comp), hide_index=True, width="stretch")
    st.caption(f"{comp.feature_label}; {comp.config.samples} samples per model against "
               f"{len(comp.real.images)} real images, seed {comp.config.seed}. Lower is better "
               "for FID, KID, NDB/K and class KL; higher for the rest. Sharpness: mean variance "
               "of the Laplacian (Pech-Pacheco et al. 2000), the real images' for scale.")
    left, right = st.columns(2)
    left.plotly_chart(plots.sharpness_bars([m.title for m in comp.models],
                                           [m.sharpness.mean for m in comp.models],
                                           comp.real.sharpness.mean), key="zoo_sharpness_chart")
    if all("precision" in m.metrics for m in comp.models):
        points = {m.title: (m.metrics["precision"], m.metrics["recall"]) for m in comp.models}
        right.plotly_chart(scorecard_plots.precision_recall(points), key="zoo_pr_chart")


def _columns(comp: zoo.Comparison):
    return zip(comp.models, st.columns(len(comp.models)))


def sample_grids(comp: zoo.Comparison) -> None:
    st.subheader("Samples from the same latent seeds")
    for m, col in _columns(comp):
        grid = pictures.image_grid(m.grid, 5, scale=2)
        col.image(grid, width="content", output_format="PNG",
                  caption=f"{m.title}: z from seed {comp.config.seed}, latent {m.latent_dim}"
                          + (", classes in turn" if m.conditional else ""))


def interpolations(comp: zoo.Comparison) -> None:
    st.subheader("Interpolations between the same two seeds")
    seed_a, seed_b = comp.config.path_seeds
    for m in comp.models:
        strip = pictures.image_strip(m.path, scale=2)
        st.image(strip, width=strip.width, output_format="PNG",
                 caption=f"{m.title}: slerp from seed {seed_a} to seed {seed_b}, "
                         f"{comp.config.steps} steps")


def reconstructions(comp: zoo.Comparison) -> None:
    rebuilt = {m.title: m.reconstructions for m in comp.models if m.reconstructions is not None}
    if not rebuilt or not comp.config.reconstructions:
        return
    st.subheader("Reconstructions of real images")
    real = comp.real.images[:comp.config.reconstructions]
    grid = plots.reconstruction_grid(real, rebuilt)
    st.image(grid, width=grid.width, output_format="PNG",
             caption="Top row: real held-out images; below: "
                     + ", ".join(f"row {i + 2} {t}" for i, t in enumerate(rebuilt)))


def sgan_accuracy(comp: zoo.Comparison) -> None:
    sgans = [m for m in comp.models if m.model == "sgan"]
    if not sgans:
        return
    st.subheader("SGAN: the discriminator as a classifier")
    for m in sgans:
        left, right = st.columns(2)
        acc, sup = m.classifier_accuracy, m.supervised_accuracy
        left.metric(f"{m.title} test accuracy", "—" if acc is None else f"{acc:.1%}")
        right.metric("Same architecture, supervised on the same labels",
                     "—" if sup is None else f"{sup:.1%}",
                     None if acc is None or sup is None else f"{100 * (acc - sup):+.1f} points "
                                                              "for the SGAN")
        if sup is None:
            st.info(f"{m.name}'s card holds no supervised baseline yet: run "
                    f"`{zoo.SGAN_BENCHMARK}` to train it and write it into the card.")


def notes(comp: zoo.Comparison) -> None:
    for note in comp.notes:
        st.caption(f"Note: {note}")
