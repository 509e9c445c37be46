"""Charts of an image GAN trained live: the training numbers and the quick metrics against
the step (Plotly; no TensorFlow, no streamlit). Large type and thick lines: the page is made
to be projected in a classroom.

    training_figure(steps, values, wasserstein)   losses; D's verdicts (or the critic's estimate)
    quick_figure(steps, values, labels)           one small panel per quick metric
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

FONT_SIZE = 16
LINE_WIDTH = 3
COLOURS = {"d_loss": "#1f77b4", "g_loss": "#d62728", "d_real": "#2ca02c", "d_fake": "#ff7f0e",
           "wasserstein_estimate": "#9467bd"}
# the first two numbers each kind of trainer reports: GANs d_loss/g_loss, autoencoders
# loss/reconstruction, BEGAN d_loss/g_loss with k_t and M_global, SGAN d_loss/g_loss
LOSS_KEYS = ("d_loss", "g_loss", "loss", "reconstruction", "kl")
SECOND_PANEL = {"m_global": "BEGAN's convergence measure M_global", "k_t": "k_t"}
QUICK_ORDER = ("classes_covered", "modes_covered", "mean_confidence", "high_quality",
               "fid_c", "kid_c", "ndb_over_k", "class_kl")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=60, r=20, t=40, b=40), font_size=FONT_SIZE,
                      template="plotly_white", uirevision="keep", hovermode="x unified",
                      legend=dict(orientation="h", y=1.08, x=0, yanchor="bottom"))
    return fig


def _second_panel(values: dict[str, np.ndarray], wasserstein: bool):
    """(title, [(name, key or None, series)]) of the lower panel."""
    if wasserstein and "wasserstein_estimate" in values:
        return ("critic's estimate of the Wasserstein distance (falls as G improves)",
                [("estimate", "wasserstein_estimate", values["wasserstein_estimate"])])
    if "d_real_logit" in values and "d_fake_logit" in values:
        return ("D's verdict: mean D(x) on real and fake images (0.5: cannot tell)",
                [("D(real)", "d_real", _sigmoid(values["d_real_logit"])),
                 ("D(fake)", "d_fake", _sigmoid(values["d_fake_logit"]))])
    for key, title in SECOND_PANEL.items():
        if key in values:
            return title, [(key, None, values[key])]
    return None, []


def training_figure(steps: np.ndarray, values: dict[str, np.ndarray],
                    wasserstein: bool = False, height: int = 420) -> go.Figure:
    """Upper panel: the losses; lower panel: D's verdicts, the critic's estimate or BEGAN's
    convergence measure, whichever the model reports."""
    title, lower = _second_panel(values, wasserstein)
    rows = 2 if lower else 1
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.16,
                        subplot_titles=("losses", title) if lower else ("losses",))
    for key in LOSS_KEYS:
        if key in values:
            fig.add_trace(go.Scatter(x=steps, y=values[key], name=key, mode="lines",
                                     line=dict(width=LINE_WIDTH, color=COLOURS.get(key))),
                          row=1, col=1)
    for name, key, series in lower:
        fig.add_trace(go.Scatter(x=steps, y=series, name=name, mode="lines",
                                 line=dict(width=LINE_WIDTH, color=COLOURS.get(key))),
                      row=2, col=1)
    if lower and lower[0][1] in ("d_real", "d_fake"):
        fig.update_yaxes(range=[0, 1], row=2, col=1)
    fig.update_xaxes(title_text="step", row=rows, col=1)
    return _layout(fig, height)


def quick_figure(steps: np.ndarray, values: dict[str, np.ndarray], labels: dict[str, str],
                 height: int = 420) -> go.Figure:
    """One panel per quick metric present (at most four, in QUICK_ORDER), markers and lines."""
    keys = [k for k in QUICK_ORDER if k in values and np.isfinite(values[k]).any()][:4]
    if not keys:
        fig = go.Figure()
        fig.add_annotation(text="quick metrics appear every few hundred steps", showarrow=False,
                           font_size=FONT_SIZE)
        return _layout(fig, height)
    cols = 2 if len(keys) > 1 else 1
    rows = (len(keys) + 1) // 2 if cols == 2 else 1
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[labels.get(k, k) for k in keys],
                        vertical_spacing=0.22, horizontal_spacing=0.12)
    for i, key in enumerate(keys):
        fig.add_trace(go.Scatter(x=steps, y=values[key], name=labels.get(key, key),
                                 mode="lines+markers", line=dict(width=LINE_WIDTH),
                                 showlegend=False), row=i // cols + 1, col=i % cols + 1)
    return _layout(fig, height)
