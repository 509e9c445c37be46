"""Exports: animated GIF of training, history CSV, config JSON. Pure: data in, bytes out."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # Pillow is imported where images are drawn
    from PIL import Image

REAL_RGB = (120, 160, 220)
FAKE_RGB = (220, 60, 40)


def scatter_frame(real: np.ndarray, fake: np.ndarray, display_range, size: int = 360,
                  caption: str = "") -> Image.Image:
    """One frame: real points (blue) and fake points (red) over the display range."""
    from PIL import Image, ImageDraw

    (x0, x1), (y0, y1) = display_range
    img = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(img)

    def to_px(p: np.ndarray) -> np.ndarray:
        px = (p[:, 0] - x0) / (x1 - x0) * (size - 1)
        py = (1 - (p[:, 1] - y0) / (y1 - y0)) * (size - 1)
        ok = np.isfinite(px) & np.isfinite(py)
        return np.stack([px[ok], py[ok]], axis=1)

    for pts, colour, r in ((real, REAL_RGB, 2), (fake, FAKE_RGB, 2)):
        for x, y in to_px(np.asarray(pts, np.float64)):
            draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)
    if caption:
        draw.text((8, 6), caption, fill=(0, 0, 0))
    return img


def gif_bytes(frames: Sequence[Image.Image], ms_per_frame: int = 120) -> bytes:
    """An endlessly looping animated GIF of ``frames``."""
    if not frames:
        raise ValueError("no frames to write")
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=list(frames[1:]),
                   duration=ms_per_frame, loop=0)
    return buf.getvalue()


def training_gif(snapshots: Sequence, display_range, size: int = 360) -> bytes:
    """GIF of training from Snapshot objects (fixed-noise fake points at each moment)."""
    frames = [scatter_frame(s.real, s.fake, display_range, size, f"step {s.step}")
              for s in snapshots]
    return gif_bytes(frames)
