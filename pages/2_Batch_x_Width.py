"""Batch x width: a grid of toy GANs training at once, to see where a setup starts to work.

Widgets -> ganviz calls -> figures; the pieces live in ganviz.ui.sweep_page.
"""

import streamlit as st

from ganviz.ui import live_session
from ganviz.ui import sweep_page as ui

st.set_page_config(page_title="Batch x width · ganviz", page_icon="🧮", layout="wide")

st.title("Batch size × width")
st.caption("Every cell is its own GAN: the same setup with that batch size (rows) and network "
           "width (columns), all trained together. Blue: real points, red: the generator's. "
           "The default is the Stack Overflow asker's circle setup: watch where it starts to work.")

state = ui.session()
with state.lock:  # the janitor frees a session gone for good, never during one of its runs
    config, preset, page = ui.sidebar()
    live_session.show_notices(state)
    if config is not None:
        ui.ensure_sweep(state, config, preset, page["target"])
        ui.transport(state, page)
        ui.live_grid(state, page)
        ui.results_table(state)
        ui.lab_links(state)
