"""What this install holds (pages, datasets, presets, checkpoints), for the home page.

Cheap: imports no TensorFlow."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PageInfo:
    file: str
    title: str
    sentence: str


PAGES = (
    PageInfo("pages/1_Toy_GAN_Lab.py", "Toy GAN Lab",
             "Train a 2-D GAN live: real vs fake points over the discriminator's view, losses "
             "and accuracy, and why a GAN fails on a circle but not on a parabola."),
    PageInfo("pages/2_Batch_x_Width.py", "Batch x width explorer",
             "Train a grid of toy GANs at once and see where batch size and network width "
             "make training work."),
    PageInfo("pages/3_Latent_Interpolation.py", "Latent interpolation",
             "Walk between points in a pretrained image GAN's latent space, linearly or "
             "spherically, and see why slerp exists."),
    PageInfo("pages/4_Conditional_Generation.py", "Conditional generation",
             "Ask a conditional GAN for a class and check with a classifier whether it obeys."),
    PageInfo("pages/5_Mode_Collapse_Inspector.py", "Mode-collapse inspector",
             "NDB score bin by bin: which modes a generator over- or under-produces."),
)


@dataclass(frozen=True)
class Overview:
    pages: tuple[str, ...]
    n_datasets: int
    n_presets: int
    checkpoints: tuple[str, ...]


def overview(root: Path) -> Overview:
    from ganviz.toy.datasets import dataset_names
    from ganviz.toy.presets import PRESETS

    pages = tuple(p.file for p in PAGES if (root / p.file).exists())
    ckpt_dir = root / "checkpoints"
    ckpts = tuple(sorted(d.name for d in ckpt_dir.iterdir() if (d / "card.json").exists())) \
        if ckpt_dir.is_dir() else ()
    return Overview(pages, len(dataset_names()), len(PRESETS), ckpts)
