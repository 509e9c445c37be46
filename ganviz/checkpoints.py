"""Image-GAN checkpoints by their public name: `from ganviz import checkpoints`.

A re-export, nothing more: the code lives beside the models it loads, in
`ganviz.image.checkpoints` (folders: list, load, save, resolve) and `ganviz.image.card` (the
model card and the errors). Pages, the CLI and notebooks import this short name; code inside
`ganviz.image` imports the modules themselves, so this package depends on `ganviz.image` and
never the other way round.

    ckpt = checkpoints.load("mnist_cdcgan")
    [s.name for s in checkpoints.list_checkpoints() if s.ok]
"""

from ganviz.image.card import (
    FORMAT,
    Card,
    CheckpointError,
    CorruptCheckpointError,
    IncompleteCheckpointError,
    UnknownCheckpointError,
    UnsafeCheckpointError,
)
from ganviz.image.checkpoints import (
    DEFAULT_ROOT,
    OPTIONAL_DIRS,
    REQUIRED_FILES,
    ROOT_ENV,
    Checkpoint,
    CheckpointSummary,
    EpochSnapshot,
    checkpoints_root,
    list_checkpoints,
    load,
    resolve,
    save,
    write_evaluation,
    write_metrics,
)

__all__ = [
    "DEFAULT_ROOT", "FORMAT", "OPTIONAL_DIRS", "REQUIRED_FILES", "ROOT_ENV",
    "Card", "Checkpoint", "CheckpointError", "CheckpointSummary", "CorruptCheckpointError",
    "EpochSnapshot", "IncompleteCheckpointError", "UnknownCheckpointError",
    "UnsafeCheckpointError", "checkpoints_root", "list_checkpoints", "load", "resolve", "save",
    "write_evaluation", "write_metrics",
]
