"""Play and pause of one page, in one small object (no streamlit).

``PlayState`` is the only place a page's ``playing`` changes: ``start()`` (the Play button),
``stop(reason)`` (Pause, Reset, divergence, the target, an error, the janitor) and the
``refresh`` of a playing page, which returns the ``StopReason`` when play stopped in it, so the
page can say why and rerun with its controls paused. While playing, the page's jobs train on
a ``LiveTrainer`` thread; ``halt()`` ends that thread without pausing (the jobs on the page
changed: the next refresh starts a trainer for the new ones).

    play = PlayState()
    play.start()
    reason = play.refresh([job], steps_per_refresh=200, refresh_s=0.2)  # each refresh
    if reason is not None: ...                                          # paused: say why
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from ganviz.live.scheduler import (
    LEASE_S,
    FairGate,
    LiveTrainer,
    StopReason,
    gate,
    live_trainer_threads,
    refresh_period,
    train_in_turns,
)

__all__ = ["PERIOD_HOLD_S", "PlayState", "StopReason"]

PERIOD_HOLD_S = 10.0  # a page re-times its refresh (a full rerun) at most this often


def _no_notice(job: Any) -> AbstractContextManager:
    return nullcontext()


class PlayState:
    """Playing or paused, why it last stopped, and the background trainer while playing.

    ``ticks``: refreshes since Play (the first one trains in the page, see ``refresh``);
    ``reason``: the StopReason of the last stop (None while playing or before any);
    ``error``: the exception when the reason is ERROR; ``period``: the page's refresh period
    while playing (``live_period``). ``gate``: the FairGate (None: the shared one).
    ``lease_s``: the trainer stops when the page has not refreshed for this long (a page that
    must free the CPU soon after the user leaves it sets it short). ``first_steps``: at most
    this many steps in Play's first refresh (None: a refresh's worth); a page whose steps are
    slow keeps that refresh short, so its first picture and its Pause button answer at once."""

    def __init__(self, gate: FairGate | None = None, lease_s: float = LEASE_S,
                 first_steps: int | None = None):
        self.gate = gate
        self.lease_s = lease_s
        self.first_steps = first_steps
        self.playing = False
        self.reason: StopReason | None = None
        self.error: BaseException | None = None
        self.trainer: LiveTrainer | None = None
        self.ticks = 0
        self.period: float | None = None
        self.period_set_at = 0.0
        self.full_runs = 0         # full runs of the page begun (``full_run``) ...
        self.timer_run = 0         # ... and the last that set the fragment's timer

    # ---- the one place ``playing`` changes -------------------------------------------------
    def start(self) -> bool:
        """Play. Returns False (changing nothing) when already playing."""
        if self.playing:
            return False
        self.playing, self.reason, self.error, self.ticks = True, None, None, 0
        return True

    def stop(self, reason: StopReason, wait: bool = True) -> bool:
        """Pause for ``reason`` and end the trainer (``wait``: until its current turn is done,
        so the step shown after Pause is final). Returns False when it was not playing."""
        self.halt(wait)
        if not self.playing:
            return False
        self.playing, self.reason, self.ticks = False, reason, 0
        return True

    def halt(self, wait: bool = True) -> None:
        """End the background trainer, if any, without pausing."""
        if self.trainer is not None:
            self.trainer.stop(wait=wait)
            self.trainer = None

    def halt_unless(self, jobs: list) -> None:
        """End the trainer when paused or when it trains other jobs than ``jobs``."""
        if self.trainer is not None and (not self.playing or self.trainer.jobs != list(jobs)):
            self.halt()

    # ---- a refresh of a playing page -------------------------------------------------------
    def refresh(self, jobs: list, steps_per_refresh: int, refresh_s: float, *,
                stop_at_target: bool = False, is_connected: Callable[[], bool] | None = None,
                compiling: Callable[[Any], AbstractContextManager] | None = None,
                ) -> StopReason | None:
        """One refresh of live training for ``jobs`` in lockstep. The first refresh after Play
        trains ``steps_per_refresh`` steps here when no other session is training (inside
        ``compiling(job)`` while a job compiles, e.g. a spinner); otherwise, and on later
        refreshes, training is the LiveTrainer's (started, re-pointed or kept alive here).
        Returns the reason when play stopped in this refresh, else None."""
        if not self.playing:
            self.halt()
            return None
        if any(j.diverged for j in jobs):
            return self._stopped(StopReason.DIVERGED)
        trainer = self.trainer
        if trainer is not None and (trainer.jobs != list(jobs) or not trainer.running):
            self.halt()
            if trainer.error is not None:
                self.error = trainer.error
                return self._stopped(StopReason.ERROR)
        hand_over = True
        if self.ticks == 0:
            hand_over = self._first_refresh(jobs, steps_per_refresh, stop_at_target,
                                            compiling or _no_notice)
        if self.trainer is not None:
            self.trainer.configure(steps_per_refresh, stop_at_target)
            self.trainer.seen()
        elif hand_over and not (stop_at_target and _at_target(jobs)):
            self.trainer = LiveTrainer(jobs, steps_per_refresh, refresh_s, stop_at_target,
                                       is_connected=is_connected, gate=self.gate,
                                       lease_s=self.lease_s).start()
        self.ticks += 1
        if any(j.diverged for j in jobs):
            return self._stopped(StopReason.DIVERGED)
        if stop_at_target and _at_target(jobs):
            return self._stopped(StopReason.TARGET)
        return None

    def _first_refresh(self, jobs: list, steps: int, stop_at_target: bool,
                       compiling: Callable[[Any], AbstractContextManager]) -> bool:
        """Play's first refresh: compile new jobs (outside the gate: a compile takes seconds),
        then, while nobody else trains, train this refresh's steps at once, so Play shows them
        without waiting. On a busy server the page would wait its turn behind every other
        session (a whole round per turn: 30 sessions opening at once held the first page's
        run for 11 s), so the trainer queues instead, from the start or from the moment another
        session asks for a turn. Returns True when the trainer should take over."""
        if self.first_steps is not None:
            steps = min(steps, self.first_steps)
        wanted = [max(0, min(steps, j.target_steps - j.step)) if stop_at_target else steps
                  for j in jobs]
        for i, job in enumerate(jobs):
            if wanted[i] and job.last_seconds_per_step is None:
                with compiling(job):
                    wanted[i] -= job.train_now(1)
        turns = self.gate or gate()
        if not turns.idle:
            return True
        for job, n in zip(jobs, wanted):
            if n > 0 and train_in_turns([job], n, turns, while_alone=True) < n:
                return not job.diverged  # others came to train: the trainer queues for the rest
        return False

    def _stopped(self, reason: StopReason) -> StopReason:
        self.stop(reason)
        return reason

    # ---- the page's refresh period ---------------------------------------------------------
    def live_period(self, fastest: float) -> float | None:
        """run_every for a live fragment (set in full runs): None while paused, else the
        refresh period for the sessions playing on this server (refresh_period)."""
        if not self.playing:
            return None
        playing = live_trainer_threads() + (0 if self.trainer_running else 1)
        self.period, self.period_set_at = refresh_period(playing, fastest), time.monotonic()
        self.timer_run = self.full_runs
        return self.period

    def full_run(self) -> None:
        """A full run of the page begins (the page's widgets, then its live fragment)."""
        self.full_runs += 1

    def needs_retime(self, fastest: float) -> bool:
        """True when the page must rerun in full to set its fragment's timer: the last full
        run ended before it reached the fragment (a browser clears every fragment timer when
        a full run begins, so the page would never refresh again; seen on a busy server when
        queued refreshes met a full rerun), or sessions have come or gone so that the refresh
        period is off, at most every PERIOD_HOLD_S (a classroom filling up does not rerun
        every page at every arrival)."""
        if self.trainer is None or self.period is None:
            return False
        if self.timer_run < self.full_runs:
            return True
        if time.monotonic() - self.period_set_at < PERIOD_HOLD_S:
            return False
        return abs(refresh_period(live_trainer_threads(), fastest) - self.period) > 1e-9

    @property
    def trainer_running(self) -> bool:
        return self.trainer is not None and self.trainer.running


def _at_target(jobs: list) -> bool:
    return all(j.step >= j.target_steps for j in jobs)
