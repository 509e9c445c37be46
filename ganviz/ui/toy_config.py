"""The Toy GAN Lab's config widgets: dataset, preset and every ToyConfig field in the
sidebar (the field table is ``ganviz.toy.fields``), restored from the page's link on a
session's first run. Widget keys: ``toy_dataset``, ``toy_preset`` and FIELD_PREFIX + field.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from ganviz.toy import presets
from ganviz.toy.config import ToyConfig
from ganviz.toy.datasets import DATASETS, dataset_names
from ganviz.toy.fields import FIELD_WIDGETS, GROUPS, FieldWidget
from ganviz.ui import toy_link
from ganviz.ui.toy_lab import PageState

FIELD_PREFIX = "toy_f_"
OPEN_GROUPS = ("Generator", "Discriminator", "Training")


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


def set_widgets_now(config: ToyConfig, preset: str) -> None:
    """For callbacks (they run before the widgets): show ``config`` at once."""
    for key, value in config_widget_values(config).items():
        st.session_state[key] = value
    st.session_state["toy_preset"] = preset


def init_from_link(state: PageState) -> None:
    """First run of a session: restore the page from the URL's query parameters. Later runs:
    restore the config widgets if Streamlit dropped them (they were not shown for a while)."""
    if state.link_loaded:
        if "toy_dataset" not in st.session_state and state.config is not None:
            set_widgets_now(state.config, state.preset)
        return
    state.link_loaded = True
    link = toy_link.decode(st.query_params.to_dict())
    state.notices.extend(link.notices)
    state.config, state.preset = link.config, link.preset
    set_widgets_now(link.config, link.preset)
    st.session_state["toy_mode"] = "Why circles fail" if link.mode == "circles" else "Lab"
    st.session_state["toy_projector"] = link.projector
    st.session_state["toy_spr"] = link.steps_per_refresh


def _on_dataset_change() -> None:
    dataset = st.session_state["toy_dataset"]
    preset = presets.default_preset(dataset)
    set_widgets_now(presets.config(preset), preset)


def _on_preset_change() -> None:
    preset = st.session_state["toy_preset"]
    set_widgets_now(presets.config(preset), preset)


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
        return st.select_slider(w.label, _options(w.options, st.session_state[key]),
                                format_func=fmt, **common)
    if w.kind == "select":
        return st.selectbox(w.label, w.options, **common)
    if w.kind == "toggle":
        return st.toggle(w.label, **common)
    if w.kind == "number":
        return st.number_input(w.label, **w.kwargs, **common)
    if w.kind == "text":
        return st.text_input(w.label, **common)
    raise ValueError(f"unknown widget kind {w.kind!r}")


def _overridden(name: str) -> bool:
    """Depth and width sliders are off while per-layer widths are given for that network."""
    for net in ("g", "d"):
        if name in (f"{net}_depth", f"{net}_width"):
            return bool(st.session_state.get(f"{FIELD_PREFIX}{net}_layers"))
    return False


def config_sidebar(state: PageState) -> tuple[ToyConfig | None, str]:
    """Dataset, preset and every ToyConfig field in the sidebar. Returns the config the
    widgets describe (None if invalid: the error is shown) and the preset name."""
    sb = st.sidebar
    dataset = sb.selectbox("Dataset", dataset_names(), key="toy_dataset",
                           on_change=_on_dataset_change,
                           format_func=lambda n: DATASETS[n].title if n in DATASETS
                           else "Your own points")
    options = presets.preset_names(dataset)
    if st.session_state.get("toy_preset") not in options:
        st.session_state["toy_preset"] = presets.default_preset(dataset)
    preset = sb.selectbox("Preset", options, key="toy_preset", on_change=_on_preset_change,
                          help="A recipe for this dataset; changing it resets every field below.")
    sb.caption(presets.PRESETS[preset].description)
    base = presets.config(preset)
    values: dict[str, Any] = {}
    for group in GROUPS:
        with sb.expander(group, expanded=group in OPEN_GROUPS):
            for w in [w for w in FIELD_WIDGETS if w.group == group]:
                if w.name == "circle_radius" and dataset != "circle":
                    values[w.name] = st.session_state.get(FIELD_PREFIX + w.name, base.circle_radius)
                    continue
                values[w.name] = _field_widget(w, base, disabled=_overridden(w.name))
    try:
        config = ToyConfig(dataset=dataset, **values)
    except ValueError as exc:
        sb.error(f"Not applied: {exc}")
        return None, preset
    return config, preset
