"""Copy a trained checkpoint into the shipped set, slimmed: what `checkpoints/` holds.

    python -m ganviz.image.ship runs/mnist_vae checkpoints/mnist_vae --keep-epochs 8

A training run's folder keeps everything (`state/` for --resume, every epoch's snapshot); the
repository keeps `checkpoints/` small, so a shipped copy drops `state/` (unless --keep-state:
it cannot be resumed without it) and keeps `keep_epochs` of the per-epoch snapshots, evenly
spaced, the first and last always among them (the inspector's epoch series reads whichever
are there). card.json, generator.keras, samples.png, reference.npz and encoder/ are copied as
they are. The copy is built beside the destination and renamed into place.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ganviz.files import make_temp_dir


@dataclass(frozen=True)
class Shipped:
    """Where the copy went, the epochs it kept and its size in bytes."""

    path: Path
    epochs_kept: tuple[int, ...]
    epochs_dropped: int
    size_bytes: int


def spaced(values: list[int], keep: int) -> list[int]:
    """At most `keep` of the sorted `values`, evenly spaced, the first and last included."""
    if keep < 1:
        raise ValueError(f"keep_epochs must be at least 1, got {keep}")
    if len(values) <= keep:
        return list(values)
    if keep == 1:
        return [values[-1]]
    picks = np.unique(np.round(np.linspace(0, len(values) - 1, keep)).astype(int))
    return [values[i] for i in picks]


def _epoch_number(path: Path) -> int | None:
    try:
        return int(path.stem.split("_")[1])
    except (IndexError, ValueError):
        return None


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def ship(src: str | os.PathLike, dst: str | os.PathLike, keep_epochs: int = 8,
         keep_state: bool = False) -> Shipped:
    """Copy checkpoint folder `src` to `dst` (replaced if it exists), slimmed as above."""
    from ganviz.image.checkpoints import load

    src, dst = Path(src), Path(dst)
    load(src)  # refuse an incomplete or corrupt checkpoint before copying anything
    if dst.resolve() == src.resolve():
        raise ValueError("ship copies a run into another folder: src and dst are the same")
    ignore = shutil.ignore_patterns() if keep_state else shutil.ignore_patterns("state")
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = make_temp_dir(dst.parent, f".{dst.name}.ship-")
    try:
        shutil.copytree(src, tmp / "copy", ignore=ignore)
        kept, dropped = _thin_epochs(tmp / "copy" / "epochs", keep_epochs)
        if dst.exists():
            shutil.rmtree(dst)
        os.replace(tmp / "copy", dst)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return Shipped(dst, tuple(kept), dropped, folder_bytes(dst))


def _thin_epochs(folder: Path, keep: int) -> tuple[list[int], int]:
    """Delete all but `spaced(epochs, keep)` snapshots (png + npz) in `folder`."""
    if not folder.is_dir():
        return [], 0
    epochs = sorted({n for f in folder.glob("epoch_*.*") if (n := _epoch_number(f)) is not None})
    kept = spaced(epochs, keep)
    for f in folder.glob("epoch_*.*"):
        if _epoch_number(f) not in kept:
            f.unlink()
    return kept, len(epochs) - len(kept)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ganviz.image.ship", description=__doc__.split(
        "\n\n")[0])
    p.add_argument("src", help="a trained checkpoint folder")
    p.add_argument("dst", help="where the shipped copy goes, e.g. checkpoints/NAME")
    p.add_argument("--keep-epochs", type=int, default=8, help="epoch snapshots kept (default 8)")
    p.add_argument("--keep-state", action="store_true", help="keep state/ (resumable, larger)")
    args = p.parse_args(argv)
    try:
        shipped = ship(args.src, args.dst, args.keep_epochs, args.keep_state)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"shipped {shipped.path}: {shipped.size_bytes / 1e6:.1f} MB, epochs kept "
          f"{list(shipped.epochs_kept)} ({shipped.epochs_dropped} dropped)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
