"""Feature spaces for the sample-set metrics (FID, KID, classifier score, PRDC): images in,
(n, d) float64 vectors out. The metric maths (`ganviz.eval.frechet`, `kid`, `prdc`, ...) never
sees an image; this module never computes a metric.

    extract(space, samples, dataset=None, batch_size=500, progress=None) -> Features
    FEATURE_SPACES     the registry: one `FeatureSpace` per space

Spaces:
    classifier  the shipped MNIST / Fashion-MNIST classifier (checkpoints/classifiers/): its
                penultimate layer, the input of the logits Dense (128-d after ReLU), plus its
                softmax probabilities for the Inception-Score-style classifier score. Metric
                names get a "-C" ("FID-C"): the authors of FID advise such features for
                MNIST-like data (TTUR issue 24, pytorch-fid issue 12), and the numbers are NOT
                comparable with the Inception FIDs of papers. 28x28x1 images only.
    pixels      flattened images scaled to [0, 1] (d = H * W * C).
    raw         the arrays given as feature vectors (SampleSet.features); images given here
                are flattened as they are (0..255).
    inception   Keras' InceptionV3 (ImageNet weights, include_top=False, average pooling:
                2048-d) on images made RGB, resized to 299x299 (bilinear, antialiased) and
                scaled to [-1, 1]. Only with the weights file present locally (Keras' cache or
                $GANVIZ_INCEPTION_WEIGHTS): ganviz never downloads it, and says where to put
                it (`FeaturesUnavailable`). The FID of papers uses the TTUR/pytorch-fid
                Inception graph (2015-12-05 weights), not Keras' ImageNet weights, so these
                numbers are close to published FIDs but not equal to them.

Deterministic: the same images give the same features. `progress`, when given, is called
after each batch with the number of samples done in it (tqdm's `update`).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ganviz.eval.metric_inputs import frozen_view
from ganviz.judge.inputs import InputError, SampleSet

CLASSIFIER_IMAGE_SHAPE = (28, 28, 1)
DATASET_TITLES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}
MAX_BATCH_SIZE = 10_000
INCEPTION_SIZE = 299
INCEPTION_MAX_BATCH = 100  # 100 x 299 x 299 x 3 float32 inputs: ~107 MB
INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
INCEPTION_WEIGHTS_URL = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                         f"inception_v3/{INCEPTION_WEIGHTS_FILE}")
INCEPTION_WEIGHTS_ENV = "GANVIZ_INCEPTION_WEIGHTS"

Progress = Callable[[int], object] | None


class FeaturesUnavailable(RuntimeError):
    """A feature space's network is missing here (weights, classifier file); the message says
    which file to put where."""


@dataclass(frozen=True)
class Features:
    """values: (n, d) float64 read-only. probabilities: (n, classes) softmax rows (classifier
    space), else None. label: the FID's name in this space, e.g. "FID-C (MNIST classifier
    features)"; `metric_label("KID")` names another metric the same way."""

    values: np.ndarray
    probabilities: np.ndarray | None
    space: str
    label: str
    dataset: str | None = None
    source: str = ""

    def __len__(self) -> int:
        return len(self.values)

    def metric_label(self, metric: str) -> str:
        """e.g. "KID" -> "KID-C (MNIST classifier features)"."""
        return FEATURE_SPACES[self.space].metric_label(metric, self.dataset)


Compute = Callable[[SampleSet, str | None, int, Progress],
                   tuple[np.ndarray, np.ndarray | None]]


@dataclass(frozen=True)
class FeatureSpace:
    """One feature space. tag: the suffix of metric names in it ("C" -> "FID-C"; "" for
    Inception, whose FID is the usual one); title: what the features are ("{dataset}" is
    filled in); comparable_to_papers: whether published numbers can be set beside these."""

    name: str
    tag: str
    title: str
    description: str
    comparable_to_papers: bool
    needs_dataset: bool
    compute: Compute

    def metric_label(self, metric: str = "FID", dataset: str | None = None) -> str:
        title = self.title.format(dataset=DATASET_TITLES.get(dataset or "", dataset or "?"))
        return f"{metric}{'-' + self.tag if self.tag else ''} ({title})"


def _batches(n: int, batch_size: int):
    return ((i, min(i + batch_size, n)) for i in range(0, n, batch_size))


def _images_of(samples: SampleSet, space: str) -> np.ndarray:
    if samples.images is None:
        raise InputError(f"{samples.source} holds feature vectors, not images; only the raw "
                         f"space takes them (not {space})")
    return samples.images


# ---------------------------------------------------------------------------- pixels, raw

def _pixels(samples: SampleSet, dataset: str | None, batch_size: int,
            progress: Progress) -> tuple[np.ndarray, None]:
    images = _images_of(samples, "pixels")
    values = images.reshape(len(images), -1) / 255.0  # float64 in [0, 1]
    if progress is not None:
        progress(len(images))
    return values, None


def _raw(samples: SampleSet, dataset: str | None, batch_size: int,
         progress: Progress) -> tuple[np.ndarray, None]:
    if samples.features is not None:
        values = samples.features
    else:
        values = samples.images.reshape(len(samples), -1).astype(np.float64)
    if progress is not None:
        progress(len(values))
    return values, None


# ---------------------------------------------------------------------------- classifier

def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)  # stable: exp of values <= 0
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@functools.lru_cache(maxsize=4)
def _classifier_extractor(path: str, mtime_ns: int):
    """(sub-model image -> [penultimate, head output], head gives probabilities already) for
    one classifier file version; built once and kept (mtime_ns keys a retrained file)."""
    import keras

    model = keras.saving.load_model(path, compile=False, safe_mode=True)
    heads = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    if not heads:
        raise FeaturesUnavailable(f"classifier {path} has no Dense output layer; retrain it: "
                                  "python -m ganviz.image.classifier DATASET")
    head = heads[-1]  # the logits (or softmax) Dense; its input is the penultimate layer
    is_softmax = head.get_config().get("activation") == "softmax"
    return keras.Model(model.input, [head.input, head.output]), is_softmax


def _classifier_dataset(samples: SampleSet, dataset: str | None) -> str:
    from ganviz.image.classifier import CLASSIFIER_FILES

    if dataset is None:
        raise InputError(f"classifier features need the dataset the images are like "
                         f"({', '.join(CLASSIFIER_FILES)}) and {samples.source} does not say: "
                         "pass dataset= (--dataset), or use the pixels or inception space")
    if dataset not in CLASSIFIER_FILES:
        raise InputError(f"no shipped classifier for {dataset!r} (there are: "
                         f"{', '.join(CLASSIFIER_FILES)}); use the pixels or inception space")
    if samples.image_shape != CLASSIFIER_IMAGE_SHAPE:
        raise InputError(f"the {dataset} classifier reads 28x28x1 images and {samples.source} "
                         f"holds {samples.image_shape}; use the pixels or inception space")
    return dataset


def _classifier(samples: SampleSet, dataset: str | None, batch_size: int,
                progress: Progress) -> tuple[np.ndarray, np.ndarray]:
    from ganviz.image.classifier import classifier_path

    images = _images_of(samples, "classifier")
    dataset = _classifier_dataset(samples, dataset)
    path = classifier_path(dataset)
    if not path.is_file():
        raise FeaturesUnavailable(f"no shipped {dataset} classifier at {path}; train it: "
                                  f"python -m ganviz.image.classifier {dataset}")
    model, is_softmax = _classifier_extractor(str(path), path.stat().st_mtime_ns)
    values, heads = [], []
    for start, stop in _batches(len(images), batch_size):
        penultimate, head = model(images[start:stop].astype(np.float32), training=False)
        values.append(np.asarray(penultimate, np.float64))  # (b, 128)
        heads.append(np.asarray(head, np.float64))         # (b, classes)
        if progress is not None:
            progress(stop - start)
    head = np.concatenate(heads)
    return np.concatenate(values), head if is_softmax else _softmax(head)


# ---------------------------------------------------------------------------- inception

def _inception_candidates() -> list[Path]:
    """Where Keras' own download would have put the weights: $KERAS_HOME or ~/.keras, then
    /tmp/.keras (Keras' fallback when the home folder is not writable)."""
    home = Path(os.environ.get("KERAS_HOME", Path("~/.keras").expanduser()))
    return [home / "models" / INCEPTION_WEIGHTS_FILE,
            Path("/tmp/.keras/models") / INCEPTION_WEIGHTS_FILE]


def inception_weights_path() -> Path:
    """The local InceptionV3 no-top weights file, or FeaturesUnavailable saying how to get
    it. Never downloads (offline, Keras' download would hang or fail)."""
    how = (f"on a machine with internet run `python -c \"import keras; keras.applications."
           f"InceptionV3(include_top=False, weights='imagenet')\"` (it saves ~/.keras/models/"
           f"{INCEPTION_WEIGHTS_FILE}) or download {INCEPTION_WEIGHTS_URL}")
    env = os.environ.get(INCEPTION_WEIGHTS_ENV)
    if env:
        path = Path(env).expanduser()
        if path.is_file():
            return path
        raise FeaturesUnavailable(f"{INCEPTION_WEIGHTS_ENV}={env} is not a file; point it at "
                                  f"{INCEPTION_WEIGHTS_FILE} ({how})")
    candidates = _inception_candidates()
    found = next((p for p in candidates if p.is_file()), None)
    if found is None:
        raise FeaturesUnavailable(
            f"Inception features need the InceptionV3 ImageNet weights {INCEPTION_WEIGHTS_FILE}"
            f" (about 88 MB), not on this machine, and ganviz never downloads them: {how}; then "
            f"copy the file to {candidates[0]} or set {INCEPTION_WEIGHTS_ENV}=/path/to/it")
    return found


@functools.lru_cache(maxsize=1)
def _inception_model(path: str, mtime_ns: int):
    import keras

    try:
        return keras.applications.InceptionV3(
            include_top=False, pooling="avg", weights=path,
            input_shape=(INCEPTION_SIZE, INCEPTION_SIZE, 3))
    except Exception as exc:  # truncated download, a file of other weights
        raise FeaturesUnavailable(f"cannot load InceptionV3 weights from {path} "
                                  f"({type(exc).__name__}: {str(exc)[:120]}); fetch "
                                  f"{INCEPTION_WEIGHTS_URL} again") from None


def inception_inputs(images: np.ndarray):
    """(n, H, W, 1|3) uint8 -> (n, 299, 299, 3) float32 tensor in [-1, 1]: grey repeated to
    RGB, resized bilinearly with antialiasing (tf.image.resize), then
    `keras.applications.inception_v3.preprocess_input` (x / 127.5 - 1)."""
    import keras
    import tensorflow as tf

    x = tf.convert_to_tensor(np.asarray(images), dtype=tf.float32)
    if x.shape[-1] == 1:
        x = tf.repeat(x, 3, axis=-1)
    x = tf.image.resize(x, (INCEPTION_SIZE, INCEPTION_SIZE), method="bilinear", antialias=True)
    return keras.applications.inception_v3.preprocess_input(x)


def _inception(samples: SampleSet, dataset: str | None, batch_size: int,
               progress: Progress) -> tuple[np.ndarray, None]:
    images = _images_of(samples, "inception")
    path = inception_weights_path()
    model = _inception_model(str(path), path.stat().st_mtime_ns)
    values = []
    for start, stop in _batches(len(images), min(batch_size, INCEPTION_MAX_BATCH)):
        pooled = model(inception_inputs(images[start:stop]), training=False)
        values.append(np.asarray(pooled, np.float64))  # (b, 2048)
        if progress is not None:
            progress(stop - start)
    return np.concatenate(values), None


# ---------------------------------------------------------------------------- the registry

FEATURE_SPACES: dict[str, FeatureSpace] = {
    "classifier": FeatureSpace(
        "classifier", "C", "{dataset} classifier features",
        "penultimate layer (128-d) and softmax of ganviz's shipped MNIST / Fashion-MNIST "
        "classifier: the features FID's authors advise for such data; not comparable with "
        "Inception-based numbers in papers", False, True, _classifier),
    "pixels": FeatureSpace(
        "pixels", "pixels", "flattened pixels in [0, 1]",
        "the images themselves, flattened and scaled to [0, 1]: no network, any size; "
        "sensitive to shifts a viewer would ignore", False, False, _pixels),
    "raw": FeatureSpace(
        "raw", "raw", "your feature vectors",
        "the (n, d) arrays you gave, used as they are (images: flattened 0..255)",
        False, False, _raw),
    "inception": FeatureSpace(
        "inception", "", "InceptionV3 pool features, Keras ImageNet weights",
        "InceptionV3 average-pool features (2048-d) at 299x299, as papers' FID uses, but with "
        "Keras' ImageNet weights rather than the TTUR/pytorch-fid graph: close to published "
        "FIDs, not equal; needs the weights file locally", False, False, _inception),
}


def extract(space: str, samples: SampleSet, dataset: str | None = None, batch_size: int = 500,
            progress: Progress = None) -> Features:
    """Features of `samples` in `space` (a FEATURE_SPACES key). dataset: which shipped
    classifier reads the images (default `samples.dataset`). Raises InputError (a
    ValueError) for samples the space cannot read, FeaturesUnavailable for missing weights."""
    entry = FEATURE_SPACES.get(space)
    if entry is None:
        raise InputError(f"unknown feature space {space!r}; choose one of "
                         f"{', '.join(FEATURE_SPACES)}")
    if not isinstance(samples, SampleSet):
        raise InputError(f"samples must be a SampleSet (ganviz.judge.inputs.load_generated / "
                         f"load_real), got {type(samples).__name__}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or not (
            1 <= batch_size <= MAX_BATCH_SIZE):
        raise InputError(f"batch_size must be 1..{MAX_BATCH_SIZE}, got {batch_size!r}")
    dataset = dataset or samples.dataset
    values, probabilities = entry.compute(samples, dataset, batch_size, progress)
    values = np.ascontiguousarray(values, np.float64)
    if not np.isfinite(values).all():
        raise FeaturesUnavailable(f"{space} features of {samples.source} are not finite; "
                                  "the network file may be damaged")
    return Features(frozen_view(values), frozen_view(probabilities), space,
                    entry.metric_label("FID", dataset), dataset, samples.source)
