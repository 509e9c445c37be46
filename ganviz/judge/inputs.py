"""Sample sets as a user has them, for evaluating any GAN (issue 18): one `SampleSet` per side.

    load_generated(spec, n=None, seed=0, value_range=None)  the samples under test
    load_real(spec, n=None, seed=0, value_range=None)       the real set they are compared with
    load_training_real(dataset, n=None, seed=0)             a dataset's training split (for
                                                            the real-vs-real baseline)
    samples_from_array(array, source, ...)                  an in-memory array (notebooks)

`spec` is one of these kinds (`SOURCES` maps each to its two loaders):
    checkpoint   a shipped name ("mnist_dcgan") or a checkpoint folder. Generated: n images
                 (default 10,000) from z ~ N(0, I) drawn with `seed`, classes in turn for a
                 conditional one. Real: its reference.npz, the held-out split it never trained
                 on (the offline MNIST checkpoints hold 1,000 digits).
    dataset      "mnist" / "fashion_mnist". Real: the held-out split (the split, seed 0, that
                 the checkpoints hold out). Generated: the training split, so generated=mnist,
                 real=mnist measures the real-vs-real baseline.
    array        .npy / .npz: (n, H, W), (n, H, W, C) or channels-first (n, C, H, W) images
                 with C in {1, 3}, in uint8, [0, 1] or [-1, 1]; or (n, d), feature vectors
                 already (the "raw" space). An .npz gives `images` (or `features`, or its only
                 array) [+ `labels`].
    images       a folder (read recursively) or .zip of PNG/JPEG files, all of one size.
    keras        a generator .keras file, z (n, d) -> (n, H, W[, C]), loaded in Keras safe mode
                 with Lambda layers refused; n images (default 10,000) from N(0, I) with `seed`.

Float images are read by the value-range rule of `ganviz.judge.sample_files` (uint8 / unit /
tanh, detected or given as `value_range`, ambiguous sets refused); a .keras generator's output
is read as tanh unless `value_range` says otherwise; checkpoints and datasets ignore it.
`n` caps a file or dataset to a seeded random n (kept in file order) and never repeats a
sample: asking for more than there are is refused, saying how many there are. RGB images whose
three channels are equal everywhere are kept as one grey channel. Every refusal is an
`InputError` (a ValueError) with one line a user can act on. Specs are paths the user gives
(CLI, notebooks): pages must not pass paths typed into a browser.
"""

from __future__ import annotations

import functools
import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ganviz.eval.metric_inputs import frozen_view
from ganviz.judge.sample_files import (
    VALUE_RANGES,
    InputError,
    check_n,
    check_seed,
    detect_value_range,
    image_layout,
    read_array_file,
    read_image_files,
    subset_indices,
    to_uint8,
    value_bounds,
)

__all__ = ["SampleSet", "InputError", "load_generated", "load_real", "load_training_real",
           "samples_from_array", "SOURCES", "DATASETS"]

DEFAULT_GENERATED = 10_000
GENERATE_BATCH = 500
DATASETS = ("mnist", "fashion_mnist")
FILE_KINDS = {".npy": "array", ".npz": "array", ".zip": "images", ".keras": "keras"}
MAX_KERAS_BYTES = 200 * 2**20    # file and unpacked, as ganviz.toy.model_zip.MAX_ZIP_BYTES


@dataclass(frozen=True)
class SampleSet:
    """One side of an evaluation.

    images: (n, H, W, C) uint8 read-only, C in {1, 3}; None when the file held feature vectors.
    features: (n, d) float64 read-only for arrays given as features (the "raw" space), else None.
    source: what it is, for messages ("checkpoint mnist_dcgan (generated, seed 0)").
    dataset: "mnist" / "fashion_mnist" when known, else None. labels: (n,) int64 or None.
    """

    images: np.ndarray | None
    features: np.ndarray | None
    source: str
    dataset: str | None
    labels: np.ndarray | None = None

    def __post_init__(self) -> None:
        if (self.images is None) == (self.features is None):
            raise ValueError("a SampleSet holds images or features, exactly one of them")
        if self.images is not None:
            im = self.images
            if im.ndim != 4 or im.dtype != np.uint8 or im.shape[-1] not in (1, 3) or not len(im):
                raise ValueError(f"images must be (n>0, H, W, 1|3) uint8, got {im.shape} "
                                 f"{im.dtype}")
        if self.features is not None:
            f = self.features
            if f.ndim != 2 or f.dtype != np.float64 or not len(f) or not np.isfinite(f).all():
                raise ValueError(f"features must be finite (n>0, d) float64, got {f.shape} "
                                 f"{f.dtype}")
        if self.labels is not None and self.labels.shape != (len(self),):
            raise ValueError(f"labels must be ({len(self)},), got {self.labels.shape}")
        for name in ("images", "features", "labels"):
            object.__setattr__(self, name, frozen_view(getattr(self, name)))

    def __len__(self) -> int:
        return len(self.images if self.images is not None else self.features)

    @property
    def image_shape(self) -> tuple[int, int, int] | None:
        """(H, W, C) of the images, or None for feature vectors."""
        return None if self.images is None else tuple(self.images.shape[1:])


def _take(array: np.ndarray | None, idx: np.ndarray | None) -> np.ndarray | None:
    return array if array is None or idx is None else array[idx]


def _image_set(images: np.ndarray, source: str, dataset: str | None,
               labels: np.ndarray | None = None) -> SampleSet:
    """(n, H, W, C) uint8 -> SampleSet; three equal channels collapse to one grey channel."""
    if images.shape[-1] == 3 and (images[..., :1] == images[..., 1:]).all():
        images = images[..., :1]
    labels = None if labels is None else np.asarray(labels, np.int64).reshape(-1)
    return SampleSet(np.ascontiguousarray(images), None, source, dataset, labels)


def _known_dataset(name: str | None) -> str | None:
    return name if name in DATASETS else None


# ---------------------------------------------------------------------------- arrays, files

def samples_from_array(array: np.ndarray, source: str, *, labels: np.ndarray | None = None,
                       n: int | None = None, seed: int = 0, value_range: str | None = None,
                       dataset: str | None = None) -> SampleSet:
    """An array as a SampleSet: (n, d) -> features (float64); (n, H, W[, C]) or (n, C, H, W)
    images in uint8 / [0, 1] / [-1, 1] -> uint8 images. `source` names it in messages."""
    array = np.asarray(array)
    if array.ndim not in (2, 3, 4):
        raise InputError(f"{source}: shape {array.shape} is neither (n, d) features nor "
                         "(n, H, W[, C]) images")
    if array.size == 0:
        raise InputError(f"{source}: the array is empty {array.shape}")
    if labels is not None and len(labels) != len(array):
        raise InputError(f"{source}: {len(labels)} labels for {len(array)} samples")
    idx = subset_indices(len(array), check_n(n), check_seed(seed), source)
    if array.ndim == 2:
        value_bounds(array, source)  # numeric, no NaN/Inf
        values = np.asarray(_take(array, idx), np.float64)
        return SampleSet(None, values, f"{source} (features)", dataset, _take(labels, idx))
    images, note = image_layout(array, source)
    value_range = detect_value_range(images, value_range, source)
    return _image_set(to_uint8(_take(images, idx), value_range),
                      f"{source} ({value_range}{note})", dataset, _take(labels, idx))


def _array_file(path: Path, n: int | None, seed: int, value_range: str | None) -> SampleSet:
    array, labels, key = read_array_file(path)
    source = path.name if key == path.name else f"{path.name}:{key}"
    return samples_from_array(array, source, labels=labels, n=n, seed=seed,
                              value_range=value_range)


def _image_files(path: Path, n: int | None, seed: int, value_range: str | None) -> SampleSet:
    images = read_image_files(path, n, seed)
    kind = "folder" if path.is_dir() else "zip"
    return _image_set(images, f"{kind} {path.name} ({len(images):,} images)", None)


# ---------------------------------------------------------------------------- checkpoints

def _checkpoint_generated(target: str, n: int | None, seed: int,
                          value_range: str | None) -> SampleSet:
    from ganviz.image.card import CheckpointError
    from ganviz.image.checkpoints import load

    try:
        ckpt = load(target)
    except CheckpointError as exc:
        raise InputError(str(exc)) from None
    n = n or DEFAULT_GENERATED
    images = ckpt.sample(n, seed=seed)  # conditional: classes in turn
    labels = np.arange(n) % ckpt.num_classes if ckpt.conditional else None
    return _image_set(images, f"checkpoint {ckpt.name} (generated, seed {seed})",
                      _known_dataset(ckpt.card.dataset), labels)


def _checkpoint_real(target: str, n: int | None, seed: int, value_range: str | None) -> SampleSet:
    """The reference.npz, read without loading the generator (no TensorFlow)."""
    from ganviz.image.card import Card, CheckpointError
    from ganviz.image.checkpoints import resolve

    try:
        path = resolve(target)
        card = Card.from_dict(json.loads((path / "card.json").read_text()))
        with np.load(path / "reference.npz", allow_pickle=False) as z:
            images = z["images"]
            labels = z["labels"] if "labels" in z.files else None
    except CheckpointError as exc:
        raise InputError(str(exc)) from None
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
        raise InputError(f"checkpoint {target}: card.json or reference.npz is unreadable "
                         f"({type(exc).__name__}: {str(exc)[:120]}); restore the folder") from None
    what = f"checkpoint {path.name}'s reference set (its held-out split; {card.dataset_source})"
    idx = subset_indices(len(images), n, seed, what)
    return _image_set(_take(images, idx), f"checkpoint {path.name} (reference set, held out)",
                      _known_dataset(card.dataset), _take(labels, idx))


# ---------------------------------------------------------------------------- datasets

@functools.lru_cache(maxsize=2)
def _dataset(name: str):
    from ganviz.image import data

    try:
        return data.DATASETS[name]()
    except (FileNotFoundError, ValueError) as exc:
        raise InputError(f"dataset {name}: {exc}") from None


def _dataset_split(name: str, split: str, n: int | None, seed: int) -> SampleSet:
    ds = _dataset(name)
    images, labels = ((ds.train_images, ds.train_labels) if split == "training"
                      else (ds.heldout_images, ds.heldout_labels))
    idx = subset_indices(len(images), n, seed, f"dataset {name}'s {split} split ({ds.source})")
    return _image_set(_take(images, idx), f"dataset {name} ({split} split)", name,
                      _take(labels, idx))


def _dataset_real(name: str, n: int | None, seed: int, value_range: str | None) -> SampleSet:
    return _dataset_split(name, "held-out", n, seed)


def _dataset_training(name: str, n: int | None, seed: int, value_range: str | None) -> SampleSet:
    return _dataset_split(name, "training", n, seed)


# ---------------------------------------------------------------------------- .keras generators

def _load_keras_generator(path: Path):
    """A keras model from a .keras file: size-checked, Lambda layers refused, safe mode."""
    from ganviz.image.checkpoints import _lambda_layers

    where = path.name
    if path.stat().st_size > MAX_KERAS_BYTES or not zipfile.is_zipfile(path):
        raise InputError(f"{where} is not a Keras 3 .keras file of at most {MAX_KERAS_BYTES:,} "
                         "bytes; save the generator with model.save('generator.keras')")
    try:
        with zipfile.ZipFile(path) as zf:
            if sum(i.file_size for i in zf.infolist()) > MAX_KERAS_BYTES:
                raise InputError(f"{where} unpacks to over {MAX_KERAS_BYTES:,} bytes")
            config = json.loads(zf.read("config.json"))
    except (KeyError, ValueError, zipfile.BadZipFile, OSError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{where}: no readable config.json in it ({type(exc).__name__}); "
                         "save the generator with model.save('generator.keras')") from None
    lambdas = _lambda_layers(config)
    if lambdas:
        raise InputError(f"{where} contains a Lambda layer ({', '.join(lambdas)}), i.e. arbitrary "
                         "Python code; ganviz loads models only in Keras safe mode and refuses "
                         "it: rebuild the generator from standard layers")
    import keras

    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as exc:  # unknown custom layers, damaged weights, safe-mode refusals
        raise InputError(f"{where} cannot be loaded in Keras safe mode ({type(exc).__name__}: "
                         f"{str(exc)[:160]})") from None


def _latent_dim(model, where: str) -> int:
    """The generator's latent size, after checking it maps one z (n, d) to images."""
    shapes = [tuple(t.shape) for t in model.inputs]
    if len(shapes) != 1 or len(shapes[0]) != 2 or shapes[0][1] is None:
        raise InputError(f"{where}: the generator takes inputs {shapes}; ganviz needs one input "
                         "z of shape (n, latent_dim) (for a conditional one, use a checkpoint "
                         "folder)")
    out = model.output_shape
    if not isinstance(out, tuple) or len(out) not in (3, 4) or (len(out) == 4
                                                                and out[-1] not in (1, 3)):
        raise InputError(f"{where}: the generator makes {out}; ganviz needs images "
                         "(n, H, W) or (n, H, W, C) with C 1 or 3")
    return int(shapes[0][1])


def _keras_generated(path: Path, n: int | None, seed: int, value_range: str | None) -> SampleSet:
    model = _load_keras_generator(path)
    latent_dim = _latent_dim(model, path.name)
    n = n or DEFAULT_GENERATED
    value_range = value_range or "tanh"
    z = np.random.default_rng(seed).standard_normal((n, latent_dim)).astype(np.float32)
    where, batches = f"{path.name} output", []
    for i in range(0, n, GENERATE_BATCH):  # uint8 per batch keeps memory at n * H * W * C
        out, _ = image_layout(np.asarray(model(z[i:i + GENERATE_BATCH], training=False)), where)
        batches.append(to_uint8(out, detect_value_range(out, value_range, where)))
    return _image_set(np.concatenate(batches),
                      f"generator {path.name} (generated, seed {seed}, {value_range})", None)


def _keras_real(path: Path, n: int | None, seed: int, value_range: str | None) -> SampleSet:
    raise InputError(f"{path.name} is a generator: give it as the generated side, and real "
                     "images (a dataset, a checkpoint, files) as the real side")


# ---------------------------------------------------------------------------- the registry

Loader = Callable[..., SampleSet]  # (target, n, seed, value_range) -> SampleSet


@dataclass(frozen=True)
class Source:
    """One kind of spec and what it gives as the generated and as the real side."""

    description: str
    generated: Loader
    real: Loader


SOURCES: dict[str, Source] = {
    "checkpoint": Source("a checkpoint name or folder", _checkpoint_generated, _checkpoint_real),
    "dataset": Source(f"a dataset ({', '.join(DATASETS)})", _dataset_training, _dataset_real),
    "array": Source("an .npy / .npz array file", _array_file, _array_file),
    "images": Source("a folder or .zip of PNG/JPEG images", _image_files, _image_files),
    "keras": Source("a generator .keras file", _keras_generated, _keras_real),
}


def _is_plain_name(s: str) -> bool:
    return s not in (".", "..") and "/" not in s and os.sep not in s


def _classify(spec: str | os.PathLike) -> tuple[str, str | Path]:
    """(kind, target) of a spec: a SOURCES key and the name or path its loaders take."""
    from ganviz.image.checkpoints import checkpoints_root, list_checkpoints

    if not isinstance(spec, (str, os.PathLike)) or not os.fspath(spec).strip():
        raise InputError(f"no samples given ({spec!r}); give one of: "
                         + "; ".join(s.description for s in SOURCES.values()))
    s = os.fspath(spec)
    if not s.isprintable():
        raise InputError(f"refusing sample spec {s!r}: it contains control characters")
    if s in DATASETS:
        return "dataset", s
    if _is_plain_name(s) and (checkpoints_root() / s).is_dir():
        return "checkpoint", s
    path = Path(s).expanduser()
    if path.is_dir():
        if (path / "card.json").exists() or (path / "generator.keras").exists():
            return "checkpoint", str(path.resolve())
        return "images", path
    if path.is_file() and path.suffix.lower() in FILE_KINDS:
        return FILE_KINDS[path.suffix.lower()], path
    if path.is_file():
        raise InputError(f"{s}: cannot read {path.suffix or 'extensionless'} files as samples; "
                         f"give {', '.join(FILE_KINDS)}, a folder or a checkpoint")
    if not _is_plain_name(s):
        raise InputError(f"no such file or folder: {s}")
    known = ", ".join(c.name for c in list_checkpoints() if c.ok) or "none"
    raise InputError(f"{s!r} is no checkpoint (shipped: {known}), dataset "
                     f"({', '.join(DATASETS)}), file or folder")


def _check_value_range(value_range: str | None) -> str | None:
    if value_range is not None and value_range not in VALUE_RANGES:
        raise InputError(f"value_range must be one of {', '.join(VALUE_RANGES)} (or None to "
                         f"detect it), got {value_range!r}")
    return value_range


def load_generated(spec: str | os.PathLike, n: int | None = None, seed: int = 0,
                   value_range: str | None = None) -> SampleSet:
    """The samples under test. Generators (checkpoints, .keras) make n (default 10,000) from
    z drawn with `seed`; files and datasets give all, or a seeded random n."""
    kind, target = _classify(spec)
    return SOURCES[kind].generated(target, check_n(n), check_seed(seed),
                                   _check_value_range(value_range))


def load_real(spec: str | os.PathLike, n: int | None = None, seed: int = 0,
              value_range: str | None = None) -> SampleSet:
    """The real set: a checkpoint's reference set, a dataset's held-out split, or files;
    all of it, or a seeded random n (never more than there are)."""
    kind, target = _classify(spec)
    return SOURCES[kind].real(target, check_n(n), check_seed(seed),
                              _check_value_range(value_range))


def load_training_real(dataset: str, n: int | None = None, seed: int = 0) -> SampleSet:
    """The dataset's training split (all, or a seeded random n): compared with the held-out
    split, it gives the real-vs-real baseline a generator's scores are read against."""
    if dataset not in DATASETS:
        raise InputError(f"unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}")
    return _dataset_split(dataset, "training", check_n(n), check_seed(seed))
