"""Pure image plotting for the image-GAN pages: uint8 arrays in, PIL images / PNG / GIF bytes or
Plotly figures out. No TensorFlow, no streamlit.

Images are (n, H, W, C) uint8 with C in {1, 3}, as `Checkpoint.generate` returns them. The
grid and PNG helpers (`grid_array`, `image_grid`, `png_bytes`) live in `ganviz.image.pixels`
and are re-exported here, so a page finds every picture function in one module.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ganviz.image.latent import chi_mean_std, chi_pdf
from ganviz.image.pixels import check_images, grid_array, image_grid, png_bytes, to_pil

__all__ = ["agreement_bar", "captioned_grid", "gif_bytes", "grid_array", "image_grid",
           "image_strip", "norm_plot", "png_bytes"]

CAPTION_OK = (20, 110, 40)
CAPTION_BAD = (200, 30, 30)


def image_strip(images: np.ndarray, scale: int = 3, pad: int = 2):
    """The images side by side in one row (an interpolation strip), as a PIL image."""
    images = check_images(images)
    return image_grid(images, len(images), scale, pad)


def captioned_grid(images: np.ndarray, captions: Sequence[str], columns: int, scale: int = 3,
                   ok: Sequence[bool] | None = None, row_labels: Sequence[str] | None = None,
                   pad: int = 4, caption_height: int = 14):
    """A grid with a caption under each image (green where ok[i] is True, red where False,
    black without `ok`) and optional row labels on the left. Returns a PIL RGB image."""
    from PIL import Image, ImageDraw

    images = check_images(images)
    n, h, w, _ = images.shape
    if len(captions) != n or (ok is not None and len(ok) != n):
        raise ValueError(f"need one caption (and ok flag) per image: {n} images, "
                         f"{len(captions)} captions")
    columns = max(1, min(int(columns), n))
    rows = -(-n // columns)
    if row_labels is not None and len(row_labels) != rows:
        raise ValueError(f"need {rows} row labels, got {len(row_labels)}")
    cell_w, cell_h = w * scale + pad, h * scale + caption_height + pad
    left = 0 if row_labels is None else max(7 * max(len(s) for s in row_labels) + 8, 24)
    canvas = Image.new("RGB", (left + columns * cell_w + pad, rows * cell_h + pad), "white")
    draw = ImageDraw.Draw(canvas)
    for i in range(n):
        r, c = divmod(i, columns)
        x, y = left + pad + c * cell_w, pad + r * cell_h
        canvas.paste(to_pil(images[i], scale).convert("RGB"), (x, y))
        colour = (0, 0, 0) if ok is None else (CAPTION_OK if ok[i] else CAPTION_BAD)
        draw.text((x, y + h * scale + 1), str(captions[i]), fill=colour)
    if row_labels is not None:
        for r, label in enumerate(row_labels):
            draw.text((4, pad + r * cell_h + (h * scale) // 2 - 5), str(label), fill=(0, 0, 0))
    return canvas


def gif_bytes(images: np.ndarray, scale: int = 4, ms_per_frame: int = 120,
              bounce: bool = True) -> bytes:
    """An endlessly looping animated GIF, one frame per image. With `bounce` the frames play
    forward then backward (a-b-a), so the loop has no jump."""
    images = check_images(images)
    if not 20 <= ms_per_frame <= 5000:
        raise ValueError(f"ms_per_frame must be 20..5000, got {ms_per_frame}")
    order = list(range(len(images)))
    if bounce and len(images) > 2:
        order += order[-2:0:-1]
    frames = [to_pil(images[i], scale).convert("P") if images.shape[-1] == 3
              else to_pil(images[i], scale) for i in order]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:],
                   duration=ms_per_frame, loop=0)
    return buf.getvalue()


def norm_plot(paths: dict[str, np.ndarray], latent_dim: int, real_norms: np.ndarray | None = None,
              title: str = "Norm of each interpolated latent vs real draws") -> go.Figure:
    """Why slerp exists. paths: name -> (k,) norms along a path (e.g. {"lerp": ..., "slerp": ...})
    plotted against the path fraction 0..1; the grey band is where 95% of real draws' norms lie
    (the 2.5-97.5% quantiles of `real_norms`, else mean +- 2 std of chi(latent_dim)); the dotted
    line is chi's mean. A small side panel shows the chi density."""
    from plotly.subplots import make_subplots

    mean, std = chi_mean_std(latent_dim)
    if real_norms is not None and len(real_norms):
        lo, hi = np.quantile(real_norms, [0.025, 0.975])
    else:
        lo, hi = mean - 2 * std, mean + 2 * std
    fig = make_subplots(rows=1, cols=2, column_widths=[0.8, 0.2], shared_yaxes=True,
                        horizontal_spacing=0.02)
    colours = {"lerp": "#d62728", "slerp": "#1f77b4", "walk": "#9467bd"}
    all_norms = [mean]
    for name, norms in paths.items():
        norms = np.asarray(norms, np.float64)
        all_norms.extend([norms.min(), norms.max()])
        t = np.linspace(0, 1, len(norms))
        fig.add_trace(go.Scatter(x=t, y=norms, mode="lines+markers", name=name,
                                 line=dict(color=colours.get(name)),
                                 hovertemplate="t=%{x:.2f}<br>|z|=%{y:.2f}<extra>" + name
                                 + "</extra>"),
                      row=1, col=1)
    fig.add_hrect(y0=lo, y1=hi, fillcolor="grey", opacity=0.2, line_width=0, row=1, col=1)
    fig.add_hline(y=mean, line_dash="dot", line_color="grey", row=1, col=1,
                  annotation_text=f"real draws: chi({latent_dim}) mean {mean:.2f}",
                  annotation_position="bottom right")
    y_lo, y_hi = min(min(all_norms), lo) - std, max(max(all_norms), hi) + std
    r = np.linspace(max(y_lo, 0.0), y_hi, 200)
    fig.add_trace(go.Scatter(x=chi_pdf(r, latent_dim), y=r, mode="lines", fill="tozerox",
                             name=f"chi({latent_dim}) density", line=dict(color="grey")),
                  row=1, col=2)
    fig.update_xaxes(title_text="fraction of the way from A to B", row=1, col=1)
    fig.update_xaxes(title_text="density", showticklabels=False, row=1, col=2)
    fig.update_yaxes(title_text="|z|", range=[y_lo, y_hi], row=1, col=1)
    fig.update_layout(title=title, height=380, margin=dict(l=40, r=10, t=50, b=40),
                      legend=dict(orientation="h", y=-0.25))
    return fig


def agreement_bar(class_names: Sequence[str], agreement: Sequence[float]) -> go.Figure:
    """Per-class share (0..1) of samples the classifier assigns to the requested class."""
    values = np.asarray(agreement, np.float64)
    fig = go.Figure(go.Bar(x=list(class_names), y=values, text=[f"{v:.0%}" for v in values],
                           textposition="outside", marker_color="#1f77b4"))
    fig.update_layout(title="Classifier agrees with the requested class", height=300,
                      yaxis=dict(range=[0, 1.1], tickformat=".0%"),
                      margin=dict(l=40, r=10, t=50, b=40))
    return fig
