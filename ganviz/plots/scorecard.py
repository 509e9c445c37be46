"""Figures of the Scorecard (the inspector's view that judges generators as the field does).

Pure functions: NumPy arrays and numbers in, ``plotly.graph_objects.Figure`` or PIL images out.

    fig = precision_recall({"mnist_dcgan": (0.8, 0.7)}, {"real vs real": (0.9, 0.9)})
    fig = fid_kid_vs_n(sizes, fid, kid_mean, kid_std, baseline_fid=..., baseline_kid=...)
    best, worst = realism_extremes(realism, count=8)
    picture = realism_grid(images[best], realism[best])              # captioned PIL image
    picture = memorisation_pairs(generated, nearest_training, distances)

Precision / recall: Kynkaanniemi et al. 2019; realism score: the same paper. FID is biased by the
sample count n (Binkowski et al. 2018; Chong & Forsyth 2020), KID is not: the n-curve shows both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from ganviz.plots.images import captioned_grid

SERIES_COLORS = ("#1f5fbf", "#d62d20", "#2b8a3e", "#7b3fa0", "#e08600")
BASELINE_COLOR = "#555555"
LABEL_POSITIONS = ("top center", "bottom center", "middle left")  # near points stay legible


def precision_recall(points: Mapping[str, tuple[float, float]],
                     baselines: Mapping[str, tuple[float, float]] | None = None,
                     title: str = "Precision vs recall", height: int = 420) -> go.Figure:
    """One marker per generator at (recall, precision), both in [0, 1]; `baselines` (label ->
    (precision, recall) of real vs real) as grey stars, labelled as baselines. The corners say
    what they mean: top-left realistic but not varied (mode collapse), bottom-right varied but
    unrealistic; the baselines' legend entries carry their labels. points: name ->
    (precision, recall)."""
    fig = go.Figure()
    for i, (name, (precision, recall)) in enumerate(points.items()):
        fig.add_scatter(x=[recall], y=[precision], mode="markers+text", name=name, text=[name],
                        textposition=LABEL_POSITIONS[i % len(LABEL_POSITIONS)], cliponaxis=False,
                        marker=dict(size=14, color=SERIES_COLORS[i % len(SERIES_COLORS)]),
                        hovertemplate=f"{name}<br>precision %{{y:.3f}}<br>recall %{{x:.3f}}"
                                      "<extra></extra>")
    for label, (precision, recall) in (baselines or {}).items():
        fig.add_scatter(x=[recall], y=[precision], mode="markers+text", name=label,
                        text=["real vs real"], textposition="bottom left", cliponaxis=False,
                        marker=dict(size=16, symbol="star", color=BASELINE_COLOR),
                        hovertemplate=f"{label}<br>precision %{{y:.3f}}<br>recall %{{x:.3f}}"
                                      "<extra></extra>")
    corners = (("realistic, not varied<br>(mode collapse)", 0.02, 1.02, "left"),
               ("varied, unrealistic", 0.98, 0.02, "right"))
    for text, x, y, align in corners:
        fig.add_annotation(x=x, y=y, text=text, showarrow=False, xanchor=align,
                           yanchor="bottom", font=dict(size=11, color="#777777"))
    fig.update_layout(title=dict(text=title, font=dict(size=14)), height=height,
                      template="plotly_white", margin=dict(l=50, r=20, t=60, b=50),
                      xaxis=dict(title="recall (variety)", range=[-0.02, 1.05]),
                      yaxis=dict(title="precision (realism)", range=[-0.02, 1.12]),
                      legend=dict(orientation="h", y=-0.2))
    return fig


def _as_array(name: str, values: Sequence[float], n: int) -> np.ndarray:
    arr = np.asarray(values, np.float64)
    if arr.shape != (n,):
        raise ValueError(f"{name} must have one value per sample size ({n}), got {arr.shape}")
    return arr


def fid_kid_vs_n(sizes: Sequence[int], fid: Sequence[float], kid_mean: Sequence[float],
                 kid_std: Sequence[float], baseline_fid: Sequence[float] | None = None,
                 baseline_kid: Sequence[float] | None = None, fid_label: str = "FID",
                 title: str = "", height: int = 380) -> go.Figure:
    """FID (left) and KID with its +-1 std band (right) of subsamples of n generated and n real
    features, against n (log axis). Optional real-vs-real baselines at the same n are dashed grey.
    FID falls as n grows (it is biased by n), KID stays level (its estimator is unbiased)."""
    from plotly.subplots import make_subplots

    n = np.asarray(sizes, np.int64)
    if n.ndim != 1 or len(n) == 0:
        raise ValueError("sizes must be a non-empty list of sample counts")
    fid = _as_array("fid", fid, len(n))
    mean, std = _as_array("kid_mean", kid_mean, len(n)), _as_array("kid_std", kid_std, len(n))
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                        subplot_titles=(f"{fid_label}: falls as n grows (biased)",
                                        "KID: level in n (unbiased), ± 1 std"))
    fig.add_scatter(x=n, y=fid, mode="lines+markers", name=fid_label,
                    line=dict(color=SERIES_COLORS[0]), row=1, col=1)
    band = np.concatenate([mean + std, (mean - std)[::-1]])
    fig.add_scatter(x=np.concatenate([n, n[::-1]]), y=band,
                    fill="toself", fillcolor="rgba(214,45,32,0.18)", line=dict(width=0),
                    hoverinfo="skip", name="KID ± std", row=1, col=2)
    fig.add_scatter(x=n, y=mean, mode="lines+markers", name="KID",
                    line=dict(color=SERIES_COLORS[1]), row=1, col=2)
    for col, values, name in ((1, baseline_fid, f"{fid_label}, real vs real"),
                              (2, baseline_kid, "KID, real vs real")):
        if values is not None:
            fig.add_scatter(x=n, y=_as_array(name, values, len(n)), mode="lines+markers",
                            name=name, line=dict(color=BASELINE_COLOR, dash="dash"),
                            row=1, col=col)
    fig.update_xaxes(type="log", title_text="samples per set n")
    fig.update_yaxes(title_text=fid_label, rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="KID", row=1, col=2)
    fig.update_layout(title=dict(text=title, font=dict(size=14)) if title else None,
                      height=height, template="plotly_white",
                      margin=dict(l=50, r=20, t=70 if title else 50, b=50),
                      legend=dict(orientation="h", y=-0.25))
    return fig


def realism_extremes(realism: np.ndarray, count: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """(best, worst) indices: the `count` highest realism scores, highest first, and the `count`
    lowest, lowest first. NaN scores (if any) count as the worst."""
    r = np.asarray(realism, np.float64)
    if r.ndim != 1 or len(r) == 0:
        raise ValueError(f"realism must be a non-empty (n,) array, got shape {r.shape}")
    count = max(1, min(int(count), len(r)))
    key = np.where(np.isnan(r), -np.inf, r)
    order = np.argsort(-key, kind="stable")
    return order[:count], order[::-1][:count]


def realism_grid(images: np.ndarray, realism: np.ndarray, columns: int = 8, scale: int = 3):
    """The images (n, H, W, C) uint8 with their realism score under each (PIL RGB image);
    green when the sample lies inside the real manifold (score >= 1), red otherwise."""
    r = np.asarray(realism, np.float64)
    return captioned_grid(images, [f"{v:.2f}" for v in r], columns, scale=scale,
                          ok=[bool(v >= 1.0) for v in r])


def memorisation_pairs(generated: np.ndarray, nearest: np.ndarray, distances: np.ndarray,
                       scale: int = 3, threshold: float | None = None):
    """Each generated image (top row) above its nearest training image (bottom row), the
    distance in feature space under the pair (PIL RGB image). With `threshold`, pairs closer than
    it are red (a likely copy). generated, nearest: (m, H, W, C) uint8; distances: (m,)."""
    generated, nearest = np.asarray(generated), np.asarray(nearest)
    d = np.asarray(distances, np.float64)
    if generated.shape != nearest.shape or d.shape != (len(generated),):
        raise ValueError(f"need m generated images, m nearest images and m distances; got "
                         f"{generated.shape}, {nearest.shape}, {d.shape}")
    m = len(generated)
    captions = [f"d={v:.2f}" for v in d] + ["nearest"] * m
    ok = None if threshold is None else [bool(v >= threshold) for v in d] + [True] * m
    return captioned_grid(np.concatenate([generated, nearest]), captions, m, scale=scale, ok=ok,
                          row_labels=["generated", "training"])
