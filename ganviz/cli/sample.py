"""`python -m ganviz sample`: draw images from a checkpoint into .npy or a .png grid."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "sample images from a checkpoint into FILE.npy (uint8 N,H,W,C) or FILE.png (a grid)"
EXAMPLES = """\
  python -m ganviz sample --checkpoint mnist_dcgan --n 64 --seed 1 --out digits.png
  python -m ganviz sample --checkpoint mnist_cdcgan --n 100 --label 7 --out sevens.npy
  python -m ganviz sample --checkpoint fashion_cdcgan --n 20 --label Sneaker --out s.png
  python -m ganviz sample --checkpoint checkpoints/my_run --n 16 --out my.png
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--checkpoint", required=True,
                   help="a name under checkpoints/ (see "
                        "`ganviz.checkpoints.list_checkpoints()`) or a folder")
    p.add_argument("--n", type=int, required=True, help="number of images, 1..10000")
    p.add_argument("--label", default=None,
                   help="class index or name (conditional checkpoints; default: all classes "
                        "in turn)")
    p.add_argument("--seed", type=int, default=0, help="seed for z (default 0)")
    p.add_argument("--out", required=True, help="FILE.npy or FILE.png")


def parse_label(label: str | None, class_names) -> int | None:
    """'3' or a class name (case-insensitive) -> index; None stays None."""
    if label is None:
        return None
    names = list(class_names or [])
    if label.lstrip("-").isdigit():
        idx = int(label)
    else:
        lowered = [n.lower() for n in names]
        if label.lower() not in lowered:
            raise ValueError(f"unknown label {label!r}; choose an index or one of: "
                             f"{', '.join(names)}")
        idx = lowered.index(label.lower())
    if not 0 <= idx < len(names):
        raise ValueError(f"--label must be in 0..{len(names) - 1}, got {idx}")
    return idx


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from ganviz import checkpoints
    from ganviz.cli import UsageError
    from ganviz.files import write_atomic
    from ganviz.image.checkpoints import samples_png

    if not 1 <= args.n <= 10_000:
        raise UsageError(f"--n must be 1..10000, got {args.n}")
    out = Path(args.out)
    if out.suffix.lower() not in (".npy", ".png"):
        raise UsageError(f"--out must end in .npy or .png, got {args.out}")
    if not out.parent.exists():
        raise UsageError(f"output folder does not exist: {out.parent}")
    ckpt = checkpoints.load(args.checkpoint)
    if args.label is not None and not ckpt.conditional:
        raise UsageError(f"checkpoint {ckpt.name!r} is unconditional; drop --label")
    label = parse_label(args.label, ckpt.class_names)
    images = ckpt.sample(args.n, labels=label, seed=args.seed)
    if out.suffix.lower() == ".npy":
        np.save(out, images)
    else:
        write_atomic(out, samples_png(images))  # the layout of a checkpoint's samples.png
    what = f" of class {label} ({ckpt.class_names[label]})" if label is not None else ""
    print(f"wrote {len(images)} images{what} {images.shape[1:]} from {ckpt.name} to {out}")
    return 0
