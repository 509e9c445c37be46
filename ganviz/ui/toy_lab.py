"""The Toy GAN Lab page's session and transport: what it keeps per browser session, the
Play / Step / Reset controls, and the session's trainer for the sidebar's config.

Per-session state lives in ``st.session_state[STATE_KEY]`` (a ``PageState``, a
``LiveSession``): the session's own trainers, never shared, released by the janitor once its
browser has gone for good. The page's other pieces: ``toy_config`` (sidebar and links),
``toy_view`` (the live view), ``toy_data`` (your own data, export and load) and
``toy_circles`` (the "why circles fail" mode). Widgets have explicit keys (``toy_*``) that
the AppTest and the browser tests use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import numpy as np
import streamlit as st

from ganviz.live.run import LabRun
from ganviz.live.scheduler import StopReason
from ganviz.live.sessions import LiveSession
from ganviz.toy.config import ToyConfig
from ganviz.ui import toy_link
from ganviz.ui.live_session import session_state

STATE_KEY = "toy_lab"
REFRESH_S = 0.2          # live view refresh period while playing (5 per second at most)


@dataclass(eq=False)
class PageState(LiveSession):
    """Everything the page keeps for one browser session (plain objects only)."""

    run: LabRun | None = None
    pair: list[LabRun] | None = None          # "why circles fail": left, right
    pair_configs: tuple[ToyConfig, ToyConfig] | None = None
    points: np.ndarray | None = None
    points_source: str = ""
    config: ToyConfig | None = None           # the last valid config from the widgets
    preset: str = ""
    link_loaded: bool = False
    errors: list[str] = field(default_factory=list)    # shown once (bad files)
    pending: dict[str, Any] = field(default_factory=dict)  # widget values for the next run
    # live-plot JSON of the charts, per key: (when built, specs)
    chart_specs: dict[str, tuple[float, list[str]]] = field(default_factory=dict)

    def runs(self) -> list[LabRun]:
        return ([self.run] if self.run is not None else []) + list(self.pair or [])

    def jobs(self) -> list[LabRun]:
        return self.runs()

    def drop_models(self) -> None:
        for run in self.runs():
            run.release()
        self.run, self.pair, self.pair_configs = None, None, None


def page_state() -> PageState:
    return session_state(STATE_KEY, PageState)


def show_messages(state: PageState) -> None:
    for text in state.errors:
        st.error(text)
    for text in state.notices:
        st.info(text)
    state.errors.clear()
    state.notices.clear()


# ---- transport ---------------------------------------------------------------------------
def _on_play(playing: bool) -> None:
    """Play (True) or Pause (False): the button passes what its label said, so a click that
    reaches the server twice (a rerun coalesced with a live refresh) cannot undo itself.
    Pause waits for the trainer's current turn: the step shown after Pause is final."""
    state = page_state()
    with state.lock:
        changed = state.play.start() if playing else state.play.stop(StopReason.PAUSED)
        if changed:
            state.chart_specs.clear()
            for run in state.runs():
                run.meter.clear()


def transport(state: PageState, runs: list[LabRun]) -> dict[str, Any]:
    """Play/Pause, Step D / G / both, Reset, steps per refresh and the view toggles."""
    state.play.halt_unless(runs)  # paused, or the runs on the page changed (mode, new networks)
    playing = state.playing
    cols = st.columns([1.1, 1, 1, 1.1, 1, 2.6])
    cols[0].button("Pause" if playing else "Play", key="toy_play", type="primary",
                   icon=":material/pause:" if playing else ":material/play_arrow:",
                   on_click=_on_play, args=(not playing,), use_container_width=True,
                   disabled=not runs)
    step_d = cols[1].button("Step D", key="toy_step_d", use_container_width=True,
                            disabled=not runs, help="One discriminator update.")
    step_g = cols[2].button("Step G", key="toy_step_g", use_container_width=True,
                            disabled=not runs, help="One generator update.")
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
        step_by_hand(runs, mode)
    if reset:
        state.play.stop(StopReason.PAUSED)
        for run in runs:
            run.reset()
    return dict(views=views, steps=int(spr), stop_at=stop_at)


def step_by_hand(runs: list[LabRun], mode: str) -> None:
    """One step of ``mode`` (both, d or g) for each run, from the Step buttons."""
    for run in runs:
        try:
            with st.spinner("Compiling this step (first time only)..."):
                run.tick(1, mode)
        except ValueError as exc:
            st.error(str(exc))


# ---- the session's trainer -----------------------------------------------------------------
def ensure_run(state: PageState, config: ToyConfig) -> LabRun | None:
    """The session's trainer for ``config``: built on first use or for new points; otherwise
    updated in place (rebuilt when the change needs new networks, which is said)."""
    points = state.points if config.dataset == "points" else None
    if config.dataset == "points" and points is None:
        st.info("Your own points: upload a CSV or draw on the canvas below, then train on them.")
        return None
    run = state.run
    if run is None or (config.dataset == "points" and run.trainer.points is not points):
        state.play.halt()
        with st.spinner("Building the networks..."):
            state.run = LabRun(config, points=points)
            state.run.record()
        return state.run
    changed = sorted(config.diff(run.config))
    rebuilt = run.apply(config)
    if changed and not rebuilt:
        st.toast(f"Applied from the next step: {', '.join(changed)}.")
    if rebuilt:
        fields = ", ".join(rebuilt)
        st.toast(f"New networks for the changed {fields}: training restarts from step 0.")
        st.info(f"Rebuilt the networks (changed: {fields}); training restarted at step 0.")
        run.record()
    return run


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
