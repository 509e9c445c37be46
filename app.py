"""ganviz home: what each page is for, in a sentence, and what this install holds.

The entrypoint of `streamlit run app.py`. It declares the app's navigation with `st.navigation`
so the sidebar calls this page "Home" (the pages/ folder convention alone would name it "app",
after this file); the pages keep the titles and URLs that convention gives them (/Toy_GAN_Lab,
/Mode_Collapse_Inspector, ...), taken from their file names.
"""

from pathlib import Path

import streamlit as st

from ganviz.overview import HOME_TITLE, PAGES, overview, page_files

ROOT = Path(__file__).parent


def home() -> None:
    st.set_page_config(page_title="ganviz", page_icon="🌀", layout="wide")
    st.title("ganviz: see, teach and diagnose how GANs train")
    st.markdown(
        "Train small GANs live and watch the discriminator and the generator argue; "
        "look inside pretrained image GANs; measure mode collapse bin by bin."
    )

    info = overview(ROOT)
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


# Because a folder named pages/ exists, a fresh server's very first script run, if it opens a
# page's URL directly, runs that page without this file (Streamlit's compatibility path for the
# folder convention) and its sidebar says "app" until the next rerun; every later run,
# and every run that starts at Home, comes through here.
st.navigation([st.Page(home, title=HOME_TITLE, default=True),
               *(st.Page(file) for file in page_files(ROOT))]).run()
