"""The Toy GAN Lab's live view: status line, warnings, real vs fake and the training charts.

Live training is a ``st.fragment(run_every=...)``: REFRESH_S, longer when many sessions play
on the server (``PlayState.live_period``). Each refresh trains through the session's
``PlayState`` (its first refresh after Play trains here, later ones leave training to the
session's LiveTrainer thread and only draw, so training overlaps drawing, sending and the
browser's rendering). While playing, the plots are in-place live plots (``live_plot``) with
lighter data; paused, full ``st.plotly_chart``s. Also the page's look (CSS, projector mode).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import streamlit as st

from ganviz.live.run import LabRun, training_warnings
from ganviz.live.scheduler import StopReason, live_trainer_threads, turn_seconds
from ganviz.plots import toy as plots
from ganviz.ui.live_plot import figure_json, live_plotly_specs
from ganviz.ui.live_session import live_refresh
from ganviz.ui.toy_lab import REFRESH_S, PageState

LIVE_POINTS = 256        # fake points drawn while playing (all 512 when paused)
LIVE_REAL_POINTS = 128   # real points drawn while playing (they never change: fewer is cheaper)
LIVE_GRID_STRIDE = 2     # every other heatmap row and column while playing (24 x 24)
CHART_REFRESH_S = 2.0    # while playing, the charts redraw at most this often: they change
                         # slowly, and redrawing the three is a large share of a browser frame
CHARTS = ("quality", "accuracy", "loss")
PLOT_CONFIG = {"displayModeBar": False}

BASE_CSS = """
<style>
.toy-status {font-size: 1.25rem; padding: 0.35rem 0.8rem; border-radius: 0.5rem;
  background: #f1f4f9; border: 1px solid #d5dbe5; margin-bottom: 0.4rem;}
.toy-status b {font-variant-numeric: tabular-nums;}
.toy-status .toy-play {color: #0a7a2f; font-weight: 600;}
.toy-status .toy-pause {color: #666;}
</style>
"""
PROJECTOR_CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] {font-size: 22px;}
[data-testid="stAppViewContainer"] p, [data-testid="stAppViewContainer"] li,
[data-testid="stAppViewContainer"] label, [data-testid="stMarkdownContainer"] {font-size: 1.15rem;}
[data-testid="stSidebar"] label p {font-size: 1.05rem !important;}
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
footer {display: none !important;}
.block-container, [data-testid="stMainBlockContainer"] {padding-top: 0.6rem !important;
  max-width: 100% !important;}
h1 {font-size: 2.4rem !important;}
.stButton button {padding: 0.45rem 0.5rem !important; border-width: 2px !important;}
.stButton button p {font-size: 1.05rem !important; font-weight: 700 !important;}
.toy-status {font-size: 2rem; background: #000; color: #fff; border: none;}
.toy-status .toy-play {color: #5dff8f;}
.toy-status .toy-pause {color: #ddd;}
</style>
"""


def theme(projector: bool) -> plots.PlotStyle:
    """Inject the page CSS; returns the plot style (projector: big and high contrast)."""
    st.markdown(BASE_CSS + (PROJECTOR_CSS if projector else ""), unsafe_allow_html=True)
    return plots.PlotStyle.projector() if projector else plots.PlotStyle()


# ---- figures and lines -------------------------------------------------------------------
def main_figure(run: LabRun, show_heatmap: bool, show_manifold: bool, show_arrows: bool,
                style: plots.PlotStyle, title: str = "", live: bool = False,
                label: str = "") -> Any:
    """Real vs fake with the toggled views. ``live`` (while playing, several redraws a second):
    fewer points, a coarser smoothed heatmap and no point outlines, which roughly halve the
    browser's drawing time; a paused plot shows everything."""
    snap = run.snapshot()
    n, n_real = (LIVE_POINTS, LIVE_REAL_POINTS) if live else (None, None)
    g = LIVE_GRID_STRIDE if live else 1
    heat = None
    if show_heatmap:
        mid = 0.5 if run.config.loss == "least_squares" else 0.0
        heat = plots.Heatmap(snap.grid_x[::g], snap.grid_y[::g], snap.d_grid[::g, ::g],
                             snap.d_is_probability, mid)
    return plots.real_vs_fake(
        snap.real[:n_real], snap.fake[:n], run.dataset.display_range, heat=heat,
        manifold=snap.manifold if show_manifold else None,
        arrows=plots.Arrows(snap.fake[:n], snap.fake_grad[:n]) if show_arrows else None,
        title=title or (f"{label} · " if label else "") + f"step {snap.step:,}",
        style=style.live() if live else style)


def _quality_text(q: dict[str, float]) -> str | None:
    """The live quality metric of the status line, or None before there is one."""
    if "modes" in q:
        return (f"modes <b>{q['modes']:.0f}/{q.get('n_modes', 0):.0f}</b>, "
                f"high quality <b>{q.get('high_quality', 0):.0%}</b>")
    if "radial_error" in q:
        return (f"radial error <b>{q['radial_error']:.2f}</b>, angle coverage "
                f"<b>{q.get('angular_coverage', 0):.0%}</b>")
    if "energy_distance" in q:
        return f"energy distance <b>{q['energy_distance']:.3f}</b>"
    return None


def status_html(run: LabRun, playing: bool) -> str:
    """One line: step, wall-clock steps/s, D's accuracy and the dataset's quality."""
    hist = run.history()
    rate = run.meter.rate if playing else None
    rate_text = f"{rate:,.0f}" if rate is not None else "–"
    parts = [f"Step <b class='toy-step'>{run.step:,}</b>",
             f"<b class='toy-rate'>{rate_text}</b> steps/s"]
    if len(hist):
        real, fake = hist.last("d_accuracy_real", 100), hist.last("d_accuracy_fake", 100)
        if np.isfinite(real) and np.isfinite(fake):
            parts.append(f"D right on real <b>{real:.0%}</b>, on fake <b>{fake:.0%}</b>")
    quality = _quality_text(run.quality.latest())
    if quality:
        parts.append(quality)
    parts.append("<span class='toy-play'>training</span>" if playing
                 else "<span class='toy-pause'>paused</span>")
    note = sharing_note(run.last_seconds_per_step, live_trainer_threads()) if playing else None
    if note:
        parts.append(f"<span class='toy-shared'>{note}</span>")
    return "<div class='toy-status'>" + " · ".join(parts) + "</div>"


def sharing_note(step_s: float | None, playing: int) -> str | None:
    """Why training is slow, when one step of these settings outlasts a training turn on a
    server that ``playing`` sessions share (each gets about 1/N of it): else None."""
    if not step_s or playing < 2 or step_s <= turn_seconds(playing):
        return None
    return (f"one step of these settings takes {step_s:.2f} s and {playing} students share "
            f"this server, so yours trains about 1/{playing} of the time")


def warnings_block(run: LabRun) -> None:
    for text in training_warnings(run.history(), run.diverged_at):
        (st.error if text.startswith("Training diverged") else st.warning)(text)


def chart_figures(run: LabRun, style: plots.PlotStyle) -> list:
    """Quality, D accuracy and losses of ``run`` (in CHARTS order)."""
    hist = run.history()
    q_steps, q_values = run.quality.arrays()
    n_modes = int(run.quality.latest().get("n_modes", 0)) or None
    return [plots.quality_chart(q_steps, q_values, n_modes=n_modes, style=style),
            plots.accuracy_chart(hist.steps, hist.values, style=style),
            plots.loss_chart(hist.steps, hist.values, style=style)]


def chart_specs(state: PageState, run: LabRun, style: plots.PlotStyle, key: str) -> list[str]:
    """The charts as live-plot JSON, rebuilt at most every CHART_REFRESH_S while playing (in
    between, the same strings: the browser does not redraw them)."""
    now = time.monotonic()
    when, specs = state.chart_specs.get(key, (0.0, []))
    if not specs or now - when >= CHART_REFRESH_S:
        specs = [figure_json(f) for f in chart_figures(run, style)]
        state.chart_specs[key] = (now, specs)
    return specs


def paused_charts(run: LabRun, style: plots.PlotStyle, key: str) -> None:
    for name, fig in zip(CHARTS, chart_figures(run, style)):
        st.plotly_chart(fig, key=f"{key}_{name}", theme=None, config=PLOT_CONFIG)


# ---- live training -----------------------------------------------------------------------
def _compiling(run: LabRun):
    return st.spinner("Compiling this network shape (first time only: a few seconds)...")


def tick_runs(state: PageState, runs: list[LabRun], steps: int, stop_at_recommended: bool) -> bool:
    """One refresh of live training for ``runs`` in lockstep (``PlayState.refresh``), then
    the runs' steps/s meters, GIF frames and quality samples. Returns True when the page must
    rerun in full (play stopped, with a notice saying why, or the refresh period is off)."""
    playing = state.playing
    notices = {
        StopReason.DIVERGED: "Training diverged: paused at the last good state.",
        StopReason.TARGET: (f"Paused at the recommended {runs[0].config.steps:,} steps "
                            "(switch 'Pause at the recommended steps' off to go on)."),
    }
    rerun = live_refresh(state, runs, steps, REFRESH_S, stop_at_target=stop_at_recommended,
                         notices=notices, compiling=_compiling)
    if playing:
        for run in runs:
            run.refresh()
    return rerun


def live_lab(state: PageState, views: dict[str, bool], style: plots.PlotStyle, steps: int,
             stop_at_recommended: bool) -> None:
    """The single-run live view: status and warnings, then real vs fake (left) and the
    training charts (right)."""

    @st.fragment(run_every=state.play.live_period(REFRESH_S))
    def _live() -> None:
        with state.lock:
            run = state.run
            rerun = run is not None and tick_runs(state, [run], steps, stop_at_recommended)
            if run is not None and not rerun:
                draw_lab(state, run, views, style)
        if rerun:  # the full run sets the fragment's timer (off once paused)
            st.rerun(scope="app")

    _live()


def draw_lab(state: PageState, run: LabRun, views: dict[str, bool], style: plots.PlotStyle) -> None:
    """Playing, the plot and the charts are one live plot: each refresh sends the browser
    three elements, not a dozen (each costs it a re-render)."""
    st.markdown(status_html(run, state.playing), unsafe_allow_html=True)
    with st.container():
        warnings_block(run)
    main = main_figure(run, **views, style=style, live=state.playing)
    if state.playing:
        live_plotly_specs([figure_json(main), *chart_specs(state, run, style, "toy_chart")],
                          key="toy_live", config=PLOT_CONFIG, columns=[[0], [1, 2, 3]],
                          widths=[3, 2])
        return
    plot_col, chart_col = st.columns([3, 2])
    plot_col.plotly_chart(main, key="toy_plot_main", theme=None, config=PLOT_CONFIG)
    with chart_col:
        paused_charts(run, style, key="toy_chart")
