"""The simulated browser session (benchmarks/_stclient.py) against a real server.

Starts ``streamlit run app.py`` on a free loopback port (benchmarks/classroom_load.py's
``start_server``), connects one simulated student to the Toy GAN Lab over the websocket and
does what a student does: the page arrives (status line, step counter, widgets by key), Play
through the real widget id, the live fragment's timer sends fragment reruns and the step counter
rises, Pause stops it, the student leaves. No browser: the comparison with a real Chromium
session (same messages, same work) is ``benchmarks/classroom_ws.py --browser``.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from benchmarks._procs import stop
from benchmarks._stclient import StreamlitSession, widget_key
from benchmarks.classroom_load import start_server
from tests import aio

PAGE_TIMEOUT_S = 180


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stclient")
    proc, url = start_server(5, tmp / "live.json", tmp / "streamlit.log")
    yield url
    stop(proc, 15)


def test_widget_key_from_element_id():
    assert widget_key("$$ID-0123abcd-toy_play") == "toy_play"
    assert widget_key("$$ID-0123abcd-toy-with-dashes") == "toy-with-dashes"
    assert widget_key("$$ID-0123abcd-") is None
    assert widget_key("some-other-id") is None


async def _student_plays_and_pauses(url: str) -> dict:
    s = StreamlitSession(url, "Toy_GAN_Lab", "dataset=ring8&spr=200", name="test")
    await s.connect()
    try:
        shown = await s.wait_for(lambda: s.has_widget("toy_play") and s.steps, PAGE_TIMEOUT_S)
        seen = {"shown": shown, "step_before": s.step, "playing_before": s.playing,
                "keys": set(s.widget_ids)}
        await s.click("toy_play")
        seen["trained"] = await s.wait_for(lambda: s.playing and s.step > 0, PAGE_TIMEOUT_S)
        first = s.step
        seen["rose"] = await s.wait_for(lambda: s.step >= first + 400, 60)
        seen["timers"], seen["intervals"] = len(s.timers), list(s.intervals)
        seen["auto_reruns"], seen["updates"] = s.counts["auto_reruns_sent"], len(s.updates)
        await s.click("toy_play")  # now labelled Pause
        seen["paused"] = await s.wait_for(lambda: s.playing is False, 60)
        await asyncio.sleep(1.5)
        paused_at = s.step
        await asyncio.sleep(1.5)
        seen["held"] = s.step == paused_at
        seen["timers_after_pause"] = len(s.timers)
        seen["exceptions"], seen["closed_error"] = list(s.exceptions), s.closed_error
    finally:
        await s.close()
    return seen


def test_simulated_student_plays_ticks_pauses_and_leaves(server_url):
    t0 = time.monotonic()
    seen = aio.run(_student_plays_and_pauses(server_url))
    assert seen["shown"], "the Toy GAN Lab's status line never arrived"
    assert seen["step_before"] == 0 and seen["playing_before"] is False
    assert {"toy_play", "toy_spr", "toy_reset", "toy_dataset"} <= seen["keys"]
    assert seen["trained"], "Play did not start training"
    assert seen["rose"], "the step counter did not rise while playing"
    # the live fragment asked for auto reruns; the client's timer sent them
    assert seen["intervals"] and all(0 < i <= 1.0 for i in seen["intervals"])
    assert seen["auto_reruns"] > 0 and seen["updates"] >= 2
    assert seen["paused"] and seen["held"], "Pause did not stop the step counter"
    assert seen["timers_after_pause"] == 0, "the fragment timer kept running after Pause"
    assert seen["exceptions"] == [] and seen["closed_error"] is None
    assert time.monotonic() - t0 < 2 * PAGE_TIMEOUT_S
