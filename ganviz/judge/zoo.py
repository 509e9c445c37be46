"""The model zoo: two to four checkpoints trained on the same data, compared side by side.

Each model gets the same things, from the same seeds: a sample grid (z = latent(n, seed), the
first `grid` of the n samples; a conditional model gets the classes in turn), a slerp path
between the latents of two seeds (`ganviz.image.latent`), the evaluation suite's numbers against
one real reference set (`ganviz.judge.suite.score`: FID, KID, IS, precision / recall / density
/ coverage; NDB/K on bins fitted once, as the suite fits them; classifier features where the
dataset has a shipped classifier, as `python -m ganviz eval --gen CKPT --real CKPT` does, else
flattened pixels), the sharpness of its samples (variance of the Laplacian,
`ganviz.eval.sharpness`), the classes its samples hit and the KL divergence of their class
histogram from the real images' (`ganviz.eval.classes`), an autoencoder's reconstructions of
the real images, and an SGAN's classifier accuracy from its card. `findings(comparison)` turns
the numbers into sentences (ganviz.judge.zoo_findings).

    real_side(reference_ckpt, config)          -> RealSide     the real set, featured once
    model_result(ckpt, real, config)            -> ModelResult  one model's row
    assemble(ckpts, real, results, config)      -> Comparison   checked, with notes
    compare(names_or_checkpoints, config)       -> Comparison   all three in one call

Everything is seeded by ZooConfig; the same checkpoint twice gives identical rows. Checkpoints
of different latent sizes draw z from the same seed, each in its own dimension (noted): the
same seed, not the same point. Lives in ganviz.judge (not ganviz.image) because it scores with
the suite, and ganviz.judge already reads ganviz.image.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ganviz.eval.metric_inputs import check_count, check_seed, frozen_view
from ganviz.eval.sharpness import Sharpness, sharpness

MIN_MODELS, MAX_MODELS = 2, 4
MAX_SAMPLES = 10_000
AUTOENCODERS = ("ae", "vae")
MODEL_TITLES = {"dcgan": "DCGAN", "cdcgan": "cDCGAN", "wgan": "WGAN", "wgan-gp": "WGAN-GP",
                "ae": "AE", "vae": "VAE", "began": "BEGAN", "sgan": "SGAN"}
SUITE_METRICS = ("fid", "kid", "is", "prdc")  # and NDB/K, on bins fitted once (RealSide)
SGAN_BENCHMARK = "python benchmarks/sgan_accuracy.py"


@dataclass(frozen=True)
class ZooConfig:
    """samples: generated images per model for the metrics and sharpness (also caps the real
    set, so both sides have equal n where the reference holds enough; FID depends on n, so
    compare numbers at one setting only). grid: the first `grid` of them shown. steps: points
    of the slerp path between the latents of `path_seeds`; `path_class`: the label a
    conditional model's path holds. reconstructions: real images shown with an autoencoder's
    reconstructions. kid_subsets: KID's random subsets (of half the samples each). seed: the
    latents of every model, and every random draw of the metrics."""

    samples: int = 1000
    grid: int = 20
    steps: int = 8
    path_seeds: tuple[int, int] = (1, 2)
    path_class: int = 0
    reconstructions: int = 10
    kid_subsets: int = 25
    seed: int = 0

    def __post_init__(self) -> None:
        check_count(self.samples, "samples", 20)
        if self.samples > MAX_SAMPLES:
            raise ValueError(f"samples must be at most {MAX_SAMPLES}, got {self.samples}")
        check_count(self.grid, "grid", 1)
        if self.grid > self.samples:
            raise ValueError(f"grid ({self.grid}) must not exceed samples ({self.samples})")
        check_count(self.steps, "steps", 2)
        check_count(self.reconstructions, "reconstructions", 0)
        check_count(self.kid_subsets, "kid_subsets", 1)
        check_count(self.path_class, "path_class", 0)
        check_seed(self.seed)
        if len(self.path_seeds) != 2:
            raise ValueError(f"path_seeds must be two seeds, got {self.path_seeds!r}")
        object.__setattr__(self, "path_seeds", tuple(check_seed(s) for s in self.path_seeds))


@dataclass(frozen=True, eq=False)
class RealSide:
    """The real set every model is judged against. images: (n, H, W, C) uint8 (a checkpoint's
    held-out reference set); features: ganviz.judge.features.Features of them; classes: (n,)
    classifier predictions or None; source: the checkpoint whose reference set it is; bins:
    NDB bins (k-means on its pixels in [0, 1]) fitted once for every model, as the suite fits
    them (K = suite.NDB_BINS, fewer for small sets)."""

    source: str
    dataset: str
    images: np.ndarray
    features: Any
    classes: np.ndarray | None
    sharpness: Sharpness
    bins: Any

    @property
    def space(self) -> str:
        return self.features.space

    @property
    def num_classes(self) -> int | None:
        p = self.features.probabilities
        return None if p is None else int(p.shape[1])


@dataclass(frozen=True, eq=False)
class ModelResult:
    """One model's row. grid: (grid, H, W, C) uint8 from z = latent(samples, seed)[:grid];
    grid_labels: (grid,) for a conditional model, else None; path: (steps, H, W, C) uint8 along
    the slerp path; metrics: the suite's flat keys (FID, KID, KID_std, IS, IS_std, precision,
    recall, density, coverage, NDB_K; IS only with classifier features); sharpness: of all the
    samples; classes_hit / class_kl / class_histogram: from classifier predictions (None
    without a classifier); reconstructions: (r, H, W, C) uint8 of the first r real images (ae,
    vae); reconstruction_sharpness: their mean variance of the Laplacian over the whole real
    set; classifier_accuracy / supervised_accuracy / labels_per_class: an SGAN card's."""

    name: str
    model: str
    latent_dim: int
    conditional: bool
    grid: np.ndarray
    grid_labels: np.ndarray | None
    path: np.ndarray
    metrics: Mapping[str, float]
    sharpness: Sharpness
    classes_hit: int | None = None
    class_kl: float | None = None
    class_histogram: np.ndarray | None = None
    reconstructions: np.ndarray | None = None
    reconstruction_sharpness: float | None = None
    classifier_accuracy: float | None = None
    supervised_accuracy: float | None = None
    labels_per_class: int | None = None
    notes: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """e.g. "mnist_vae (VAE)": names stay unambiguous when two models share a kind."""
        return f"{self.name} ({MODEL_TITLES.get(self.model, self.model)})"

    @property
    def is_autoencoder(self) -> bool:
        return self.model in AUTOENCODERS


@dataclass(frozen=True, eq=False)
class Comparison:
    """The zoo: one real set, two to four ModelResults, what the metrics were computed in
    (feature_label, e.g. "FID-C (MNIST classifier features)"; metric_tag "C" or "pixels") and
    notes on what to keep in mind when reading them."""

    dataset: str
    image_shape: tuple[int, int, int]
    real: RealSide
    models: tuple[ModelResult, ...]
    feature_label: str
    metric_tag: str
    class_names: tuple[str, ...] | None
    config: ZooConfig
    notes: tuple[str, ...] = field(default=())

    def metric_name(self, key: str) -> str:
        """"FID" -> "FID-C" in the classifier space, "FID (pixels)" in the pixel space."""
        if key not in ("FID", "KID", "IS"):
            return key
        tag = self.metric_tag
        return f"{key}-{tag}" if tag == "C" else f"{key} ({tag})"


# ---------------------------------------------------------------------------- checks

def check_models(checkpoints: Sequence[Any]) -> None:
    """2..4 loaded checkpoints of one dataset and image shape, or a ValueError that says which
    differ and what to pick instead."""
    names = [c.name for c in checkpoints]
    if not MIN_MODELS <= len(checkpoints) <= MAX_MODELS:
        raise ValueError(f"pick {MIN_MODELS} to {MAX_MODELS} models to compare, got "
                         f"{len(checkpoints)} ({', '.join(names) or 'none'})")
    datasets = {c.name: c.card.dataset for c in checkpoints}
    if len(set(datasets.values())) > 1:
        listed = ", ".join(f"{n} ({d})" for n, d in datasets.items())
        raise ValueError(f"the models must be trained on the same data to be compared; these "
                         f"are not: {listed}. Pick models of one dataset")
    shapes = {c.name: tuple(c.image_shape) for c in checkpoints}
    if len(set(shapes.values())) > 1:
        listed = ", ".join(f"{n} {'x'.join(map(str, s))}" for n, s in shapes.items())
        raise ValueError(f"the models must make images of one shape; these do not: {listed}")


# ---------------------------------------------------------------------------- the real side

def feature_space(dataset: str, image_shape: tuple[int, int, int]) -> str:
    """"classifier" where the dataset has a shipped classifier that reads these images (the
    metric authors' advice for MNIST-like data), else "pixels"."""
    from ganviz.image.classifier import CLASSIFIER_FILES, classifier_path
    from ganviz.judge.features import CLASSIFIER_IMAGE_SHAPE

    if dataset in CLASSIFIER_FILES and tuple(image_shape) == CLASSIFIER_IMAGE_SHAPE \
            and classifier_path(dataset).is_file():
        return "classifier"
    return "pixels"


def _features(images: np.ndarray, source: str, dataset: str, space: str):
    from ganviz.judge.features import extract
    from ganviz.judge.inputs import SampleSet

    return extract(space, SampleSet(images, None, source, dataset), dataset=dataset)


def real_side(checkpoint: Any, config: ZooConfig = ZooConfig()) -> RealSide:
    """The reference checkpoint's held-out images (a seeded `samples` of them when it holds
    more), their features, predicted classes, sharpness and NDB bins."""
    from ganviz.eval.ndb import fit_bins
    from ganviz.judge.suite import NDB_BINS

    images = np.asarray(checkpoint.reference_images)
    if len(images) > config.samples:
        keep = np.random.default_rng(config.seed).choice(len(images), config.samples,
                                                         replace=False)
        images = images[np.sort(keep)]
    dataset = checkpoint.card.dataset
    space = feature_space(dataset, checkpoint.image_shape)
    feats = _features(images, f"{checkpoint.name} (reference set)", dataset, space)
    classes = None if feats.probabilities is None else feats.probabilities.argmax(axis=1)
    bins = fit_bins(images / 255.0, max(2, min(NDB_BINS, len(images) // 2)), seed=config.seed)
    return RealSide(checkpoint.name, dataset, frozen_view(images), feats, frozen_view(classes),
                    sharpness(images), bins)


# ---------------------------------------------------------------------------- one model

def _eval_config(config: ZooConfig, space: str, n: int) -> Any:
    from ganviz.judge.suite import EvalConfig

    return EvalConfig(metrics=SUITE_METRICS, features=space, k=5, kid_subsets=config.kid_subsets,
                      kid_subset_size=max(2, n // 2), seed=config.seed, baseline=False)


def _path(checkpoint: Any, config: ZooConfig) -> np.ndarray:
    from ganviz.image import latent

    z_a, z_b = (checkpoint.latent(1, s)[0] for s in config.path_seeds)
    z = latent.interpolate(z_a, z_b, config.steps, "slerp")  # (steps, latent_dim)
    labels = None
    if checkpoint.conditional:
        labels = np.full(config.steps, config.path_class % checkpoint.num_classes, np.int32)
    return checkpoint.generate(z, labels)


def _classes(probabilities: np.ndarray | None, real: RealSide) -> dict[str, Any]:
    from ganviz.eval.classes import class_coverage, class_histogram, kl_divergence

    if probabilities is None or real.classes is None:
        return {}
    k = real.num_classes
    coverage = class_coverage(probabilities.argmax(axis=1), k)
    return {"classes_hit": k - len(coverage.missing), "class_histogram": coverage.histogram,
            "class_kl": kl_divergence(class_histogram(real.classes, k), coverage.histogram)}


def _reconstructions(checkpoint: Any, real: RealSide, config: ZooConfig) -> dict[str, Any]:
    from ganviz.image.autoencoders import reconstructor
    from ganviz.image.card import CheckpointError

    if checkpoint.card.model not in AUTOENCODERS:
        return {}
    try:
        rebuilt = reconstructor(checkpoint)(np.asarray(real.images))
    except (CheckpointError, ValueError) as exc:
        return {"notes": (f"{checkpoint.name}: no reconstructions ({exc})",)}
    return {"reconstructions": frozen_view(rebuilt[:config.reconstructions]),
            "reconstruction_sharpness": sharpness(rebuilt).mean}


def _sgan_numbers(checkpoint: Any) -> dict[str, Any]:
    if checkpoint.card.model != "sgan":
        return {}
    metrics, cfg = checkpoint.card.metrics, checkpoint.card.config
    out: dict[str, Any] = {key: float(metrics[card_key]) for key, card_key in (
        ("classifier_accuracy", "classifier_test_accuracy"),
        ("supervised_accuracy", "supervised_test_accuracy")) if card_key in metrics}
    if cfg.get("labels_per_class") is not None:
        out["labels_per_class"] = int(cfg["labels_per_class"])
    return out


def model_result(checkpoint: Any, real: RealSide, config: ZooConfig = ZooConfig()) -> ModelResult:
    """One model judged against `real` (see the module): samples from z = latent(samples, seed),
    a classes-in-turn labelling for a conditional model."""
    from ganviz.eval.ndb import evaluate
    from ganviz.judge.suite import NDB_Z_THRESHOLD, score

    if checkpoint.card.dataset != real.dataset or \
            tuple(checkpoint.image_shape) != real.images.shape[1:]:
        raise ValueError(f"{checkpoint.name} ({checkpoint.card.dataset}) cannot be judged "
                         f"against {real.source}'s reference set ({real.dataset}): pick models "
                         f"of one dataset")
    images = checkpoint.sample(config.samples, seed=config.seed)  # (samples, H, W, C) uint8
    feats = _features(images, f"{checkpoint.name} (generated)", real.dataset, real.space)
    metrics = score(feats, real.features, _eval_config(config, real.space, len(real.images)),
                    gen_images=images, real_images=real.images)
    metrics["NDB_K"] = evaluate(real.bins, images / 255.0, z_threshold=NDB_Z_THRESHOLD).NDB_K
    labels = None
    if checkpoint.conditional:
        labels = frozen_view(np.arange(config.grid) % checkpoint.num_classes)
    extras = {**_classes(feats.probabilities, real), **_reconstructions(checkpoint, real, config),
              **_sgan_numbers(checkpoint)}
    return ModelResult(checkpoint.name, checkpoint.card.model, checkpoint.latent_dim,
                       checkpoint.conditional, frozen_view(images[:config.grid].copy()), labels,
                       frozen_view(_path(checkpoint, config)), dict(metrics),
                       sharpness(images), **extras)


# ---------------------------------------------------------------------------- the zoo

def _notes(checkpoints: Sequence[Any], real: RealSide, config: ZooConfig) -> list[str]:
    notes = []
    dims = {c.name: c.latent_dim for c in checkpoints}
    if len(set(dims.values())) > 1:
        listed = ", ".join(f"{n} {d}" for n, d in dims.items())
        notes.append(f"latent sizes differ ({listed}): each model draws z from seed "
                     f"{config.seed} in its own dimension, so the grids share seeds, not points")
    others = [c.name for c in checkpoints if c.name != real.source and not np.array_equal(
        c.reference_images, checkpoints[0].reference_images)]
    if others:
        notes.append(f"{', '.join(others)} hold(s) another reference set; every model is "
                     f"judged against {real.source}'s")
    if real.space != "classifier":
        notes.append(f"no shipped classifier reads {real.dataset} images here: the metrics use "
                     f"flattened pixels, IS and the class statistics are left out")
    if any(c.conditional for c in checkpoints):
        notes.append(f"conditional models get the classes in turn (0, 1, ...) in the grid and "
                     f"the samples, and class {config.path_class} along the path")
    return notes


def assemble(checkpoints: Sequence[Any], real: RealSide, results: Sequence[ModelResult],
             config: ZooConfig = ZooConfig()) -> Comparison:
    """The Comparison of already computed rows (the page caches each row on its own)."""
    check_models(checkpoints)
    first = checkpoints[0]
    notes = _notes(checkpoints, real, config)
    n_real = len(real.images)
    if n_real != config.samples:
        notes.append(f"{config.samples} generated samples per model against {n_real} real "
                     f"images: FID grows as n shrinks, so compare these numbers with each other, "
                     f"not with the cards' (which use equal n)")
    notes += [note for r in results for note in r.notes]
    return Comparison(real.dataset, tuple(first.image_shape), real, tuple(results),
                      real.features.label, "C" if real.space == "classifier" else real.space,
                      first.card.class_names, config, tuple(dict.fromkeys(notes)))


def compare(checkpoints: Sequence[Any], config: ZooConfig = ZooConfig()) -> Comparison:
    """Load (names) or take (loaded Checkpoints) 2..4 models of one dataset and compare them
    against the first one's reference set."""
    from ganviz.image.checkpoints import load

    loaded = [load(c) if isinstance(c, str) else c for c in checkpoints]
    check_models(loaded)
    real = real_side(loaded[0], config)
    return assemble(loaded, real, [model_result(c, real, config) for c in loaded], config)


# the table's columns after the model: (ModelResult metrics key, heading; "{FID}" etc. are named
# by the feature space: "FID-C")
TABLE_METRICS = (("FID", "{FID}"), ("KID", "{KID}"), ("IS", "{IS}"), ("precision", "precision"),
                 ("recall", "recall"), ("density", "density"), ("coverage", "coverage"),
                 ("NDB_K", "NDB/K"))
SHARPNESS_COLUMN = "sharpness (var. of Laplacian)"


def table_rows(comparison: Comparison) -> list[dict[str, Any]]:
    """One dict per model, then one for the real images (sharpness and classes only): the
    metrics table as a page or notebook shows it (None where a number does not apply)."""
    c, k = comparison, comparison.real.num_classes
    heading = {key: title.format(FID=c.metric_name("FID"), KID=c.metric_name("KID"),
                                 IS=c.metric_name("IS")) for key, title in TABLE_METRICS}
    rows = []
    for m in c.models:
        row: dict[str, Any] = {"model": m.title}
        row.update({heading[key]: m.metrics.get(key) for key, _ in TABLE_METRICS})
        row[SHARPNESS_COLUMN] = m.sharpness.mean
        if k is not None:
            row["classes hit"] = None if m.classes_hit is None else f"{m.classes_hit} / {k}"
            row["class KL (nats)"] = m.class_kl
        rows.append(row)
    real = {"model": f"real images ({c.real.source}'s reference set)",
            **{heading[key]: None for key, _ in TABLE_METRICS},
            SHARPNESS_COLUMN: c.real.sharpness.mean}
    if k is not None:
        real["classes hit"] = f"{len(np.unique(c.real.classes))} / {k}"
        real["class KL (nats)"] = 0.0
    return rows + [real]


PREFERRED_MODELS = ("dcgan", "wgan-gp", "vae", "began", "wgan", "sgan", "ae", "cdcgan")


def default_picks(cards: Mapping[str, Any], limit: int = MAX_MODELS) -> list[str]:
    """What the page compares first: up to `limit` checkpoints of the dataset with the most
    (name -> Card), one of each kind in PREFERRED_MODELS order first (a checkpoint named after
    its model, "mnist_dcgan", before another of that kind), then the rest by name."""
    if not cards:
        return []
    counts: dict[str, int] = {}
    for card in cards.values():
        counts[card.dataset] = counts.get(card.dataset, 0) + 1
    dataset = min(counts, key=lambda d: (-counts[d], d))
    names = sorted(n for n, card in cards.items() if card.dataset == dataset)

    def order(name: str) -> tuple[int, bool, str]:
        model = cards[name].model
        rank = PREFERRED_MODELS.index(model) if model in PREFERRED_MODELS else len(
            PREFERRED_MODELS)
        return rank, model.replace("-", "_") not in name, name

    firsts, seen = [], set()
    for name in sorted(names, key=order):
        if cards[name].model not in seen:
            seen.add(cards[name].model)
            firsts.append(name)
    rest = [n for n in names if n not in firsts]
    return (firsts + rest)[:limit]


def findings(comparison: Comparison) -> list[str]:
    """What the numbers show, as sentences computed from them (ganviz.judge.zoo_findings)."""
    from ganviz.judge.zoo_findings import findings as sentences

    return sentences(comparison)
