"""Toy GAN Lab: train a 2-D GAN live, see D's verdict, G's manifold and the gradients.

Widgets -> ganviz calls -> figures; the pieces live in ganviz.ui.toy_* (toy_lab: session and
transport, toy_config: sidebar, toy_view: live view, toy_data: files, toy_circles: the
"why circles fail" mode).
"""

import streamlit as st

from ganviz.ui import toy_circles, toy_config, toy_data, toy_lab, toy_view

st.set_page_config(page_title="Toy GAN Lab · ganviz", page_icon="🎯", layout="wide")

state = toy_lab.page_state()
with state.lock:  # the janitor frees a session gone for good, never during one of its runs
    toy_config.init_from_link(state)
    toy_config.apply_pending(state)

    mode = st.sidebar.radio("Mode", ["Lab", "Why circles fail"], key="toy_mode", horizontal=True)
    projector = st.sidebar.toggle("Projector mode", key="toy_projector",
                                  help="Large fonts, thick markers, high contrast, less chrome.")
    style = toy_view.theme(projector)

    st.title("Toy GAN Lab")
    if not projector:
        st.caption("Red points are the generator's samples, blue points the real data; the "
                   "background is the discriminator's verdict D(x) (blue: looks real, red: looks "
                   "fake). Press Play and change anything while it trains.")
    toy_lab.show_messages(state)

    if mode == "Lab":
        st.sidebar.divider()
        config, preset = toy_config.config_sidebar(state)
        if config is not None:
            state.config, state.preset = config, preset
        run = None
        if state.config is not None:
            try:
                run = toy_lab.ensure_run(state, state.config)
            except ValueError as exc:
                st.error(str(exc))
        runs = [run] if run is not None else []
        controls = toy_lab.transport(state, runs)
        if run is not None:
            toy_view.live_lab(state, controls["views"], style, controls["steps"],
                              controls["stop_at"])
        toy_data.own_data(state)
        toy_data.exports(run)
        toy_lab.share_link(state.config, preset, "lab", projector, controls["steps"])
    else:
        st.sidebar.divider()
        left, right, left_name, right_name = toy_circles.circles_sidebar()
        toy_circles.circles_explainer()
        runs = []
        if left is not None and right is not None:
            try:
                runs = toy_circles.ensure_pair(state, left, right)
            except ValueError as exc:
                st.error(str(exc))
        controls = toy_lab.transport(state, runs)
        if runs:
            names = (left_name, toy_circles.right_name(right_name))
            toy_circles.live_pair(state, runs, names, controls["views"], style,
                                  controls["steps"], controls["stop_at"])
        if state.config is not None:
            toy_lab.share_link(state.config, state.preset, "circles", projector,
                               controls["steps"])
