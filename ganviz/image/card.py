"""The model card (card.json) a checkpoint folder carries, and the errors reading a checkpoint
can raise. The card names its model (a `ganviz.image.models.MODELS` key), so a checkpoint
rebuilds and describes itself with no other knowledge.

Errors: `CheckpointError` (a ValueError) with subclasses `UnknownCheckpointError`,
`IncompleteCheckpointError`, `CorruptCheckpointError` (and its `UnsafeCheckpointError`: a
generator with a Lambda layer); messages say what to do.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ganviz.image.models import MODELS, ImageModel

FORMAT = "ganviz-checkpoint/1"


class CheckpointError(ValueError):
    """A checkpoint cannot be found, is incomplete, or cannot be read."""


class UnknownCheckpointError(CheckpointError):
    pass


class IncompleteCheckpointError(CheckpointError):
    pass


class CorruptCheckpointError(CheckpointError):
    pass


class UnsafeCheckpointError(CorruptCheckpointError):
    """The generator holds arbitrary Python code (a Lambda layer): refused by safe mode."""


@dataclass(frozen=True)
class Card:
    """The model card (card.json). `model` is a `MODELS` key; `architecture` is
    `ganviz.image.models.Architecture` as a dict; `config` the training config; `metrics` the
    final per-epoch metrics; `history` one dict per epoch (epoch, d_loss, g_loss, ndb_over_k...)."""

    name: str
    model: str
    architecture: dict[str, Any]
    image_shape: tuple[int, int, int]    # (H, W, C)
    latent_dim: int
    class_names: tuple[str, ...] | None
    dataset: str
    dataset_source: str
    train_count: int
    reference_count: int
    epochs: int
    training_time_s: float
    hardware: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    # `python -m ganviz eval --json` of this checkpoint against its reference, with the command
    # that made it (FID-C, KID, IS, precision/recall/density/coverage, NDB/K and their baseline)
    evaluation: dict[str, Any] = field(default_factory=dict)
    history: tuple[dict[str, Any], ...] = ()
    config: dict[str, Any] = field(default_factory=dict)
    command: str = ""
    notes: str = ""
    created: str = ""
    format: str = FORMAT

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"unknown model {self.model!r}: this ganviz knows "
                             f"{', '.join(MODELS)}")

    @property
    def spec(self) -> ImageModel:
        """The model's registry entry (what kind of model made this checkpoint)."""
        return MODELS[self.model]

    @property
    def conditional(self) -> bool:
        """Whether the generator takes a class label (from the model's registry entry)."""
        return self.spec.conditional

    @property
    def num_classes(self) -> int | None:
        return None if self.class_names is None else len(self.class_names)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["image_shape"] = list(self.image_shape)
        d["class_names"] = None if self.class_names is None else list(self.class_names)
        d["history"] = [dict(h) for h in self.history]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Card:
        names = {f.name for f in fields(cls)}
        required = ("name", "model", "architecture", "image_shape", "latent_dim", "dataset")
        missing = [k for k in required if k not in d]
        if missing:
            raise KeyError(f"card.json lacks {', '.join(missing)}")
        d = {k: v for k, v in d.items() if k in names}
        d["image_shape"] = tuple(int(v) for v in d["image_shape"])
        if d.get("class_names") is not None:
            d["class_names"] = tuple(str(c) for c in d["class_names"])
        d["history"] = tuple(d.get("history", ()))
        for key, default in (("class_names", None), ("dataset_source", ""), ("train_count", 0),
                             ("reference_count", 0), ("epochs", 0), ("training_time_s", 0.0)):
            d.setdefault(key, default)
        return cls(**d)
