"""Image-GAN checkpoints: a folder that carries its own model card, so `load(path)` rebuilds
everything with no other knowledge. The public name is `ganviz.checkpoints` (a re-export of
this module and `ganviz.image.card`).

    checkpoints/NAME/
        card.json        Card: model, architecture, training config, dataset and its source,
                         sample counts, epochs, training time and hardware, final metrics,
                         history, class names, latent dim
        generator.keras  the generator (loads with keras' safe_mode=True: no Lambda layers)
        samples.png      a grid of generated samples (one row per class when conditional)
        reference.npz    held-out real images `images` (n, H, W, C) uint8 [+ `labels` (n,)]
        epochs/          optional: epoch_NNN.png grids and epoch_NNN.npz generated samples
        state/           optional: discriminator + optimizer state for `train --resume`
        encoder/         optional, ae / vae: encoder.keras, for reconstructions
                         (`ganviz.image.autoencoders.load_autoencoder`)

API (no TensorFlow is imported until a generator is loaded):
    list_checkpoints()      -> list[CheckpointSummary]   what is in checkpoints/, cheap
    load(name_or_path)      -> Checkpoint                 validated, generator loaded
    save(path, ...)         -> Path                       atomic: temp dir, then rename
    resolve(name_or_path)   -> Path

Names and paths: a bare name ("mnist_dcgan") is looked up in checkpoints/ only; an explicit
folder path (with a "/", or absolute) is used as given, for the CLI and notebooks; `..` is
refused everywhere. Pages pass `inside_root=True`: then nothing outside checkpoints/ opens.

    ckpt = load("mnist_cdcgan")
    z = ckpt.latent(16, seed=0)                      # (16, latent_dim) float32 ~ N(0, 1)
    images = ckpt.generate(z, labels=[3] * 16)       # (16, 28, 28, 1) uint8

Errors (defined in `ganviz.image.card`): `CheckpointError` (a ValueError) with subclasses
`UnknownCheckpointError`, `IncompleteCheckpointError`, `CorruptCheckpointError` (and its
`UnsafeCheckpointError`: a generator with a Lambda layer); messages say what to do.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ganviz.files import make_temp_dir, npz_bytes, write_atomic
from ganviz.image.card import (
    FORMAT,
    Card,
    CheckpointError,
    CorruptCheckpointError,
    IncompleteCheckpointError,
    UnknownCheckpointError,
    UnsafeCheckpointError,
)
from ganviz.image.models import generate_images
from ganviz.image.pixels import image_grid, png_bytes

REQUIRED_FILES = ("card.json", "generator.keras", "samples.png", "reference.npz")
OPTIONAL_DIRS = ("epochs", "state", "encoder")  # carried from save to save
ROOT_ENV = "GANVIZ_CHECKPOINTS"
DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "checkpoints"
SAMPLES_COLUMNS, SAMPLES_SCALE = 10, 2  # samples.png and the epoch grids: 10 per row, 2x


def checkpoints_root() -> Path:
    """The folder `list_checkpoints()` scans and plain names resolve in: $GANVIZ_CHECKPOINTS or
    the repository's checkpoints/."""
    return Path(os.environ.get(ROOT_ENV, DEFAULT_ROOT))


@dataclass(frozen=True)
class CheckpointSummary:
    """One row of `list_checkpoints()`: read from card.json only (no TensorFlow). `problem`
    is None for a complete checkpoint, else why `load` would fail."""

    name: str
    path: Path
    card: Card | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class EpochSnapshot:
    """One saved epoch: `grid_path` a PNG grid; `samples_path` an .npz with `images`
    (n, H, W, C) uint8 generated from the same fixed z every epoch [+ `labels` (n,)]."""

    epoch: int
    grid_path: Path
    samples_path: Path | None

    def load_samples(self) -> tuple[np.ndarray, np.ndarray | None]:
        if self.samples_path is None:
            raise CheckpointError(f"epoch {self.epoch} has no saved samples")
        try:
            with np.load(self.samples_path, allow_pickle=False) as z:
                return z["images"], (z["labels"] if "labels" in z.files else None)
        except Exception as exc:  # truncated (a run killed mid-write), not an npz, no `images`
            raise CorruptCheckpointError(
                f"epoch {self.epoch}: {self.samples_path.name} is unreadable "
                f"({type(exc).__name__}: {str(exc)[:120]}); was training interrupted?") from exc


# ---------------------------------------------------------------------------- checkpoint

@dataclass
class Checkpoint:
    """A loaded checkpoint. `generator` is a keras Model mapping z (n, latent_dim) float32
    [and label (n,) int32] to (n, H, W, C) float32 in [-1, 1]; use `generate` for uint8."""

    name: str
    path: Path
    card: Card
    generator: Any
    reference_images: np.ndarray           # (n, H, W, C) uint8, held-out real images
    reference_labels: np.ndarray | None    # (n,) int64 or None

    @property
    def latent_dim(self) -> int:
        return self.card.latent_dim

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return self.card.image_shape

    @property
    def class_names(self) -> tuple[str, ...] | None:
        return self.card.class_names if self.conditional else None

    @property
    def num_classes(self) -> int | None:
        return None if self.class_names is None else len(self.class_names)

    @property
    def conditional(self) -> bool:
        return self.card.conditional

    @property
    def dataset_class_names(self) -> tuple[str, ...] | None:
        """The dataset's class names even for unconditional models (for classifier plots)."""
        return self.card.class_names

    def latent(self, n: int, seed: int = 0) -> np.ndarray:
        """(n, latent_dim) float32 standard normal draws, reproducible from `seed`."""
        if not 1 <= n <= 100_000:
            raise ValueError(f"n must be 1..100000, got {n}")
        return np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype(np.float32)

    def check_labels(self, labels: Sequence[int] | np.ndarray | int | None,
                     n: int) -> np.ndarray | None:
        """Validate labels for n samples: None (unconditional), an int (repeated) or (n,) ints
        in [0, num_classes). Returns (n,) int32 or None."""
        if not self.conditional:
            if labels is not None:
                raise ValueError(f"checkpoint {self.name!r} is unconditional; it takes no labels")
            return None
        if labels is None:
            raise ValueError(f"checkpoint {self.name!r} is conditional: give labels in "
                             f"[0, {self.num_classes}) ({', '.join(self.class_names or ())})")
        arr = np.full(n, labels) if np.ndim(labels) == 0 else np.asarray(labels)
        if arr.shape != (n,) or not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"labels must be one int or {n} ints, got shape {arr.shape}")
        if arr.min() < 0 or arr.max() >= (self.num_classes or 0):
            raise ValueError(f"labels must be in [0, {self.num_classes}), got "
                             f"[{arr.min()}, {arr.max()}]")
        return arr.astype(np.int32)

    def generate(self, z: np.ndarray, labels: Sequence[int] | np.ndarray | int | None = None,
                 batch_size: int = 500) -> np.ndarray:
        """z: (n, latent_dim) float; labels: None, one int, or (n,) ints. -> (n, H, W, C) uint8."""
        z = np.asarray(z, dtype=np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must be (n, {self.latent_dim}), got {z.shape}")
        lab = self.check_labels(labels, len(z))
        if len(z) == 0:
            return np.zeros((0, *self.image_shape), np.uint8)
        return generate_images(self.generator, z, lab, batch_size)

    def sample(self, n: int, labels: Sequence[int] | np.ndarray | int | None = None,
               seed: int = 0) -> np.ndarray:
        """n images (n, H, W, C) uint8 from z drawn with `seed`. For a conditional checkpoint
        labels=None gives the classes in turn (0, 1, ..., 0, 1, ...)."""
        if self.conditional and labels is None:
            labels = np.arange(n) % (self.num_classes or 1)
        return self.generate(self.latent(n, seed), labels)

    def epochs(self) -> list[EpochSnapshot]:
        """The saved per-epoch snapshots, oldest first (empty when none were kept)."""
        d = self.path / "epochs"
        if not d.is_dir():
            return []
        snaps = []
        for png in sorted(d.glob("epoch_*.png")):
            try:
                epoch = int(png.stem.split("_")[1])
            except (IndexError, ValueError):
                continue
            npz = png.with_suffix(".npz")
            snaps.append(EpochSnapshot(epoch, png, npz if npz.exists() else None))
        return snaps


# ---------------------------------------------------------------------------- find

def _is_plain_name(s: str) -> bool:
    """A bare name such as "mnist_dcgan": no folder separator, not "." or ".."."""
    seps = {"/", os.sep} | ({os.altsep} if os.altsep else set())
    return s not in ("", ".", "..") and not any(sep in s for sep in seps)


def _has_parent_part(s: str) -> bool:
    return ".." in s.replace("\\", "/").split("/")


def _inside(path: Path, root: Path) -> bool:
    """Whether `path` is `root` or below it, compared lexically (absolute, normalised)."""
    p, r = os.path.normpath(os.path.abspath(path)), os.path.normpath(os.path.abspath(root))
    return os.path.commonpath([p, r]) == r


def resolve(name_or_path: str | os.PathLike, root: Path | None = None, *,
            inside_root: bool = False) -> Path:
    """The folder of a checkpoint. Raises UnknownCheckpointError with what to do instead.

    - a bare name -> root/NAME, and only there (never a folder of the working directory);
    - a path with `..` -> refused, whatever it points at;
    - an explicit path (absolute, or relative with a "/") -> used as given if it is a folder
      (the CLI's `--checkpoint runs/x`); with `inside_root=True` (pages: user input) relative
      paths are taken inside root and anything that would leave root is refused.
    """
    root = checkpoints_root() if root is None else Path(root)
    s = os.fspath(name_or_path)
    if not s.strip():
        raise UnknownCheckpointError("empty checkpoint name")
    if not s.isprintable():  # NUL, newlines, terminal escapes
        raise UnknownCheckpointError(
            f"refusing checkpoint name {s!r}: it contains control characters")
    if _is_plain_name(s):
        candidate = root / s
        if candidate.is_dir():
            return candidate
        known = [c.name for c in list_checkpoints(root)]
        here = "" if inside_root or not Path(s).is_dir() else \
            f" (for the folder {s!r} of the working directory, write ./{s})"
        raise UnknownCheckpointError(
            f"unknown checkpoint {s!r} in {root}; available: {', '.join(known) or 'none'}{here}")
    where = "pick a checkpoint by name" if inside_root else \
        "give a name from `list_checkpoints()` or the folder's full path"
    if _has_parent_part(s):
        raise UnknownCheckpointError(
            f"refusing checkpoint path {s!r}: '..' is not allowed in checkpoint paths (it can "
            f"lead outside {root}); {where}")
    if inside_root:
        p = Path(s) if Path(s).is_absolute() else root / s
        if s.startswith("~") or not _inside(p, root):  # "~" would mean a home folder elsewhere
            raise UnknownCheckpointError(
                f"refusing checkpoint path {s!r}: only checkpoints inside {root} can be opened "
                f"here; {where}")
    else:
        p = Path(s).expanduser()
    if p.is_dir():
        return p
    if p.exists():
        raise UnknownCheckpointError(f"{s!r} is a file, not a checkpoint folder; {where}")
    if not _inside(p, root):
        raise UnknownCheckpointError(
            f"refusing checkpoint path {s!r}: no such folder, and it is outside {root}; {where}")
    raise UnknownCheckpointError(f"checkpoint folder not found: {s}")


def _read_card(path: Path) -> Card:
    card_path = path / "card.json"
    try:
        return Card.from_dict(json.loads(card_path.read_text()))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError,
            ValueError) as exc:
        raise CorruptCheckpointError(f"checkpoint {path.name!r}: card.json is unreadable "
                                     f"({exc}); retrain or restore the folder") from exc


def _problem(path: Path) -> str | None:
    missing = [f for f in REQUIRED_FILES if not (path / f).is_file()]
    if missing:
        return f"incomplete: missing {', '.join(missing)}"
    try:
        _read_card(path)
    except CheckpointError as exc:
        return str(exc)
    return None


def list_checkpoints(root: Path | None = None) -> list[CheckpointSummary]:
    """Checkpoints under root (default `checkpoints_root()`), sorted by name. Reads only
    card.json, so it is cheap. Folders without card.json or generator.keras (like
    `classifiers/`) and hidden temp folders are skipped."""
    root = checkpoints_root() if root is None else Path(root)
    if not root.is_dir():
        return []
    out = []
    for d in sorted(root.iterdir()):
        if not d.is_dir() or d.name.startswith("."):
            continue
        if not ((d / "card.json").exists() or (d / "generator.keras").exists()):
            continue
        problem = _problem(d)
        card = _read_card(d) if problem is None else None
        out.append(CheckpointSummary(d.name, d, card, problem))
    return out


def load(name_or_path: str | os.PathLike, root: Path | None = None, *,
         inside_root: bool = False) -> Checkpoint:
    """Load and validate a checkpoint (see `resolve` for how names and paths are found;
    pages pass `inside_root=True`). Raises UnknownCheckpointError, IncompleteCheckpointError
    or CorruptCheckpointError (UnsafeCheckpointError for a Lambda layer)."""
    path = resolve(name_or_path, root, inside_root=inside_root)
    missing = [f for f in REQUIRED_FILES if not (path / f).is_file()]
    if len(missing) == len(REQUIRED_FILES):
        raise UnknownCheckpointError(
            f"{path} is not a ganviz checkpoint folder (none of {', '.join(REQUIRED_FILES)}); "
            "give a name from `list_checkpoints()` or a folder written by "
            "`python -m ganviz train`")
    if missing:
        raise IncompleteCheckpointError(
            f"checkpoint {path.name!r} is incomplete: missing {', '.join(missing)} "
            f"(in {path}); was training interrupted? Rerun it with --resume or retrain")
    card = _read_card(path)
    if card.format != FORMAT:
        raise CorruptCheckpointError(f"checkpoint {path.name!r} has format {card.format!r}; "
                                     f"this ganviz reads {FORMAT!r}")
    try:
        with np.load(path / "reference.npz", allow_pickle=False) as z:
            ref_images = z["images"]
            ref_labels = z["labels"].astype(np.int64) if "labels" in z.files else None
    except Exception as exc:
        raise CorruptCheckpointError(f"checkpoint {path.name!r}: reference.npz is unreadable "
                                     f"({exc})") from exc
    generator = _load_generator(path / "generator.keras", path.name)
    expected = (None, *card.image_shape)
    if tuple(generator.output_shape) != expected:
        raise CorruptCheckpointError(f"checkpoint {path.name!r}: generator makes "
                                     f"{generator.output_shape}, card says {expected}")
    return Checkpoint(path.name, path, card, generator, ref_images, ref_labels)


def _lambda_layers(config: Any) -> list[str]:
    """Names of the Lambda layers anywhere in a saved Keras config (nested models too)."""
    found = []
    if isinstance(config, dict):
        if config.get("class_name") == "Lambda":
            found.append(str((config.get("config") or {}).get("name", "?")))
        for value in config.values():
            found += _lambda_layers(value)
    elif isinstance(config, list):
        for value in config:
            found += _lambda_layers(value)
    return found


def _unsafe_message(name: str, layers: Sequence[str]) -> str:
    return (f"checkpoint {name!r}: generator.keras contains a Lambda layer "
            f"({', '.join(layers) or 'unnamed'}), i.e. arbitrary Python code; ganviz loads "
            "models only in Keras safe mode and refuses it. Rebuild the generator from standard "
            "layers (ganviz.image.models) and retrain")


def _load_generator(file: Path, name: str):
    import zipfile

    broken = f"checkpoint {name!r}: generator.keras cannot be loaded"
    interrupted = "was training interrupted? Retrain or restore the folder"
    if not zipfile.is_zipfile(file):
        raise CorruptCheckpointError(
            f"{broken}: it is truncated or not a .keras file ({interrupted})")
    try:
        with zipfile.ZipFile(file) as zf:
            config = json.loads(zf.read("config.json"))
    except Exception as exc:  # a damaged member, no config.json, not JSON
        raise CorruptCheckpointError(f"{broken}: {type(exc).__name__}: {str(exc)[:120]} "
                                     f"({interrupted})") from exc
    lambdas = _lambda_layers(config)
    if lambdas:  # said before Keras sees it; safe_mode below would refuse it too
        raise UnsafeCheckpointError(_unsafe_message(name, lambdas))

    import keras

    try:
        return keras.saving.load_model(file, compile=False, safe_mode=True)
    except Exception as exc:
        if "safe_mode" in str(exc) or "Lambda" in str(exc):
            raise UnsafeCheckpointError(_unsafe_message(name, [])) from exc
        raise CorruptCheckpointError(f"checkpoint {name!r}: generator.keras cannot be loaded "
                                     f"({type(exc).__name__}: {str(exc)[:200]})") from exc


# ---------------------------------------------------------------------------- save

def samples_png(images: np.ndarray) -> bytes:
    """The PNG of samples.png and the epoch grids: `SAMPLES_COLUMNS` per row, magnified
    `SAMPLES_SCALE` times, Pillow-optimised (written once, read many times)."""
    return png_bytes(image_grid(images, SAMPLES_COLUMNS, scale=SAMPLES_SCALE), optimize=True)


def save(path: str | os.PathLike, generator, card: Card, samples: np.ndarray,
         reference_images: np.ndarray, reference_labels: np.ndarray | None = None,
         carry: Sequence[str] = OPTIONAL_DIRS) -> Path:
    """Write a complete checkpoint folder atomically and return its path.

    The folder is built under a temporary sibling name, then renamed into place; an
    existing folder at `path` is replaced, its `carry` sub-folders (epochs/, state/) moved
    into the new one. samples: (n, H, W, C) uint8 for samples.png (10 per row).
    """
    path = Path(path)
    if ".." in path.parts:
        raise CheckpointError(f"refusing to save to {path}: no '..' in checkpoint paths")
    if samples.dtype != np.uint8 or samples.ndim != 4:
        raise ValueError(f"samples must be (n, H, W, C) uint8, got {samples.shape} {samples.dtype}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = make_temp_dir(path.parent, f".{path.name}.tmp-")
    moved: list[str] = []
    try:
        generator.save(tmp / "generator.keras")
        (tmp / "samples.png").write_bytes(samples_png(samples))
        ref = {"images": np.asarray(reference_images, np.uint8)}
        if reference_labels is not None:
            ref["labels"] = np.asarray(reference_labels, np.int64)
        (tmp / "reference.npz").write_bytes(npz_bytes(**ref))
        (tmp / "card.json").write_text(json.dumps(card.to_dict(), indent=2) + "\n")
        old = None
        if path.exists():
            for sub in carry:
                if (path / sub).is_dir():
                    os.replace(path / sub, tmp / sub)
                    moved.append(sub)
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
            os.replace(path, old / path.name)
        os.replace(tmp, path)
    except BaseException:
        for sub in moved:  # give the carried folders back before discarding the temp dir
            if path.is_dir() and (tmp / sub).is_dir():
                os.replace(tmp / sub, path / sub)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return path


def write_evaluation(name_or_path: str | os.PathLike, evaluation: dict[str, Any],
                     root: Path | None = None) -> Path:
    """Store ``evaluation`` (the ``python -m ganviz eval --json`` object, with its command) in
    the checkpoint's card.json, replacing the file atomically. Returns the card's path."""
    return _update_card(name_or_path, root, evaluation=dict(evaluation))


def write_metrics(name_or_path: str | os.PathLike, metrics: dict[str, Any],
                  root: Path | None = None) -> Path:
    """Replace the card's final `metrics` (e.g. with a control measured after training, as
    `benchmarks/sgan_accuracy.py` adds the supervised accuracy), atomically."""
    return _update_card(name_or_path, root, metrics=dict(metrics))


def _update_card(name_or_path: str | os.PathLike, root: Path | None, **fields: Any) -> Path:
    path = resolve(name_or_path, root)
    card = _read_card(path)
    updated = Card.from_dict({**card.to_dict(), **fields})
    write_atomic(path / "card.json", (json.dumps(updated.to_dict(), indent=2) + "\n").encode())
    return path / "card.json"
