"""Pixels: the generator's float range <-> uint8, image mosaics and PNG bytes.

The one home of these conversions; checkpoints (samples.png, epoch grids), the CLI, the plots
and the pages all use them. NumPy and Pillow only: no TensorFlow, no ganviz imports.

    to_uint8(x)                      (n, H, W, C) float in [-1, 1] -> uint8 [0, 255]
    to_unit_range(images)            uint8 -> float32 in [-1, 1]
    grid_array(images, columns)      (n, H, W, C) uint8 -> one (rows*(H+pad)+pad, ...) uint8 mosaic
    image_grid(images, columns)      the mosaic as a PIL image, magnified `scale` times
    png_bytes(pil_image)             PNG bytes (fast for display; `optimize=True` for files)

Images are (n, H, W, C) uint8 with C in {1, 3}, as `Checkpoint.generate` returns them.
"""

from __future__ import annotations

import io

import numpy as np

BACKGROUND = 255
MAX_SCALE = 16


def to_uint8(images) -> np.ndarray:
    """(n, H, W, C) float in [-1, 1] (NumPy or tensor) -> NumPy uint8 in [0, 255], rounded to
    nearest and clipped: -1 -> 0, 0 -> 128, 1 -> 255."""
    x = np.asarray(images, dtype=np.float32)
    return np.clip(np.rint((x + 1.0) * 127.5), 0, 255).astype(np.uint8)


def to_unit_range(images_uint8) -> np.ndarray:
    """(n, H, W, C) uint8 -> float32 in [-1, 1] (the generator's output range)."""
    return np.asarray(images_uint8, dtype=np.float32) / 127.5 - 1.0


def check_images(images: np.ndarray) -> np.ndarray:
    """`images` as an array, or ValueError unless it is a non-empty (n, H, W, 1|3) uint8."""
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] not in (1, 3) or images.dtype != np.uint8:
        raise ValueError(f"images must be (n, H, W, 1|3) uint8, got {images.shape} {images.dtype}")
    if len(images) == 0:
        raise ValueError("no images to draw")
    return images


def to_pil(array: np.ndarray, scale: int = 1):
    """One (H, W, C) uint8 image as a PIL image ("L" or "RGB"), magnified `scale` times with
    nearest-neighbour resampling (pixels stay crisp)."""
    from PIL import Image

    if not 1 <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be 1..{MAX_SCALE}, got {scale}")
    im = Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array)
    if scale > 1:
        im = im.resize((im.width * scale, im.height * scale), Image.Resampling.NEAREST)
    return im


def grid_array(images: np.ndarray, columns: int = 10, pad: int = 2) -> np.ndarray:
    """(n, H, W, C) -> one (rows*(H+pad)+pad, columns*(W+pad)+pad, C) uint8 mosaic, row-major,
    white padding; the last row is filled with white when n is not a multiple of columns."""
    images = check_images(images)
    n, h, w, c = images.shape
    columns = max(1, min(int(columns), n))
    rows = -(-n // columns)
    full = np.full((rows * columns, h, w, c), BACKGROUND, np.uint8)
    full[:n] = images
    tiles = np.pad(full.reshape(rows, columns, h, w, c),
                   ((0, 0), (0, 0), (pad, 0), (pad, 0), (0, 0)), constant_values=BACKGROUND)
    mosaic = tiles.transpose(0, 2, 1, 3, 4).reshape(rows * (h + pad), columns * (w + pad), c)
    return np.pad(mosaic, ((0, pad), (0, pad), (0, 0)), constant_values=BACKGROUND)


def image_grid(images: np.ndarray, columns: int, scale: int = 3, pad: int = 2):
    """A PIL image of the images in a grid of `columns`, magnified `scale` times (nearest)."""
    return to_pil(grid_array(images, columns, pad), scale)


def png_bytes(image, compress_level: int = 1, optimize: bool = False) -> bytes:
    """PNG bytes of a PIL image. Level 1 (fast zlib) keeps display encoding quick, and
    generated digits compress well at any level; `optimize=True` (Pillow's smallest file, it
    overrides the level) is for files written once, such as a checkpoint's samples.png."""
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=compress_level, optimize=optimize)
    return buf.getvalue()
