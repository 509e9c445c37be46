"""Toy GAN Lab: train a 2-D GAN live, see D's verdict, G's manifold and the gradients.

Widgets -> ganviz calls -> figures; the pieces live in ganviz.ui.toy_lab.
"""

import streamlit as st

from ganviz.ui import toy_lab as lab

st.set_page_config(page_title="Toy GAN Lab · ganviz", page_icon="🎯", layout="wide")

state = lab.page_state()
lab.init_from_link(state)
lab.apply_pending(state)

mode = st.sidebar.radio("Mode", ["Lab", "Why circles fail"], key="toy_mode", horizontal=True)
projector = st.sidebar.toggle("Projector mode", key="toy_projector",
                              help="Large fonts, thick markers, high contrast, less chrome.")
style = lab.theme(projector)

st.title("Toy GAN Lab")
if not projector:
    st.caption("Red points are the generator's samples, blue points the real data; the background "
               "is the discriminator's verdict D(x) (blue: looks real, red: looks fake). "
               "Press Play and change anything while it trains.")
lab.show_messages(state)

if mode == "Lab":
    st.sidebar.divider()
    config, preset = lab.config_sidebar(state)
    if config is not None:
        state.config, state.preset = config, preset
    run = None
    if state.config is not None:
        try:
            run = lab.ensure_run(state, state.config)
        except ValueError as exc:
            st.error(str(exc))
    runs = [run] if run is not None else []
    controls = lab.transport(state, runs)
    if run is not None:
        lab.live_lab(state, controls["views"], style, controls["steps"], controls["stop_at"])
    lab.own_data(state)
    lab.exports(run)
    lab.share_link(state.config, preset, "lab", projector, controls["steps"])
else:
    st.sidebar.divider()
    left, right, left_name, right_name = lab.circles_sidebar()
    lab.circles_explainer()
    runs = []
    if left is not None and right is not None:
        try:
            runs = lab.ensure_pair(state, left, right)
        except ValueError as exc:
            st.error(str(exc))
    controls = lab.transport(state, runs)
    if runs:
        names = (left_name, lab.right_name(right_name))
        lab.live_pair(state, runs, names, controls["views"], style, controls["steps"], controls["stop_at"])
    if state.config is not None:
        lab.share_link(state.config, state.preset, "circles", projector,
                       controls["steps"])
