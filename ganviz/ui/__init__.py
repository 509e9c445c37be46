"""The only part of ganviz that imports streamlit (in ``toy_lab``): shared widgets, the
live-training fragment, query-parameter links and the projector theme.

``toy_session`` and ``toy_link`` are plain Python (no streamlit) so they can be tested and
reused without a browser.
"""
