"""Figures of a batch-size x width sweep: small multiples of real vs fake, a metric heatmap.

Pure functions: NumPy arrays in, ``plotly.graph_objects.Figure`` out.

    fig = small_multiples(snap.real, fake_grid, display_range, row_labels, col_labels)
    fig = metric_heatmap(result.metric_grid("energy_distance"), row_labels, col_labels,
                         "energy distance", lower_is_better=True)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ganviz.plots.toy import PlotStyle

Range = tuple[tuple[float, float], tuple[float, float]]


def small_multiples(real: np.ndarray, fake: np.ndarray, display_range: Range,
                    row_labels: Sequence[str], col_labels: Sequence[str], *,
                    failed: np.ndarray | None = None, cell_size: int = 130,
                    style: PlotStyle = PlotStyle()) -> go.Figure:
    """One small real-vs-fake scatter per grid cell.

    real: (n, 2) real points drawn in every cell; fake: (rows, cols, m, 2) each cell's generator
    samples (non-finite points are dropped); row_labels / col_labels: (rows,) / (cols,) axis
    labels (batch sizes down, widths across); failed: optional (rows, cols) bool, cells drawn
    with a red frame (e.g. diverged)."""
    fake = np.asarray(fake)
    if fake.ndim != 4 or fake.shape[-1] != 2:
        raise ValueError(f"fake must be (rows, cols, n, 2), got shape {fake.shape}")
    rows, cols = fake.shape[:2]
    if (len(row_labels), len(col_labels)) != (rows, cols):
        raise ValueError(f"labels ({len(row_labels)}, {len(col_labels)}) "
                         f"do not match the grid ({rows}, {cols})")
    real = np.asarray(real)
    fig = make_subplots(rows=rows, cols=cols, shared_xaxes=True, shared_yaxes=True,
                        horizontal_spacing=0.012, vertical_spacing=0.012,
                        column_titles=list(col_labels), row_titles=list(row_labels))
    size = max(1.5, style.marker_size * 0.45)
    for i in range(rows):
        for j in range(cols):
            f = fake[i, j]
            f = f[np.isfinite(f).all(axis=1)]
            first = i == 0 and j == 0
            fig.add_trace(go.Scattergl(x=real[:, 0], y=real[:, 1], mode="markers", name="real",
                                       legendgroup="real", showlegend=first, hoverinfo="skip",
                                       marker=dict(size=size, color=style.real_color,
                                                   opacity=0.35)),
                          row=i + 1, col=j + 1)
            fig.add_trace(go.Scattergl(x=f[:, 0], y=f[:, 1], mode="markers", name="fake",
                                       legendgroup="fake", showlegend=first, hoverinfo="skip",
                                       marker=dict(size=size, color=style.fake_color, opacity=0.7)),
                          row=i + 1, col=j + 1)
            if failed is not None and failed[i][j]:
                fig.add_shape(type="rect", xref="x domain", yref="y domain", x0=0, y0=0, x1=1, y1=1,
                              line=dict(color=style.fake_color, width=3), row=i + 1, col=j + 1)
    (x0, x1), (y0, y1) = display_range
    fig.update_xaxes(range=[x0, x1], showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(range=[y0, y1], showticklabels=False, showgrid=False, zeroline=False)
    fig.update_layout(height=cell_size * rows + 110, width=cell_size * cols + 120,
                      margin=dict(l=20, r=60, t=80, b=20), plot_bgcolor=style.background,
                      paper_bgcolor=style.background,
                      font=dict(size=style.font_size - 2, color=style.text_color),
                      legend=dict(orientation="h", yanchor="bottom", y=1.07, x=0,
                                  font=dict(size=style.font_size)))
    fig.add_annotation(text="width →", xref="paper", yref="paper", x=1.0, y=1.07, showarrow=False,
                       xanchor="right", yanchor="bottom", font=dict(size=style.font_size))
    return fig


def metric_heatmap(values: np.ndarray, row_labels: Sequence[str], col_labels: Sequence[str],
                   metric: str, *, lower_is_better: bool = True,
                   style: PlotStyle = PlotStyle()) -> go.Figure:
    """values: (rows, cols) a final metric per cell (mean over seeds; NaN = none yet), batch
    sizes down and widths across, each cell annotated with its value. Better cells are green
    whichever way the metric points."""
    values = np.asarray(values, np.float64)
    if values.shape != (len(row_labels), len(col_labels)):
        raise ValueError(f"values {values.shape} do not match labels "
                         f"({len(row_labels)}, {len(col_labels)})")
    scale = "RdYlGn_r" if lower_is_better else "RdYlGn"
    text = [["–" if not np.isfinite(v) else f"{v:.3g}" for v in row] for row in values]
    fig = go.Figure(go.Heatmap(
        z=values, x=[str(c) for c in col_labels], y=[str(r) for r in row_labels], text=text,
        texttemplate="%{text}", textfont=dict(size=style.font_size), colorscale=scale,
        colorbar=dict(title=dict(text=metric)),
        hovertemplate="batch %{y}, width %{x}<br>" + metric + " %{z:.4g}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", title="batch size", type="category")
    fig.update_xaxes(title="width", type="category")
    arrow = "lower is better" if lower_is_better else "higher is better"
    fig.update_layout(title=dict(text=f"{metric} ({arrow}), mean over seeds",
                                 font=dict(size=style.title_size)),
                      height=150 + 60 * len(row_labels), margin=dict(l=60, r=20, t=60, b=50),
                      font=dict(size=style.font_size, color=style.text_color),
                      paper_bgcolor=style.background)
    return fig
