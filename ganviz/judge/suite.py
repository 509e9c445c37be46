"""The evaluation suite: one generated set judged against one real set as the field does (FID,
KID, Inception / classifier score, precision / recall / density / coverage, NDB), each number
beside a real-vs-real baseline. An FID of 12 is good or bad only next to what real data scores
against real data with the same features at the same n: so the baseline is the same metrics
with the generated set replaced by as many *training* images, against the same held-out real
set (what a generator indistinguishable from the data would score). A user's own real set
with no known training split is cut into two seeded halves instead (at half the n, noted).

    inputs.load_generated / load_real -> SampleSet   images (n, H, W, C) uint8 or features
    features.extract(space, samples)   -> Features    values (n, d), probabilities or None
    score(gen, real, config)           -> dict        the flat JSON keys of METRICS
    evaluate(gen_spec, real_spec)      -> Scorecard   values, baseline, intervals, notes,
                                                      realism, nearest training samples
Sources: FID Heusel et al. 2017; KID Binkowski et al. 2018; IS Salimans et al. 2016; P/R
Kynkaanniemi et al. 2019; D/C Naeem et al. 2020; NDB Richardson & Weiss 2018 (formulas there).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ganviz.eval import ndb as ndb_metric
from ganviz.eval.metric_inputs import check_count, check_seed
from ganviz.judge.scorecard import Scorecard

# progress(stage, done, total): called as long steps advance (extraction, KID, bootstrap)
Progress = Callable[[str, int, int], None]

KID_SUBSET_SIZE = 1000    # torch-fidelity's default; lowered to the data there, with a note
IS_SPLITS = 10            # Salimans et al. 2016
NDB_BINS = 50             # the shipped checkpoints' cards use K = 50 on held-out pixels ...
NDB_Z_THRESHOLD = 4.0     # ... and |z| > 4, the authors' MNIST demo
SMALL_N = 1000            # below it FID and KID are noisy enough to say so
BOOTSTRAPPED = ("FID", "KID", "IS")  # keys that get a bootstrap interval


@dataclass(frozen=True)
class Reported:
    """A reported number: JSON key, which way is better ("lower", "higher", None) and meaning."""

    key: str
    better: str | None
    meaning: str


@dataclass(frozen=True, eq=False)
class Pair:
    """What a metric sees: both Features, their images or None, NDB bins, KID's subset size."""

    gen: Any
    real: Any
    gen_images: np.ndarray | None
    real_images: np.ndarray | None
    bins: Any
    kid_subset_size: int


@dataclass(frozen=True)
class SuiteMetric:
    """A row of METRICS. needs: "features" (any space), "probabilities" (a classifier's
    softmax: the classifier space) or "pixels" (images on both sides)."""

    name: str
    title: str
    needs: str
    reported: tuple[Reported, ...]
    compute: Callable[[Pair, EvalConfig, Progress | None], dict[str, float]]


def _fid(pair: Pair, config: EvalConfig, progress: Progress | None) -> dict[str, float]:
    from ganviz.eval.frechet import fid

    return {"FID": fid(pair.gen.values, pair.real.values)}


def _kid(pair: Pair, config: EvalConfig, progress: Progress | None) -> dict[str, float]:
    from ganviz.eval.kid import kid

    def tick(done: int, total: int) -> None:
        progress("KID subsets", done, total)

    result = kid(pair.gen.values, pair.real.values, config.kid_subsets, pair.kid_subset_size,
                 seed=config.seed, progress=None if progress is None else tick)
    return {"KID": result.mean, "KID_std": result.std}


def _is(pair: Pair, config: EvalConfig, progress: Progress | None) -> dict[str, float]:
    from ganviz.eval.classifier_score import classifier_score

    p = pair.gen.probabilities
    # the splits are consecutive: a class-sorted set (a dataset split) would hold one class
    # per split and score about 1, so the rows are shuffled first (seeded)
    result = classifier_score(p[np.random.default_rng(config.seed).permutation(len(p))],
                              splits=IS_SPLITS)
    return {"IS": result.mean, "IS_std": result.std}


def _prdc(pair: Pair, config: EvalConfig, progress: Progress | None) -> dict[str, float]:
    from ganviz.eval.prdc import prdc

    result = prdc(pair.real.values, pair.gen.values, k=config.k)
    return {key: getattr(result, key) for key in ("precision", "recall", "density", "coverage")}


def _ndb(pair: Pair, config: EvalConfig, progress: Progress | None) -> dict[str, float]:
    result = ndb_metric.evaluate(pair.bins, pair.gen_images / 255.0, z_threshold=NDB_Z_THRESHOLD)
    return {"NDB_K": result.NDB_K}


METRICS: dict[str, SuiteMetric] = {m.name: m for m in (
    SuiteMetric("fid", "FID (Heusel et al. 2017)", "features", (
        Reported("FID", "lower", "distance of Gaussians fitted to the feature sets; grows as n "
                                 "shrinks"),), _fid),
    SuiteMetric("kid", "KID (Binkowski et al. 2018)", "features", (
        Reported("KID", "lower", "unbiased kernel MMD^2 of the sets; about 0 for one source"),
        Reported("KID_std", None, "spread of KID over the random subsets")), _kid),
    SuiteMetric("is", "Inception / classifier score (Salimans et al. 2016)", "probabilities", (
        Reported("IS", "higher", "confident, varied class predictions; at most the classes"),
        Reported("IS_std", None, f"spread of IS over {IS_SPLITS} splits")), _is),
    SuiteMetric("prdc", "precision / recall (Kynkaanniemi et al. 2019), density / coverage "
                        "(Naeem et al. 2020)", "features", (
        Reported("precision", "higher", "share of generated samples near real ones (realism)"),
        Reported("recall", "higher", "share of real samples near generated ones (variety)"),
        Reported("density", "higher", "real neighbourhoods per generated sample / k; ~1 real"),
        Reported("coverage", "higher", "share of real samples with a generated neighbour")),
        _prdc),
    SuiteMetric("ndb", "NDB/K (Richardson & Weiss 2018)", "pixels", (
        Reported("NDB_K", "lower", f"share of pixel k-means bins whose proportions differ "
                                   f"(|z| > {NDB_Z_THRESHOLD:g})"),), _ndb),
)}
REPORTED: dict[str, Reported] = {r.key: r for m in METRICS.values() for r in m.reported}


@dataclass(frozen=True)
class EvalConfig:
    """What to compute and how. metrics: names of METRICS. features: a FEATURE_SPACES key
    (ganviz.judge.features). n: samples per set (None: all the real set holds, as many
    generated). k: neighbourhood of precision / recall / density / coverage (Naeem et al.: 5).
    kid_subsets, kid_subset_size: KID's subsets (torch-fidelity: 100 of 1,000); None: 1,000,
    or the smaller set when it has fewer (noted); a given size above the data is refused.
    bootstrap: resamples for the intervals of BOOTSTRAPPED keys (0: none). seed: every
    random draw. ndb_bins: K, lowered to n_real // 2 for small real sets (noted). baseline:
    also score training real against the held-out real set. dataset: "mnist" /
    "fashion_mnist" when neither set says (both the user's own files): the classifier's
    features and the baseline's training split follow it.
    """

    metrics: tuple[str, ...] = tuple(METRICS)
    features: str = "classifier"
    n: int | None = None
    k: int = 5
    kid_subsets: int = 100
    kid_subset_size: int | None = None
    bootstrap: int = 0
    seed: int = 0
    ndb_bins: int = NDB_BINS
    baseline: bool = True
    dataset: str | None = None

    def __post_init__(self) -> None:
        from ganviz.judge.features import FEATURE_SPACES  # numpy only, no TensorFlow

        metrics = (self.metrics,) if isinstance(self.metrics, str) else tuple(self.metrics)
        unknown = [m for m in metrics if m not in METRICS]
        if unknown or not metrics:
            raise ValueError(f"unknown metric(s) {', '.join(map(repr, unknown)) or '(none)'}; "
                             f"known: {', '.join(METRICS)}")
        object.__setattr__(self, "metrics", tuple(dict.fromkeys(metrics)))
        if self.features not in FEATURE_SPACES:
            raise ValueError(f"unknown feature space {self.features!r}; known: "
                             f"{', '.join(FEATURE_SPACES)}")
        for name, minimum in (("k", 1), ("kid_subsets", 1), ("bootstrap", 0), ("ndb_bins", 2)):
            check_count(getattr(self, name), name, minimum)
        for name in ("n", "kid_subset_size"):
            if getattr(self, name) is not None:
                check_count(getattr(self, name), name, 2)
        check_seed(self.seed)


def runnable(config: EvalConfig, gen: Any, gen_images: Any, real_images: Any
             ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the asked-for metrics these inputs allow, a note for each left out and why)."""
    names, notes = [], []
    for name in config.metrics:
        needs = METRICS[name].needs
        if needs == "probabilities" and gen.probabilities is None:
            notes.append(f"{METRICS[name].title}: left out, the {gen.space} features carry no "
                         f"class probabilities (the classifier space does)")
        elif needs == "pixels" and (gen_images is None or real_images is None):
            notes.append(f"{METRICS[name].title}: left out, it bins pixels and one side has "
                         f"feature vectors, not images")
        else:
            names.append(name)
    return tuple(names), tuple(notes)


def kid_subset_size(config: EvalConfig, n_gen: int, n_real: int) -> tuple[int, list[str]]:
    """The KID subset size m for these set sizes, and notes on what it means here."""
    fits = min(n_gen, n_real)
    m = config.kid_subset_size or min(KID_SUBSET_SIZE, fits)
    if not 2 <= m <= fits:
        raise ValueError(f"KID subsets of {max(m, 2)} samples need as many per set, got {n_gen} "
                         f"generated and {n_real} real: use --kid-subset-size {fits} or fewer, "
                         f"or more samples")
    notes = []
    if config.kid_subset_size is None and m < KID_SUBSET_SIZE:
        notes.append(f"KID subsets hold {m} samples (the smaller set), not the usual "
                     f"{KID_SUBSET_SIZE}: still unbiased, but noisier")
    if m == n_gen == n_real:
        notes.append(f"every KID subset is both whole sets ({m} samples), so KID_std is 0, not "
                     f"a spread: pass --kid-subset-size below {m} for one")
    return m, notes


def _prepare(gen: Any, real: Any, config: EvalConfig, gen_images: Any, real_images: Any,
             bins: Any = None) -> tuple[Pair, tuple[str, ...], list[str]]:
    """Checks a pair at the edge and fits what it needs once: (pair, metric names, notes)."""
    (n_gen, d_gen), (n_real, d_real) = gen.values.shape, real.values.shape
    if d_gen != d_real:
        raise ValueError(f"generated features have {d_gen} dimensions but real features have "
                         f"{d_real}: they must come from one feature space (images of one shape)")
    names, notes = runnable(config, gen, gen_images, real_images)
    notes, m = list(notes), KID_SUBSET_SIZE
    if "kid" in names:
        m, kid_notes = kid_subset_size(config, n_gen, n_real)
        notes += kid_notes
    if "prdc" in names and min(n_gen, n_real) <= config.k:
        raise ValueError(f"precision / recall need more than k={config.k} samples per set (each "
                         f"sample's k-th neighbour), got {n_gen} generated and {n_real} real: "
                         f"lower --k or use more samples")
    if "ndb" in names and bins is None:
        k = min(config.ndb_bins, len(real_images) // 2)
        if k < 2:
            raise ValueError(f"NDB needs at least 4 real images, got {len(real_images)}")
        if k < config.ndb_bins:
            notes.append(f"NDB uses K={k} bins, not {config.ndb_bins}: {len(real_images)} real "
                         f"images leave about 2 per bin at most")
        bins = ndb_metric.fit_bins(real_images / 255.0, k, seed=config.seed)  # pixels in [0, 1]
    return Pair(gen, real, gen_images, real_images, bins, m), names, notes


def _score_pair(pair: Pair, names: tuple[str, ...], config: EvalConfig,
                progress: Progress | None = None) -> tuple[dict[str, float], list[str]]:
    """(values, a note per warning a metric raised, named by the metric)."""
    out: dict[str, float] = {}
    notes = []
    for name in names:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            values = METRICS[name].compute(pair, config, progress)
        out.update({key: float(v) for key, v in values.items()})
        notes += [_warning_note(pair, METRICS[name].title, str(w.message)) for w in caught
                  if issubclass(w.category, (RuntimeWarning, UserWarning))]
    return out, notes


def _warning_note(pair: Pair, title: str, message: str) -> str:
    """A metric's warning as a note; scipy's "singular" explained by dead feature units."""
    dead = int(np.sum(np.ptp(np.concatenate([pair.gen.values, pair.real.values]), axis=0) == 0))
    if "singular" in message.lower() and dead:
        message = (f"{dead} of {pair.gen.values.shape[1]} feature dimensions never vary (dead "
                   f"units): the covariances are singular; those dimensions add nothing to FID")
    return f"{title}: {message}"


def score(gen: Any, real: Any, config: EvalConfig = EvalConfig(), gen_images: Any = None,
          real_images: Any = None, progress: Progress | None = None) -> dict[str, float]:
    """The asked-for metrics of one generated set against one real set, as flat JSON keys.

    gen, real: ganviz.judge.features.Features (values (n, d), probabilities (n, classes) or
    None); gen_images, real_images: (n, H, W, C) uint8 for NDB, or None. Metrics the inputs
    cannot give (IS without probabilities, NDB without images) are left out (see runnable).
    """
    pair, names, _ = _prepare(gen, real, config, gen_images, real_images)
    return _score_pair(pair, names, config, progress)[0]


def evaluate(gen_spec: str, real_spec: str, config: EvalConfig = EvalConfig(),
             progress: Progress | None = None) -> Scorecard:
    """Load both sides (any spec of ganviz.judge.inputs), extract features, score them, and
    score the real-vs-real baseline beside them. Deterministic for config.seed."""
    from ganviz.eval import prdc
    from ganviz.judge import inputs

    real = inputs.load_real(real_spec, n=config.n, seed=config.seed)
    gen = _load_generated(gen_spec, config.n or len(real), config)
    if gen.image_shape and real.image_shape and gen.image_shape != real.image_shape:
        raise ValueError(f"generated images are {gen.image_shape} (H, W, C) but real images are "
                         f"{real.image_shape}: compare images of one shape")
    dataset = real.dataset or gen.dataset or config.dataset
    notes = [] if not gen.dataset or gen.dataset == dataset else [
        f"the generator's dataset is {gen.dataset} but the real set's is {dataset}: the "
        f"features follow the real set"]
    gen_f = _extract(config, gen, dataset, "generated", progress)
    real_f = _extract(config, real, dataset, "real", progress)
    pair, names, pair_notes = _prepare(gen_f, real_f, config, gen.images, real.images)
    values, value_notes = _score_pair(pair, names, config, progress)
    baseline, partner, baseline_notes, n_baseline = _baseline(
        pair, names, config, real.dataset or config.dataset, progress)
    intervals, interval_notes = _intervals(pair, names, config, progress)
    notes += pair_notes + _size_notes(pair) + value_notes
    notes += [x for x in baseline_notes if x[len("baseline: "):] not in notes] + interval_notes
    realism = prdc.realism(real_f.values, gen_f.values, k=config.k) if "prdc" in names else None
    nearest = real_nearest = None
    if partner is not None:  # each sample's nearest training sample: the memorisation check
        nearest = prdc.nearest_neighbours(partner[0].values, gen_f.values)
        real_nearest = prdc.nearest_neighbours(partner[0].values, real_f.values)[1]
    return Scorecard(values=values, baseline=baseline, intervals=intervals,
                     feature_label=gen_f.label, n_gen=len(gen_f), n_real=len(real_f),
                     notes=tuple(dict.fromkeys(notes)), realism=realism, nearest=nearest,
                     real_nearest=real_nearest, gen_images=gen.images,
                     training_images=None if partner is None else partner[1],
                     n_baseline=n_baseline, gen_source=gen.source, real_source=real.source)


def _load_generated(spec: str, n: int, config: EvalConfig) -> Any:
    """n generated samples; without config.n, all of a generated set smaller than n."""
    from ganviz.judge import inputs

    try:
        return inputs.load_generated(spec, n=n, seed=config.seed)
    except inputs.InputError:
        if config.n is not None:
            raise
        return inputs.load_generated(spec, n=None, seed=config.seed)  # fewer: all of them


def _extract(config: EvalConfig, samples: Any, dataset: str | None, side: str,
             progress: Progress | None) -> Any:
    from ganviz.judge.features import extract

    done = [0]  # extract reports each batch's count (tqdm's update); progress wants totals

    def tick(count: int) -> None:
        done[0] += count
        progress(f"features ({side})", done[0], len(samples))
    return extract(config.features, samples, dataset=dataset,
                   progress=None if progress is None else tick)


def _size_notes(pair: Pair) -> list[str]:
    (n_gen, d), n_real = pair.gen.values.shape, pair.real.values.shape[0]
    notes = []
    if min(n_gen, n_real) < SMALL_N or n_gen != n_real:
        notes.append(f"{n_gen} generated and {n_real} real samples: FID grows as n shrinks and "
                     f"KID is noisier; compare numbers only at equal n")
    if min(n_gen, n_real) <= d:
        notes.append(f"no more samples than feature dimensions ({d}): the covariances are "
                     f"singular and FID leans on the missing directions; use n well above {d}")
    return notes


def _baseline(pair: Pair, names: tuple[str, ...], config: EvalConfig, dataset: str | None,
              progress: Progress | None):
    """(values, (training Features, training images) or None, notes, n of the baseline). With
    the real set's dataset (never the generator's): n training images scored as if generated,
    against the same real set and NDB bins; else the real set's two seeded halves."""
    if not config.baseline:
        return None, None, [], None
    # the comparison's own KID subset size, so both KIDs average the same estimator
    base_config = replace(config, kid_subset_size=pair.kid_subset_size, metrics=names)
    why = "the real set has no known dataset, so no training split"
    if dataset is not None:
        from ganviz.judge import inputs

        try:
            training = inputs.load_training_real(dataset, n=len(pair.gen), seed=config.seed)
        except (ValueError, OSError) as exc:
            why = f"the training split of {dataset} is unavailable ({exc})"
        else:
            partner = _extract(config, training, dataset, "training real", progress)
            base, base_names, notes = _prepare(partner, pair.real, base_config, training.images,
                                               pair.real_images, bins=pair.bins)
            values, warned = _score_pair(base, base_names, base_config, progress)
            notes = [f"baseline: {x}" for x in (
                f"{len(partner)} training images of {dataset} scored as if generated, against "
                f"the same real set", *notes, *warned)]
            return values, (partner, training.images), notes, len(partner)
    return _split_baseline(pair, base_config, why, progress)


def _split_baseline(pair: Pair, config: EvalConfig, why: str, progress: Progress | None):
    """The real set cut into two seeded halves, the first scored against the second."""
    half = len(pair.real) // 2
    order = np.random.default_rng(config.seed).permutation(len(pair.real))
    rows = order[:half], order[half:2 * half]
    images = [None if pair.real_images is None else pair.real_images[r] for r in rows]
    config = replace(config, kid_subset_size=max(2, min(config.kid_subset_size, half)))
    try:
        halves = [replace(pair.real, values=pair.real.values[r], probabilities=None if
                          pair.real.probabilities is None else pair.real.probabilities[r])
                  for r in rows]
        base, names, prepared = _prepare(*halves, config, *images)
        values, warned = _score_pair(base, names, config, progress)
    except ValueError as exc:
        return None, None, [f"no real-vs-real baseline: {why}, and the real set is too small "
                            f"to split in two ({exc})"], None
    notes = [f"baseline: {why}; the real set split in two halves of {half}, one scored against "
             f"the other (half the n of the comparison, so its FID reads high)"]
    return values, None, notes + [f"baseline: {x}" for x in prepared + warned], half


def _intervals(pair: Pair, names: tuple[str, ...], config: EvalConfig,
               progress: Progress | None) -> tuple[dict[str, tuple[float, float]], list[str]]:
    """95% percentile bootstrap intervals (ganviz.eval.bootstrap) of the BOOTSTRAPPED keys."""
    if config.bootstrap == 0:
        return {}, []
    from ganviz.eval.bootstrap import bootstrap_ci
    from ganviz.eval.classifier_score import classifier_score
    from ganviz.eval.frechet import fid
    from ganviz.eval.kid import kid

    def is_mean(p: np.ndarray, _: Any) -> float:
        return classifier_score(p, splits=IS_SPLITS).mean

    def kid_mean(a: np.ndarray, b: np.ndarray) -> float:
        return kid(a, b, config.kid_subsets, pair.kid_subset_size, seed=config.seed).mean

    statistics = {"FID": ("fid", fid, pair.gen.values, pair.real.values),  # key -> (metric,
                  "KID": ("kid", kid_mean, pair.gen.values, pair.real.values),  # f, a, b)
                  "IS": ("is", is_mean, pair.gen.probabilities, pair.gen.probabilities)}
    out = {}
    for key in BOOTSTRAPPED:
        name, statistic, a, b = statistics[key]
        if name in names:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the point estimate's notes already say it
                interval = bootstrap_ci(_counted(statistic, f"bootstrap {key}", config.bootstrap,
                                                 progress),
                                        a, b, resamples=config.bootstrap, seed=config.seed)
            out[key] = (interval.low, interval.high)
    return out, ["bootstrap intervals are for FID, KID and IS (resampling with repeats would "
                 "shrink precision / recall's k-NN radii to 0: change --seed for their spread). "
                 "FID's interval sits "
                 "above its value, as FID grows when a resample's distinct n shrinks: read it as "
                 "a spread"]


def _counted(statistic: Callable, stage: str, total: int, progress: Progress | None) -> Callable:
    """statistic(a, b), reporting each call as one bootstrap resample done."""
    calls = iter(range(1, total + 1))

    def counted(a: np.ndarray, b: np.ndarray) -> float:
        value = statistic(a, b)
        if progress is not None:
            progress(stage, next(calls), total)
        return value
    return counted
