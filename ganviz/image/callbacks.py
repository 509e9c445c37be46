"""What happens at the end of each training epoch, as callbacks in the shape of the keras-io
GAN examples' `GANMonitor`: an object with `on_epoch_end(epoch, logs)`. `ganviz.image.train`
runs the epochs and hands every callback the same `EpochEnd`; writing files, printing and
user hooks are callbacks, not branches of the loop.

    CheckpointWriter   epochs/epoch_NNN.png + .npz, state/ for --resume, card.json and the
                       checkpoint folder (atomic); the sample grid is generated once per epoch
    ProgressPrinter    one line of the epoch's numbers on stderr
    EpochFunction      adapts a plain `on_epoch(epoch, record)` function
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import numpy as np

from ganviz.files import npz_bytes, write_atomic
from ganviz.image.card import Card
from ganviz.image.checkpoints import samples_png, save
from ganviz.image.config import ImageGanConfig
from ganviz.image.data import ImageDataset
from ganviz.image.models import Architecture, generate_images


@dataclass(frozen=True)
class EpochEnd:
    """What an epoch hands its callbacks.

    record: this epoch's numbers: epoch, mean d_loss / g_loss / logits over its steps, the
        evaluator's metrics, train_seconds, images_per_second, steps and images_seen; an
        epoch cut short by `ImageGanConfig.seconds` adds stopped ("seconds") and
        epoch_fraction (steps done / steps in a full epoch).
    history: every epoch's record of the run so far (a resumed run's earlier ones too), this
        one last.
    generated: (eval_samples, H, W, C) uint8 from the evaluator's fixed z; labels: (n,) int32
        the classes they were asked for, or None.
    training_time_s: wall time of the whole run so far (resumed parts and evaluation included).
    """

    record: dict
    history: tuple[dict, ...]
    generated: np.ndarray
    labels: np.ndarray | None
    training_time_s: float


class EpochCallback(Protocol):
    def on_epoch_end(self, epoch: int, logs: EpochEnd) -> None: ...


def hardware_info() -> dict:
    """CPU count, platform, TensorFlow version and visible accelerators (for model cards)."""
    import tensorflow as tf

    gpus = [d.name for d in tf.config.list_physical_devices("GPU")]
    return {
        "cpu_count": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "gpus": gpus,
    }


def distribution(strategy: str, role) -> dict:
    """How the run was spread (for the card's hardware): the `ImageGanConfig.strategy`, the
    worker processes and the model replicas in all; role: a `ganviz.image.trainer.WorkerRole`."""
    return {"strategy": strategy, "workers": role.workers, "replicas": role.replicas}


def card_template(name: str, config: ImageGanConfig, arch: Architecture, dataset: ImageDataset,
                  train_count: int, command: str, notes: str,
                  spread: dict | None = None) -> Card:
    """The card's fields that stay the same all run; `CheckpointWriter` fills in the epoch's.
    spread: `distribution(...)`, stored in the card's hardware."""
    return Card(
        name=name, model=config.model, architecture=arch.to_dict(),
        image_shape=arch.image_shape, latent_dim=arch.latent_dim,
        class_names=dataset.class_names, dataset=dataset.name,
        dataset_source=dataset.source, train_count=train_count,
        reference_count=len(dataset.heldout_images), epochs=0, training_time_s=0.0,
        hardware={**hardware_info(), **(spread or {})}, config=config.to_dict(),
        command=command, notes=notes)


@dataclass
class CheckpointWriter:
    """Writes the run's folder `out` after every epoch, in this order: the epoch's sample grid
    (epochs/epoch_NNN.png) and its first `epoch_samples` evaluation images (.npz), the
    trainer's resume state (state/), then the checkpoint itself (card, generator, samples.png,
    reference images) via `ganviz.image.checkpoints.save`. Each write is atomic, so a run killed
    at any point leaves the last complete checkpoint loadable.

    grid_z: (g, latent_dim) float32 and grid_labels (g,) int32 or None: the fixed inputs of the
    grid; it is generated once per epoch and used for both the epoch PNG and samples.png.
    """

    out: Path
    trainer: object
    card: Card
    grid_z: np.ndarray
    grid_labels: np.ndarray | None
    dataset: ImageDataset
    epoch_samples: int

    def on_epoch_end(self, epoch: int, logs: EpochEnd) -> None:
        grid = generate_images(self.trainer.sampler, self.grid_z, self.grid_labels)
        snap = {"images": logs.generated[: self.epoch_samples]}
        if logs.labels is not None:
            snap["labels"] = logs.labels[: self.epoch_samples]
        epochs = self.out / "epochs"
        write_atomic(epochs / f"epoch_{epoch:03d}.png", samples_png(grid))
        write_atomic(epochs / f"epoch_{epoch:03d}.npz", npz_bytes(**snap))
        self.trainer.save_state(self.out / "state", epoch)
        card = replace(
            self.card, epochs=epoch, training_time_s=round(logs.training_time_s, 1),
            # numbers only: a budgeted run's `stopped: "seconds"` stays in its history
            metrics={k: v for k, v in logs.record.items()
                     if k != "epoch" and not isinstance(v, str)},
            history=logs.history,
            created=datetime.now(UTC).isoformat(timespec="seconds"))
        save(self.out, self.trainer.sampler, card, grid, self.dataset.heldout_images,
             self.dataset.heldout_labels)


class ProgressPrinter:
    """`epoch N: d_loss=..., g_loss=..., ...` (the float numbers of the record) on stderr."""

    def on_epoch_end(self, epoch: int, logs: EpochEnd) -> None:
        summary = ", ".join(f"{k}={v:.4g}" for k, v in logs.record.items()
                            if k != "epoch" and isinstance(v, float))
        print(f"epoch {epoch}: {summary}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class EpochFunction:
    """A plain function as a callback: called as function(epoch, record) after the epoch is
    saved."""

    function: Callable[[int, dict], None]

    def on_epoch_end(self, epoch: int, logs: EpochEnd) -> None:
        self.function(epoch, logs.record)
