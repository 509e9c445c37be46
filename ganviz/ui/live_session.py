"""Streamlit side of live training, shared by the pages that train while the user watches.

``session_state(key, factory)`` gives a page its ``LiveSession`` (``ganviz.live.sessions``),
registered with the janitor so that a browser gone for good frees its models; a session the
janitor released is registered again when its browser comes back. ``live_refresh`` is one
refresh of a playing page: it trains through the page's ``PlayState`` and says whether the
page must rerun in full (play stopped, or the refresh period is off), leaving the rerun to
the caller. Callbacks and runs hold ``state.lock`` while they touch the session.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, TypeVar

import streamlit as st

from ganviz.live.scheduler import StopReason
from ganviz.live.sessions import LiveSession, registry
from ganviz.ui.streamlit_tf import keep_tensorflow_caches

S = TypeVar("S", bound=LiveSession)


def session_state(key: str, factory: Callable[[], S]) -> S:
    """The session's state under ``key`` (built by ``factory`` on first use), registered with
    the janitor; registered again after the janitor released it."""
    keep_tensorflow_caches()  # else every refresh pays for Streamlit's Keras cleanup
    state = st.session_state.get(key)
    if state is None:
        state = st.session_state[key] = factory()
        register(state)
    else:
        with state.lock:
            if state.released:
                state.released = False
                register(state)
    if _full_run():
        state.play.full_run()
    return state


def _full_run() -> bool:
    """This script run is the page's full run (not a fragment's rerun)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx is not None and not ctx.fragment_ids_this_run


def register(state: LiveSession) -> None:
    """Let the janitor release this session's models once its browser is gone for good (after
    Streamlit's own server.disconnectedSessionTTL). Only for sessions of a served app: AppTest
    sessions have no browser connection to watch."""
    from streamlit import runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():
        return
    rt, session_id = runtime.get_instance(), ctx.session_id
    if not rt.is_active_session(session_id):
        return
    state.is_connected = lambda: rt.is_active_session(session_id)
    registry().register(session_id, state, state.is_connected,
                        release_after_s=float(st.get_option("server.disconnectedSessionTTL")))


def error_notice(error: BaseException | None) -> str:
    return f"Training stopped: {type(error).__name__}: {error}"


def live_refresh(state: LiveSession, jobs: list, steps: int, refresh_s: float, *,
                 stop_at_target: bool, notices: dict[StopReason, str],
                 compiling: Callable[[Any], AbstractContextManager] | None = None) -> bool:
    """One refresh of live training for ``jobs``. When play stops, ``notices[reason]`` (if
    any; an ERROR always says what went wrong) is queued for the page. Returns True when the
    page must rerun in full: play stopped (the fragment's timer is switched off in full runs)
    or the sessions playing on the server changed its refresh period."""
    reason = state.play.refresh(jobs, steps, refresh_s, stop_at_target=stop_at_target,
                                is_connected=state.is_connected, compiling=compiling)
    if reason is None:
        return state.play.needs_retime(refresh_s)
    text = error_notice(state.play.error) if reason is StopReason.ERROR else notices.get(reason)
    if text:
        state.notices.append(text)
    return True


def show_notices(state: LiveSession) -> None:
    """The session's queued notices, once."""
    for text in state.notices:
        st.info(text)
    state.notices.clear()
