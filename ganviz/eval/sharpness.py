"""Sharpness of images: the variance of the Laplacian (a blur measure), pure NumPy / SciPy.

Per image, on grey luminance in [0, 1]:
    L = I * [[0, 1, 0], [1, -4, 1], [0, 1, 0]]     (the 4-neighbour Laplacian, edges reflected)
    sharpness = var(L)                              (population variance over the H x W pixels)
Blur removes the high frequencies the Laplacian responds to, so a blurred image scores lower; a
constant image scores 0. Source: Pech-Pacheco et al. 2000, "Diatom autofocusing in brightfield
microscopy: a comparative study" (ICPR), the variance-of-Laplacian focus measure; the same
measure is OpenCV's usual blur check, `cv2.Laplacian(grey, cv2.CV_64F).var()` (OpenCV's
default border is BORDER_REFLECT_101, scipy's "mirror"; here scipy's "reflect", which repeats
the edge pixel, so values differ from OpenCV's at the border only).

Grey: uint8 images are divided by 255; float images must already lie in [0, 1]. RGB uses the
ITU-R BT.601 luma weights (0.299, 0.587, 0.114), as OpenCV's RGB-to-grey conversion does. The
numbers depend on scale and resolution: compare images of one size and range (here: one dataset).

    laplacian_variance(images) -> (n,) float64
    sharpness(images)          -> Sharpness (per image, mean, median)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ganviz.eval.metric_inputs import frozen_view

LAPLACIAN = np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R BT.601, as OpenCV's RGB2GRAY


def grey(images: np.ndarray) -> np.ndarray:
    """images: (n, H, W, C) uint8, or float in [0, 1], C 1 or 3 -> (n, H, W) float64 luminance
    in [0, 1]. Refuses other shapes, NaN / inf and floats outside [0, 1] (ValueError)."""
    x = np.asarray(images)
    if x.ndim != 4 or x.shape[-1] not in (1, 3):
        raise ValueError(f"images must be (n, H, W, C) with C 1 or 3, got shape {x.shape}")
    if x.shape[0] == 0 or x.shape[1] == 0 or x.shape[2] == 0:
        raise ValueError(f"images must hold at least one pixel of one image, got {x.shape}")
    if x.dtype == np.uint8:
        x = x / 255.0
    elif np.issubdtype(x.dtype, np.floating):
        if not np.isfinite(x).all():
            raise ValueError("images hold NaN or inf; sharpness needs finite pixel values")
        if x.min() < 0.0 or x.max() > 1.0:
            raise ValueError(f"float images must lie in [0, 1], got [{x.min():.3g}, "
                             f"{x.max():.3g}]; give uint8 or rescale first")
        x = x.astype(np.float64)
    else:
        raise ValueError(f"images must be uint8 or float in [0, 1], got dtype {x.dtype}")
    return x[..., 0] if x.shape[-1] == 1 else x @ LUMA


def laplacian_variance(images: np.ndarray) -> np.ndarray:
    """(n, H, W, C) images (see `grey`) -> (n,) float64: the variance of each image's Laplacian
    (Pech-Pacheco et al. 2000). Higher is sharper; 0 for a constant image."""
    from scipy import ndimage

    g = grey(images)
    # one (1, 3, 3) kernel over the stack: each image filtered on its own, its edges reflected
    lap = ndimage.correlate(g, LAPLACIAN[None], mode="reflect")  # (n, H, W)
    return lap.reshape(len(lap), -1).var(axis=1)


@dataclass(frozen=True)
class Sharpness:
    """per_image: (n,) variance of the Laplacian, read-only; mean and median over the images."""

    per_image: np.ndarray
    mean: float
    median: float

    def __len__(self) -> int:
        return len(self.per_image)


def sharpness(images: np.ndarray) -> Sharpness:
    """The variance of the Laplacian of each image and its mean and median (see the module)."""
    values = laplacian_variance(images)
    return Sharpness(frozen_view(values), float(values.mean()), float(np.median(values)))
