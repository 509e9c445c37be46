"""Figures of the NDB mode-collapse score (Richardson & Weiss 2018, "On GANs and GMMs").

Pure functions: NumPy arrays or an ``NDBResult`` in, ``plotly.graph_objects.Figure`` out.

    fig = bin_proportions(result, title="mnist_dcgan")          # the reference's bar plot
    fig = elbow_plot([5, 10, 20, 40], inertia, chosen_k=20)     # k-means inertia over K
    fig = ndb_over_epochs({"mnist_dcgan": (epochs, ndb_k)})      # NDB/K per saved epoch
    fig = class_histogram({"generated": p}, class_names, reference=q)
    fig = toy_bins(xs, ys, cells, real, fake, result)           # 2-D bins as cells on the plane
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from ganviz.eval.ndb import NDBResult

TRAIN_COLOR = "#8c8c8c"
SAME_COLOR = "#6baed6"      # generated proportion of a bin that passes the test
OVER_COLOR = "#e6550d"      # too many generated samples in the bin
UNDER_COLOR = "#3f007d"     # too few: a missing or thin mode
REAL_COLOR = "#1f5fbf"
FAKE_COLOR = "#d62d20"
SERIES_COLORS = ("#1f5fbf", "#d62d20", "#2b8a3e", "#7b3fa0", "#e08600")


def bin_status(result: NDBResult) -> np.ndarray:
    """(K,) labels per bin: "over", "under" or "same" (not statistically different)."""
    status = np.full(result.K, "same", dtype=object)
    status[result.over_represented] = "over"
    status[result.under_represented] = "under"
    return status


def _test_text(result: NDBResult) -> str:
    if result.z_threshold is not None:
        return f"|z| > {result.z_threshold:g}"
    return f"p < {result.alpha:g}"


def bin_proportions(result: NDBResult, title: str = "", height: int = 360) -> go.Figure:
    """Training vs generated proportion per bin (bins in the bins' order, largest first).

    Training proportions are grey bars with the reference's +-SE band (train_se); generated
    proportions are coloured by the test: orange over-represented, purple under-represented,
    light blue not different. The title carries NDB/K and JS.
    """
    k = result.K
    bins = np.arange(k)
    status = bin_status(result)
    colors = np.where(status == "over", OVER_COLOR,
                      np.where(status == "under", UNDER_COLOR, SAME_COLOR))
    hover = [f"bin {i}<br>train {t:.4f} ± {s:.4f}<br>generated {q:.4f}<br>z {z:+.2f}, p {p:.2g}"
             f"<br>{st}" for i, t, s, q, z, p, st in zip(
                 bins, result.train_proportions, result.train_se, result.query_proportions,
                 result.z, result.p, status)]
    fig = go.Figure()
    fig.add_bar(x=bins, y=result.train_proportions, name="training", marker_color=TRAIN_COLOR,
                error_y=dict(type="data", array=result.train_se, visible=True, color="#444444",
                             thickness=1.2, width=3),
                hoverinfo="skip")
    # its colours vary per bar, so the legend names the three colours instead of this trace
    fig.add_bar(x=bins, y=result.query_proportions, name="generated", marker_color=colors.tolist(),
                hovertext=hover, hoverinfo="text", showlegend=False)
    # legend entries for the colours of the generated bars
    for name, color in (("generated: over-represented", OVER_COLOR),
                        ("under-represented", UNDER_COLOR), ("not different", SAME_COLOR)):
        fig.add_scatter(x=[None], y=[None], mode="markers", name=name,
                        marker=dict(color=color, size=10, symbol="square"))
    head = f"NDB/K = {result.NDB_K:.2f} ({result.NDB} of {k} bins, {_test_text(result)}), " \
           f"JS = {result.JS:.3f}"
    fig.update_layout(
        title=dict(text=f"{title}: {head}" if title else head, font=dict(size=14),
                   y=0.98, yanchor="top"),
        barmode="group", bargap=0.15, height=height, template="plotly_white",
        xaxis=dict(title="bin (largest training bin first)", dtick=max(1, k // 20)),
        yaxis=dict(title="proportion of samples", rangemode="tozero"),
        legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0, font=dict(size=11)),
        margin=dict(l=50, r=10, t=90, b=40))
    return fig


def elbow_plot(k_values: Sequence[int], inertia: np.ndarray, chosen_k: int | None = None,
               height: int = 320) -> go.Figure:
    """k-means inertia (sum of squared distances) against K; a dashed line marks ``chosen_k``."""
    k_values = np.asarray(k_values)
    inertia = np.asarray(inertia, dtype=np.float64)
    if k_values.shape != inertia.shape:
        raise ValueError(f"k_values {k_values.shape} and inertia {inertia.shape} differ in shape")
    fig = go.Figure(go.Scatter(x=k_values, y=inertia, mode="lines+markers", name="inertia",
                               line=dict(color=REAL_COLOR, width=2)))
    if chosen_k is not None:
        fig.add_vline(x=chosen_k, line_dash="dash", line_color=FAKE_COLOR,
                      annotation_text=f"K = {chosen_k}", annotation_position="top right")
    fig.update_layout(title="Elbow: k-means inertia over K (pick the bend)", height=height,
                      template="plotly_white", xaxis_title="K (bins)",
                      yaxis_title="inertia (sum of squared distances)",
                      margin=dict(l=60, r=10, t=50, b=40))
    return fig


def ndb_over_epochs(series: Mapping[str, tuple[Sequence[int], Sequence[float]]],
                    js: Mapping[str, Sequence[float]] | None = None,
                    height: int = 320) -> go.Figure:
    """NDB/K per saved epoch: ``series[name] = (epochs, ndb_k)``; optional JS on a second axis."""
    fig = go.Figure()
    for i, (name, (epochs, values)) in enumerate(series.items()):
        color = SERIES_COLORS[i % len(SERIES_COLORS)]
        fig.add_scatter(x=list(epochs), y=list(values), mode="lines+markers", name=f"{name} NDB/K",
                        line=dict(color=color, width=2))
        if js is not None and name in js:
            fig.add_scatter(x=list(epochs), y=list(js[name]), mode="lines", name=f"{name} JS",
                            line=dict(color=color, width=1.5, dash="dot"), yaxis="y2")
    layout = dict(title="NDB/K across training epochs (lower is better)", height=height,
                  template="plotly_white", xaxis=dict(title="epoch", dtick=1),
                  yaxis=dict(title="NDB/K", range=[0, 1.02]),
                  legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
                  margin=dict(l=50, r=50, t=70, b=40))
    if js is not None:
        layout["yaxis2"] = dict(title="JS", overlaying="y", side="right", rangemode="tozero",
                                showgrid=False)
    fig.update_layout(**layout)
    return fig


def class_histogram(proportions: Mapping[str, np.ndarray], class_names: Sequence[str],
                    reference: np.ndarray | None = None, height: int = 320) -> go.Figure:
    """Predicted-class proportions of generated samples, one bar group per model
    (``proportions[name]``: (C,) summing to 1); ``reference`` (C,) is drawn as grey bars.
    Classes a model never produces are the missing modes."""
    names = [str(c) for c in class_names]
    fig = go.Figure()
    if reference is not None:
        fig.add_bar(x=names, y=np.asarray(reference), name="real (reference)",
                    marker_color=TRAIN_COLOR)
    for i, (name, p) in enumerate(proportions.items()):
        p = np.asarray(p, dtype=np.float64)
        if p.shape != (len(names),):
            raise ValueError(f"{name}: {p.shape[0]} class proportions for {len(names)} classes")
        fig.add_bar(x=names, y=p, name=name, marker_color=SERIES_COLORS[i % len(SERIES_COLORS)])
    fig.update_layout(title="Classifier's view: share of generated samples per class",
                      barmode="group", height=height, template="plotly_white",
                      xaxis=dict(title="predicted class", type="category"),
                      yaxis=dict(title="proportion", rangemode="tozero"),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
                      margin=dict(l=50, r=10, t=70, b=40))
    return fig


def toy_bins(xs: np.ndarray, ys: np.ndarray, cells: np.ndarray, real: np.ndarray, fake: np.ndarray,
             result: NDBResult, centers: np.ndarray | None = None, title: str = "",
             height: int = 520) -> go.Figure:
    """2-D NDB bins as cells on the plane with real (blue) and generated (red) points.

    xs: (nx,), ys: (ny,), cells: (ny, nx) bin index per grid point (``ganviz.eval.ndb.bin_map``);
    real, fake: (n, 2); centers: (K, 2) bin centres in data coordinates (labelled by index).
    Cells are tinted by the test: orange over-, purple under-represented, white not different.
    """
    cells = np.asarray(cells)
    if cells.shape != (len(ys), len(xs)):
        raise ValueError(f"cells must be (len(ys), len(xs)) = {(len(ys), len(xs))}, "
                         f"got {cells.shape}")
    status = bin_status(result)
    code = np.select([status == "under", status == "over"], [0.0, 1.0], 0.5)[cells]
    hover = np.vectorize(lambda b: f"bin {b}: {status[b]}<br>train "
                                   f"{result.train_proportions[b]:.3f}<br>generated "
                                   f"{result.query_proportions[b]:.3f}")(cells)
    fig = go.Figure()
    fig.add_heatmap(x=xs, y=ys, z=code, zmin=0, zmax=1, showscale=False, opacity=0.45,
                    colorscale=[[0.0, UNDER_COLOR], [0.25, "#d8c8ee"], [0.5, "#ffffff"],
                                [0.75, "#fdd0a2"], [1.0, OVER_COLOR]],
                    text=hover, hoverinfo="text")
    # cell borders: a contour of the bin index draws every boundary between neighbouring bins
    edges = np.zeros(cells.shape, dtype=np.float64)
    edges[:, 1:] += cells[:, 1:] != cells[:, :-1]
    edges[1:, :] += cells[1:, :] != cells[:-1, :]
    fig.add_contour(x=xs, y=ys, z=(edges > 0).astype(float), showscale=False, hoverinfo="skip",
                    contours=dict(start=0.5, end=0.5, size=1, coloring="none"),
                    line=dict(color="#555555", width=1))
    fig.add_scattergl(x=real[:, 0], y=real[:, 1], mode="markers", name="real",
                      marker=dict(color=REAL_COLOR, size=3, opacity=0.5))
    fig.add_scattergl(x=fake[:, 0], y=fake[:, 1], mode="markers", name="generated",
                      marker=dict(color=FAKE_COLOR, size=3, opacity=0.6))
    if centers is not None:
        fig.add_scatter(x=centers[:, 0], y=centers[:, 1], mode="text", name="bin index",
                        text=[str(i) for i in range(len(centers))], textfont=dict(size=11),
                        hoverinfo="skip", showlegend=False)
    head = f"NDB/K = {result.NDB_K:.2f} ({result.NDB} of {result.K}), JS = {result.JS:.3f}"
    fig.update_layout(title=f"{title}: {head}" if title else head, height=height,
                      template="plotly_white",
                      xaxis=dict(range=[float(xs[0]), float(xs[-1])], constrain="domain"),
                      yaxis=dict(range=[float(ys[0]), float(ys[-1])], scaleanchor="x",
                                 scaleratio=1),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
                      margin=dict(l=40, r=10, t=70, b=40))
    return fig


def to_uint8_images(samples: np.ndarray) -> np.ndarray:
    """Centres or samples (n, H, W, C) in [0, 255] (any float) -> uint8, rounded and clipped,
    for drawing a bin centre as an image."""
    return np.clip(np.rint(np.asarray(samples, dtype=np.float64)), 0, 255).astype(np.uint8)
