"""The Mode-collapse inspector's Scorecard view: one to three generators judged as the field
does (FID, KID, IS, precision / recall / density / coverage, NDB/K), each beside the real-vs-real
baseline, with the pictures that explain the numbers. `scorecard_view(chosen, stamp)` draws it:
widgets (keys sc_*) -> `Request` -> cached `ganviz.judge.suite.evaluate` per generator -> table
and `ganviz.plots.scorecard` figures. Uploads are refused here when too large or of another
kind, then written once under the temp folder by content hash (so caches key on content) and
read and checked by `ganviz.judge.inputs`, whose messages are shown as they are. Cached objects
are shared by all sessions and never modified.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from ganviz.judge.curves import SampleSizeCurve, sample_size_curve, sample_sizes
from ganviz.judge.suite import NDB_BINS, NDB_Z_THRESHOLD, EvalConfig, Scorecard
from ganviz.toy.model_zip import MAX_ZIP_BYTES

MAX_UPLOAD_BYTES = MAX_ZIP_BYTES      # as the toy lab's model upload (and Streamlit's default)
GENERATOR_TYPES = ("npy", "npz", "zip", "keras")
REAL_TYPES = ("npy", "npz", "zip")
MAX_GENERATORS = 3
UPLOAD_DIR = "ganviz_scorecard_uploads"
OWN_REFERENCE, UPLOADED = "each checkpoint's held-out set", "my upload"
REFERENCES = {OWN_REFERENCE: None, "MNIST (held-out split)": "mnist",
              "Fashion-MNIST (held-out split)": "fashion_mnist", UPLOADED: None}
DATASETS = {"(what the checkpoint or reference says)": None, "MNIST digits": "mnist",
            "Fashion-MNIST": "fashion_mnist"}
SPACES = {"classifier": "classifier (FID-C)", "pixels": "pixels", "inception": "Inception"}
PICTURES = 8
# the table's columns: (Scorecard key, heading; "{tag}" is the feature space's suffix, "-C")
COLUMNS = (("FID", "FID{tag}"), ("KID", "KID{tag}"), ("KID_std", "KID{tag} std"),
           ("IS", "IS{tag}"), ("IS_std", "IS{tag} std"), ("precision", "precision"),
           ("recall", "recall"), ("density", "density"), ("coverage", "coverage"),
           ("NDB_K", "NDB/K"))


@dataclass(frozen=True)
class Staged:
    """An upload written to disk: its name as uploaded, its path, its content's sha256."""

    name: str
    path: str
    digest: str


@dataclass(frozen=True)
class Entry:
    """One generator of the scorecard: its label, what ganviz.judge.inputs loads for it and for
    its real set (a checkpoint name, a dataset or a staged file's path), the real set's label
    and a stamp that changes when a checkpoint is retrained (a cache key part)."""

    label: str
    gen_spec: str
    real_spec: str
    real_label: str
    stamp: float = 0.0


@dataclass(frozen=True)
class Request:
    entries: tuple[Entry, ...]
    config: EvalConfig


# ---------------------------------------------------------------------------- uploads

def _safe_name(name: str, suffix: str) -> str:
    """The upload's base name with only [A-Za-z0-9._-] kept (never a path), ending in suffix."""
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", Path(name).stem).strip("._")[:60] or "upload"
    return stem + suffix


def stage_upload(name: str, data: bytes, allowed: tuple[str, ...]) -> Staged:
    """Write an upload under the temp folder by content hash (once) and return where. Raises
    ValueError for a file too large or of a kind not in `allowed` (suffixes without the dot)."""
    suffix = Path(name).suffix.lower()
    if suffix.lstrip(".") not in allowed:
        raise ValueError(f"{name}: give one of {', '.join('.' + a for a in allowed)}")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(f"{name} is too large: {len(data):,} bytes (at most "
                         f"{MAX_UPLOAD_BYTES:,}); upload a subset")
    if not data:
        raise ValueError(f"{name} is empty")
    digest = hashlib.sha256(data).hexdigest()
    folder = Path(tempfile.gettempdir()) / UPLOAD_DIR / digest[:32]
    path = folder / _safe_name(name, suffix)
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=folder, suffix=".part")
        with open(handle, "wb") as f:
            f.write(data)
        Path(partial).replace(path)  # atomic: another session never reads half a file
    return Staged(name, str(path), digest)


def _staged(upload, allowed: tuple[str, ...]) -> Staged:
    """stage_upload once per uploaded file of this session (hashing 200 MB is not free)."""
    memo = st.session_state.setdefault("sc_staged", {})
    key = (upload.file_id, allowed)
    if key not in memo:
        memo[key] = stage_upload(upload.name, upload.getvalue(), allowed)
    return memo[key]


# ---------------------------------------------------------------------------- inputs

def _staged_all(files, allowed: tuple[str, ...], problems: list[str]) -> list[Staged]:
    staged = []
    for upload in files or []:
        try:
            staged.append(_staged(upload, allowed))
        except ValueError as exc:
            problems.append(str(exc))
    return staged


def _uploads(problems: list[str]) -> list[Staged]:
    files = st.file_uploader("Your generators: samples (.npy / .npz), a .zip of PNG/JPEG images "
                             "or a .keras generator", type=list(GENERATOR_TYPES),
                             accept_multiple_files=True, key="sc_uploads",
                             help="Images of one size, uint8 or floats in [0, 1] or [-1, 1]. "
                                  ".keras: one input z (n, latent_dim), output in [-1, 1].")
    return _staged_all(files, GENERATOR_TYPES, problems)


def _real_upload(problems: list[str]) -> Staged | None:
    upload = st.file_uploader("Real images (.npy / .npz / .zip of PNG/JPEG)",
                              type=list(REAL_TYPES), key="sc_real_upload")
    return next(iter(_staged_all([upload] if upload else [], REAL_TYPES, problems)), None)


def _settings() -> EvalConfig:
    c1, c2, c3, c4 = st.columns(4)
    space = c1.radio("Feature space", list(SPACES), format_func=SPACES.get, key="sc_features",
                     help="FID's authors advise a classifier trained on the data for MNIST-like "
                          "images; Inception features need their weights file on this machine.")
    n = int(c2.number_input("Samples per set n", 50, 20_000, 1000, step=250, key="sc_n",
                            help="Generated and real samples each; a checkpoint's held-out "
                                 "MNIST set has 1,000."))
    k = int(c3.number_input("Neighbours k (precision / recall)", 1, 20, 5, key="sc_k",
                            help="Naeem et al. 2020 use 5."))
    seed = int(c4.number_input("Seed", 0, 2**31 - 1, 0, key="sc_seed"))
    dataset = st.selectbox("Your images are like", list(DATASETS), key="sc_dataset",
                           help="Only needed when both sets are your own files: the classifier "
                                "features and the baseline's training images follow it.")
    # KID subsets as large as the sets would all be the same draw: halve them under 2,000
    subset = None if n >= 2000 else max(2, n // 2)
    return EvalConfig(features=space, n=n, k=k, seed=seed, kid_subset_size=subset,
                      dataset=DATASETS[dataset])


def _reference(chosen: list[str], problems: list[str]) -> tuple[str | None, str]:
    """(real spec for uploaded generators, label); spec None when it is each checkpoint's own."""
    ref = st.selectbox("Real reference", list(REFERENCES), key="sc_reference",
                       help="What the generated samples are compared with. The baseline row "
                            "scores training images against the same set.")
    if ref == UPLOADED:
        real = _real_upload(problems)
        return (real.path, real.name) if real else ("", "")
    if REFERENCES[ref] is not None:
        return REFERENCES[ref], ref.split(" ")[0]
    return None, "its held-out set"


def _entries(chosen: list[str], uploads: list[Staged], real: str | None, real_label: str,
             stamp, problems: list[str]) -> tuple[Entry, ...]:
    entries = []
    for name in chosen:
        spec = name if real is None else real
        entries.append(Entry(name, name, spec, f"{name} held-out" if real is None else real_label,
                             stamp(name)))
    for up in uploads:
        taken = {e.label for e in entries}
        label = up.name if up.name not in taken else f"{up.name} ({up.digest[:6]})"
        if real is None and not chosen:
            problems.append(f"{up.name}: choose a real reference for it (MNIST, Fashion-MNIST or "
                            "your own real images); it has no held-out set of its own")
            continue
        spec, lab = (chosen[0], f"{chosen[0]} held-out") if real is None else (real, real_label)
        entries.append(Entry(label, up.path, spec, lab))
    return tuple(entries)


def scorecard_inputs(chosen: list[str], stamp) -> tuple[Request | None, list[str]]:
    """The view's widgets. chosen: the sidebar's checkpoints; stamp(name) a checkpoint's cache
    stamp. Returns (Request or None when there is nothing to score, problems to show)."""
    problems: list[str] = []
    left, right = st.columns(2)
    with left:
        uploads = _uploads(problems)
    with right:
        real, real_label = _reference(chosen, problems)
    config = _settings()
    if real == "":
        problems.append("Upload real images, or pick another real reference.")
        return None, problems
    entries = _entries(chosen, uploads, real, real_label, stamp, problems)
    if len(entries) > MAX_GENERATORS:
        st.warning(f"At most {MAX_GENERATORS} generators side by side: scoring "
                   f"{', '.join(e.label for e in entries[:MAX_GENERATORS])}.")
        entries = entries[:MAX_GENERATORS]
    return (Request(entries, config) if entries else None), problems


# ---------------------------------------------------------------------------- evaluation

@st.cache_resource(show_spinner="Scoring: features, FID, KID, IS, precision / recall, NDB and "
                                "the real-vs-real baseline…", max_entries=12)
def _evaluate(gen_spec: str, real_spec: str, config: EvalConfig, stamp: float) -> Scorecard:
    from ganviz.judge.suite import evaluate

    return evaluate(gen_spec, real_spec, config)


def _unavailable(space: str) -> str | None:
    """Why the feature space cannot run here (Inception's weights missing), or None."""
    if space != "inception":
        return None
    from ganviz.judge.features import FeaturesUnavailable, inception_weights_path

    try:
        inception_weights_path()
    except FeaturesUnavailable as exc:
        return str(exc)
    return None


def evaluate_all(request: Request) -> tuple[dict[str, Scorecard], dict[str, str], str | None]:
    """({label: Scorecard} of those scored, {label: why not} of the others, and why the feature
    space is unavailable here, or None). Uploads can hold anything: every failure is a message."""
    from ganviz.judge.features import FeaturesUnavailable

    cards: dict[str, Scorecard] = {}
    problems: dict[str, str] = {}
    for e in request.entries:
        try:
            cards[e.label] = _evaluate(e.gen_spec, e.real_spec, request.config, e.stamp)
        except FeaturesUnavailable as exc:
            return {}, {}, str(exc)
        except ValueError as exc:  # InputError, CheckpointError, the metrics' own checks
            problems[e.label] = str(exc)
        except Exception as exc:  # a user's generator failing inside Keras, a damaged file
            problems[e.label] = f"cannot be scored ({type(exc).__name__}: {str(exc)[:240]})"
    return cards, problems, None


# ---------------------------------------------------------------------------- FID and KID vs n

@st.cache_resource(show_spinner="FID and KID at growing n…", max_entries=8)
def _curve(gen_spec: str, real_spec: str, space: str, n: int, seed: int,
           stamp: float) -> SampleSizeCurve:
    from ganviz.judge import inputs
    from ganviz.judge.features import extract

    real = inputs.load_real(real_spec, n=n, seed=seed)
    gen = inputs.load_generated(gen_spec, n=n, seed=seed)
    dataset = real.dataset or gen.dataset
    gen_f, real_f = extract(space, gen, dataset), extract(space, real, dataset)
    training = None
    with contextlib.suppress(ValueError, OSError):  # no training split: no baseline curve
        training = extract(space, inputs.load_training_real(dataset, n=len(gen), seed=seed),
                           dataset).values
    m = min(len(gen_f), len(real_f))
    return sample_size_curve(gen_f.values, real_f.values, sample_sizes(m), seed, training)


# ---------------------------------------------------------------------------- the view

def _tag(card: Scorecard) -> str:
    """The feature space's suffix of metric names: "FID-C (MNIST ...)" -> "-C"."""
    return card.feature_label.split(" ")[0][len("FID"):]


def _row(what: str, values: dict[str, float], n: int, tag: str) -> dict:
    row = {"what": what, "n": n}
    row.update({head.format(tag=tag): values.get(key, np.nan) for key, head in COLUMNS})
    return row


def baselines(request: Request, cards: dict[str, Scorecard]) -> dict[str, Scorecard]:
    """{"baseline: real vs real (<real sets>)": a Scorecard holding it}: one entry for the
    generators whose baselines have equal numbers (the same real set at the same n)."""
    grouped: dict[tuple, tuple[Scorecard, list[str]]] = {}
    for e in request.entries:
        card = cards.get(e.label)
        if card is not None and card.baseline is not None:
            same = tuple(sorted(card.baseline.items())) + (card.n_baseline,)
            grouped.setdefault(same, (card, []))[1].append(e.real_label)
    return {f"baseline: real vs real ({', '.join(dict.fromkeys(labels))})": card
            for card, labels in grouped.values()}


def metrics_table(request: Request, cards: dict[str, Scorecard]):
    """A DataFrame: one row per scored generator, then the real-vs-real baseline rows (see
    `baselines`); columns "what", "n" and COLUMNS, NaN where a metric was left out."""
    import pandas as pd

    rows, index = [], []
    for e in request.entries:
        if e.label in cards:
            card = cards[e.label]
            rows.append(_row("generated vs real", card.values, card.n_gen, _tag(card)))
            index.append(e.label)
    for label, card in baselines(request, cards).items():
        rows.append(_row("real vs real (baseline)", card.baseline, card.n_baseline or 0,
                         _tag(card)))
        index.append(label)
    return pd.DataFrame(rows, index=index)


def _space_caption(space: str, card: Scorecard) -> str:
    from ganviz.judge.features import FEATURE_SPACES

    tag = _tag(card)
    if space == "classifier":
        return (f"FID{tag}, KID{tag}, IS{tag}: {card.feature_label.split('(')[-1].rstrip(')')}. "
                "FID's authors advise such features for MNIST-like data, but these numbers are "
                "**not comparable with the Inception FIDs in papers** (another feature space, "
                "another scale). Read each row against the baseline row.")
    return f"{card.feature_label}: {FEATURE_SPACES[space].description}."


def _table(request: Request, cards: dict[str, Scorecard]) -> None:
    first = next(iter(cards.values()))
    table = metrics_table(request, cards)
    numbers = [c for c in table.columns if c not in ("what", "n")]
    shade = ["background-color: #eef1f6; font-style: italic"] * len(table.columns)
    st.table(table.style.format("{:.4f}", subset=numbers, na_rep="–").apply(
        lambda row: shade if row["what"].startswith("real vs real") else [""] * len(row),
        axis=1))
    st.caption(_space_caption(request.config.features, first) + " Lower is better for FID, "
               "KID and NDB/K; higher for IS, precision, recall, density and coverage. The "
               "baseline scores training images against the same real set at the same n: "
               "what a generator indistinguishable from the data would score.")
    for label, card in cards.items():
        if card.notes:
            with st.expander(f"Notes on {label}'s numbers"):
                st.markdown("\n".join(f"- {note}" for note in card.notes))


def _precision_recall(request: Request, cards: dict[str, Scorecard]) -> None:
    from ganviz.plots import scorecard as plots

    def pr(values: dict[str, float]) -> tuple[float, float]:
        return values["precision"], values["recall"]

    points = {label: pr(c.values) for label, c in cards.items() if "precision" in c.values}
    if not points:
        return
    base = {label.removeprefix("baseline: "): pr(card.baseline)
            for label, card in baselines(request, cards).items() if "precision" in card.baseline}
    st.plotly_chart(plots.precision_recall(points, base), key="sc_pr_chart")


def _curve_chart(entry: Entry, config: EvalConfig, card: Scorecard) -> None:
    from ganviz.plots import scorecard as plots

    try:
        curve = _curve(entry.gen_spec, entry.real_spec, config.features, config.n or card.n_gen,
                       config.seed, entry.stamp)
    except Exception as exc:  # the same inputs scored above: this is not expected, but say it
        st.error(f"FID and KID against n: {type(exc).__name__}: {str(exc)[:240]}")
        return
    fig = plots.fid_kid_vs_n(curve.sizes, curve.fid, curve.kid_mean, curve.kid_std,
                             curve.baseline_fid, curve.baseline_kid, fid_label=f"FID{_tag(card)}",
                             title=f"{entry.label}: the same two sets, subsampled to n")
    st.plotly_chart(fig, key="sc_curve_chart")
    st.caption("FID estimates a covariance from n samples, so small n inflates it: compare FIDs "
               "only at equal n. KID's estimator is unbiased, so its mean stays level as n "
               "grows; only its spread (the band, over random subsets) narrows.")


def _realism(card: Scorecard) -> None:
    from ganviz.plots import scorecard as plots

    if card.realism is None or card.gen_images is None:
        st.info("No realism scores: they need precision / recall on images.")
        return
    best, worst = plots.realism_extremes(card.realism, PICTURES)
    left, right = st.columns(2)
    left.markdown("**Most realistic samples** (realism score, Kynkaanniemi et al. 2019)")
    left.image(plots.realism_grid(card.gen_images[best], card.realism[best], columns=PICTURES),
               output_format="PNG")
    right.markdown("**Least realistic samples** (score < 1: outside the real manifold)")
    right.image(plots.realism_grid(card.gen_images[worst], card.realism[worst],
                                   columns=PICTURES), output_format="PNG")


def _memorisation(card: Scorecard) -> None:
    from ganviz.plots import scorecard as plots

    nearest = card.nearest_images()
    if nearest is None or card.gen_images is None:
        st.info("No memorisation check: it needs a known training set (a checkpoint's, MNIST "
                "or Fashion-MNIST as the real reference) and generated images.")
        return
    _, distances = card.nearest
    closest = np.argsort(distances, kind="stable")[:PICTURES]
    # closer to a training image than any held-out real image ever is: a likely copy (red)
    yardstick = card.real_nearest
    threshold = None if yardstick is None or not len(yardstick) else float(np.min(yardstick))
    st.markdown("**Memorisation: the generated samples closest to a training image**")
    st.image(plots.memorisation_pairs(card.gen_images[closest], nearest[closest],
                                      distances[closest], threshold=threshold),
             output_format="PNG")
    real = "" if threshold is None else (
        f"; held-out real images: median {np.median(yardstick):.2f}, closest {threshold:.2f} "
        "(red: a generated sample closer than that)")
    st.caption(f"Distance in the feature space to the nearest of the baseline's "
               f"{len(card.training_images):,} training images. Generated samples: median "
               f"{np.median(distances):.2f}{real}. A distance near 0 is a copy.")


def scorecard_view(chosen: list[str], stamp) -> None:
    """The whole view: inputs, then the table, the precision-vs-recall picture, and for one
    generator the FID/KID-vs-n curve, its best and worst samples and the memorisation panel."""
    st.caption(f"The sidebar's NDB settings do not apply here: NDB/K below uses {NDB_BINS} "
               f"k-means bins of pixels (fewer for small real sets) and |z| > "
               f"{NDB_Z_THRESHOLD:g}, as the checkpoints' cards do.")
    request, problems = scorecard_inputs(chosen, stamp)
    for text in problems:
        st.error(text)
    if request is None:
        st.info("Choose checkpoints in the sidebar or upload generated samples above.")
        return
    why_not = _unavailable(request.config.features)
    if why_not:
        st.info(why_not)
        return
    cards, failed, why_not = evaluate_all(request)
    if why_not:
        st.info(why_not)
    for label, text in failed.items():
        st.error(text if text.startswith(label) else f"{label}: {text}")
    if not cards:
        return
    _table(request, cards)
    _precision_recall(request, cards)
    focus = st.selectbox("Look closer at", list(cards), key="sc_focus")
    focus = focus if focus in cards else next(iter(cards))
    entry = next(e for e in request.entries if e.label == focus)
    _curve_chart(entry, request.config, cards[focus])
    _realism(cards[focus])
    _memorisation(cards[focus])
