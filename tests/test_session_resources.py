"""Per-session resources of the Toy GAN Lab: fair training turns, the background trainer's
bounds and stops, and the release of a session's models once its browser has gone."""

from __future__ import annotations

import gc
import os
import threading
import time
import weakref

import pytest

os.environ.setdefault("GANVIZ_TOY_XLA", "0")  # UI logic under test, not XLA's compile

from ganviz.live import run as live_run  # noqa: E402
from ganviz.live.run import LabRun  # noqa: E402
from ganviz.live.scheduler import (  # noqa: E402
    CHUNK_S,
    FairGate,
    LiveTrainer,
    StopReason,
    live_trainer_threads,
    train_in_turns,
    train_turn,
)
from ganviz.live.sessions import SessionRegistry  # noqa: E402
from ganviz.toy.config import ToyConfig  # noqa: E402
from tests.conftest import wait_until  # noqa: E402

TINY = dict(dataset="line", g_width=8, d_width=8, batch_size=32, dataset_size=500)


def _run(**overrides) -> LabRun:
    return LabRun(ToyConfig(**{**TINY, **overrides}))


# ---- the fair gate -----------------------------------------------------------------------
def test_gate_grants_turns_in_arrival_order_and_never_more_than_its_slots():
    gate = FairGate(slots=1)
    order, inside, most = [], [0], [0]
    lock = threading.Lock()
    first = threading.Event()

    def session(name: str, turns: int):
        for _ in range(turns):
            with gate.turn():
                with lock:
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                order.append(name)
                first.set()
                time.sleep(0.005)
                with lock:
                    inside[0] -= 1

    with gate.turn():  # hold the gate until all three queue up behind it
        threads = [threading.Thread(target=session, args=(n, 5)) for n in "abc"]
        for i, t in enumerate(threads):
            t.start()
            assert wait_until(lambda n=i + 1: gate.waiting >= n, 5)
    for t in threads:
        t.join(10)
    assert most[0] == 1
    # first come, first served: after the first round every turn goes to the one waiting longest
    assert order[:3] == ["a", "b", "c"]
    for i in range(len(order) - 3):
        window = order[i:i + 3]
        assert len(set(window)) == 3 or i >= len(order) - 5, order  # round robin until one is done


def test_gate_with_two_slots_runs_two_turns_at_once():
    gate = FairGate(slots=2)
    both = threading.Barrier(2, timeout=5)

    def session():
        with gate.turn():
            both.wait()  # only passes when two turns are inside at the same time

    threads = [threading.Thread(target=session) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not both.broken
    with pytest.raises(ValueError, match="slots must be at least 1"):
        FairGate(slots=0)


def test_gate_keeps_training_to_its_share_of_the_time_when_sessions_compete():
    gate = FairGate(slots=1, share=0.5)
    busy = [0.0]
    lock = threading.Lock()

    def session(seconds: float):
        t0 = time.monotonic()
        while time.monotonic() - t0 < seconds:
            with gate.turn():
                start = time.monotonic()
                time.sleep(0.02)
                with lock:
                    busy[0] += time.monotonic() - start

    t0 = time.monotonic()
    session(0.3)  # alone: no rests
    assert busy[0] / (time.monotonic() - t0) > 0.8
    busy[0] = 0.0
    threads = [threading.Thread(target=session, args=(0.6,)) for _ in range(3)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert busy[0] / (time.monotonic() - t0) <= 0.65  # about half, never all of it
    with pytest.raises(ValueError, match="share"):
        FairGate(share=0)


def test_the_share_adapts_to_the_sessions_playing(monkeypatch):
    """Serving each playing page costs SERVE_S_PER_REFRESH per refresh; training gets the rest
    of the cores, at least MIN_SHARE."""
    from ganviz.live import scheduler

    assert scheduler.adaptive_share(1, cores=2) == pytest.approx(1 - 0.032 / 0.2 / 2)  # 0.92
    assert scheduler.adaptive_share(3, cores=2) == pytest.approx(0.76)
    assert scheduler.adaptive_share(5, cores=2) == scheduler.adaptive_share(20, cores=2) == 0.6
    assert scheduler.adaptive_share(30, cores=2) == scheduler.MIN_SHARE
    assert scheduler.adaptive_share(1, cores=16) == pytest.approx(0.99)
    monkeypatch.delenv("GANVIZ_TRAIN_SHARE", raising=False)
    gate = FairGate(slots=1)
    monkeypatch.setattr(scheduler, "live_trainer_threads", lambda: 30)
    assert gate.fixed_share is None and gate.share == scheduler.adaptive_share(30)
    monkeypatch.setenv("GANVIZ_TRAIN_SHARE", "0.7")
    assert FairGate(slots=1).share == 0.7   # a fixed share when the operator sets one


def test_turns_shorten_as_the_class_grows():
    """A round of turns fits in ROUND_S (stretched by the share's rests): 30 students each
    train every half second, in 8 ms turns; a few students keep CHUNK_S turns."""
    from ganviz.live.scheduler import MIN_CHUNK_S, ROUND_S, adaptive_share, turn_seconds

    assert turn_seconds(1) == turn_seconds(2) == CHUNK_S
    assert turn_seconds(10) == pytest.approx(ROUND_S * adaptive_share(10) / 10)   # 0.03
    assert turn_seconds(30) == pytest.approx(0.5 * 0.5 / 30)
    assert turn_seconds(1000) == MIN_CHUNK_S


def test_a_session_whose_turn_ran_over_repays_it_to_the_others():
    from ganviz.live.scheduler import MAX_OVERRUN_REST_S, overrun_rest, turn_seconds

    assert overrun_rest(turn_seconds(12) / 2, 12) == 0.0       # within its turn: no rest
    assert overrun_rest(1.0, 1) == 0.0                         # alone: nobody to repay
    heavy = turn_seconds(12) + 0.1                             # one 0.1 s step too long
    assert overrun_rest(heavy, 12) == pytest.approx(0.1 * 11)  # once to each of the other 11
    assert overrun_rest(5.0, 30) == MAX_OVERRUN_REST_S


def test_the_wait_for_a_turn_is_not_counted_as_the_turn():
    """A light session queued behind a long turn held the gate only for its own short turn:
    counting the wait made every light session behind a heavy one rest for seconds."""
    gate, holding, release = FairGate(slots=1, share=1.0), threading.Event(), threading.Event()

    def long_turn():
        with gate.turn():
            holding.set()
            release.wait(10)

    other = threading.Thread(target=long_turn)
    other.start()
    assert holding.wait(10)
    threading.Timer(0.3, release.set).start()
    waited = time.monotonic()
    with gate.turn():          # queued until the long turn ends, then at once done
        waited = time.monotonic() - waited
    other.join()
    assert waited >= 0.25 and gate.held_seconds < waited / 2


def test_only_a_session_whose_steps_are_slow_in_every_turn_repays():
    from ganviz.live.scheduler import overrun_rest, repayment

    light = [0.001, 0.3, 0.001]             # one 8-step turn stretched by a 2.4 s pause
    assert repayment(light, 8, 30) == 0.0
    heavy = [0.45, 0.4, 0.5]                # every one-step turn 0.4-0.5 s
    assert repayment(heavy, 1, 12) == pytest.approx(overrun_rest(0.4, 12))
    assert overrun_rest(0.4, 12) > 3
    assert repayment([], 1, 12) == 0.0


# ---- training turns ----------------------------------------------------------------------
class _RecordingGate(FairGate):
    """A gate that notes each run's step when a turn starts."""

    def __init__(self, runs):
        super().__init__(slots=1)
        self.runs, self.at_turn = runs, []

    def turn(self):
        self.at_turn.append([r.step for r in self.runs])
        return super().turn()


def test_a_new_network_compiles_outside_the_gate_then_trains_in_lockstep():
    runs = [_run(), _run(seed=1)]
    gate = _RecordingGate(runs)
    assert all(r.last_seconds_per_step is None for r in runs)
    assert train_turn(runs, 10, gate=gate) == 10
    # the first step of each (the compile) ran before the turn began
    assert gate.at_turn == [[1, 1]]
    assert [r.step for r in runs] == [10, 10]
    assert train_turn(runs, 5, gate=gate) == 5
    assert gate.at_turn[-1] == [10, 10] and [r.step for r in runs] == [15, 15]
    assert all(r.last_seconds_per_step > 0 for r in runs)


def test_lab_run_trains_in_short_turns():
    run = _run()
    run.train(1)
    run.last_seconds_per_step = CHUNK_S / 7  # pretend: 7 steps fill one turn
    gate = _RecordingGate([run])
    run.train(30, gate=gate)
    assert run.step == 31
    # several turns, not one long one; the first sized by the known speed (then re-measured)
    assert len(gate.at_turn) >= 2 and gate.at_turn[:2] == [[1], [8]]


class _CrowdedGate(_RecordingGate):
    """A gate where another session queues for a turn as soon as the first turn began."""

    @property
    def waiting(self):
        return 1 if self.at_turn else 0

    @property
    def idle(self):
        return not self.at_turn


def test_a_page_training_alone_stops_when_another_session_waits():
    run = _run()
    run.train(1)
    run.last_seconds_per_step = CHUNK_S / 7   # 7 steps fill one turn
    gate = _CrowdedGate([run])
    assert train_in_turns([run], 100, gate, while_alone=True) == 7
    assert gate.at_turn == [[1]] and run.step == 8
    assert train_in_turns([run], 20, _RecordingGate([run])) == 20  # not alone: all of them


def test_plays_first_refresh_hands_over_when_the_class_arrives():
    """Play's first refresh trains in the page only while nobody else waits; the rest of its
    steps go to the LiveTrainer, so the page answers at once on a busy server."""
    from ganviz.live.play import PlayState

    run = _run()
    run.train(1)
    run.last_seconds_per_step = CHUNK_S / 7
    play = PlayState(gate=_CrowdedGate([run]))
    play.start()
    assert play.refresh([run], steps_per_refresh=200, refresh_s=0.2) is None
    assert 8 <= run.step < 200 and play.trainer is not None   # one turn here, then handed over
    play.stop(StopReason.PAUSED)


def test_a_full_run_cut_before_the_fragment_reruns_in_full_again():
    """A browser clears its fragment timers when a full run begins; a full run that ended
    before the page's live fragment set the timer again leaves the page frozen, so the next
    fragment run asks for another full run (at once, not after PERIOD_HOLD_S)."""
    from ganviz.live.play import PlayState

    run = _run()
    play = PlayState(gate=FairGate(slots=1))
    play.full_run()
    play.start()
    play.live_period(0.2)                      # the full run reached the fragment: timer set
    play.refresh([run], steps_per_refresh=5, refresh_s=0.2)   # trains here ...
    play.refresh([run], steps_per_refresh=5, refresh_s=0.2)   # ... then on a LiveTrainer
    assert play.trainer is not None and not play.needs_retime(0.2)
    play.full_run()                            # a full run began ...
    assert play.needs_retime(0.2)              # ... and a fragment run came before its timer
    play.live_period(0.2)
    assert not play.needs_retime(0.2)
    play.stop(StopReason.PAUSED)


# ---- the background trainer --------------------------------------------------------------
def test_live_trainer_trains_in_the_background_and_stops_when_asked():
    run = _run()
    run.train(2)
    live = LiveTrainer([run], steps_per_refresh=50, refresh_s=0.2).start()
    assert wait_until(lambda: run.step > 40)
    assert live.running and live_trainer_threads() >= 1
    live.stop()
    assert not live.running and live.stopped is StopReason.STOPPED
    step = run.step
    time.sleep(0.3)
    assert run.step == step  # nothing trains after stop() returned
    assert len(run.history()) == step


def test_live_trainer_keeps_to_its_speed_limit():
    run = _run()
    run.train(2)
    # slow motion: 1 step per 0.2 s refresh = 5 steps/s
    live = LiveTrainer([run], steps_per_refresh=1, refresh_s=0.2).start()
    t0, s0 = time.monotonic(), run.step
    time.sleep(1.5)
    rate = (run.step - s0) / (time.monotonic() - t0)
    live.stop()
    assert 1 <= run.step - s0 and rate <= 5 * 1.5 + 1


def test_live_trainer_stops_at_the_recommended_steps():
    run = _run(steps=60)
    run.train(2)
    live = LiveTrainer([run], steps_per_refresh=1000, refresh_s=0.2, stop_at_target=True).start()
    assert wait_until(lambda: not live.running)
    assert live.stopped is StopReason.TARGET and run.step == 60


def test_live_trainer_stops_when_the_page_stops_looking_or_the_browser_leaves():
    run = _run()
    run.train(2)
    idle = LiveTrainer([run], steps_per_refresh=5, refresh_s=0.2, lease_s=0.3).start()
    assert wait_until(lambda: not idle.running, 10) and idle.stopped is StopReason.IDLE
    connected = [True]
    gone = LiveTrainer([run], steps_per_refresh=5, refresh_s=0.2,
                       is_connected=lambda: connected[0]).start()
    time.sleep(0.2)
    assert gone.running
    connected[0] = False
    assert wait_until(lambda: not gone.running, 10) and gone.stopped is StopReason.DISCONNECTED
    assert wait_until(lambda: live_trainer_threads() == 0, 10)


def test_live_trainer_stops_on_divergence_and_reports_errors():
    run = _run(g_optimizer="sgd", d_optimizer="sgd", g_lr=1.0, d_lr=1.0, dataset="gaussians2")
    run.train(1)
    live = LiveTrainer([run], steps_per_refresh=200, refresh_s=0.2).start()
    assert wait_until(lambda: not live.running, 60)
    assert live.stopped is StopReason.DIVERGED and run.diverged_at is not None

    class Broken:
        last_seconds_per_step = 0.001
        diverged = False

        def train_now(self, *_):
            raise RuntimeError("boom")

    bad = LiveTrainer([Broken()], steps_per_refresh=5, refresh_s=0.2).start()
    assert wait_until(lambda: not bad.running, 10)
    assert bad.stopped is StopReason.ERROR and "boom" in str(bad.error)
    with pytest.raises(ValueError, match="steps_per_refresh"):
        LiveTrainer([run], steps_per_refresh=0, refresh_s=0.2)


# ---- bounded views -----------------------------------------------------------------------
def test_frames_are_thinned_to_their_cap(monkeypatch):
    monkeypatch.setattr(live_run, "MAX_FRAMES", 6)
    monkeypatch.setattr(live_run, "FIRST_FRAME_EVERY", 1)
    run = _run()
    for _ in range(40):
        run.tick(1)
    assert len(run.frames) <= 6
    assert run.frames[0].step == 1 and run.frames[-1].step >= 30  # the whole run stays visible


# ---- release of sessions gone for good ---------------------------------------------------
class _Owner:
    def __init__(self):
        self.released = 0

    def release(self):
        self.released += 1


def test_registry_releases_a_session_only_after_its_grace():
    reg = SessionRegistry()
    owner, connected = _Owner(), [True]
    reg.register("s1", owner, lambda: connected[0], release_after_s=10, janitor=False)
    assert reg.sweep(now=0) == 0 and len(reg) == 1
    connected[0] = False
    assert reg.sweep(now=100) == 0          # gone since 100 ...
    assert reg.sweep(now=105) == 0          # ... not long enough
    connected[0] = True
    assert reg.sweep(now=120) == 0          # came back: the clock restarts
    connected[0] = False
    assert reg.sweep(now=130) == 0
    assert reg.sweep(now=140.5) == 1 and owner.released == 1
    assert len(reg) == 0 and reg.released == 1
    assert reg.sweep(now=200) == 0 and owner.released == 1   # released once


def test_registry_forgets_owners_python_has_freed_and_counts_what_is_left():
    reg = SessionRegistry()
    owner = _Owner()
    reg.register("s1", owner, lambda: True, release_after_s=0, janitor=False)
    del owner
    gc.collect()
    assert reg.sweep() == 0 and len(reg) == 0
    assert reg.stats()["sessions"] == 0


def test_janitor_releases_models_and_ends_when_no_session_is_left(tmp_path):
    run = _run()
    run.train(3)
    trainer_ref = weakref.ref(run.trainer)

    class Page:  # what a LiveSession (toy_lab.PageState) does on release
        def __init__(self, run):
            self.runs = [run]

        def release(self):
            for r in self.runs:
                r.release()

    status = tmp_path / "live.json"
    reg = SessionRegistry(sweep_s=0.05, status_path=str(status))
    page = Page(run)
    before = reg.stats()["runs"]
    reg.register("s1", page, lambda: False, release_after_s=0.1)
    assert wait_until(lambda: reg.released == 1, 10)
    assert run.released and reg.stats()["runs"] == before - 1
    gc.collect()
    assert trainer_ref() is None  # the networks and optimiser state are freed
    assert wait_until(lambda: reg._janitor is None, 10)  # nothing left to watch: the janitor ends
    assert wait_until(status.exists, 5)
    import json

    assert json.loads(status.read_text())["sessions"] == 0


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads RSS from /proc")
def test_freed_heap_memory_goes_back_to_the_os():
    """What the janitor does after a release: 200 MiB of freed C heap, pinned behind a live
    block (as a heavy session's activations sit behind the server's own), is handed back."""
    import ctypes

    from ganviz.live.sessions import return_free_memory

    def rss_mib():
        return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype, libc.free.argtypes = ctypes.c_void_p, [ctypes.c_void_p]
    blocks = [libc.malloc(64 * 1024) for _ in range(3200)]
    for b in blocks:
        ctypes.memset(b, 1, 64 * 1024)           # touched: resident
    pin = libc.malloc(64 * 1024)                 # after them on the heap: free() cannot shrink it
    for b in blocks:
        libc.free(b)
    freed = rss_mib()
    assert return_free_memory()
    assert freed - rss_mib() > 100
    libc.free(pin)


def test_page_state_release_stops_training_and_drops_the_runs():
    from ganviz.ui.toy_lab import PageState

    state = PageState()
    state.run = _run()
    state.run.train(2)
    state.play.start()
    state.play.trainer = LiveTrainer([state.run], steps_per_refresh=20, refresh_s=0.2).start()
    run = state.run
    state.release()
    assert state.play.trainer is None and state.run is None and not state.playing
    assert state.play.reason is StopReason.RELEASED
    assert run.released and state.released and state.notices
    assert wait_until(lambda: live_trainer_threads() == 0, 10)


def test_refresh_period_grows_with_the_sessions_playing():
    from ganviz.live.scheduler import refresh_period

    assert refresh_period(0) == refresh_period(1) == refresh_period(5) == 0.2
    assert refresh_period(10) == 0.4 and refresh_period(20) == 0.8
    assert refresh_period(200) == 0.8  # never slower than that
    periods = [refresh_period(n) for n in range(1, 40)]
    assert periods == sorted(periods)


def test_a_heavy_student_is_told_why_training_is_slow():
    from ganviz.ui.toy_view import sharing_note

    note = sharing_note(0.33, 12)   # batch 4,096 x width 512 among 12 students
    assert "0.33 s" in note and "12 students" in note and "1/12" in note
    assert sharing_note(0.0015, 30) is None   # a light step fits in a class's 8 ms turn
    assert sharing_note(0.33, 1) is None      # alone: nothing is shared
    assert sharing_note(None, 12) is None     # not trained yet
