"""A toy GAN as one zip file (the Toy GAN Lab's "Model (zip)" download and upload).

``to_zip(trainer)`` packs ``ToyTrainer.save``'s folder (config, weights, history, card and
the user's points, if any) under ``toy_gan/``; ``trainer_from_zip(data)`` checks an uploaded
file at the edge (size, names, no paths that leave the folder, config.json present) and loads
it back. Anything else is refused with a ValueError a user can act on.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

MAX_ZIP_BYTES = 200 * 2**20
ALLOWED_FILES = frozenset({"config.json", "weights.npz", "history.csv", "card.json", "points.npy"})


def to_zip(trainer) -> bytes:
    """``trainer.save()``'s folder as zip bytes (files under ``toy_gan/``)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = trainer.save(Path(tmp) / "toy_gan")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(folder.iterdir()):
                zf.write(f, f"toy_gan/{f.name}")
        return buf.getvalue()


def trainer_from_zip(data: bytes):
    """A ToyTrainer from ``to_zip`` bytes. Raises ValueError for anything else."""
    from ganviz.toy.trainer import ToyTrainer

    if len(data) > MAX_ZIP_BYTES:
        raise ValueError(f"model file too large: {len(data):,} bytes (at most {MAX_ZIP_BYTES:,})")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ValueError("not a zip file: download a model from this page's Export and "
                         "upload that file") from None
    with zf, tempfile.TemporaryDirectory() as tmp:
        names = _checked_names(zf)
        out = Path(tmp) / "model"
        out.mkdir()
        for n in names:
            (out / Path(n).name).write_bytes(zf.read(n))
        return ToyTrainer.load(out)


def _checked_names(zf: zipfile.ZipFile) -> list[str]:
    """The zip's file names, once each is known, inside the folder and small enough."""
    names = [n for n in zf.namelist() if not n.endswith("/")]
    total = 0
    for n in names:
        if Path(n).name not in ALLOWED_FILES or ".." in Path(n).parts or n.startswith("/"):
            raise ValueError(f"unexpected file in the model zip: {n!r}")
        total += zf.getinfo(n).file_size
    if total > MAX_ZIP_BYTES:
        raise ValueError("model zip unpacks to more than 200 MB")
    if "config.json" not in {Path(n).name for n in names}:
        raise ValueError("not a saved toy GAN: config.json is missing from the zip")
    return names
