"""Model zoo: two to four models trained on the same data, side by side: samples from the same
seeds, interpolations, the evaluation suite's numbers, sharpness, reconstructions, the SGAN's
classifier, and what the numbers show.

Widgets -> ganviz.judge.zoo (cached per model in ganviz.ui.zoo) -> tables and pictures.
"""

import streamlit as st

from ganviz.ui import zoo as ui

st.set_page_config(page_title="Model zoo · ganviz", page_icon="🦓", layout="wide")
st.title("Model zoo")
st.caption("Pick two to four models trained on the same data. Each gets the same latent seeds, "
           "is judged against the same real images, and the sentences below are computed from "
           "the numbers, not written in advance.")

picks = ui.sidebar()
loaded = ui.guard(picks)
if loaded is None:
    st.stop()
comparison = ui.comparison(loaded, picks.config)
if comparison is None:
    st.stop()

ui.findings(comparison)
ui.metrics_table(comparison)
ui.sample_grids(comparison)
ui.interpolations(comparison)
ui.reconstructions(comparison)
ui.sgan_accuracy(comparison)
ui.notes(comparison)
