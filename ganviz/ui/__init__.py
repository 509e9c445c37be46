"""The only part of ganviz that imports streamlit: shared widgets, live-training fragments,
query-parameter links and the projector theme of the pages.

Plain-Python helpers kept here (e.g. ``toy_session``, ``toy_link``) do not import streamlit,
so they can be tested and reused without a browser.
"""
