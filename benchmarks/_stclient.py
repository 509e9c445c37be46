"""A simulated browser tab: one real Streamlit session over the websocket browsers use.

``StreamlitSession`` speaks the protocol of Streamlit's own frontend (1.67) without drawing
anything, so a load test measures the server and not the browsers (FACTS.md: 20 Chromium pages
needed ~4 cores here). It connects to ``/_stcore/stream`` with the subprotocol ``streamlit``
(the frontend's second and third entries, an XSRF token and a session id to resume, are left
out: a fresh session without auth cookies needs neither), sends binary ``BackMsg`` protobufs
and reads ``ForwardMsg`` ones, as ``frontend/app/src/App.tsx`` does:

- the first run asks for the page by name (``page_name`` = the URL path, e.g.
  ``Toy_GAN_Lab``) with the URL's query string; later runs name the page by the
  ``page_script_hash`` the server sent in ``new_session`` or, for an ``st.navigation`` app,
  in its ``navigation`` message;
- widgets are found by the ``id`` of the elements in deltas: a widget with a user key has the
  id ``$$ID-<hash>-<key>``. Every drawn widget's value is kept (its default, or the value the
  server set; ``initial_state``) and sent with every rerun, and a full run drops the widgets it
  no longer drew, as the frontend's WidgetStateManager does. ``click(key)`` sends a one-off
  ``trigger_value``; ``set(key, ...)`` changes a kept value (``bool_value``,
  ``double_array_value``, ``string_array_value``...);
- an ``auto_rerun`` ForwardMsg (``st.fragment(run_every=...)``) starts a timer that sends a
  ``rerun_script`` with that ``fragment_id`` and ``is_auto_rerun`` every ``interval`` seconds,
  whether or not the previous one was answered (the browser's ``setInterval``);
  ``stop_auto_rerun`` and a full run's ``new_session`` clear the timers, as the frontend does;
- cacheable messages are kept by hash and their hashes sent with each rerun
  (``cached_message_hashes``); a ``ref_hash`` answer is looked up in that cache.

What the Toy GAN Lab shows is read from its status element (``toy-status`` / ``toy-step``):
``steps`` holds (time, step) each time a delta carried the status line, ``updates`` the times
the step counter changed. Exceptions in deltas are collected in ``exceptions``.

    async with StreamlitSession(url, "Toy_GAN_Lab", "dataset=ring8") as s:
        await s.wait_for(lambda: s.has_widget("toy_play"))
        await s.click("toy_play")
        await asyncio.sleep(10)
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

STEP_RE = re.compile(r"class='toy-step'>([0-9,]+)<")
MAX_MESSAGE_BYTES = 64 * 2**20   # one ForwardMsg; plots of a full run can pass websockets' 1 MiB
CONNECT_TIMEOUT_S = 30.0


def widget_key(element_id: str) -> str | None:
    """The user key of a widget id ``$$ID-<hash>-<key>`` (None for an id without a key)."""
    parts = element_id.split("-", 2)
    return parts[2] if len(parts) == 3 and parts[0] == "$$ID" and parts[2] else None


def initial_state(kind: str, body: Any) -> WidgetState | None:
    """The value the frontend registers for a widget it draws (its default, or the value the
    server set), so that every rerun carries every widget's state as a browser's does; None
    for elements without a kept value (buttons only send one-off triggers)."""
    chosen = body.set_value if hasattr(body, "set_value") else False
    state = WidgetState(id=body.id)
    if kind == "checkbox":
        state.bool_value = body.value if chosen else body.default
    elif kind == "slider" and body.options:  # select_slider: formatted options (raw_value)
        state.string_array_value.data.extend(
            body.raw_value if chosen else [body.options[int(i)] for i in body.default])
    elif kind == "slider":
        state.double_array_value.data.extend(body.value if chosen else body.default)
    elif kind in ("selectbox", "radio"):
        if chosen and body.raw_value:
            state.string_value = body.raw_value
        elif 0 <= body.default < len(body.options):
            state.string_value = body.options[body.default]
        else:
            return None
    elif kind == "number_input":
        value = body.value if chosen else body.default
        if body.data_type == body.INT:
            state.int_value = int(value)
        else:
            state.double_value = value
    elif kind == "text_input":
        state.string_value = body.value if chosen else body.default
    else:
        return None
    return state


class StreamlitSession:
    """One simulated student: a Streamlit session driven over its websocket (see module doc).

    ``url``: the server, ``http://127.0.0.1:PORT``; ``page``: the page's URL path
    (``Toy_GAN_Lab``, "" for the home page); ``query``: the URL's query string, without ``?``.
    """

    def __init__(self, url: str, page: str = "", query: str = "", name: str = "",
                 passive: bool = False):
        self.url, self.page, self.query, self.name = url.rstrip("/"), page, query, name
        self.passive = passive   # only reads messages handed to handle(): a real browser's
        self.intervals: list[float] = []             # auto_rerun periods the server asked for
        self.page_script_hash = ""
        self.widget_ids: dict[str, str] = {}          # key -> element id
        self.widget_values: dict[str, WidgetState] = {}   # id -> kept value
        self.timers: dict[str, tuple[float, asyncio.Task]] = {}  # fragment id -> (s, task)
        self.cache: dict[str, bytes] = {}
        self.steps: list[tuple[float, int]] = []     # (monotonic s, step shown)
        self.updates: list[float] = []               # when the shown step changed
        self.playing: bool | None = None             # the status line says training / paused
        self.exceptions: list[str] = []
        self.alerts: list[str] = []
        self.counts = {"forward_msgs": 0, "bytes_in": 0, "reruns_sent": 0, "auto_reruns_sent": 0,
                       "bytes_out": 0, "widget_states_sent": 0, "full_runs": 0,
                       "fragment_runs": 0}
        self.finished = 0                            # script_finished messages seen
        self.events: deque[tuple[float, str]] = deque(maxlen=400)  # (monotonic s, what): a log
        self.closed_error: str | None = None
        self._ws: Any = None
        self._reader: asyncio.Task | None = None
        self._changed = asyncio.Event()
        self._seen_ids: set[str] = set()             # element ids of the current full run

    # ---- connection --------------------------------------------------------------------
    async def connect(self) -> StreamlitSession:
        """Open the websocket and ask for the page (the browser's first rerun)."""
        from websockets.asyncio.client import connect

        ws_url = "ws" + self.url[len("http"):] + "/_stcore/stream"
        self._ws = await asyncio.wait_for(connect(
            ws_url, subprotocols=["streamlit"], origin=self.url, max_size=MAX_MESSAGE_BYTES,
            open_timeout=CONNECT_TIMEOUT_S, ping_interval=None), CONNECT_TIMEOUT_S)
        self._reader = asyncio.create_task(self._read_forever())
        await self.rerun()
        return self

    async def close(self) -> None:
        """Leave: stop the timers and close the websocket (the tab was closed)."""
        for _, task in self.timers.values():
            task.cancel()
        self.timers.clear()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)

    async def __aenter__(self) -> StreamlitSession:
        return await self.connect()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ---- what a user does --------------------------------------------------------------
    def has_widget(self, key: str) -> bool:
        return key in self.widget_ids

    async def click(self, key: str) -> None:
        """Press the button ``key``: one rerun with its trigger set (then it is cleared)."""
        trigger = WidgetState(id=self.widget_ids[key], trigger_value=True)
        await self.rerun(extra=[trigger])

    async def set(self, key: str, **value: Any) -> None:
        """Change widget ``key`` to ``value`` (one WidgetState field, e.g. ``bool_value=True``,
        ``double_array_value=[512]``, ``string_array_value=["2000"]``) and rerun the app."""
        wid = self.widget_ids[key]
        (field, v), = value.items()
        state = WidgetState(id=wid)
        if field.endswith("_array_value"):
            getattr(state, field).data.extend(v)
        else:
            setattr(state, field, v)
        self.widget_values[wid] = state
        await self.rerun()

    async def rerun(self, fragment_id: str = "", auto: bool = False,
                    extra: list[WidgetState] | None = None) -> None:
        """Send ``rerun_script`` with every kept widget value (plus ``extra``), as the
        frontend's ``sendRerunBackMsg`` does; a ``fragment_id`` reruns that fragment only."""
        state = ClientState(query_string=self.query, page_script_hash=self.page_script_hash,
                            fragment_id=fragment_id, is_auto_rerun=auto)
        if not self.page_script_hash:
            state.page_name = self.page
        extra_ids = {w.id for w in extra or []}
        state.widget_states.widgets.extend(
            [w for i, w in self.widget_values.items() if i not in extra_ids] + list(extra or []))
        state.cached_message_hashes.extend(self.cache)
        ctx = state.context_info
        ctx.timezone, ctx.timezone_offset, ctx.locale = "UTC", 0, "en-US"
        ctx.url, ctx.is_embedded, ctx.color_scheme = self._page_url(), False, "light"
        data = BackMsg(rerun_script=state).SerializeToString()
        self.counts["reruns_sent"] += 1
        self.counts["auto_reruns_sent"] += auto
        self.counts["bytes_out"] += len(data)
        self.counts["widget_states_sent"] += len(state.widget_states.widgets)
        self.events.append((time.monotonic(), f"sent rerun {'auto ' if auto else ''}"
                                              f"{'fragment' if fragment_id else 'full'}"))
        await self._ws.send(data)

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 60.0) -> bool:
        """Wait until ``condition()`` holds after some message (False after ``timeout`` s)."""
        deadline = time.monotonic() + timeout
        while not condition():
            left = deadline - time.monotonic()
            if left <= 0 or self.closed_error is not None:
                return condition()
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(left, 1.0))
            except TimeoutError:
                pass
        return True

    @property
    def step(self) -> int:
        """The last step the status line showed (0 before any)."""
        return self.steps[-1][1] if self.steps else 0

    def _page_url(self) -> str:
        return f"{self.url}/{self.page}" + (f"?{self.query}" if self.query else "")

    # ---- what the server sends ---------------------------------------------------------
    async def _read_forever(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for data in self._ws:
                self.counts["bytes_in"] += len(data)
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self.handle(msg)
                self._changed.set()
        except ConnectionClosed as exc:
            if exc.rcvd is None or exc.rcvd.code != 1000:
                self.closed_error = f"websocket closed: {exc}"
        except Exception as exc:  # a broken message must show in the report, not vanish
            self.closed_error = f"{type(exc).__name__}: {exc}"
        finally:
            self._changed.set()

    def handle(self, msg: ForwardMsg) -> None:
        """Apply one ForwardMsg to the session's picture of the page."""
        self.counts["forward_msgs"] += 1
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            cached = self.cache.get(msg.ref_hash)
            if cached is None:
                self.exceptions.append(f"ref_hash {msg.ref_hash} not in the cache")
                return
            full = ForwardMsg()
            full.ParseFromString(cached)
            full.metadata.CopyFrom(msg.metadata)
            msg, kind = full, full.WhichOneof("type")
        elif msg.metadata.cacheable and msg.hash:
            self.cache[msg.hash] = msg.SerializeToString()
        if kind not in ("delta", "ref_hash"):
            self.events.append((time.monotonic(), f"{kind} {self._detail(msg, kind)}".strip()))
        if kind == "new_session":
            self._new_session(msg)
        elif kind == "delta":
            self._delta(msg.delta)
        elif kind == "auto_rerun":
            self._auto_rerun(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fid in msg.stop_auto_rerun.fragment_ids:
                self._stop_timer(fid)
        elif kind == "navigation" and msg.navigation.page_script_hash:
            # st.navigation apps (ganviz's app.py) name the page shown here, not in new_session
            self.page_script_hash = msg.navigation.page_script_hash
        elif kind == "script_finished":
            self.finished += 1
            if msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                # the frontend's removeInactiveWidgetState after a full run
                self.widget_values = {i: w for i, w in self.widget_values.items()
                                      if i in self._seen_ids}

    @staticmethod
    def _detail(msg: ForwardMsg, kind: str) -> str:
        if kind == "auto_rerun":
            return f"{msg.auto_rerun.interval:g}s"
        if kind == "script_finished":
            return ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
        if kind == "new_session":
            return "fragment" if msg.metadata.run.fragment_ids else "full"
        return ""

    def _new_session(self, msg: ForwardMsg) -> None:
        self.page_script_hash = msg.new_session.page_script_hash
        if msg.metadata.run.fragment_ids:
            self.counts["fragment_runs"] += 1
            return
        self.counts["full_runs"] += 1
        self._seen_ids = set()
        for fid in list(self.timers):  # the frontend's cleanupAutoReruns on a full run
            self._stop_timer(fid)

    def _delta(self, delta: Any) -> None:
        if not delta.HasField("new_element"):
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind is None:
            return
        body = getattr(element, kind)
        if kind == "markdown":
            self._markdown(body.body)
        elif kind == "exception":
            self.exceptions.append(f"{body.type}: {body.message}")
        elif kind == "alert":
            self.alerts.append(body.body)
        element_id = getattr(body, "id", "")  # widgets (and a few other elements) have one
        if not isinstance(element_id, str) or not element_id:
            return
        self._seen_ids.add(element_id)
        key = widget_key(element_id)
        if key:
            self.widget_ids[key] = element_id
        if element_id not in self.widget_values or getattr(body, "set_value", False):
            state = initial_state(kind, body)
            if state is not None:
                self.widget_values[element_id] = state

    def _markdown(self, text: str) -> None:
        found = STEP_RE.search(text)
        if not found:
            return
        now, step = time.monotonic(), int(found.group(1).replace(",", ""))
        if self.steps and step != self.steps[-1][1]:
            self.updates.append(now)
        playing = "toy-play" in text
        if not self.steps or step != self.steps[-1][1] or playing != self.playing:
            self.events.append((now, f"status step {step} {'playing' if playing else 'paused'}"))
        self.steps.append((now, step))
        self.playing = "toy-play" in text

    # ---- the fragment timers -----------------------------------------------------------
    def _auto_rerun(self, fragment_id: str, interval: float) -> None:
        self.intervals.append(interval)
        if not fragment_id or self.passive:
            return
        held = self.timers.get(fragment_id)
        if held is not None and held[0] == interval:
            return
        self._stop_timer(fragment_id)
        task = asyncio.get_running_loop().create_task(self._tick(fragment_id, interval))
        self.timers[fragment_id] = (interval, task)

    def _stop_timer(self, fragment_id: str) -> None:
        held = self.timers.pop(fragment_id, None)
        if held is not None:
            held[1].cancel()

    async def _tick(self, fragment_id: str, interval: float) -> None:
        """setInterval: a fragment rerun every ``interval`` s on a fixed schedule."""
        next_at = time.monotonic() + interval
        while self.closed_error is None:
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            # a late timer does not fire the missed ticks in a burst (nor does setInterval)
            next_at = max(next_at + interval, time.monotonic())
            try:
                await self.rerun(fragment_id=fragment_id, auto=True)
            except Exception as exc:  # the socket went away under the timer
                self.closed_error = self.closed_error or f"{type(exc).__name__}: {exc}"
                return
