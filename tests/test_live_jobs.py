"""Live jobs of both toy pages on one scheduler: PlayState's play/stop rules and its refresh,
a batch x width sweep trained as a live job through the same fair gate as a lab run, and
the janitor's release of a sweep session (ganviz.live; no streamlit)."""

from __future__ import annotations

import gc
import os
import threading
import time
from collections import Counter
from contextlib import contextmanager

import pytest

os.environ.setdefault("GANVIZ_TOY_XLA", "0")  # scheduling under test, not XLA's compile

from ganviz.live.play import PlayState, StopReason  # noqa: E402
from ganviz.live.run import LabRun  # noqa: E402
from ganviz.live.scheduler import FairGate, LiveTrainer, live_trainer_threads  # noqa: E402
from ganviz.live.sessions import LiveSession, SessionRegistry, models_held  # noqa: E402
from ganviz.live.sweep_job import SweepJob  # noqa: E402
from ganviz.toy.config import ToyConfig  # noqa: E402
from ganviz.toy.sweep import SweepConfig  # noqa: E402
from tests.conftest import wait_until  # noqa: E402

TINY = dict(dataset="line", g_width=8, d_width=8, batch_size=32, dataset_size=500)


def _grid() -> SweepConfig:
    return SweepConfig(ToyConfig(**TINY), batch_sizes=(16, 32), widths=(4, 8))


class CountingGate(FairGate):
    """A fair gate that counts the turns each thread takes."""

    def __init__(self):
        super().__init__(slots=1, share=1.0)
        self.turns: Counter[int] = Counter()

    @contextmanager
    def turn(self):
        with super().turn():
            self.turns[threading.get_ident()] += 1
            yield


class FakeJob:
    """The smallest LiveJob: counts steps, optionally diverges at a step or raises."""

    def __init__(self, target: int = 10_000, diverge_at: int | None = None, fail: bool = False):
        self.step, self.target_steps = 0, target
        self.last_seconds_per_step: float | None = None
        self.diverge_at, self.fail = diverge_at, fail

    @property
    def diverged(self) -> bool:
        return self.diverge_at is not None and self.step >= self.diverge_at

    def train_now(self, steps: int, **how) -> int:
        if self.fail:
            raise RuntimeError("boom")
        if self.diverge_at is not None:
            steps = min(steps, max(0, self.diverge_at - self.step))
        self.step += steps
        self.last_seconds_per_step = 1e-4
        return steps


# ---- play state --------------------------------------------------------------------------
def test_play_and_stop_change_state_once_with_a_reason():
    play = PlayState(gate=FairGate(slots=1))
    assert not play.playing and play.reason is None
    assert play.start() and play.playing
    assert not play.start()  # a second Play click changes nothing
    assert play.stop(StopReason.PAUSED) and not play.playing
    assert play.reason is StopReason.PAUSED and play.reason == "paused"
    assert not play.stop(StopReason.DIVERGED)  # already paused: the first reason stands
    assert play.reason is StopReason.PAUSED
    assert play.refresh([FakeJob()], 10, 0.2) is None  # paused: a refresh trains nothing


def test_first_refresh_trains_here_when_the_gate_is_idle_then_a_trainer_takes_over():
    gate = FairGate(slots=1)
    play, job = PlayState(gate=gate), FakeJob()
    play.start()
    compiled = []

    @contextmanager
    def compiling(j):
        compiled.append(j)
        yield

    assert play.refresh([job], 10, 0.2, compiling=compiling) is None
    assert job.step == 10 and play.trainer is None and compiled == [job]
    assert play.refresh([job], 10, 0.2) is None  # the second refresh hands over
    assert play.trainer is not None and play.trainer.running
    assert wait_until(lambda: job.step > 30)
    assert play.stop(StopReason.PAUSED) and play.trainer is None
    assert wait_until(lambda: live_trainer_threads() == 0, 10)


def test_first_refresh_on_a_busy_server_queues_on_the_trainer():
    gate = FairGate(slots=1)
    play, job = PlayState(gate=gate), FakeJob()
    play.start()
    with gate.turn():  # another session is training
        assert play.refresh([job], 10, 0.2) is None
        assert job.step == 1  # only the compile step, outside the gate
        assert play.trainer is not None
    assert wait_until(lambda: job.step > 10)
    play.stop(StopReason.PAUSED)


def test_refresh_stops_at_the_target_on_divergence_and_on_errors():
    play, job = PlayState(gate=FairGate(slots=1)), FakeJob(target=8)
    play.start()
    assert play.refresh([job], 10, 0.2, stop_at_target=True) is StopReason.TARGET
    assert job.step == 8 and not play.playing and play.reason is StopReason.TARGET

    play, job = PlayState(gate=FairGate(slots=1)), FakeJob(diverge_at=5)
    play.start()
    assert play.refresh([job], 10, 0.2) is StopReason.DIVERGED and not play.playing

    play, job = PlayState(gate=FairGate(slots=1)), FakeJob()
    play.start()
    play.refresh([job], 10, 0.2)
    play.refresh([job], 10, 0.2)  # a trainer now trains it ...
    job.fail = True                # ... and then raises
    assert wait_until(lambda: not play.trainer.running, 10)
    assert play.refresh([job], 10, 0.2) is StopReason.ERROR
    assert not play.playing and "boom" in str(play.error)


def test_halt_unless_ends_a_trainer_of_other_jobs_but_keeps_playing():
    play, a, b = PlayState(gate=FairGate(slots=1)), FakeJob(), FakeJob()
    play.start()
    play.refresh([a], 10, 0.2)
    play.refresh([a], 10, 0.2)
    assert play.trainer is not None
    play.halt_unless([a])
    assert play.trainer is not None
    play.halt_unless([b])  # the page now shows other jobs (new networks, another mode)
    assert play.trainer is None and play.playing
    assert play.refresh([b], 10, 0.2) is None and play.trainer.jobs == [b]
    play.stop(StopReason.PAUSED)


# ---- a sweep as a live job ---------------------------------------------------------------
def test_a_sweep_and_a_lab_run_take_turns_through_one_gate_and_the_sweep_stops_at_its_target():
    gate = CountingGate()
    run = LabRun(ToyConfig(**TINY))
    sweep = SweepJob(_grid(), target_steps=60)
    assert sweep.step == 0 and sweep.snapshot is not None and not sweep.compiled
    lab = LiveTrainer([run], steps_per_refresh=20, refresh_s=0.2, gate=gate).start()
    grid = LiveTrainer([sweep], steps_per_refresh=20, refresh_s=0.2, stop_at_target=True,
                       gate=gate).start()
    assert wait_until(lambda: not grid.running, 120)
    lab.stop()
    assert grid.stopped is StopReason.TARGET and sweep.step == 60 and sweep.finish_due
    assert run.step > 0
    # both threads took turns of the same gate
    assert gate.turns[grid._thread.ident] >= 2 and gate.turns[lab._thread.ident] >= 2
    assert sweep.refresh() and sweep.snapshot.step == 60
    assert len(sweep.live_metrics) == len(sweep.sweep.runs)
    result = sweep.finish()
    assert result.steps == 60 and not sweep.finish_due and len(result.runs) == 4


def test_a_sweep_page_refresh_plays_to_the_target_through_play_state():
    play, sweep = PlayState(gate=FairGate(slots=1)), SweepJob(_grid(), target_steps=30)
    play.start()
    assert play.refresh([sweep], 10, 0.2, stop_at_target=True) is None
    assert sweep.step == 10 and sweep.compiled  # the first refresh trained here
    reason = None
    deadline = time.monotonic() + 60
    while reason is None and time.monotonic() < deadline:
        time.sleep(0.1)
        reason = play.refresh([sweep], 10, 0.2, stop_at_target=True)
    assert reason is StopReason.TARGET and sweep.step == 30 and not play.playing


def test_a_sweep_session_is_released_by_the_janitor():
    class Session(LiveSession):
        job: SweepJob | None = None

        def jobs(self):
            return [self.job] if self.job else []

        def drop_models(self):
            self.job.release()
            self.job = None

    state = Session()
    state.job = job = SweepJob(_grid(), target_steps=10)
    gc.collect()  # jobs of earlier tests that are garbage but not yet collected
    held = models_held()
    state.play.start()
    state.play.refresh([job], 5, 0.2, stop_at_target=True)
    reg = SessionRegistry()
    reg.register("s1", state, lambda: False, release_after_s=0, janitor=False)
    with state.lock:  # the page is in the middle of a run: the janitor tries again later
        assert _run_in_thread(lambda: reg.sweep(now=100)) == 0 and len(reg) == 1
    assert reg.sweep(now=101) == 1 and len(reg) == 0
    assert job.released and state.released and state.job is None and not state.playing
    assert state.play.reason is StopReason.RELEASED and state.notices
    assert models_held() == held - 1


def _run_in_thread(fn):
    """``fn()`` on another thread (the janitor's), so the caller's RLock does not let it in."""
    out = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    t.join(30)
    return out[0]


def test_stop_reasons_read_as_their_values():
    assert {r.value for r in StopReason} >= {"diverged", "target", "idle", "disconnected",
                                             "stopped", "error", "paused", "released"}
    assert f"{StopReason.IDLE}" == "idle"
    with pytest.raises(ValueError):
        StopReason("bogus")
