"""Figures of the Model zoo page. Pure: numbers and uint8 images in, Plotly figures or PIL
images out.

    fig = sharpness_bars(["mnist_dcgan (DCGAN)", "mnist_vae (VAE)"], [0.16, 0.05], real=0.16)
    picture = reconstruction_grid(real, {"mnist_vae (VAE)": rebuilt})    # real row, then each

Sharpness is the variance of the Laplacian (Pech-Pacheco et al. 2000; ganviz.eval.sharpness).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from ganviz.image.pixels import check_images, image_grid
from ganviz.plots.scorecard import SERIES_COLORS

REAL_COLOR = "#555555"


def sharpness_bars(names: Sequence[str], values: Sequence[float], real: float,
                   height: int = 320) -> go.Figure:
    """One bar per model: the mean variance of the Laplacian of its samples (higher is
    sharper), and the real images' value as a dashed line for scale."""
    values = np.asarray(values, np.float64)
    if len(names) != len(values) or not len(values):
        raise ValueError(f"need one value per name, got {len(names)} names and {len(values)} "
                         f"values")
    fig = go.Figure(go.Bar(
        x=list(names), y=values, text=[f"{v:.3g}" for v in values], textposition="outside",
        marker_color=[SERIES_COLORS[i % len(SERIES_COLORS)] for i in range(len(values))],
        hovertemplate="%{x}<br>variance of the Laplacian %{y:.4g}<extra></extra>"))
    fig.add_hline(y=real, line_dash="dash", line_color=REAL_COLOR,
                  annotation_text=f"real images {real:.3g}", annotation_position="top left")
    fig.update_layout(title=dict(text="Sharpness of the samples (variance of the Laplacian; "
                                      "higher is sharper)", font=dict(size=14)),
                      height=height, template="plotly_white", showlegend=False,
                      margin=dict(l=50, r=20, t=60, b=40),
                      yaxis=dict(title="variance of the Laplacian",
                                 range=[0, 1.2 * max(float(values.max()), real)]))
    return fig


def reconstruction_grid(real: np.ndarray, reconstructions: Mapping[str, np.ndarray],
                        scale: int = 3):
    """A PIL grid: the real images (r, H, W, C) uint8 in the first row, then one row of
    reconstructions (r, H, W, C) per model, in the mapping's order."""
    real = check_images(real)
    rows = [real]
    for name, images in reconstructions.items():
        images = check_images(images)
        if images.shape != real.shape:
            raise ValueError(f"{name}: reconstructions {images.shape} do not match the real "
                             f"images {real.shape}")
        rows.append(images)
    return image_grid(np.concatenate(rows), len(real), scale=scale)
