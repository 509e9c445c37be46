"""Figures of a 2-D GAN: real vs fake over D's heatmap, and the training charts.

Pure functions: NumPy arrays in, ``plotly.graph_objects.Figure`` out. ``PlotStyle`` carries the
look (``PlotStyle.projector()`` is for the back of a classroom: large fonts, thick markers,
high contrast).

    fig = real_vs_fake(snap.real, snap.fake, display_range,
                       heat=Heatmap(snap.grid_x, snap.grid_y, snap.d_grid, snap.d_is_probability),
                       manifold=snap.manifold, arrows=Arrows(snap.fake, snap.fake_grad))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import plotly.graph_objects as go

from ganviz.toy.metrics import METRIC_LABELS, family_of

Range = tuple[tuple[float, float], tuple[float, float]]

# D's heatmap: low D (judged fake) is tinted like the fake points, high D like the real ones.
_HEAT_NORMAL = [[0.0, "#f4a582"], [0.5, "#f7f7f7"], [1.0, "#92c5de"]]
_HEAT_PROJECTOR = [[0.0, "#f08a6a"], [0.5, "#ffffff"], [1.0, "#6aaed6"]]

HEAT_OPACITY = 0.85

SERIES_LABELS = {
    "d_loss": "D loss", "d_loss_real": "D loss (real)", "d_loss_fake": "D loss (fake)",
    "g_loss": "G loss", "d_accuracy_real": "D accuracy on real",
    "d_accuracy_fake": "D accuracy on fake", "d_grad_norm": "D gradient norm",
    "g_grad_norm": "G gradient norm", **METRIC_LABELS,
}


@dataclass(frozen=True)
class PlotStyle:
    """How figures look. ``projector()`` is readable from the back of a classroom."""

    font_size: int = 14
    title_size: int = 18
    marker_size: float = 5.0
    real_marker_size: float = 4.0
    line_width: float = 2.0
    manifold_width: float = 1.0
    arrow_width: float = 1.2
    fake_outline: float = 0.5  # white outline of the fake points (0: none)
    heat_image: bool = False  # draw D's heatmap as a picture under the points (cheaper; no hover)
    real_color: str = "#1f5fbf"
    fake_color: str = "#d62d20"
    manifold_color: str = "rgba(60, 60, 60, 0.45)"
    arrow_color: str = "rgba(20, 20, 20, 0.75)"
    heat_scale: tuple = tuple(tuple(s) for s in _HEAT_NORMAL)
    background: str = "white"
    grid_color: str = "#e6e6e6"
    text_color: str = "#222222"
    height: int = 560
    chart_height: int = 260
    series_colors: tuple[str, ...] = ("#1f5fbf", "#d62d20", "#2b8a3e", "#7b3fa0", "#e08600",
                                      "#444444")

    @classmethod
    def projector(cls) -> PlotStyle:
        return cls(font_size=22, title_size=28, marker_size=10.0, real_marker_size=7.0,
                   line_width=4.0, manifold_width=2.0, arrow_width=2.5, fake_outline=1.0,
                   real_color="#0041c2",
                   fake_color="#e00000", manifold_color="rgba(0, 0, 0, 0.6)",
                   arrow_color="rgba(0, 0, 0, 0.9)",
                   heat_scale=tuple(tuple(s) for s in _HEAT_PROJECTOR), height=720,
                   grid_color="#bbbbbb", text_color="#000000",
                   chart_height=330,
                   series_colors=("#0041c2", "#e00000", "#007a1f", "#6a00a8", "#d97000", "#000000"))

    def with_height(self, height: int) -> PlotStyle:
        return replace(self, height=height)

    def live(self) -> PlotStyle:
        """For redraws several times a second: no outline on the fake points (SVG strokes
        nearly double the browser's drawing time) and D's heatmap as a small PNG under the
        points (a layout image, see ``heat_rgba``): a new heatmap trace costs the browser a
        full redraw, a new picture a fraction of one, and the points can then move without
        one (figures: docs/benchmark-notes.md)."""
        return replace(self, fake_outline=0.0, heat_image=True)


@dataclass(frozen=True)
class Heatmap:
    """D's output on a grid: x (nx,), y (ny,), z (ny, nx) (rows follow y).

    is_probability: z in [0, 1] (D(x) = P(real)); otherwise a raw score (WGAN, hinge,
    least squares), drawn around ``mid``."""

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    is_probability: bool = True
    mid: float | None = None


@dataclass(frozen=True)
class Arrows:
    """Arrows from ``points`` (n, 2) along ``vectors`` (n, 2), e.g. dD/dx at fake points."""

    points: np.ndarray
    vectors: np.ndarray


def _finite_rows(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, np.float64)
    if a.ndim != 2 or a.shape[1] != 2:
        raise ValueError(f"points must be (n, 2), got shape {a.shape}")
    return a[np.isfinite(a).all(axis=1)]


def _segments(lines: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Polylines (each (k, 2)) -> x, y arrays with NaN breaks: one trace draws them all."""
    if not lines:
        return np.zeros(0), np.zeros(0)
    parts = []
    for line in lines:
        parts.append(np.asarray(line, np.float64))
        parts.append(np.full((1, 2), np.nan))
    xy = np.concatenate(parts)
    return xy[:, 0], xy[:, 1]


def manifold_lines(manifold: np.ndarray) -> list[np.ndarray]:
    """The generator's warped latent grid (k, k, 2) or (k, 1, 2) as polylines: the rows and
    the columns of the grid (or the single curve of a 1-D latent)."""
    m = np.asarray(manifold, np.float64)
    if m.ndim != 3 or m.shape[2] != 2:
        raise ValueError(f"manifold must be (k, k, 2) or (k, 1, 2), got shape {m.shape}")
    if m.shape[1] == 1:
        return [m[:, 0, :]]
    return [m[i, :, :] for i in range(m.shape[0])] + [m[:, j, :] for j in range(m.shape[1])]


def arrow_segments(arrows: Arrows, display_range: Range, max_arrows: int = 160,
                   length: float = 0.09) -> list[np.ndarray]:
    """Arrow shafts, scaled so the longest is ``length`` x the display width; subsampled to
    ``max_arrows`` evenly (a cloud of arrows is unreadable). Returns (2, 2) segments."""
    p = np.asarray(arrows.points, np.float64)
    v = np.asarray(arrows.vectors, np.float64)
    if p.shape != v.shape:
        raise ValueError(f"arrow points {p.shape} and vectors {v.shape} differ in shape")
    ok = np.isfinite(p).all(1) & np.isfinite(v).all(1)
    p, v = p[ok], v[ok]
    if len(p) > max_arrows:
        idx = np.linspace(0, len(p) - 1, max_arrows).round().astype(int)
        p, v = p[idx], v[idx]
    norm = np.linalg.norm(v, axis=1)
    top = float(norm.max()) if len(norm) else 0.0
    if top <= 0:
        return []
    width = display_range[0][1] - display_range[0][0]
    v = v / top * (length * width)
    return [np.stack([a, a + d]) for a, d in zip(p, v)]


def figure(data: list[dict], layout: dict) -> go.Figure:
    """A Figure from plain trace and layout dicts, without Plotly's per-property validation.

    Validation costs an order of magnitude more than building the figure (see
    docs/benchmark-notes.md), and the live view draws several figures a second for every open
    session. The dicts below use only valid
    properties: tests/test_plots_toy.py validates every kind of figure once."""
    return go.Figure({"data": data, "layout": layout}, _validate=False)


def real_vs_fake(real: np.ndarray, fake: np.ndarray, display_range: Range, *,
                 heat: Heatmap | None = None, manifold: np.ndarray | None = None,
                 arrows: Arrows | None = None, title: str = "",
                 style: PlotStyle = PlotStyle()) -> go.Figure:
    """Real (blue) and generated (red) points, optionally over D's decision heatmap, with the
    generator's manifold grid and D's gradient arrows on the fake points.

    real, fake: (n, 2). display_range: ((xmin, xmax), (ymin, ymax)). Non-finite rows are
    dropped (a diverged generator must not break the figure). ``style.fake_outline`` 0 drops
    the fake points' white outline (the live view: SVG strokes double the browser's work)."""
    real, fake = _finite_rows(real), _finite_rows(fake)
    data, images = _heat_traces(heat, style) if heat is not None else ([], [])
    data.append(dict(
        type="scatter", x=real[:, 0], y=real[:, 1], mode="markers", name="real",
        marker=dict(size=style.real_marker_size, color=style.real_color, opacity=0.7)))
    if manifold is not None:
        mx, my = _segments(manifold_lines(manifold))
        data.append(dict(
            type="scatter", x=mx, y=my, mode="lines", name="G's manifold", hoverinfo="skip",
            line=dict(color=style.manifold_color, width=style.manifold_width)))
    fake_marker = dict(size=style.marker_size, color=style.fake_color, opacity=0.85)
    if style.fake_outline > 0:
        fake_marker["line"] = dict(width=style.fake_outline, color="white")
    data.append(dict(type="scatter", x=fake[:, 0], y=fake[:, 1], mode="markers", name="fake",
                     marker=fake_marker))
    if arrows is not None:
        data.append(_arrow_trace(arrows, display_range, style))
    layout = _points_layout(display_range, title, style)
    if images:
        layout["images"] = images
    return figure(data, layout)


def _heat_range(heat: Heatmap, z: np.ndarray) -> tuple[float, float, float, str]:
    """(zmin, zmax, zmid, colour-bar title): 0..1 around 0.5 for probabilities, otherwise
    symmetric around ``heat.mid`` (a critic's scores have no fixed range)."""
    if heat.is_probability:
        return 0.0, 1.0, 0.5, "D(x)"
    finite = z[np.isfinite(z)]
    mid = heat.mid if heat.mid is not None else 0.0
    spread = float(np.abs(finite - mid).max()) if len(finite) else 1.0
    spread = spread or 1.0
    return mid - spread, mid + spread, mid, "D score"


def _heat_traces(heat: Heatmap, style: PlotStyle) -> tuple[list[dict], list[dict]]:
    """D's heatmap as (traces, layout images): a picture under the axes plus a colour bar on
    an invisible trace (``style.heat_image``), or a heatmap trace."""
    z = np.asarray(heat.z, np.float64)
    if z.shape != (len(heat.y), len(heat.x)):
        raise ValueError(f"heatmap z must be (len(y), len(x)) = {(len(heat.y), len(heat.x))}, "
                         f"got {z.shape}")
    zmin, zmax, zmid, bar_title = _heat_range(heat, z)
    colorbar = dict(title=dict(text=bar_title), thickness=12 if style.font_size < 20 else 22,
                    len=0.6, tickfont=dict(size=style.font_size - 2))
    scale = [list(s) for s in style.heat_scale]
    if not style.heat_image:
        return [dict(
            type="heatmap", x=np.asarray(heat.x), y=np.asarray(heat.y), z=z, zmin=zmin,
            zmax=zmax, zmid=zmid, colorscale=scale, opacity=HEAT_OPACITY, name="D",
            colorbar=colorbar,
            hovertemplate="x %{x:.2f}, y %{y:.2f}<br>D %{z:.3f}<extra></extra>")], []
    bar = dict(
        type="scatter", x=np.full(2, np.nan), y=np.full(2, np.nan), mode="markers", name="D",
        showlegend=False, hoverinfo="skip",
        marker=dict(color=np.array([zmin, zmax]), cmin=zmin, cmax=zmax, colorscale=scale,
                    showscale=True, colorbar=dict(colorbar, outlinewidth=0),
                    opacity=HEAT_OPACITY))
    return [bar], [_heat_layout_image(heat, z, zmin, zmax, style.heat_scale)]


def _arrow_trace(arrows: Arrows, display_range: Range, style: PlotStyle) -> dict:
    """D's gradient on the fake points: line segments with an arrow-head marker at each end."""
    segs = arrow_segments(arrows, display_range)
    ax, ay = _segments(segs)
    # the arrow head is a marker at each segment's end, pointing along the segment
    sizes = np.tile([0.0, 3 * style.arrow_width + 4, 0.0], len(segs))
    return dict(
        type="scatter", x=ax, y=ay, mode="lines+markers", name="D's gradient", hoverinfo="skip",
        line=dict(color=style.arrow_color, width=style.arrow_width),
        marker=dict(symbol="arrow", angleref="previous", size=sizes, color=style.arrow_color))


def _points_layout(display_range: Range, title: str, style: PlotStyle) -> dict:
    """Square axes over ``display_range``, legend on top, kept across redraws (uirevision)."""
    (x0, x1), (y0, y1) = display_range
    return dict(
        height=style.height, title=dict(text=title, font=dict(size=style.title_size)),
        font=dict(size=style.font_size, color=style.text_color), plot_bgcolor=style.background,
        paper_bgcolor=style.background, margin=dict(l=10, r=10, t=60 if title else 20, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0,
                    font=dict(size=style.font_size)),
        uirevision="keep", hovermode="closest",
        xaxis=dict(range=[x0, x1], showgrid=False, zeroline=False, constrain="domain"),
        yaxis=dict(range=[y0, y1], showgrid=False, zeroline=False, scaleanchor="x",
                   scaleratio=1, constrain="domain"))


def _rgb(color: str) -> tuple[int, int, int]:
    """'#rrggbb' -> (r, g, b)."""
    if not (color.startswith("#") and len(color) == 7):
        raise ValueError(f"heat_scale colours must be '#rrggbb', got {color!r}")
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))


def heat_rgba(z: np.ndarray, zmin: float, zmax: float, scale: Sequence) -> np.ndarray:
    """Colour-map ``z`` (ny, nx) onto ``scale`` ((position in [0, 1], '#rrggbb') stops, as
    Plotly's colorscale interpolates them in RGB) between zmin and zmax: (ny, nx, 4) uint8, rows
    top (largest y) to bottom as an image is stored; NaN/Inf cells are transparent."""
    z = np.asarray(z, np.float64)
    t = np.clip((z - zmin) / ((zmax - zmin) or 1.0), 0.0, 1.0)
    stops = np.array([float(p) for p, _ in scale])
    colours = np.array([_rgb(c) for _, c in scale], np.float64)
    out = np.zeros(z.shape + (4,), np.uint8)
    ok = np.isfinite(z)
    for ch in range(3):
        out[..., ch] = np.rint(np.interp(np.where(ok, t, 0.0), stops, colours[:, ch]))
    out[..., 3] = np.where(ok, 255, 0)
    return out[::-1]


def _heat_layout_image(heat: Heatmap, z: np.ndarray, zmin: float, zmax: float, scale) -> dict:
    """D's heatmap as a Plotly layout image (a PNG data URL) covering the cells a heatmap trace
    of the same grid would cover, under the points."""
    import base64

    from PIL import Image

    from ganviz.plots.images import png_bytes

    png = png_bytes(Image.fromarray(heat_rgba(z, zmin, zmax, scale), "RGBA"))
    x, y = np.asarray(heat.x, np.float64), np.asarray(heat.y, np.float64)
    dx = (x[-1] - x[0]) / (len(x) - 1) if len(x) > 1 else 1.0
    dy = (y[-1] - y[0]) / (len(y) - 1) if len(y) > 1 else 1.0
    return dict(source="data:image/png;base64," + base64.b64encode(png).decode("ascii"),
                xref="x", yref="y", x=float(x[0] - dx / 2), y=float(y[-1] + dy / 2),
                sizex=float(x[-1] - x[0] + dx), sizey=float(y[-1] - y[0] + dy),
                xanchor="left", yanchor="top", sizing="stretch", layer="below",
                opacity=HEAT_OPACITY)


def downsample(steps: np.ndarray, values: np.ndarray,
               max_points: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Bin-mean a long series to at most ``max_points`` points (NaNs ignored per bin).

    steps, values: (n,). Returns (m,) steps (bin centres) and (m,) values, m <= max_points."""
    steps = np.asarray(steps, np.float64)
    values = np.asarray(values, np.float64)
    if steps.shape != values.shape:
        raise ValueError(f"steps {steps.shape} and values {values.shape} differ in shape")
    n = len(steps)
    if n <= max_points:
        return steps, values
    edges = np.linspace(0, n, max_points + 1).astype(int)
    ok = np.isfinite(values)
    csum = np.concatenate([[0.0], np.cumsum(np.where(ok, values, 0.0))])
    ccount = np.concatenate([[0], np.cumsum(ok)])
    total = csum[edges[1:]] - csum[edges[:-1]]
    count = ccount[edges[1:]] - ccount[edges[:-1]]
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    centres = (steps[edges[:-1]] + steps[edges[1:] - 1]) / 2
    return centres, means


def _series_spec(steps: np.ndarray, series: Mapping[str, np.ndarray], title: str, y_title: str,
                 y_range: tuple[float, float] | None, reference: float | None, max_points: int,
                 style: PlotStyle) -> tuple[list[dict], dict]:
    data = []
    for i, (name, values) in enumerate(series.items()):
        x, y = downsample(steps, values, max_points)
        data.append(dict(
            type="scatter", x=x, y=y, mode="lines", name=SERIES_LABELS.get(name, name),
            line=dict(width=style.line_width,
                      color=style.series_colors[i % len(style.series_colors)])))
    axis = dict(gridcolor=style.grid_color, zeroline=False)
    layout = dict(
        height=style.chart_height, font=dict(size=style.font_size, color=style.text_color),
        plot_bgcolor=style.background, paper_bgcolor=style.background,
        title=dict(text=title, font=dict(size=style.title_size - 2)),
        margin=dict(l=60, r=50, t=50 if title else 10, b=10), uirevision="keep",
        legend=dict(orientation="h", yanchor="top", y=-0.18, xanchor="left", x=0.0,
                    font=dict(size=style.font_size - 2)),
        xaxis=dict(axis, title=dict(text="step")),
        yaxis=dict(axis, title=dict(text=y_title)))
    if y_range is not None:
        layout["yaxis"]["range"] = list(y_range)
    if reference is not None:  # what fig.add_hline draws: a dashed line across the x domain
        layout["shapes"] = [dict(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=reference,
                                 y1=reference, line=dict(dash="dash", color="#888888",
                                                         width=max(1.0, style.line_width / 2)))]
    return data, layout


def series_chart(steps: np.ndarray, series: Mapping[str, np.ndarray], *, title: str = "",
                 y_title: str = "", y_range: tuple[float, float] | None = None,
                 reference: float | None = None, max_points: int = 400,
                 style: PlotStyle = PlotStyle()) -> go.Figure:
    """Lines of ``series`` (name -> (n,) values) against ``steps`` (n,), each bin-averaged to
    ``max_points``; ``reference`` draws a dashed horizontal line (e.g. chance accuracy 0.5)."""
    return figure(*_series_spec(steps, series, title, y_title, y_range, reference, max_points,
                                style))


def loss_chart(steps: np.ndarray, values: Mapping[str, np.ndarray],
               style: PlotStyle = PlotStyle()) -> go.Figure:
    """D loss on real and fake, and G loss, per step (bin-averaged)."""
    names = ("d_loss_real", "d_loss_fake", "g_loss")
    return series_chart(steps, {k: values[k] for k in names}, title="Losses", y_title="loss",
                        style=style)


def accuracy_chart(steps: np.ndarray, values: Mapping[str, np.ndarray],
                   style: PlotStyle = PlotStyle()) -> go.Figure:
    """D's accuracy on real and on fake samples in [0, 1]; 0.5 is chance."""
    names = ("d_accuracy_real", "d_accuracy_fake")
    return series_chart(steps, {k: values[k] for k in names}, title="D accuracy",
                        y_title="accuracy", y_range=(-0.02, 1.02), reference=0.5, style=style)


QUALITY_SERIES = {
    # dataset kind -> the quality series worth a chart, with its axis title and range
    "modes": (("high_quality",), "fraction", (-0.02, 1.02)),
    "circle": (("radial_error", "angular_tv"), "error", None),
    "distance": (("energy_distance",), "distance", None),
}


def quality_chart(steps: np.ndarray, values: Mapping[str, np.ndarray], *,
                  n_modes: int | None = None, style: PlotStyle = PlotStyle()) -> go.Figure:
    """The dataset's quality metric over training: modes captured (right axis) and the
    high-quality fraction when the dataset has modes, radial error and angle spread for the
    circle, otherwise the energy distance (0 = the same distribution)."""
    if "modes" in values and n_modes:
        names, y_title, y_range = QUALITY_SERIES["modes"]
        data, layout = _series_spec(steps, {k: values[k] for k in names}, "Quality", y_title,
                                    y_range, None, 400, style)
        x, y = downsample(steps, values["modes"])
        data.append(dict(type="scatter", x=x, y=y, mode="lines",
                         name=f"modes captured (of {n_modes})", yaxis="y2",
                         line=dict(width=style.line_width, color=style.series_colors[2])))
        layout["yaxis2"] = dict(overlaying="y", side="right", range=[-0.3, n_modes + 0.3],
                                title=dict(text="modes"), showgrid=False)
        return figure(data, layout)
    names, y_title, y_range = QUALITY_SERIES[family_of(values)]
    names = tuple(k for k in names if k in values)
    return series_chart(steps, {k: values[k] for k in names}, title="Quality (lower is better)",
                        y_title=y_title, y_range=y_range, style=style)
