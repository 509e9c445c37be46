"""Train an image GAN: press Play and watch digits, clothes, shapes or your own pictures come
out of noise, with the losses, the quick metrics and a diagnosis in plain words.

Widgets -> ganviz calls -> figures; the pieces live in ganviz.ui.image_train (session,
sidebar, transport) and ganviz.ui.image_view (live view, GIF, saving).
"""

import streamlit as st

from ganviz.ui import image_train as ui
from ganviz.ui import image_view as view
from ganviz.ui import live_session

st.set_page_config(page_title="Train an image GAN · ganviz", page_icon="🖼️", layout="wide")

st.title("Train an image GAN")
st.caption("Press Play: the grid shows the generator's images for the same 100 noise vectors "
           "as it learns. Change the learning rates while it trains; anything else starts "
           "new networks. Save it as a checkpoint to explore on the other pages.")

state = ui.session()
with state.lock:  # the janitor frees a session gone for good, never during one of its runs
    config, dataset, steps_per_refresh = ui.sidebar(state)
    live_session.show_notices(state)
    job = ui.ensure_job(state, config, dataset) if config is not None else None
    ui.transport(state)
    if job is not None:
        view.live_view(state, steps_per_refresh)
        st.divider()
        view.gif_download(state)
        view.save_checkpoint(state)
