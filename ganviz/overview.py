"""What this install holds (pages, datasets, presets, checkpoints), for the home page, and the
order of the app's pages in its navigation.

Cheap: imports no TensorFlow."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

HOME_TITLE = "Home"
# Streamlit's classic pages/ convention: an optional number, then the name; numbered pages
# first, in number order, then the rest by name (streamlit.source_util.page_sort_key).
PAGE_FILE = re.compile(r"([0-9]*)[_ -]*(.*)\.py")


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
    PageInfo("pages/6_Model_Zoo.py", "Model zoo",
             "Two to four models of one dataset side by side: the same seeds, the same "
             "metrics, sharpness, reconstructions, and what the numbers show."),
    PageInfo("pages/7_Train_Image_GAN.py", "Train an image GAN",
             "Press Play and watch digits, clothes, coloured shapes or your own pictures come "
             "out of noise, with losses, quick metrics and a diagnosis; save it as a checkpoint."),
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


def page_sort_key(file: Path) -> tuple[float, str]:
    """(number or inf, lower-case name) of a page file: `10_b.py` after `2_a.py`."""
    number, name = PAGE_FILE.fullmatch(file.name).groups()
    return (float(number) if number else float("inf"), name.lower())


def page_files(root: Path) -> tuple[str, ...]:
    """The pages of the app, as paths relative to `root` ("pages/1_Toy_GAN_Lab.py", ...): every
    .py file of root/pages/ but hidden ones and __init__.py, in Streamlit's classic order (the
    files its pages/ folder convention would list)."""
    folder = root / "pages"
    if not folder.is_dir():
        return ()
    files = [f for f in folder.glob("*.py")
             if not f.name.startswith(".") and f.name != "__init__.py"]
    return tuple(f"pages/{f.name}" for f in sorted(files, key=page_sort_key))
