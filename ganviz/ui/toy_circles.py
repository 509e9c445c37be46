"""The Toy GAN Lab's "Why circles fail" mode: the Stack Overflow asker's circle GAN beside a
run with the accepted answer's fixes, trained in lockstep, with the measured table from
docs/why-circles-fail.md above them.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from ganviz.docs import DOCS_DIR, doc_table
from ganviz.live.run import LabRun
from ganviz.plots import toy as plots
from ganviz.toy import presets
from ganviz.toy.config import ToyConfig
from ganviz.ui.live_plot import figure_json, live_plotly_specs
from ganviz.ui.toy_lab import REFRESH_S, PageState
from ganviz.ui.toy_view import (
    PLOT_CONFIG,
    chart_specs,
    main_figure,
    paused_charts,
    status_html,
    tick_runs,
    warnings_block,
)

DOC_PATH = DOCS_DIR / "why-circles-fail.md"
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
CIRCLES_FALLBACK = """
The measured table appears here once `docs/why-circles-fail.md` exists. In short, the accepted
answer's fixes are: **(1)** train D on one batch holding real and fake points together,
**(2)** use a batch of at least 256, **(3)** use a much smaller generator (16 and 32 units).
A fourth observation: radius 1 is exactly where tanh saturates, so the generator easily piles
its points near ±1.
"""


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


def right_name(right: str) -> str:
    on = [ANSWER_FIXES[k][0].split(":")[0] for k in ANSWER_FIXES if st.session_state.get(k)]
    return right + (" + " + ", ".join(on) if on else "")


def ensure_pair(state: PageState, left: ToyConfig, right: ToyConfig) -> list[LabRun]:
    """Two runs in lockstep; any change restarts both at step 0 so they stay comparable."""
    if state.pair is None:
        with st.spinner("Building both runs..."):
            state.pair = [LabRun(left), LabRun(right)]
            for r in state.pair:
                r.record()
    elif state.pair_configs != (left, right):
        state.play.halt()  # both restart together: no turn may fall between the two resets
        for run, config in zip(state.pair, (left, right)):
            run.apply(config)
            run.reset()
            run.record()
        st.info("Changed setup: both runs restarted from step 0, so they stay in lockstep.")
    state.pair_configs = (left, right)
    return state.pair


def circles_explainer() -> None:
    with st.expander("What the Stack Overflow answer found (measured)", expanded=True):
        table = doc_table(DOC_PATH)
        st.markdown(table if table else CIRCLES_FALLBACK)
        if table:
            st.caption(f"From docs/{DOC_PATH.name}.")


def live_pair(state: PageState, runs: list[LabRun], names: tuple[str, str], views: dict[str, bool],
              style: plots.PlotStyle, steps: int, stop_at_recommended: bool) -> None:
    """The two circle runs side by side, trained in lockstep, each with its charts below."""

    @st.fragment(run_every=state.play.live_period(REFRESH_S))
    def _live() -> None:
        with state.lock:
            rerun = tick_runs(state, runs, steps, stop_at_recommended)
            if not rerun:
                draw_pair(state, runs, names, views, style)
        if rerun:  # the full run sets the fragment's timer (off once paused)
            st.rerun(scope="app")

    _live()


def draw_pair(state: PageState, runs: list[LabRun], names: tuple[str, str],
              views: dict[str, bool], style: plots.PlotStyle) -> None:
    """Each run's status, warnings and plot, its charts below (one live plot per run)."""
    cols = st.columns(2)
    for i, (col, run, name) in enumerate(zip(cols, runs, names)):
        with col:
            st.markdown(status_html(run, state.playing), unsafe_allow_html=True)
            with st.container():
                warnings_block(run)
            fig = main_figure(run, **views, style=style.with_height(min(style.height, 520)),
                              label=name, live=state.playing)
            if state.playing:
                specs = chart_specs(state, run, style, f"toy_chart_pair{i}")
                live_plotly_specs([figure_json(fig), *specs], key=f"toy_live_pair_{i}",
                                  config=PLOT_CONFIG)
            else:
                st.plotly_chart(fig, key=f"toy_plot_pair_{i}", theme=None, config=PLOT_CONFIG)
                paused_charts(run, style, key=f"toy_chart_pair{i}")
