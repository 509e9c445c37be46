"""Fair training turns for live jobs, and the background thread that trains a playing page.

A *live job* is anything that trains in small increments while a page watches (``LiveJob``:
a Toy GAN Lab run, a batch x width sweep, later an image GAN). Every training call goes
through one process-wide ``FairGate`` (``gate()``): first come, first served, turns of about
CHUNK_S seconds, at most ``slots`` at once and (while sessions compete) busy at most ``share``
of the wall-clock time, so a classroom of sessions shares the CPU evenly and none starves the
others or the server. A ``LiveTrainer`` is one thread per playing page: it trains that page's
jobs in lockstep at the page's speed limit and stops by itself on divergence, at the jobs'
target, when the page stops refreshing or when the browser has gone.

    job = LabRun(config)                       # or SweepJob(...), or your own LiveJob
    trainer = LiveTrainer([job], steps_per_refresh=200, refresh_s=0.2).start()
    ...                                        # the page: trainer.seen() on every refresh
    trainer.stop()                             # trainer.stopped: a StopReason

``GANVIZ_TRAIN_SLOTS`` (default: cores - 1, one core is left to drawing and serving) and
``GANVIZ_TRAIN_SHARE`` (default: adaptive, ``adaptive_share``) set the shared gate; they are
read on its first use.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any, Protocol

CHUNK_S = 0.1              # one training turn lasts at most this long: sessions take turns often
ROUND_S = 0.5              # with many sessions playing, each trains at least this often ...
MIN_CHUNK_S = 0.005        # ... in turns no shorter than this (a call's overhead is ~0.5 ms)
MAX_OVERRUN_REST_S = 10.0  # a heavy session's rest after an overlong turn (see overrun_rest)
REPAY_TURNS = 3            # a session repays overruns its last this many turns all had
MAX_BURST_S = 0.25         # a LiveTrainer catches up at most this much of its speed limit
LEASE_S = 30.0             # a LiveTrainer stops when its page has not refreshed for this long
CONNECTED_CHECK_S = 1.0    # how often a LiveTrainer asks whether its browser is still there
MIN_SHARE = 0.5            # training's least share of the wall-clock time while sessions compete
# Server CPU one live refresh of a playing page costs (drawing, serialising, Streamlit's
# bookkeeping): ~32 ms measured by benchmarks/classroom_load.py (session 7). The adaptive share
# leaves the server that much per refresh of every playing page.
SERVE_S_PER_REFRESH = 0.032
TRAIN_THREAD_NAME = "ganviz-train"  # the OS name of training threads (/proc/PID/task/*/comm)


class StopReason(StrEnum):
    """Why training stopped (a ``str``: it reads and compares as its value)."""

    PAUSED = "paused"              # the user: Pause, Reset, new data or a new model
    DIVERGED = "diverged"          # a job hit NaN/Inf; its last good state is kept
    TARGET = "target"              # every job reached its target steps
    IDLE = "idle"                  # the page stopped refreshing for LEASE_S (lease ran out)
    DISCONNECTED = "disconnected"  # the browser has gone
    STOPPED = "stopped"            # the trainer's owner stopped it
    ERROR = "error"                # training raised; the trainer keeps the exception
    RELEASED = "released"          # the session was gone for good: its models were freed


class LiveJob(Protocol):
    """What the scheduler needs of a job. ``train_now`` trains under the job's own lock (it
    may be called from a LiveTrainer thread while the page reads the job)."""

    @property
    def step(self) -> int: ...                                # steps done so far

    @property
    def last_seconds_per_step(self) -> float | None: ...      # None: the next call may compile

    @property
    def diverged(self) -> bool: ...                           # True stops its LiveTrainer

    @property
    def target_steps(self) -> int: ...                        # where a stop at the target is

    def train_now(self, steps: int, **how: Any) -> int: ...   # the steps done (<= steps)


# ---- the fair gate -------------------------------------------------------------------------
def default_slots() -> int:
    """GANVIZ_TRAIN_SLOTS, else all cores but one (at least 1)."""
    return int(os.environ.get("GANVIZ_TRAIN_SLOTS", "0")) or max(1, (os.cpu_count() or 2) - 1)


def default_share() -> float | None:
    """GANVIZ_TRAIN_SHARE (a fixed share), else None (adaptive: ``adaptive_share``)."""
    text = os.environ.get("GANVIZ_TRAIN_SHARE")
    return float(text) if text else None


def adaptive_share(playing: int, cores: int | None = None, fastest: float = 0.2) -> float:
    """Training's share of the wall-clock time while ``playing`` sessions play: what serving
    their pages leaves of the cores. Each page refreshes every ``refresh_period(playing)``
    seconds and each refresh costs the server SERVE_S_PER_REFRESH of CPU, so serving takes
    ``playing * SERVE_S_PER_REFRESH / refresh_period(playing)`` cores and training may fill the
    rest, never less than MIN_SHARE. Known answers on 2 cores: 1 session 0.92, 3 sessions 0.76,
    5 to 20 sessions 0.6, 25 and more the 0.5 floor (the refresh period stretches with the
    class, so serving stays near a core)."""
    cores = cores or os.cpu_count() or 2
    serving = max(1, playing) * SERVE_S_PER_REFRESH / refresh_period(playing, fastest)
    return round(min(1.0, max(MIN_SHARE, 1.0 - serving / cores)), 3)


class FairGate:
    """At most ``slots`` training turns at once, granted first come, first served, and busy at
    most ``share`` of the wall-clock time while several sessions want turns. With turns of
    about CHUNK_S seconds, N playing sessions each get 1/N of the training time and none can
    starve the others (a plain lock or semaphore lets a thread that releases and re-acquires at
    once win again). ``share`` keeps CPU for serving and drawing the pages: XLA runs one turn on
    all of TensorFlow's pool threads (every core), so twenty sessions that each want all the
    steps they may have would otherwise leave the server nothing. A session training alone is
    held by its own speed limit instead. ``slots`` None: default_slots. ``share`` None:
    GANVIZ_TRAIN_SHARE when set, else adaptive: ``adaptive_share`` of the sessions playing now
    (a lone student trains at nearly the engine's speed, a full class leaves the server room)."""

    def __init__(self, slots: int | None = None, share: float | None = None):
        slots = default_slots() if slots is None else slots
        share = default_share() if share is None else share
        if slots < 1:
            raise ValueError(f"slots must be at least 1, got {slots}")
        if share is not None and not 0 < share <= 1:
            raise ValueError(f"share must be in (0, 1], got {share}")
        self.slots, self.fixed_share = slots, share
        self._lock = threading.Lock()
        self._queue: deque[threading.Condition] = deque()  # one condition per waiting turn
        self._running = 0
        self._rest_until = 0.0
        self._held = threading.local()

    @contextmanager
    def turn(self) -> Iterator[None]:
        ticket = threading.Condition(self._lock)  # only the head of the queue is woken: a
        with self._lock:                          # class of 30 waiting threads is not a herd
            self._queue.append(ticket)
            try:
                self._wait_for(ticket)
            except BaseException:
                self._queue.remove(ticket)
                self._wake_head()
                raise
            self._queue.popleft()
            self._running += 1
            self._wake_head()  # the next in line may take another free slot
        start = time.monotonic()
        try:
            yield
        finally:
            self._end_turn(start)

    def _wait_for(self, ticket: threading.Condition) -> None:
        """Under the lock: until ``ticket`` is first, a slot is free and no rest is due."""
        while True:
            if self._queue[0] is ticket and self._running < self.slots:
                rest = self._rest_until - time.monotonic()
                if rest <= 0:
                    return
                ticket.wait(rest)
            else:
                ticket.wait()

    def _wake_head(self) -> None:
        """Under the lock: wake the first in line (the only one that may go next)."""
        if self._queue:
            self._queue[0].notify()

    def _end_turn(self, start: float) -> None:
        end = time.monotonic()
        self._held.seconds = end - start
        with self._lock:
            self._running -= 1
            share = self.share
            if share < 1 and self._queue:  # others wait: rest, so that turns fill at
                # most ``share`` of the time (one session alone is held by its speed limit)
                rest = (end - start) * (1 - share) / share / self.slots
                self._rest_until = max(self._rest_until, end + rest)
            self._wake_head()

    @property
    def share(self) -> float:
        """The fixed share, or the adaptive one for the LiveTrainers alive now."""
        if self.fixed_share is not None:
            return self.fixed_share
        return adaptive_share(live_trainer_threads())

    @property
    def held_seconds(self) -> float:
        """How long the calling thread's last turn held the gate (0 before its first): the
        turn's own length, without the wait in the queue before it."""
        return getattr(self._held, "seconds", 0.0)

    @property
    def waiting(self) -> int:
        return len(self._queue)

    @property
    def idle(self) -> bool:
        """No turn running and none waiting."""
        return not self._queue and self._running == 0


_shared_lock = threading.Lock()
_shared_gate: FairGate | None = None


def gate() -> FairGate:
    """The process-wide gate every live job trains through (built on first use)."""
    return _shared()


def _shared() -> FairGate:
    global _shared_gate
    with _shared_lock:
        if _shared_gate is None:
            _shared_gate = FairGate()
        return _shared_gate


def reset_gate() -> None:
    """Forget the shared gate: the next ``gate()`` builds a new one from the environment."""
    global _shared_gate
    with _shared_lock:
        _shared_gate = None


# ---- training turns ------------------------------------------------------------------------
def train_turn(jobs: list, steps: int, gate: FairGate | None = None, **how: Any) -> int:
    """Train each of ``jobs`` ``steps`` steps (lockstep) in one turn of ``gate`` (default:
    the shared one). A job whose speed is unknown (a new network shape: its first call
    compiles, seconds) trains its first step outside the gate, so a compile never stalls the
    other sessions. ``how`` goes to each ``train_now`` (e.g. the lab's ``mode="d"``). Returns
    the fewest steps any job did (fewer than ``steps`` after a divergence)."""
    turns = gate or _shared()
    done = {id(j): j.train_now(1, **how) for j in jobs if j.last_seconds_per_step is None}
    with turns.turn():
        for job in jobs:
            n = steps - done.get(id(job), 0)
            if n > 0 and not job.diverged:
                done[id(job)] = done.get(id(job), 0) + job.train_now(n, **how)
    return min((done.get(id(j), 0) for j in jobs), default=0)


def turn_seconds(playing: int | None = None) -> float:
    """How long one training turn lasts when ``playing`` sessions play (default: the
    LiveTrainers alive now): CHUNK_S for a few, shorter for a class, so that a whole round of
    turns, stretched by the gate's rests to 1 / share, still fits in ROUND_S and every page
    sees its step move at every refresh (30 sessions: 8 ms turns, each session trains every
    0.5 s). Never under MIN_CHUNK_S."""
    playing = live_trainer_threads() if playing is None else playing
    fair = ROUND_S * adaptive_share(playing) / max(1, playing)
    return max(MIN_CHUNK_S, min(CHUNK_S, fair))


def overrun_rest(turn_s: float, playing: int | None = None) -> float:
    """Seconds a session rests after a turn that held the gate ``turn_s`` seconds, over
    ``turn_seconds()``: a turn is at least one step, and one step of the heaviest settings
    (batch 4,096, width 512: 0.3-1 s) lasts far longer than a class's 8 ms turns. The session
    repays the overrun once to each other session playing, so its share of the gate stays
    about 1/N (deficit round robin); at most MAX_OVERRUN_REST_S. The wait in the queue before
    a turn is not part of it (counting it, every light session behind a heavy one rested for
    seconds), and ``repayment`` judges a session by its last few turns, not one."""
    playing = live_trainer_threads() if playing is None else playing
    over = turn_s - turn_seconds(playing)
    if over <= 0 or playing <= 1:
        return 0.0
    return min(MAX_OVERRUN_REST_S, over * (playing - 1))


def repayment(per_step_s: list[float], steps: int, playing: int | None = None) -> float:
    """The rest after a turn of ``steps`` steps, judged by the session's recent seconds per
    step held (``per_step_s``, the last few turns): the overrun_rest of a turn at the fastest
    of them. A heavy session's steps are slow in every turn and it repays; one turn of a light
    session stretched by a pause of the whole process (a full page run or a garbage
    collection holding Python's lock for 0.3 s) is not an overrun of its own (repaying it,
    29 x 0.3 s capped at 10 s, froze the page for 8 s)."""
    return overrun_rest(steps * min(per_step_s), playing) if per_step_s else 0.0


def turn_steps(jobs: list) -> int:
    """Steps per job that make one lockstep turn last about ``turn_seconds()`` (1 while a
    speed is unknown)."""
    if any(not j.last_seconds_per_step for j in jobs):
        return 1
    return max(1, int(turn_seconds() / sum(j.last_seconds_per_step for j in jobs)))


def train_in_turns(jobs: list, steps: int, gate: FairGate | None = None,
                   while_alone: bool = False, **how: Any) -> int:
    """Train ``jobs`` ``steps`` steps in lockstep turns of ``turn_seconds()``. ``while_alone``: stop
    early as soon as another session waits for a turn (a page training in its own script run
    must not queue behind a class: each of its turns would wait a whole round, holding the
    page for seconds). Returns the steps done (fewer after a divergence or when stopped)."""
    turns = gate or _shared()
    done = 0
    while done < steps:
        if while_alone and turns.waiting:
            break
        n = min(steps - done, turn_steps(jobs))
        did = train_turn(jobs, n, turns, **how)
        done += did
        if did < n:
            break
    return done


# ---- the background trainer ----------------------------------------------------------------
_TRAINERS: weakref.WeakSet[LiveTrainer] = weakref.WeakSet()  # every LiveTrainer started


def name_os_thread(name: str) -> None:
    """Give the calling thread an OS-visible name (Linux: /proc/PID/task/TID/comm), so a load
    test can count training threads from outside the server. Best effort elsewhere."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(15, name.encode()[:15], 0, 0, 0)  # PR_SET_NAME
    except (OSError, AttributeError):
        pass


def live_trainer_threads() -> int:
    """LiveTrainer threads alive in this process (all pages together)."""
    return sum(1 for t in list(_TRAINERS) if t.alive)


class LiveTrainer:
    """Trains a page's jobs in lockstep on one background thread while the page plays.

    Speed: at most ``steps_per_refresh`` steps every ``refresh_s`` seconds (the page's
    slow-motion control), in turns of about CHUNK_S seconds through ``gate``. It stops by itself
    when a job diverges or (``stop_at_target``) every job has reached its ``target_steps``, when
    the page has not called ``seen`` for ``lease_s`` seconds, or when ``is_connected()`` says
    the browser has gone; ``stopped`` then says why (a StopReason). ``stop()`` stops it from
    the page. It never calls Streamlit: it only trains the jobs, which the page reads."""

    def __init__(self, jobs: list, steps_per_refresh: int, refresh_s: float,
                 stop_at_target: bool = False, is_connected: Callable[[], bool] | None = None,
                 gate: FairGate | None = None, lease_s: float = LEASE_S):
        if refresh_s <= 0:
            raise ValueError(f"refresh_s must be positive, got {refresh_s}")
        self.jobs = list(jobs)
        self.refresh_s = refresh_s
        self.configure(steps_per_refresh, stop_at_target)
        self.is_connected = is_connected or (lambda: True)
        self.gate = gate
        self.lease_s = lease_s
        self.stopped: StopReason | None = None
        self.error: BaseException | None = None
        self._halt = threading.Event()
        self._seen_at = time.monotonic()
        self._thread = threading.Thread(target=self._loop, name=TRAIN_THREAD_NAME, daemon=True)

    def configure(self, steps_per_refresh: int, stop_at_target: bool) -> None:
        """Change the speed limit and the stop rule (the page's widgets) while running."""
        if steps_per_refresh < 1:
            raise ValueError(f"steps_per_refresh must be at least 1, got {steps_per_refresh}")
        self.steps_per_refresh = int(steps_per_refresh)
        self.stop_at_target = bool(stop_at_target)

    def start(self) -> LiveTrainer:
        _TRAINERS.add(self)
        self._thread.start()
        return self

    def seen(self) -> None:
        """The page refreshed: extend the lease."""
        self._seen_at = time.monotonic()

    @property
    def alive(self) -> bool:
        """The thread has not ended (it may be finishing its last turn after stop())."""
        return self._thread.is_alive()

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._halt.is_set()

    def stop(self, wait: bool = True, timeout: float = 10.0) -> None:
        """Stop after the current turn; ``wait``: until the thread has ended (at most one turn)."""
        self._halt.set()
        if wait and self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def steps_left(self) -> int | None:
        """Steps until the first job reaches its target; None when not stopping at targets."""
        if not self.stop_at_target:
            return None
        return min(j.target_steps - j.step for j in self.jobs)

    def _loop(self) -> None:
        name_os_thread(TRAIN_THREAD_NAME)
        reason = StopReason.STOPPED
        try:
            reason = self._train_until_stopped()
        except Exception as exc:  # shown by the page; the thread must not die silently
            self.error, reason = exc, StopReason.ERROR
        finally:
            self.stopped = reason
            self._halt.set()

    def _check(self, now: float, checked: float) -> tuple[StopReason | None, float]:
        """A reason to stop now, if any, and when the browser was last asked about."""
        if now - self._seen_at > self.lease_s:
            return StopReason.IDLE, checked
        if now - checked >= CONNECTED_CHECK_S:
            checked = now
            if not self.is_connected():
                return StopReason.DISCONNECTED, checked
        if any(j.diverged for j in self.jobs):
            return StopReason.DIVERGED, checked
        left = self.steps_left()
        if left is not None and left <= 0:
            return StopReason.TARGET, checked
        return None, checked

    def _train_until_stopped(self) -> StopReason:
        allowance, last, checked = 0.0, time.monotonic(), 0.0
        per_step: deque[float] = deque(maxlen=REPAY_TURNS)  # seconds per step held, lately
        turns = self.gate or _shared()
        while not self._halt.is_set():
            now = time.monotonic()
            reason, checked = self._check(now, checked)
            if reason is not None:
                return reason
            rate = self.steps_per_refresh / self.refresh_s
            want = min(turn_steps(self.jobs), max(1, int(rate * MAX_BURST_S)))
            left = self.steps_left()
            if left is not None:
                want = min(want, left)
            # a token bucket: steps are earned at ``rate`` and spent a turn at a time
            allowance = min(allowance + (now - last) * rate, max(float(want), rate * MAX_BURST_S))
            last = now
            if allowance < want:
                self._halt.wait((want - allowance) / rate)
                continue
            train_turn(self.jobs, want, gate=turns)
            allowance -= want
            per_step.append(turns.held_seconds / want)
            self._halt.wait(repayment(list(per_step), want))
        return StopReason.STOPPED


def refresh_period(playing_sessions: int, fastest: float = 0.2, per_session: float = 0.04,
                   slowest: float = 0.8) -> float:
    """Seconds between a playing page's refreshes when ``playing_sessions`` play on this server:
    ``fastest`` for a few, then ``per_session`` more per session in steps of ``fastest``, at
    most ``slowest``. Every refresh costs the server Python time (one GIL for all sessions)
    and the browser a redraw, so a classroom slows every page a little rather than the server
    falling behind all of them (20 sessions: 0.8 s). benchmarks/classroom_load.py measures it."""
    steps = round(per_session * max(1, playing_sessions) / fastest)
    return round(min(slowest, max(fastest, steps * fastest)), 3)
