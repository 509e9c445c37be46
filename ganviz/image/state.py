"""A trainer's resume state (the checkpoint's state/ folder), shared by every image trainer:
the discriminator (or critic, autoencoder D), both optimisers' variables and progress.json."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ganviz.files import replace_dir


def save_optimizer_state(folder: Path, discriminator, g_optimizer, d_optimizer,
                         progress: dict, extra=None) -> None:
    """A trainer's resume state into ``folder`` (atomic rename): discriminator.keras, both
    optimisers' variables (optimizers.npz), ``progress`` (progress.json: epoch, step, ...),
    and whatever ``extra(tmp_folder)`` writes. Shared by every image trainer."""

    def build(tmp: Path) -> None:
        discriminator.save(tmp / "discriminator.keras")
        if extra is not None:
            extra(tmp)
        arrays = {f"g_{i}": np.asarray(v) for i, v in enumerate(g_optimizer.variables)}
        arrays.update({f"d_{i}": np.asarray(v) for i, v in enumerate(d_optimizer.variables)})
        np.savez(tmp / "optimizers.npz", **arrays)
        (tmp / "progress.json").write_text(json.dumps(progress))

    replace_dir(Path(folder), build, ".state.tmp-")


def load_optimizer_state(folder: Path, g_optimizer, d_optimizer, step) -> dict:
    """Restore what ``save_optimizer_state`` wrote: both optimisers and ``step`` (a variable);
    returns progress.json's dict."""
    folder = Path(folder)
    with np.load(folder / "optimizers.npz") as z:
        for prefix, opt in (("g", g_optimizer), ("d", d_optimizer)):
            for i, v in enumerate(opt.variables):
                v.assign(z[f"{prefix}_{i}"])
    progress = json.loads((folder / "progress.json").read_text())
    step.assign(progress["step"])
    return progress
