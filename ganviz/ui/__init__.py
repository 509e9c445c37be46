"""The only part of ganviz that imports streamlit: the pages' shared widgets, live-view
fragments, query-parameter links and the projector theme.

Live training itself (jobs, the fair scheduler, play state, session cleanup) is plain Python in
``ganviz.live``; ``toy_link`` here (share links) does not import streamlit either, so both can
be tested and reused without a browser.
"""
