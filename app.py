"""ganviz home: what each page is for, in a sentence, and what this install holds."""

from pathlib import Path

import streamlit as st

from ganviz.overview import PAGES, overview

st.set_page_config(page_title="ganviz", page_icon="🌀", layout="wide")

st.title("ganviz: see, teach and diagnose how GANs train")
st.markdown(
    "Train small GANs live and watch the discriminator and the generator argue; "
    "look inside pretrained image GANs; measure mode collapse bin by bin."
)

info = overview(Path(__file__).parent)
cols = st.columns(2)
for i, page in enumerate(PAGES):
    with cols[i % 2].container(border=True):
        st.subheader(page.title)
        st.write(page.sentence)
        if page.file in info.pages:
            st.page_link(page.file, label=f"Open {page.title}", icon="▶️")
        else:
            st.caption("Not installed in this build yet.")

st.divider()
left, mid, right = st.columns(3)
left.metric("Toy datasets", info.n_datasets)
mid.metric("Toy presets", info.n_presets)
right.metric("Pretrained checkpoints", len(info.checkpoints))
if info.checkpoints:
    st.caption("Checkpoints: " + ", ".join(info.checkpoints))
st.caption("Command line: `python -m ganviz --help` lists every command.")
