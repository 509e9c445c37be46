"""Streamlit pieces of the Batch x Width page: a grid of toy GANs training live.

Per-session state lives in ``st.session_state[STATE_KEY]`` (a ``SweepSession``): the session's
own ``Sweep``, never shared. Live training is a ``st.fragment(run_every=REFRESH_S)`` that trains
``steps per refresh`` steps of every run and redraws. Widgets have explicit keys (``sweep_*``)
that the AppTest and the browser test use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

import numpy as np
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from ganviz.plots import sweep as sweep_plots
from ganviz.toy import presets
from ganviz.toy.datasets import dataset_names
from ganviz.toy.sweep import (LOWER_IS_BETTER, Sweep, SweepConfig, SweepResult, SweepSnapshot,
                              cell_means, default_metric)
from ganviz.ui import toy_link

STATE_KEY = "sweep_page"
LAB_PAGE = "pages/1_Toy_GAN_Lab.py"
LAB_URL = "/Toy_GAN_Lab"  # the classic pages/ folder's URL of LAB_PAGE
REFRESH_S = 0.5
BATCH_OPTIONS = (8, 16, 32, 64, 128, 256, 512, 1024)
WIDTH_OPTIONS = (2, 4, 8, 16, 32, 64, 128, 256)
DEFAULT_BATCHES = (32, 64, 128, 256)
DEFAULT_WIDTHS = (8, 16, 32, 64)
TARGETS = (500, 1000, 2000, 5000, 10_000, 20_000)
STEPS_PER_REFRESH = (10, 50, 100, 200, 500, 1000)
WIDTH_OF_LABELS = {"g": "Generator", "d": "Discriminator", "both": "Both"}
WIDTH_OF_NAMES = {"g": "the generator", "d": "the discriminator", "both": "both networks"}
METRIC_LABELS = {
    "modes": "modes captured", "high_quality": "high-quality fraction",
    "energy_distance": "energy distance", "sliced_wasserstein": "sliced Wasserstein",
    "grid_js": "JS divergence (grid)", "radial_error": "radial error",
    "angular_coverage": "angular coverage", "angular_tv": "angle TV from uniform",
}
SKIP_METRICS = ("n_modes",)


@dataclass
class SweepSession:
    """Everything the page keeps for one browser session (plain objects only)."""

    sweep: Sweep | None = None
    config: SweepConfig | None = None
    preset: str = ""
    playing: bool = False
    snapshot: SweepSnapshot | None = None
    live_metrics: list[dict] = field(default_factory=list)
    result: SweepResult | None = None
    notices: list[str] = field(default_factory=list)


def session() -> SweepSession:
    if STATE_KEY not in st.session_state:
        st.session_state[STATE_KEY] = SweepSession()
    return st.session_state[STATE_KEY]


# ---- inputs ----------------------------------------------------------------------------------
def _on_dataset_change() -> None:
    st.session_state["sweep_preset"] = _presets_of(st.session_state["sweep_dataset"])[0]


def _presets_of(dataset: str) -> list[str]:
    names = presets.preset_names(dataset)
    # the asker's setup first on the circle: the grid then shows where it starts to work
    return sorted(names, key=lambda n: (n != "so-question", n != presets.default_preset(dataset), n))


def sidebar() -> tuple[SweepConfig | None, str, dict]:
    """The grid's inputs. Returns (config or None when invalid, preset, page options)."""
    sb = st.sidebar
    datasets = [d for d in dataset_names() if d != "points"]
    dataset = sb.selectbox("Dataset", datasets, index=datasets.index("circle"), key="sweep_dataset",
                           on_change=_on_dataset_change)
    options = _presets_of(dataset)
    if st.session_state.get("sweep_preset") not in options:
        st.session_state["sweep_preset"] = options[0]
    preset = sb.selectbox("Preset (every other field)", options, key="sweep_preset",
                          help=presets.PRESETS[options[0]].description)
    sb.caption(presets.PRESETS[preset].description)
    batches = sb.multiselect("Batch sizes (rows)", BATCH_OPTIONS, default=DEFAULT_BATCHES,
                             key="sweep_batches")
    widths = sb.multiselect("Widths (columns)", WIDTH_OPTIONS, default=DEFAULT_WIDTHS, key="sweep_widths")
    width_of = sb.radio("Width sets", list(WIDTH_OF_LABELS), format_func=WIDTH_OF_LABELS.get,
                        horizontal=True, key="sweep_width_of",
                        help="A network given per-layer widths (so-question: 64,128) is scaled so "
                             "its first layer has this width (16 gives 16,32); a network given "
                             "as layers x units gets this many units.")
    seeds = sb.slider("Seeds per cell", 1, 4, 1, key="sweep_seeds",
                      help="The heatmap shows the mean over seeds; the small plots the first seed.")
    target = sb.select_slider("Train to (steps)", TARGETS, value=2000, key="sweep_target")
    spr = sb.select_slider("Steps per refresh", STEPS_PER_REFRESH, value=100, key="sweep_spr")
    base = presets.config(preset)
    metrics = _metric_names(dataset)
    metric = sb.selectbox("Heatmap metric", metrics, index=metrics.index(default_metric(dataset)),
                          format_func=lambda m: METRIC_LABELS.get(m, m), key="sweep_metric")
    page = dict(target=int(target), steps_per_refresh=int(spr), metric=metric)
    if not batches or not widths:
        st.info("Pick at least one batch size and one width.")
        return None, preset, page
    try:
        config = SweepConfig(base, tuple(sorted(batches)), tuple(sorted(widths)), seeds=int(seeds),
                             width_of=width_of, steps=int(target))
    except ValueError as exc:
        st.error(str(exc))
        return None, preset, page
    return config, preset, page


def _metric_names(dataset: str) -> list[str]:
    from ganviz.toy.datasets import get_dataset

    ds = get_dataset(dataset)
    names = ["energy_distance", "sliced_wasserstein", "grid_js"]
    if ds.centres is not None:
        names = ["modes", "high_quality", *names]
    if dataset == "circle":
        names += ["radial_error", "angular_coverage", "angular_tv"]
    return names


# ---- state -----------------------------------------------------------------------------------
def ensure_sweep(state: SweepSession, config: SweepConfig, preset: str) -> Sweep:
    """The session's Sweep for ``config`` (a new grid starts from step 0; building compiles
    nothing, the first refresh does)."""
    if state.sweep is None or state.config != config:
        state.sweep = Sweep(config)
        state.config, state.preset = config, preset
        state.snapshot, state.live_metrics, state.result = None, [], None
    state.preset = preset
    return state.sweep


def refresh(state: SweepSession) -> None:
    """Take a snapshot and its cheap live metrics."""
    state.snapshot = state.sweep.snapshot()
    state.live_metrics = state.sweep.snapshot_metrics(state.snapshot)


def tick(state: SweepSession, steps: int, target: int) -> bool:
    """Train up to ``steps`` more steps (not past ``target``). Returns True when it trained."""
    sweep = state.sweep
    n = min(steps, target - sweep.step)
    if n <= 0:
        return False
    if sweep.step == 0:
        with st.spinner(f"Compiling {len(sweep.stacks)} stacked engine(s) for "
                        f"{len(sweep.runs)} runs (first refresh only)..."):
            sweep.train(n)
    else:
        sweep.train(n)
    refresh(state)
    if sweep.step >= target:
        with st.spinner("Final metrics on 2,500 samples per run..."):
            state.result = sweep.result()
    return True


def _set_playing(playing: bool) -> None:
    """Train (True) or Pause (False), as the button's label said: a click delivered twice
    cannot undo itself."""
    session().playing = playing


def _reset() -> None:
    state = session()
    state.playing = False
    if state.config is not None:
        state.sweep = Sweep(state.config)
        state.snapshot, state.live_metrics, state.result = None, [], None


def transport(state: SweepSession, page: dict) -> None:
    """Play/Pause, one refresh by hand, and reset."""
    cols = st.columns([1, 1, 1, 4])
    cols[0].button("⏸ Pause" if state.playing else "▶ Train", key="sweep_play", type="primary",
                   on_click=_set_playing, args=(not state.playing,), use_container_width=True,
                   disabled=state.sweep is None)
    step = cols[1].button(f"+{page['steps_per_refresh']} steps", key="sweep_step",
                          use_container_width=True, disabled=state.sweep is None)
    cols[2].button("Reset", key="sweep_reset", use_container_width=True, on_click=_reset,
                   disabled=state.sweep is None, help="New weights from the seeds, step 0.")
    if step and state.sweep is not None:
        if not tick(state, page["steps_per_refresh"], max(page["target"], state.sweep.step + 1)):
            state.notices.append("Already at the target steps.")


# ---- output ----------------------------------------------------------------------------------
def labels(config: SweepConfig) -> tuple[list[str], list[str]]:
    c = config
    widths = []
    for w in c.widths:  # the layer widths the column sets, e.g. "16-32" for so-question's G
        cfg = c.cell_config(c.batch_sizes[0], w, c.base.seed)
        net = cfg.d_hidden if c.width_of == "d" else cfg.g_hidden
        widths.append("-".join(map(str, net)))
    return [f"batch {b}" for b in c.batch_sizes], widths


def status_line(state: SweepSession, target: int) -> str:
    sweep = state.sweep
    n, stacks = len(sweep.runs), len(sweep.stacks)
    c = state.config
    text = (f"**Step {sweep.step:,} of {target:,}** · {n} runs ({len(c.batch_sizes)} batch sizes × "
            f"{len(c.widths)} widths of {WIDTH_OF_NAMES[c.width_of]} × {c.seeds} "
            f"seed{'s' if c.seeds > 1 else ''}) in {stacks} compiled stack{'s' if stacks > 1 else ''}")
    if sweep.step and sweep.seconds:
        text += f" · {n * sweep.step / sweep.seconds:,.0f} run-steps/s"
    diverged = sum(d is not None for d in (state.snapshot.diverged_at if state.snapshot else ()))
    if diverged:
        text += f" · {diverged} diverged (red frame)"
    return text


def grid_figures(state: SweepSession, metric: str):
    """(small multiples, heatmap, heatmap caption) for the current snapshot or final result."""
    config, sweep = state.config, state.sweep
    if state.snapshot is None:
        refresh(state)
    snap = state.snapshot
    rows, cols = labels(config)
    first = [i for i, r in enumerate(sweep.runs) if r.seed == config.base.seed]
    fake = np.stack([snap.fake[i] for i in first]).reshape(len(rows), len(cols), *snap.fake.shape[1:])
    failed = np.array([snap.diverged_at[i] is not None for i in first]).reshape(len(rows), len(cols))
    ds = sweep.dataset
    multiples = sweep_plots.small_multiples(snap.real, fake, ds.display_range, rows, cols, failed=failed)
    label = METRIC_LABELS.get(metric, metric)
    if state.result is not None and state.result.steps == sweep.step:
        values = state.result.metric_grid(metric)
        caption = f"Final {label} on 2,500 samples per run at step {sweep.step:,}."
    else:
        values = cell_means(config, sweep.runs, [m.get(metric) for m in state.live_metrics])
        caption = (f"Live {label} on the {snap.fake.shape[1]} plotted points per run (noisier than "
                   "the final value, computed on 2,500 samples at the target).")
    heat = sweep_plots.metric_heatmap(values, [r.split()[1] for r in rows], cols, label,
                                      lower_is_better=metric in LOWER_IS_BETTER)
    return multiples, heat, caption


def live_grid(state: SweepSession, page: dict) -> None:
    """Status, small multiples and heatmap; trains one refresh per tick while playing."""

    @st.fragment(run_every=REFRESH_S if state.playing else None)
    def _live() -> None:
        if state.playing:
            trained = tick(state, page["steps_per_refresh"], page["target"])
            if not trained or state.sweep.step >= page["target"]:
                state.playing = False
                st.rerun(scope="app")
        st.markdown(status_line(state, page["target"]))
        multiples, heat, caption = grid_figures(state, page["metric"])
        left, right = st.columns([3, 2])
        # fixed size: square cells keep a circle round
        left.plotly_chart(multiples, key="sweep_multiples", theme=None, width="content",
                          config={"displayModeBar": False})
        right.plotly_chart(heat, key="sweep_heatmap", theme=None, config={"displayModeBar": False})
        right.caption(caption)

    _live()


def lab_links(state: SweepSession) -> None:
    """One link per cell: open that config (first seed) in the Toy GAN Lab."""
    config = state.config
    st.subheader("Open a cell in the Toy GAN Lab")
    st.caption("Each link opens the Lab with that cell's batch size and widths (first seed); "
               "train it there alone with every view.")
    rows, cols = labels(config)
    use_page_link = True
    header = st.columns(len(cols) + 1)
    header[0].markdown("**batch \\ width**")
    for j, c in enumerate(cols):
        header[j + 1].markdown(f"**{c}**")
    for i, b in enumerate(config.batch_sizes):
        line = st.columns(len(cols) + 1)
        line[0].markdown(f"**{b}**")
        for j, w in enumerate(config.widths):
            cell = config.cell_config(b, w, config.base.seed)
            params = toy_link.encode(cell, state.preset)
            label = f"{b} × {cols[j]}"
            if use_page_link:
                try:
                    line[j + 1].page_link(LAB_PAGE, label=label, icon="↗", query_params=params)
                    continue
                except StreamlitPageNotFoundError:
                    # the page runs alone (no app.py entrypoint, e.g. under AppTest): plain links
                    use_page_link = False
            line[j + 1].markdown(f"[↗ {label}]({LAB_URL}?{urlencode(params)})")


def show_notices(state: SweepSession) -> None:
    for text in state.notices:
        st.info(text)
    state.notices.clear()


def results_table(state: SweepSession) -> None:
    if state.result is None:
        return
    with st.expander("All runs (final metrics)"):
        st.dataframe(state.result.rows(), key="sweep_table", hide_index=True)
        st.download_button("Download CSV", state.result.to_csv(), "sweep.csv", "text/csv",
                           key="sweep_csv")
