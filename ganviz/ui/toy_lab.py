"""Streamlit pieces of the Toy GAN Lab page (the only toy module that imports streamlit).

Per-session state lives in ``st.session_state[STATE_KEY]`` (a ``PageState``): the session's
own trainers, never shared. Live training is a ``st.fragment(run_every=...)``: REFRESH_S, longer
when many sessions play on the server (``refresh_period``). Its first refresh after Play trains
``steps per refresh`` steps itself; later ones leave training to the session's ``LiveTrainer``
thread (toy_session) and only draw, so training overlaps drawing, sending and the browser's
rendering. While playing, the plots are in-place live plots (``live_plot``) with lighter data;
paused, full ``st.plotly_chart``s. Widgets have explicit keys (``toy_*``) that the AppTest and
the browser tests use.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np
import streamlit as st

from ganviz.plots import toy as plots
from ganviz.toy import presets
from ganviz.toy.config import ToyConfig
from ganviz.toy.datasets import DATASETS, dataset_names, points_from_csv, points_dataset
from ganviz.toy.fields import FIELD_WIDGETS, GROUPS, FieldWidget
from ganviz.ui import toy_link
from ganviz.ui.live_plot import figure_json, live_plotly_specs
from ganviz.ui.streamlit_tf import keep_tensorflow_caches
from ganviz.ui.toy_session import (
    GATE, REGISTRY, LabRun, LiveTrainer, canvas_points, doc_table, live_trainer_threads,
    refresh_period, training_warnings,
)

STATE_KEY = "toy_lab"
REFRESH_S = 0.2          # live view refresh period while playing (5 per second at most)
PERIOD_HOLD_S = 10.0     # a page re-times its refresh (a full rerun) at most this often
LIVE_POINTS = 256        # fake points drawn while playing (all 512 when paused)
LIVE_REAL_POINTS = 128   # real points drawn while playing (they never change; each costs ~0.1 ms)
LIVE_GRID_STRIDE = 2     # every other heatmap row and column while playing (24 x 24)
CHART_REFRESH_S = 2.0    # while playing, the charts redraw at most this often: they change
                         # slowly, and redrawing the three costs the browser ~0.1 s
FIELD_PREFIX = "toy_f_"
CANVAS_SIZE = 360
CANVAS_RANGE = ((-1.5, 1.5), (-1.5, 1.5))
DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "why-circles-fail.md"
ANSWER_FIXES = {
    # toggle key -> (label, overrides on the right-hand run, help)
    "toy_fix_combined": ("Fix 1: real and fake in one D batch", presets.FIX_COMBINED,
                         "The asker trained D on a real batch, then on a fake batch; Adam's "
                         "statistics then swing between the two."),
    "toy_fix_batch": ("Fix 2: batch 256", presets.FIX_BATCH,
                      "A batch of 32 points covers the circle too sparsely for D to see gaps."),
    "toy_fix_small_g": ("Fix 3: a smaller generator (16, 32)", presets.FIX_SMALL_G,
                        "A 64-128 generator with a 128-d latent is far more than a circle needs."),
    "toy_fix_radius": ("Radius 0.5 (tanh saturation out of play)", {"circle_radius": 0.5},
                       "Radius 1 equals tanh's saturation value: G piles points near +-1."),
    "toy_fix_linear": ("Linear generator output", {"g_output": "linear"},
                       "Without tanh, G's output is not squeezed towards +-1."),
}
DEFAULT_FIXES = ("toy_fix_combined", "toy_fix_batch", "toy_fix_small_g")



@dataclass
class PageState:
    """Everything the page keeps for one browser session (plain objects only)."""

    run: LabRun | None = None
    pair: list[LabRun] | None = None          # "why circles fail": left, right
    pair_configs: tuple[ToyConfig, ToyConfig] | None = None
    playing: bool = False
    points: np.ndarray | None = None
    points_source: str = ""
    config: ToyConfig | None = None           # the last valid config from the widgets
    preset: str = ""
    link_loaded: bool = False
    notices: list[str] = field(default_factory=list)   # shown once (link problems, loads)
    errors: list[str] = field(default_factory=list)    # shown once (bad files)
    pending: dict[str, Any] = field(default_factory=dict)  # widget values for the next run
    live: LiveTrainer | None = None           # the background trainer while playing
    play_ticks: int = 0                       # refreshes since Play (the first trains here)
    is_connected: Any = None                  # () -> bool: is the browser still there
    chart_specs: dict[str, tuple[float, list[str]]] = field(default_factory=dict)  # key -> (when, JSON)
    period: float = REFRESH_S                 # the live fragments' run_every (see refresh_period)
    period_set_at: float = 0.0
    released: bool = False

    def runs(self) -> list[LabRun]:
        return ([self.run] if self.run is not None else []) + list(self.pair or [])

    def stop_live(self, wait: bool = True) -> None:
        if self.live is not None:
            self.live.stop(wait=wait)
            self.live = None

    def release(self) -> None:
        """The browser has been gone longer than Streamlit keeps a session for it to come back:
        stop training and drop the networks (called by the janitor thread; no Streamlit)."""
        self.stop_live(wait=True)
        for run in self.runs():
            run.release()
        self.run, self.pair, self.pair_configs, self.playing = None, None, None, False
        self.released = True
        self.notices.append("This page was away long enough for the server to free its training; "
                            "it starts again from step 0.")


def page_state() -> PageState:
    keep_tensorflow_caches()  # else every refresh pays ~250 ms for Streamlit's Keras cleanup
    state = st.session_state.get(STATE_KEY)
    if state is None:
        state = st.session_state[STATE_KEY] = PageState()
        _register_session(state)
    elif state.released:
        state.released = False
        _register_session(state)
    return state


def _register_session(state: PageState) -> None:
    """Let the janitor release this session's models once its browser is gone for good (after
    Streamlit's own server.disconnectedSessionTTL). Only for sessions of a served app: AppTest
    sessions have no browser connection to watch."""
    from streamlit import runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():
        return
    rt, session_id = runtime.get_instance(), ctx.session_id
    if not rt.is_active_session(session_id):
        return
    state.is_connected = lambda: rt.is_active_session(session_id)
    REGISTRY.register(session_id, state, state.is_connected,
                      release_after_s=float(st.get_option("server.disconnectedSessionTTL")))


# ---- widget values <-> config ------------------------------------------------------------
def config_widget_values(config: ToyConfig) -> dict[str, Any]:
    """Widget keys -> values that show ``config`` (dataset included)."""
    values = {FIELD_PREFIX + w.name: getattr(config, w.name) for w in FIELD_WIDGETS}
    values["toy_dataset"] = config.dataset
    return values


def queue_config(state: PageState, config: ToyConfig, preset: str) -> None:
    """Show ``config`` (and ``preset``) in the widgets from the next run on."""
    state.pending.update(config_widget_values(config))
    state.pending["toy_preset"] = preset


def apply_pending(state: PageState) -> None:
    """Write queued widget values before any widget of this run exists."""
    for key, value in state.pending.items():
        st.session_state[key] = value
    state.pending.clear()


def _set_widgets_now(config: ToyConfig, preset: str) -> None:
    """For callbacks (they run before the widgets): show ``config`` at once."""
    for key, value in config_widget_values(config).items():
        st.session_state[key] = value
    st.session_state["toy_preset"] = preset


def init_from_link(state: PageState) -> None:
    """First run of a session: restore the page from the URL's query parameters. Later runs:
    restore the config widgets if Streamlit dropped them (they were not shown for a while)."""
    if state.link_loaded:
        if "toy_dataset" not in st.session_state and state.config is not None:
            _set_widgets_now(state.config, state.preset)
        return
    state.link_loaded = True
    link = toy_link.decode(st.query_params.to_dict())
    state.notices.extend(link.notices)
    state.config, state.preset = link.config, link.preset
    _set_widgets_now(link.config, link.preset)
    st.session_state["toy_mode"] = "Why circles fail" if link.mode == "circles" else "Lab"
    st.session_state["toy_projector"] = link.projector
    st.session_state["toy_spr"] = link.steps_per_refresh


def _on_dataset_change() -> None:
    dataset = st.session_state["toy_dataset"]
    preset = presets.default_preset(dataset)
    _set_widgets_now(presets.config(preset), preset)


def _on_preset_change() -> None:
    preset = st.session_state["toy_preset"]
    _set_widgets_now(presets.config(preset), preset)


def _options(base: tuple, current: Any) -> list:
    return sorted(set(base) | {current})


def _field_widget(w: FieldWidget, config: ToyConfig, disabled: bool = False) -> Any:
    key = FIELD_PREFIX + w.name
    if key not in st.session_state:
        st.session_state[key] = getattr(config, w.name)
    common = dict(key=key, help=w.help or None, disabled=disabled)
    if w.kind == "slider":
        return st.slider(w.label, **w.kwargs, **common)
    if w.kind == "select_slider":
        fmt = (lambda v: f"{v:g}") if w.name.endswith("_lr") else (lambda v: f"{v:,}")
        return st.select_slider(w.label, _options(w.options, st.session_state[key]), format_func=fmt, **common)
    if w.kind == "select":
        return st.selectbox(w.label, w.options, **common)
    if w.kind == "toggle":
        return st.toggle(w.label, **common)
    if w.kind == "number":
        return st.number_input(w.label, **w.kwargs, **common)
    if w.kind == "text":
        return st.text_input(w.label, **common)
    raise ValueError(f"unknown widget kind {w.kind!r}")


def config_sidebar(state: PageState) -> tuple[ToyConfig | None, str]:
    """Dataset, preset and every ToyConfig field in the sidebar. Returns the config the
    widgets describe (None if invalid: the error is shown) and the preset name."""
    sb = st.sidebar
    names = dataset_names()
    dataset = sb.selectbox("Dataset", names, key="toy_dataset", on_change=_on_dataset_change,
                           format_func=lambda n: DATASETS[n].title if n in DATASETS else "Your own points")
    options = presets.preset_names(dataset)
    if st.session_state.get("toy_preset") not in options:
        st.session_state["toy_preset"] = presets.default_preset(dataset)
    preset = sb.selectbox("Preset", options, key="toy_preset", on_change=_on_preset_change,
                          help="A recipe for this dataset; changing it resets every field below.")
    sb.caption(presets.PRESETS[preset].description)
    base = presets.config(preset)
    values: dict[str, Any] = {}
    for group in GROUPS:
        with sb.expander(group, expanded=group in ("Generator", "Discriminator", "Training")):
            for w in [w for w in FIELD_WIDGETS if w.group == group]:
                if w.name == "circle_radius" and dataset != "circle":
                    values[w.name] = st.session_state.get(FIELD_PREFIX + w.name, base.circle_radius)
                    continue
                overridden = (w.name in ("g_depth", "g_width") and bool(st.session_state.get(FIELD_PREFIX + "g_layers"))) \
                    or (w.name in ("d_depth", "d_width") and bool(st.session_state.get(FIELD_PREFIX + "d_layers")))
                values[w.name] = _field_widget(w, base, disabled=overridden)
    try:
        config = ToyConfig(dataset=dataset, **values)
    except ValueError as exc:
        sb.error(f"Not applied: {exc}")
        return None, preset
    return config, preset


# ---- look ---------------------------------------------------------------------------------
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


# ---- the live view -----------------------------------------------------------------------
def main_figure(run: LabRun, show_heatmap: bool, show_manifold: bool, show_arrows: bool,
                style: plots.PlotStyle, title: str = "", live: bool = False, label: str = "") -> Any:
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
    q = run.quality.latest()
    if "modes" in q:
        parts.append(f"modes <b>{q['modes']:.0f}/{q.get('n_modes', 0):.0f}</b>, "
                     f"high quality <b>{q.get('high_quality', 0):.0%}</b>")
    elif "radial_error" in q:
        parts.append(f"radial error <b>{q['radial_error']:.2f}</b>, angle coverage "
                     f"<b>{q.get('angular_coverage', 0):.0%}</b>")
    elif "energy_distance" in q:
        parts.append(f"energy distance <b>{q['energy_distance']:.3f}</b>")
    state = "<span class='toy-play'>training</span>" if playing else "<span class='toy-pause'>paused</span>"
    parts.append(state)
    return "<div class='toy-status'>" + " · ".join(parts) + "</div>"


def _stop(state: PageState, message: str | None = None) -> None:
    """Pause from inside the fragment: a full rerun switches the timer off."""
    state.playing = False
    if message:
        state.notices.append(message)
    st.rerun(scope="app")


def live_period(state: PageState) -> float | None:
    """run_every for the live fragments (set in full runs): None while paused, else the
    refresh period for the number of sessions playing on this server (refresh_period)."""
    if not state.playing:
        return None
    playing = live_trainer_threads() + (0 if state.live is not None and state.live.running else 1)
    state.period, state.period_set_at = refresh_period(playing, REFRESH_S), time.monotonic()
    return state.period


def _retime(state: PageState) -> None:
    """From a refresh: when sessions have come or gone so that this page's refresh period is
    off, rerun the page (a fragment's timer is set in full runs only); at most every
    PERIOD_HOLD_S, so a classroom filling up does not rerun every page at every arrival."""
    if time.monotonic() - state.period_set_at < PERIOD_HOLD_S:
        return
    if abs(refresh_period(live_trainer_threads(), REFRESH_S) - state.period) > 1e-9:
        st.rerun(scope="app")


def tick_runs(state: PageState, runs: list[LabRun], steps: int, stop_at_recommended: bool) -> None:
    """One refresh of live training for ``runs`` in lockstep. The first refresh after Play
    trains ``steps`` steps here when no other session is training (spinner on a first
    compile); otherwise, and on later refreshes, training is the session's LiveTrainer's
    (started or re-pointed here), and the refresh records where it has got to."""
    if not state.playing:
        state.stop_live()
        return
    if any(r.diverged_at is not None for r in runs):
        state.stop_live()
        _stop(state)
    live = state.live
    if live is not None and (live.runs != runs or not live.running):
        state.stop_live()
        if live.error is not None:
            _stop(state, f"Training stopped: {type(live.error).__name__}: {live.error}")
    hand_over = True  # to the LiveTrainer
    if state.play_ticks == 0:
        wanted = [max(0, min(steps, run.config.steps - run.step)) if stop_at_recommended else steps
                  for run in runs]
        for i, run in enumerate(runs):
            if wanted[i] and run.last_seconds_per_step is None:
                with st.spinner("Compiling this network shape (first time only: a few seconds)..."):
                    wanted[i] -= run.train_now(1)  # outside the gate: a compile takes seconds
        # nobody else training: Play shows its first refresh's steps at once; on a busy server
        # the page would wait its turn behind every other session, so the trainer queues instead
        hand_over = not GATE.idle
        if not hand_over:
            for run, n in zip(runs, wanted):
                if n > 0:
                    run.train(n)
    if state.live is not None:
        state.live.configure(steps, stop_at_recommended)
        state.live.seen()
        _retime(state)
    elif hand_over and not (stop_at_recommended and all(r.step >= r.config.steps for r in runs)):
        state.live = LiveTrainer(runs, steps, REFRESH_S, stop_at_recommended,
                                 is_connected=state.is_connected).start()
    state.play_ticks += 1
    for run in runs:
        run.refresh()
    if any(r.diverged_at is not None for r in runs):
        state.stop_live()
        _stop(state, "Training diverged: paused at the last good state.")
    if stop_at_recommended and all(r.step >= r.config.steps for r in runs):
        state.stop_live()
        _stop(state, f"Paused at the recommended {runs[0].config.steps:,} steps "
                     "(switch 'Pause at the recommended steps' off to go on).")


def warnings_block(run: LabRun) -> None:
    for text in training_warnings(run.history(), run.diverged_at):
        (st.error if text.startswith("Training diverged") else st.warning)(text)


CHARTS = ("quality", "accuracy", "loss")
PLOT_CONFIG = {"displayModeBar": False}


def live_lab(state: PageState, views: dict[str, bool], style: plots.PlotStyle, steps: int,
             stop_at_recommended: bool) -> None:
    """The single-run live view: status and warnings, then real vs fake (left) and the
    training charts (right). Playing, the plot and the charts are one live plot: each refresh
    sends the browser three elements, not a dozen (each costs it a re-render)."""

    @st.fragment(run_every=live_period(state))
    def _live() -> None:
        run = state.run
        if run is None:
            return
        tick_runs(state, [run], steps, stop_at_recommended)
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

    _live()


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


# ---- transport ---------------------------------------------------------------------------
def _set_playing(playing: bool) -> None:
    """Play (True) or Pause (False): the button passes what its label said, so a click that
    reaches the server twice (a rerun coalesced with a live refresh) cannot undo itself."""
    state = page_state()
    if state.playing == playing:
        return
    state.playing = playing
    state.play_ticks = 0
    state.chart_specs.clear()
    if not state.playing:
        state.stop_live()  # waits for the current turn: the step shown after Pause is final
    for run in state.runs():
        run.meter.clear()


def transport(state: PageState, runs: list[LabRun]) -> dict[str, Any]:
    """Play/Pause, Step D / G / both, Reset, steps per refresh and the view toggles."""
    if state.live is not None and (not state.playing or state.live.runs != runs):
        state.stop_live()  # paused, or the runs on the page changed (mode, new networks)
    cols = st.columns([1.1, 1, 1, 1.1, 1, 2.6])
    cols[0].button("Pause" if state.playing else "Play", key="toy_play", type="primary",
                   icon=":material/pause:" if state.playing else ":material/play_arrow:",
                   on_click=_set_playing, args=(not state.playing,), use_container_width=True,
                   disabled=not runs)
    step_d = cols[1].button("Step D", key="toy_step_d", use_container_width=True, disabled=not runs,
                            help="One discriminator update.")
    step_g = cols[2].button("Step G", key="toy_step_g", use_container_width=True, disabled=not runs,
                            help="One generator update.")
    step_both = cols[3].button("Step both", key="toy_step_both", use_container_width=True,
                               disabled=not runs, help="One full step: D then G.")
    reset = cols[4].button("Reset", key="toy_reset", use_container_width=True, disabled=not runs,
                           help="New weights from the seed, step 0.")
    spr = cols[5].select_slider("Steps per refresh", toy_link.STEPS_PER_REFRESH, key="toy_spr",
                                help=f"Training speed: at most this many steps per {REFRESH_S:g} s "
                                     "refresh of the plot. 1 is slow motion; more trains faster.")
    view_cols = st.columns(4)
    views = dict(
        show_heatmap=view_cols[0].toggle("D's heatmap", value=True, key="toy_show_heatmap"),
        show_manifold=view_cols[1].toggle("G's manifold", value=False, key="toy_show_manifold"),
        show_arrows=view_cols[2].toggle("Gradient arrows", value=False, key="toy_show_arrows"),
    )
    stop_at = view_cols[3].toggle("Pause at the recommended steps", value=False, key="toy_stop_at")
    mode = "d" if step_d else "g" if step_g else "both" if step_both else None
    if mode:
        for run in runs:
            try:
                with st.spinner("Compiling this step (first time only)..."):
                    run.tick(1, mode)
            except ValueError as exc:
                st.error(str(exc))
    if reset:
        state.playing = False
        state.stop_live()
        for run in runs:
            run.reset()
    return dict(views=views, steps=int(spr), stop_at=stop_at)


# ---- the page's sections -----------------------------------------------------------------
def ensure_run(state: PageState, config: ToyConfig) -> LabRun | None:
    """The session's trainer for ``config``: built on first use or for new points; otherwise
    updated in place (rebuilt when the change needs new networks, which is said)."""
    points = state.points if config.dataset == "points" else None
    if config.dataset == "points" and points is None:
        st.info("Your own points: upload a CSV or draw on the canvas below, then train on them.")
        return None
    run = state.run
    if run is None or (config.dataset == "points" and run.trainer.points is not points):
        state.stop_live()
        with st.spinner("Building the networks..."):
            state.run = LabRun(config, points=points)
            state.run.record()
        return state.run
    changed = sorted(config.diff(run.config))
    rebuilt = run.apply(config)
    if changed and not rebuilt:
        st.toast(f"Applied from the next step: {', '.join(changed)}.")
    if rebuilt:
        st.toast(f"New networks for the changed {', '.join(rebuilt)}: training restarts from step 0.")
        st.info(f"Rebuilt the networks (changed: {', '.join(rebuilt)}); training restarted at step 0.")
        run.record()
    return run


def _on_csv() -> None:
    state = page_state()
    upload = st.session_state.get("toy_csv")
    if upload is None:
        return
    try:
        points = points_from_csv(upload.getvalue(), source=upload.name)
    except ValueError as exc:
        state.errors.append(str(exc))
        return
    _use_points(state, points, upload.name, now=True)


def _use_points(state: PageState, points: np.ndarray, source: str, now: bool) -> None:
    state.points, state.points_source = points, source
    config = presets.config("points-default")
    if now:
        _set_widgets_now(config, "points-default")
    else:
        queue_config(state, config, "points-default")
    state.playing = False
    state.stop_live()
    state.notices.append(f"Training on {len(points):,} points from {source}.")


def own_data(state: PageState) -> None:
    """Upload a CSV or draw points; both become the ``points`` dataset."""
    expanded = st.session_state.get("toy_dataset") == "points"
    with st.expander("Your own data: upload a CSV or draw points", expanded=expanded):
        left, right = st.columns(2)
        with left:
            st.file_uploader("CSV of x,y rows (a header row is fine)", type=["csv", "txt"],
                             key="toy_csv", on_change=_on_csv)
            if state.points is not None:
                st.caption(f"Loaded: {len(state.points):,} points from {state.points_source}.")
        with right:
            drawn = draw_points()
            if st.button("Train on my drawing", key="toy_use_drawing"):
                try:
                    points_dataset(drawn, source="Your drawing")  # finite, at least 10 points
                except ValueError as exc:
                    st.error(f"{exc}. Click more points or draw longer strokes.")
                else:
                    _use_points(state, drawn, "your drawing", now=False)
                    st.rerun()


def draw_points() -> np.ndarray:
    """The drawing canvas (streamlit-drawable-canvas): click points or draw strokes."""
    tool = st.radio("Drawing tool", ["point", "freedraw"], horizontal=True, key="toy_canvas_tool",
                    format_func={"point": "click points", "freedraw": "draw strokes"}.get)
    try:
        from streamlit_drawable_canvas import st_canvas

        result = st_canvas(stroke_width=3, stroke_color="#d62d20", fill_color="#d62d20",
                           background_color="#f4f6fa", height=CANVAS_SIZE, width=CANVAS_SIZE,
                           drawing_mode=tool, point_display_radius=4, key="toy_canvas")
        data = getattr(result, "json_data", None)
    except Exception as exc:  # a broken third-party component must not break the page
        st.warning(f"The drawing canvas is unavailable here ({type(exc).__name__}); upload a CSV instead.")
        data = None
    points = canvas_points(data, CANVAS_SIZE, CANVAS_SIZE, CANVAS_RANGE)
    st.caption(f"{len(points):,} points drawn (x and y from -1.5 to 1.5).")
    return points


def _on_model_upload() -> None:
    state = page_state()
    upload = st.session_state.get("toy_model_upload")
    if upload is None:
        return
    try:
        run = LabRun.from_zip(upload.getvalue())
    except ValueError as exc:
        state.errors.append(f"{upload.name}: {exc}")
        return
    state.stop_live()
    state.run, state.playing = run, False
    state.points = run.trainer.points
    state.points_source = upload.name if state.points is not None else ""
    preset = presets.default_preset(run.config.dataset)
    _set_widgets_now(run.config, preset)
    state.notices.append(f"Loaded {upload.name}: step {run.step:,}.")


def exports(run: LabRun | None) -> None:
    """GIF, history CSV, config JSON and the saved model; and loading a saved model back."""
    with st.expander("Export and load", expanded=False):
        if run is not None:
            cols = st.columns(4)
            cols[0].download_button("GIF of training", run.gif, "toy_gan_training.gif", "image/gif",
                                    key="toy_dl_gif", on_click="ignore", use_container_width=True)
            cols[1].download_button("History (CSV)", run.history_csv, "toy_gan_history.csv", "text/csv",
                                    key="toy_dl_csv", on_click="ignore", use_container_width=True)
            cols[2].download_button("Config (JSON)", run.config.to_json(), "toy_gan_config.json",
                                    "application/json", key="toy_dl_json", on_click="ignore",
                                    use_container_width=True)
            cols[3].download_button("Model (zip)", run.model_zip, "toy_gan_model.zip", "application/zip",
                                    key="toy_dl_model", on_click="ignore", use_container_width=True)
        st.file_uploader("Load a saved model (.zip from 'Model (zip)')", type=["zip"],
                         key="toy_model_upload", on_change=_on_model_upload)


def share_link(config: ToyConfig | None, preset: str, mode: str, projector: bool, spr: int) -> None:
    """Keep the URL's query parameters in step with the page, and show them."""
    if config is None or config.dataset == "points":
        return
    params = toy_link.encode(config, preset, mode=mode, projector=projector, steps_per_refresh=spr)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    with st.expander("Share this setup", expanded=False):
        st.write("The address bar holds this setup: copy it, or this part after the page address:")
        st.code("?" + urlencode(params), language=None)


def show_messages(state: PageState) -> None:
    for text in state.errors:
        st.error(text)
    for text in state.notices:
        st.info(text)
    state.errors.clear()
    state.notices.clear()


# ---- why circles fail --------------------------------------------------------------------
def circles_sidebar() -> tuple[ToyConfig | None, ToyConfig | None, str, str]:
    """Left and right presets, and a toggle for each of the accepted answer's fixes (applied
    to the right-hand run)."""
    sb = st.sidebar
    circle_presets = presets.preset_names("circle")
    left = sb.selectbox("Left run", circle_presets, index=circle_presets.index("so-question"),
                        key="toy_cmp_left")
    right = sb.selectbox("Right run (before the fixes below)", circle_presets,
                         index=circle_presets.index("so-question"), key="toy_cmp_right")
    sb.markdown("**Fixes on the right-hand run**")
    overrides: dict[str, Any] = {}
    for key, (label, change, help_text) in ANSWER_FIXES.items():
        if sb.toggle(label, value=key in DEFAULT_FIXES, key=key, help=help_text):
            overrides.update(change)
    try:
        return presets.config(left), presets.config(right, **overrides), left, right
    except ValueError as exc:
        sb.error(str(exc))
        return None, None, left, right


def ensure_pair(state: PageState, left: ToyConfig, right: ToyConfig) -> list[LabRun]:
    """Two runs in lockstep; any change restarts both at step 0 so they stay comparable."""
    if state.pair is None:
        with st.spinner("Building both runs..."):
            state.pair = [LabRun(left), LabRun(right)]
            for r in state.pair:
                r.record()
    elif state.pair_configs != (left, right):
        state.stop_live()  # both restart together: no turn may fall between the two resets
        for run, config in zip(state.pair, (left, right)):
            run.apply(config)
            run.reset()
            run.record()
        st.info("Changed setup: both runs restarted from step 0, so they stay in lockstep.")
    state.pair_configs = (left, right)
    return state.pair


CIRCLES_FALLBACK = """
The measured table appears here once `docs/why-circles-fail.md` exists. In short, the accepted
answer's fixes are: **(1)** train D on one batch holding real and fake points together,
**(2)** use a batch of at least 256, **(3)** use a much smaller generator (16 and 32 units).
A fourth observation: radius 1 is exactly where tanh saturates, so the generator easily piles
its points near ±1.
"""


def circles_explainer() -> None:
    with st.expander("What the Stack Overflow answer found (measured)", expanded=True):
        table = doc_table(DOC_PATH)
        st.markdown(table if table else CIRCLES_FALLBACK)
        if table:
            st.caption(f"From docs/{DOC_PATH.name}.")


def live_pair(state: PageState, runs: list[LabRun], names: tuple[str, str], views: dict[str, bool],
              style: plots.PlotStyle, steps: int, stop_at_recommended: bool) -> None:
    """The two circle runs side by side, trained in lockstep, each with its charts below."""

    @st.fragment(run_every=live_period(state))
    def _live() -> None:
        tick_runs(state, runs, steps, stop_at_recommended)
        cols = st.columns(2)
        for i, (col, run, name) in enumerate(zip(cols, runs, names)):
            with col:
                st.markdown(status_html(run, state.playing), unsafe_allow_html=True)
                with st.container():
                    warnings_block(run)
                fig = main_figure(run, **views, style=style.with_height(min(style.height, 520)),
                                  label=name, live=state.playing)
                if state.playing:  # the plot with its charts below, one live plot per run
                    specs = chart_specs(state, run, style, f"toy_chart_pair{i}")
                    live_plotly_specs([figure_json(fig), *specs], key=f"toy_live_pair_{i}",
                                      config=PLOT_CONFIG)
                else:
                    st.plotly_chart(fig, key=f"toy_plot_pair_{i}", theme=None, config=PLOT_CONFIG)
                    paused_charts(run, style, key=f"toy_chart_pair{i}")

    _live()


def right_name(right: str) -> str:
    on = [ANSWER_FIXES[k][0].split(":")[0] for k in ANSWER_FIXES if st.session_state.get(k)]
    return right + (" + " + ", ".join(on) if on else "")
