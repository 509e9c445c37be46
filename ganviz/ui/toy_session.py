"""What the Toy GAN Lab page keeps per browser session, in plain Python (no streamlit).

A ``LabRun`` is one ToyTrainer plus what the page shows about it, all bounded so that a
classroom of sessions fits in memory: fixed-noise frames for the GIF (at most MAX_FRAMES,
thinned), a quality-metric history (MAX_QUALITY_POINTS, thinned), the trainer's per-step history
(ganviz.toy.trainer.HISTORY_CAP steps, about 7 MB) and a wall-clock steps/s meter.

While a page plays, a ``LiveTrainer`` (one background thread per session) trains its runs and
the page only draws, so training overlaps drawing, sending and the browser's rendering. Every
training call goes through ``GATE``, a process-wide first-come-first-served gate of TRAIN_SLOTS
turns of about CHUNK_S seconds: twenty sessions share the CPU evenly and none can starve the
others. ``REGISTRY`` releases the models of sessions whose browser has gone for good. Threads
never call Streamlit: they only train LabRuns, which the page reads.

Each session owns its LabRun objects; compiled functions are shared by the engine (per network
structure), weights and optimiser state are not. ``GANVIZ_TOY_XLA=0`` turns XLA compilation
off (seconds less per new network shape, fewer steps/s): the UI tests use it.
"""

from __future__ import annotations

import gc
import io
import json
import os
import tempfile
import threading
import time
import weakref
import zipfile
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from ganviz.toy.config import ToyConfig

MAX_FRAMES = 120           # GIF frames kept per run (older ones are thinned, not dropped)
FIRST_FRAME_EVERY = 50     # steps between GIF frames at the start
MAX_QUALITY_POINTS = 1000  # quality-metric samples kept per run
QUALITY_EVERY_S = 0.5      # at most this often while playing (the metric costs ~ms)
RATE_WINDOW_S = 3.0        # steps/s is measured over this much wall-clock time
STUCK_WINDOW = 2000        # steps of D accuracy that make a "stuck" warning
MAX_ZIP_BYTES = 200 * 2**20
CHUNK_S = 0.1              # one training turn lasts about this long: sessions take turns often
MAX_BURST_S = 0.25         # a LiveTrainer catches up at most this much of its speed limit
LEASE_S = 30.0             # a LiveTrainer stops when its page has not refreshed for this long
CONNECTED_CHECK_S = 1.0    # how often a LiveTrainer asks whether its browser is still there
SWEEP_S = 2.0              # how often the janitor looks for sessions gone for good
# training turns that may run at once, process-wide: one core is left to drawing and serving
TRAIN_SLOTS = int(os.environ.get("GANVIZ_TRAIN_SLOTS", "0")) or max(1, (os.cpu_count() or 2) - 1)
# at most this share of the wall-clock time goes to training, all sessions together
TRAIN_SHARE = float(os.environ.get("GANVIZ_TRAIN_SHARE", "0.5"))
# where the janitor writes its counts as JSON (for load tests; unset: nowhere)
STATUS_PATH = os.environ.get("GANVIZ_LIVE_STATUS")
TRAIN_THREAD_NAME = "ganviz-train"  # the OS name of training threads (/proc/PID/task/*/comm)


@dataclass(frozen=True)
class Frame:
    """One GIF frame: fixed-noise fake points at ``step`` (real shared between frames)."""

    step: int
    real: np.ndarray
    fake: np.ndarray


class RateMeter:
    """Steps per second of wall-clock time over the last ``window`` seconds (what the user
    sees: training, drawing and the browser's round trip together)."""

    def __init__(self, window: float = RATE_WINDOW_S):
        self.window = window
        self.marks: deque[tuple[float, int]] = deque()

    def mark(self, step: int, now: float | None = None) -> None:
        now = time.perf_counter() if now is None else now
        self.marks.append((now, step))
        while len(self.marks) > 2 and now - self.marks[1][0] >= self.window:
            self.marks.popleft()

    def clear(self) -> None:
        self.marks.clear()

    @property
    def rate(self) -> float | None:
        """Steps/s, or None until two marks at least 0.2 s apart exist."""
        if len(self.marks) < 2:
            return None
        (t0, s0), (t1, s1) = self.marks[0], self.marks[-1]
        if t1 - t0 < 0.2:
            return None
        return (s1 - s0) / (t1 - t0)


@dataclass
class QualityLog:
    """Quality metrics over training: ``steps`` and ``values[name]`` lists, bounded by
    thinning (every other sample is dropped when full, so the whole run stays visible)."""

    steps: list[int] = field(default_factory=list)
    values: dict[str, list[float]] = field(default_factory=dict)
    cap: int = MAX_QUALITY_POINTS

    def add(self, step: int, metrics: dict[str, float]) -> None:
        if self.steps and self.steps[-1] == step:
            return
        self.steps.append(step)
        for k, v in metrics.items():
            self.values.setdefault(k, [float("nan")] * (len(self.steps) - 1)).append(float(v))
        for k in self.values:
            if len(self.values[k]) < len(self.steps):
                self.values[k].append(float("nan"))
        if len(self.steps) > self.cap:
            self.steps = self.steps[::2]
            self.values = {k: v[::2] for k, v in self.values.items()}

    def arrays(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        return np.asarray(self.steps, np.float64), {k: np.asarray(v, np.float64)
                                                    for k, v in self.values.items()}

    def latest(self) -> dict[str, float]:
        """The last sample's finite metrics (a diverged generator's inf points have none)."""
        return {k: v[-1] for k, v in self.values.items() if v and np.isfinite(v[-1])}


class LabRun:
    """One trainer and what the page shows about it.

    ``lock`` guards the trainer's mutations: training (the page or its LiveTrainer thread),
    apply/reset (the page), saving (Streamlit's download thread). Reads need no lock: the
    trainer's state is a dict of immutable tensors that training replaces whole, so
    ``snapshot`` sees one consistent moment, and ``history()`` is a view published after each
    training call (History.extend swaps its arrays one by one)."""

    def __init__(self, config: ToyConfig, points: np.ndarray | None = None, trainer=None):
        from ganviz.toy.trainer import ToyTrainer

        self.trainer = trainer if trainer is not None else ToyTrainer(
            config, points=points, jit_compile=os.environ.get("GANVIZ_TOY_XLA", "1") != "0")
        self.lock = threading.Lock()
        self.meter = RateMeter()
        self.last_seconds_per_step: float | None = None
        self._version = 0  # bumped by apply/reset: a cached snapshot of the same step is stale
        self._publish_history()
        self._clear_views()
        _RUNS.add(self)

    def _clear_views(self) -> None:
        self.frames: list[Frame] = []
        self.frame_every = FIRST_FRAME_EVERY
        self.quality = QualityLog()
        self._quality_at = 0.0
        self._snapshot = None
        self.meter.clear()

    def _publish_history(self) -> None:
        from ganviz.toy.trainer import History

        h = self.trainer.history
        self._history = History(h.steps, dict(h.values))

    # ---- facts ---------------------------------------------------------------------------
    @property
    def config(self) -> ToyConfig:
        return self.trainer.config

    @property
    def step(self) -> int:
        return self.trainer.step

    @property
    def diverged_at(self) -> int | None:
        return self.trainer.diverged_at

    @property
    def dataset(self):
        return self.trainer.dataset

    @property
    def released(self) -> bool:
        return self.trainer is None

    def history(self):
        """The per-step History as of the last training call (safe while a thread trains)."""
        return self._history

    # ---- actions -------------------------------------------------------------------------
    def train_now(self, steps: int, mode: str = "both") -> int:
        """Train ``steps`` steps at once under the lock (no gate: see train_turn). Returns
        the steps done (fewer after a divergence)."""
        with self.lock:
            before = self.trainer.step
            t0 = time.perf_counter()
            self.trainer.train(steps, mode)
            dt = time.perf_counter() - t0
            done = self.trainer.step - before
            self._publish_history()
        if done:
            self.last_seconds_per_step = dt / done
        return done

    def train(self, steps: int, mode: str = "both", gate: "FairGate | None" = None) -> int:
        """Train ``steps`` steps in turns of about CHUNK_S through the process-wide gate.
        Returns the steps done (fewer after a divergence)."""
        done = 0
        while done < steps:
            n = min(steps - done, turn_steps([self]))
            did = train_turn([self], n, mode, gate)
            done += did
            if did < n:
                break
        return done

    def tick(self, steps: int, mode: str = "both") -> int:
        """Train ``steps`` steps (mode both, d or g), then record a frame and (throttled)
        the quality metric. Returns the steps actually done (fewer after a divergence)."""
        done = self.train(steps, mode)
        self.refresh()
        return done

    def refresh(self) -> None:
        """Before drawing: mark the steps/s meter, add a GIF frame and a quality sample when due."""
        self.meter.mark(self.step)
        self.record(force_quality=False)

    def apply(self, config: ToyConfig) -> list[str]:
        """Move to ``config``; returns the fields that forced new networks (then step 0)."""
        if config == self.config:
            return []
        with self.lock:
            engine = self.trainer.engine
            rebuilt = self.trainer.update_config(config)
            if self.trainer.engine is not engine:  # new compiled loop: speed unknown again
                self.last_seconds_per_step = None
            self._version += 1
            self._publish_history()
        self._snapshot = None
        if rebuilt:
            self._clear_views()
        return rebuilt

    def reset(self) -> None:
        """Fresh weights from the seed, step 0, empty history and views."""
        with self.lock:
            self.trainer.reset()
            self._version += 1
            self._publish_history()
        self._clear_views()

    def release(self) -> None:
        """Drop the networks, optimiser state and history: the session is gone for good.
        The LabRun is unusable afterwards (the page builds a new one if the user returns)."""
        with self.lock:
            self.trainer = None
        self.frames, self.quality, self._snapshot = [], QualityLog(), None
        self._history = None

    def snapshot(self):
        """The trainer's Snapshot, cached while the step (and config) stay the same."""
        snap, version = self._snapshot, self._version
        if snap is None or snap[0] != version or snap[1].step != self.step:
            snap = (version, self.trainer.snapshot())
            self._snapshot = snap
        return snap[1]

    def record(self, force_quality: bool = True) -> None:
        """Add a GIF frame when due, and a quality sample (at most every QUALITY_EVERY_S s
        unless forced)."""
        snap = self.snapshot()
        if not self.frames or snap.step >= self.frames[-1].step + self.frame_every:
            self.frames.append(Frame(snap.step, snap.real, snap.fake))
            if len(self.frames) > MAX_FRAMES:
                self.frames = self.frames[::2]
                self.frame_every *= 2
        now = time.perf_counter()
        if force_quality or now - self._quality_at >= QUALITY_EVERY_S:
            if not self.quality.steps or self.quality.steps[-1] != snap.step:
                self.quality.add(snap.step, self.quality_now(snap))
                self._quality_at = now

    def quality_now(self, snap=None) -> dict[str, float]:
        """The dataset's quality on the fixed-noise fake points of ``snap`` (see live_quality)."""
        snap = snap or self.snapshot()
        ds = self.dataset
        return live_quality(snap.fake, snap.real, ds.centres, ds.std, self.config.dataset,
                            self.config.circle_radius)

    # ---- export --------------------------------------------------------------------------
    def gif(self) -> bytes:
        from ganviz.export import training_gif

        frames = list(self.frames)
        if not frames:
            snap = self.snapshot()
            frames = [Frame(snap.step, snap.real, snap.fake)]
        return training_gif(frames, self.dataset.display_range)

    def history_csv(self) -> str:
        with self.lock:
            return self.trainer.history.to_csv()

    def model_zip(self) -> bytes:
        """The trainer's save() folder as a zip (config, weights, history, card)."""
        with tempfile.TemporaryDirectory() as tmp:
            with self.lock:
                folder = self.trainer.save(Path(tmp) / "toy_gan")
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
                for f in sorted(folder.iterdir()):
                    zf.write(f, f"toy_gan/{f.name}")
            return buf.getvalue()

    @classmethod
    def from_zip(cls, data: bytes) -> "LabRun":
        """A LabRun from ``model_zip()`` bytes. Raises ValueError for anything else."""
        from ganviz.toy.trainer import ToyTrainer

        if len(data) > MAX_ZIP_BYTES:
            raise ValueError(f"model file too large: {len(data):,} bytes (at most {MAX_ZIP_BYTES:,})")
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise ValueError("not a zip file: download a model from this page's Export and "
                             "upload that file") from None
        with zf, tempfile.TemporaryDirectory() as tmp:
            names = [n for n in zf.namelist() if not n.endswith("/")]
            allowed = {"config.json", "weights.npz", "history.csv", "card.json", "points.npy"}
            total = 0
            for n in names:
                base = Path(n).name
                if base not in allowed or ".." in Path(n).parts or n.startswith("/"):
                    raise ValueError(f"unexpected file in the model zip: {n!r}")
                total += zf.getinfo(n).file_size
            if total > MAX_ZIP_BYTES:
                raise ValueError("model zip unpacks to more than 200 MB")
            if "config.json" not in {Path(n).name for n in names}:
                raise ValueError("not a saved toy GAN: config.json is missing from the zip")
            out = Path(tmp) / "model"
            out.mkdir()
            for n in names:
                (out / Path(n).name).write_bytes(zf.read(n))
            trainer = ToyTrainer.load(out)
        run = cls(trainer.config, trainer=trainer)
        run.record()
        return run


# ---- live training: one thread per playing session, fair turns, release of gone sessions ---
_RUNS: "weakref.WeakSet[LabRun]" = weakref.WeakSet()          # every LabRun alive
_TRAINERS: "weakref.WeakSet[LiveTrainer]" = weakref.WeakSet()  # every LiveTrainer started


class FairGate:
    """At most ``slots`` training turns at once, granted first come, first served, and busy at
    most ``share`` of the wall-clock time while several sessions want turns. With turns of
    about CHUNK_S seconds, N playing sessions each get 1/N of the training time and none can
    starve the others (a plain lock or semaphore lets a thread that releases and re-acquires at
    once win again). ``share`` keeps CPU for serving and drawing the pages: XLA runs one turn on
    all of TensorFlow's pool threads (every core), so twenty sessions that each want all the
    steps they may have would otherwise leave the server nothing. A session training alone is
    held by its own speed limit instead."""

    def __init__(self, slots: int = TRAIN_SLOTS, share: float = TRAIN_SHARE):
        if slots < 1:
            raise ValueError(f"slots must be at least 1, got {slots}")
        if not 0 < share <= 1:
            raise ValueError(f"share must be in (0, 1], got {share}")
        self.slots, self.share = slots, share
        self._cond = threading.Condition()
        self._queue: deque[object] = deque()
        self._running = 0
        self._rest_until = 0.0

    @contextmanager
    def turn(self) -> Iterator[None]:
        ticket = object()
        with self._cond:
            self._queue.append(ticket)
            try:
                while True:
                    if self._queue[0] is ticket and self._running < self.slots:
                        rest = self._rest_until - time.monotonic()
                        if rest <= 0:
                            break
                        self._cond.wait(rest)
                    else:
                        self._cond.wait()
            except BaseException:
                self._queue.remove(ticket)
                self._cond.notify_all()
                raise
            self._queue.popleft()
            self._running += 1
            self._cond.notify_all()  # the next in line may take another free slot
        start = time.monotonic()
        try:
            yield
        finally:
            end = time.monotonic()
            with self._cond:
                self._running -= 1
                if self.share < 1 and self._queue:  # others wait: rest, so that turns fill at
                    # most ``share`` of the time (one session alone is held by its speed limit)
                    rest = (end - start) * (1 - self.share) / self.share / self.slots
                    self._rest_until = max(self._rest_until, end + rest)
                self._cond.notify_all()

    @property
    def waiting(self) -> int:
        return len(self._queue)

    @property
    def idle(self) -> bool:
        """No turn running and none waiting."""
        return not self._queue and self._running == 0


GATE = FairGate()


def train_turn(runs: list[LabRun], steps: int, mode: str = "both", gate: FairGate | None = None) -> int:
    """Train each of ``runs`` ``steps`` steps (lockstep) in one turn of ``gate``. A run whose
    speed is unknown (a new network shape: its first call compiles, seconds) trains its first
    step outside the gate, so a compile never stalls the other sessions. Returns the fewest
    steps any run did (fewer than ``steps`` after a divergence)."""
    gate = gate or GATE
    done = {id(r): r.train_now(1, mode) for r in runs if r.last_seconds_per_step is None}
    with gate.turn():
        for run in runs:
            n = steps - done.get(id(run), 0)
            if n > 0 and run.diverged_at is None:
                done[id(run)] = done.get(id(run), 0) + run.train_now(n, mode)
    return min((done.get(id(r), 0) for r in runs), default=0)


def turn_steps(runs: list[LabRun]) -> int:
    """Steps per run that make one lockstep turn last about CHUNK_S (1 while a speed is unknown)."""
    if any(not r.last_seconds_per_step for r in runs):
        return 1
    return max(1, int(CHUNK_S / sum(r.last_seconds_per_step for r in runs)))


def _name_os_thread(name: str) -> None:
    """Give the calling thread an OS-visible name (Linux: /proc/PID/task/TID/comm), so a load
    test can count training threads from outside the server. Best effort elsewhere."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(15, name.encode()[:15], 0, 0, 0)  # PR_SET_NAME
    except (OSError, AttributeError):
        pass


class LiveTrainer:
    """Trains a session's runs in lockstep on one background thread while its page plays.

    Speed: at most ``steps_per_refresh`` steps every ``refresh_s`` seconds (the page's
    slow-motion control), in turns of about CHUNK_S seconds through ``gate``. It stops by itself
    when a run diverges or (``stop_at_recommended``) reaches its config's recommended steps,
    when the page has not called ``seen`` for ``lease_s`` seconds, or when ``is_connected()``
    says the browser has gone; ``stopped`` then says why. ``stop()`` stops it from the page.
    It never calls Streamlit: it only trains the LabRuns, which the page reads and draws."""

    def __init__(self, runs: list[LabRun], steps_per_refresh: int, refresh_s: float,
                 stop_at_recommended: bool = False, is_connected: Callable[[], bool] | None = None,
                 gate: FairGate | None = None, lease_s: float = LEASE_S):
        if refresh_s <= 0:
            raise ValueError(f"refresh_s must be positive, got {refresh_s}")
        self.runs = list(runs)
        self.refresh_s = refresh_s
        self.configure(steps_per_refresh, stop_at_recommended)
        self.is_connected = is_connected or (lambda: True)
        self.gate = gate or GATE
        self.lease_s = lease_s
        self.stopped: str | None = None   # diverged, recommended, idle, disconnected, stopped, error
        self.error: BaseException | None = None
        self._halt = threading.Event()
        self._seen_at = time.monotonic()
        self._thread = threading.Thread(target=self._loop, name=TRAIN_THREAD_NAME, daemon=True)

    def configure(self, steps_per_refresh: int, stop_at_recommended: bool) -> None:
        """Change the speed limit and the stop rule (the page's widgets) while running."""
        if steps_per_refresh < 1:
            raise ValueError(f"steps_per_refresh must be at least 1, got {steps_per_refresh}")
        self.steps_per_refresh = int(steps_per_refresh)
        self.stop_at_recommended = bool(stop_at_recommended)

    def start(self) -> "LiveTrainer":
        _TRAINERS.add(self)
        self._thread.start()
        return self

    def seen(self) -> None:
        """The page refreshed: extend the lease."""
        self._seen_at = time.monotonic()

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._halt.is_set()

    def stop(self, wait: bool = True, timeout: float = 10.0) -> None:
        """Stop after the current turn; ``wait``: until the thread has ended (at most one turn)."""
        self._halt.set()
        if wait and self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def _left(self) -> int | None:
        if not self.stop_at_recommended:
            return None
        return min(r.config.steps - r.step for r in self.runs)

    def _loop(self) -> None:
        _name_os_thread(TRAIN_THREAD_NAME)
        reason = "stopped"
        allowance, last, checked = 0.0, time.monotonic(), 0.0
        try:
            while not self._halt.is_set():
                now = time.monotonic()
                if now - self._seen_at > self.lease_s:
                    reason = "idle"
                    break
                if now - checked >= CONNECTED_CHECK_S:
                    checked = now
                    if not self.is_connected():
                        reason = "disconnected"
                        break
                if any(r.diverged_at is not None for r in self.runs):
                    reason = "diverged"
                    break
                left = self._left()
                if left is not None and left <= 0:
                    reason = "recommended"
                    break
                rate = self.steps_per_refresh / self.refresh_s
                want = min(turn_steps(self.runs), max(1, int(rate * MAX_BURST_S)))
                if left is not None:
                    want = min(want, left)
                # a token bucket: steps are earned at ``rate`` and spent a turn at a time
                allowance = min(allowance + (now - last) * rate, max(float(want), rate * MAX_BURST_S))
                last = now
                if allowance < want:
                    self._halt.wait((want - allowance) / rate)
                    continue
                train_turn(self.runs, want, gate=self.gate)
                allowance -= want
        except Exception as exc:  # shown by the page; the thread must not die silently
            self.error, reason = exc, "error"
        finally:
            self.stopped = reason
            self._halt.set()


@dataclass
class _Session:
    owner: "weakref.ref"
    is_connected: Callable[[], bool]
    release_after_s: float
    gone_since: float | None = None


class SessionRegistry:
    """Sessions that hold LabRuns, so that a browser gone for good releases its models.

    A page registers its session with an ``owner`` (anything with ``release()``; held weakly),
    an ``is_connected`` callable (the page asks Streamlit's runtime) and ``release_after_s``
    (Streamlit's ``server.disconnectedSessionTTL``: how long a closed tab may come back to its
    session). A janitor thread, alive only while sessions are registered, calls ``sweep`` every
    ``sweep_s`` seconds; ``sweep`` releases each session disconnected for longer than its
    ``release_after_s`` and forgets owners Python has already freed. ``stats`` counts what is
    left (and the janitor writes it to ``status_path`` as JSON when one is given)."""

    def __init__(self, sweep_s: float = SWEEP_S, status_path: str | None = None):
        self.sweep_s = sweep_s
        self.status_path = status_path
        self.released = 0
        self._lock = threading.Lock()
        self._sessions: dict[str, _Session] = {}
        self._janitor: threading.Thread | None = None

    def register(self, session_id: str, owner, is_connected: Callable[[], bool],
                 release_after_s: float, janitor: bool = True) -> None:
        with self._lock:
            self._sessions[session_id] = _Session(weakref.ref(owner), is_connected, release_after_s)
            if janitor and (self._janitor is None or not self._janitor.is_alive()):
                self._janitor = threading.Thread(target=self._janitor_loop, name="ganviz-janitor",
                                                 daemon=True)
                self._janitor.start()

    def __len__(self) -> int:
        return len(self._sessions)

    def sweep(self, now: float | None = None) -> int:
        """Release the sessions disconnected for longer than their grace. Returns how many."""
        now = time.monotonic() if now is None else now
        gone = []
        with self._lock:
            for session_id, entry in list(self._sessions.items()):
                owner = entry.owner()
                if owner is None:
                    del self._sessions[session_id]
                    continue
                try:
                    connected = entry.is_connected()
                except Exception:  # the runtime is shutting down: nobody can come back
                    connected = False
                if connected:
                    entry.gone_since = None
                    continue
                entry.gone_since = now if entry.gone_since is None else entry.gone_since
                if now - entry.gone_since >= entry.release_after_s:
                    gone.append(owner)
                    del self._sessions[session_id]
        for owner in gone:
            owner.release()
        if gone:
            self.released += len(gone)
            gc.collect()  # networks sit in reference cycles (Keras/TF objects): free them now
        return len(gone)

    def stats(self) -> dict[str, int]:
        """sessions registered, LiveTrainer threads alive, LabRuns holding a model, released."""
        return {"sessions": len(self._sessions), "trainers": live_trainer_threads(),
                "runs": sum(1 for r in list(_RUNS) if not r.released), "released": self.released}

    def _janitor_loop(self) -> None:
        _name_os_thread("ganviz-janitor")
        while True:
            time.sleep(self.sweep_s)
            self.sweep()
            self._write_status()
            with self._lock:
                if not self._sessions:
                    self._janitor = None
                    return

    def _write_status(self) -> None:
        if not self.status_path:
            return
        try:
            tmp = f"{self.status_path}.tmp"
            Path(tmp).write_text(json.dumps(dict(self.stats(), time=time.time())))
            os.replace(tmp, self.status_path)
        except OSError:
            pass


def refresh_period(playing_sessions: int, fastest: float = 0.2, per_session: float = 0.04,
                   slowest: float = 0.8) -> float:
    """Seconds between a playing page's refreshes when ``playing_sessions`` play on this server:
    ``fastest`` for a few, then ``per_session`` more per session in steps of ``fastest``, at
    most ``slowest``. Each refresh costs the server ~10-20 ms of Python (one GIL for all
    sessions) and the browser ~0.1 s of drawing, so a classroom slows every page a little
    rather than the server falling behind all of them (20 sessions: 0.8 s)."""
    steps = round(per_session * max(1, playing_sessions) / fastest)
    return round(min(slowest, max(fastest, steps * fastest)), 3)


def live_trainer_threads() -> int:
    """LiveTrainer threads alive in this process."""
    return sum(1 for t in list(_TRAINERS) if t._thread.is_alive())


REGISTRY = SessionRegistry(status_path=STATUS_PATH)


def live_quality(fake: np.ndarray, real: np.ndarray, centres: np.ndarray | None, std: float | None,
                 dataset: str, radius: float = 1.0, max_points: int = 256) -> dict[str, float]:
    """The one quality measure a dataset's chart shows, cheap enough for every refresh:
    modes captured and high-quality fraction where the dataset has modes (VEEGAN/PacGAN
    definition), radial error and angular spread for the circle, otherwise the energy
    distance on ``max_points`` points of each. Non-finite samples count as misses."""
    from ganviz.toy import metrics

    fake = np.asarray(fake, np.float64)
    finite = np.isfinite(fake).all(axis=1)
    if finite.sum() < 2:
        return {}
    if centres is not None and std is not None:
        mc = metrics.mode_coverage(fake, centres, std)
        return {"modes": mc.modes, "n_modes": mc.n_modes, "high_quality": mc.high_quality}
    if dataset == "circle":
        return metrics.circle_diagnostics(fake[finite], radius).to_dict()
    return {"energy_distance": metrics.energy_distance(fake[finite], real, max_points=max_points)}


# ---- plain-language diagnosis ------------------------------------------------------------
def training_warnings(history, diverged_at: int | None, window: int = STUCK_WINDOW) -> list[str]:
    """Warnings a student can act on, from a History (steps, values) and the divergence step.

    - diverged: training hit NaN/Inf; the last good state is kept.
    - D accuracy (mean of real and fake) within 0.05 of 0.5 over the last ``window`` steps:
      D cannot tell real from fake.
    - D accuracy above 0.95 over the last ``window`` steps: D wins every time and G's
      gradient fades (the vanishing-gradient failure of the original GAN)."""
    out = []
    if diverged_at is not None:
        out.append(f"Training diverged at step {diverged_at:,} (a NaN or infinite value). "
                   "Training is paused and the last good state is shown. Try smaller learning "
                   "rates, a Wasserstein-GP or least-squares loss, then Reset.")
    if len(history) >= window:
        real = history.last("d_accuracy_real", window)
        fake = history.last("d_accuracy_fake", window)
        if np.isfinite(real) and np.isfinite(fake):
            acc = (real + fake) / 2
            if abs(acc - 0.5) < 0.05:
                out.append(f"D's accuracy has stayed near 50% ({acc:.0%}) for the last {window:,} "
                           "steps: D cannot tell real from fake. Either G has learned the data "
                           "(check the plot) or D is too weak to teach G anything.")
            elif acc > 0.95:
                out.append(f"D's accuracy has stayed near 100% ({acc:.0%}) for the last {window:,} "
                           "steps: D wins every time, so G gets almost no useful gradient. Try a "
                           "smaller D learning rate, label smoothing or the non-saturating loss.")
    return out


# ---- your own data: the drawing canvas ---------------------------------------------------
def canvas_points(json_data: dict | None, width: int, height: int, display_range,
                  spacing: float = 3.0) -> np.ndarray:
    """Points drawn on a Fabric.js canvas (streamlit-drawable-canvas ``json_data``) in data
    coordinates. Point/circle objects give their centre; free-drawn paths and lines are
    resampled every ``spacing`` pixels along the stroke. Returns float32 (n, 2), maybe empty.

    Canvas pixels (0, 0) top-left map to (xmin, ymax); (width, height) to (xmax, ymin)."""
    pixels: list[tuple[float, float]] = []
    for obj in (json_data or {}).get("objects", []) or []:
        kind = obj.get("type", "")
        left, top = float(obj.get("left", 0)), float(obj.get("top", 0))
        if kind == "circle":
            r = float(obj.get("radius", 0)) * float(obj.get("scaleX", 1))
            origin_centre = obj.get("originX") == "center"
            cx, cy = (left, top) if origin_centre else (left + r, top + r)
            pixels.append((cx, cy))
        elif kind == "path":
            pts = []
            for cmd in obj.get("path", []) or []:
                nums = [float(v) for v in cmd[1:] if isinstance(v, (int, float))]
                # the command's end point is its last pair (Q has a control point first)
                if len(nums) >= 2:
                    pts.append((nums[-2], nums[-1]))
            pixels.extend(_resample(pts, spacing))
        elif kind == "line":
            # Fabric lines are stored relative to their centre (left/top are the bbox corner)
            x1, y1 = float(obj.get("x1", 0)), float(obj.get("y1", 0))
            x2, y2 = float(obj.get("x2", 0)), float(obj.get("y2", 0))
            cx = left + abs(x2 - x1) / 2
            cy = top + abs(y2 - y1) / 2
            pixels.extend(_resample([(cx + x1, cy + y1), (cx + x2, cy + y2)], spacing))
    if not pixels:
        return np.zeros((0, 2), np.float32)
    p = np.asarray(pixels, np.float64)
    (x0, x1r), (y0, y1r) = display_range
    x = x0 + p[:, 0] / width * (x1r - x0)
    y = y1r - p[:, 1] / height * (y1r - y0)
    return np.stack([x, y], axis=1).astype(np.float32)


def _resample(points: list[tuple[float, float]], spacing: float) -> list[tuple[float, float]]:
    """Points every ``spacing`` along a polyline (its vertices when it is shorter)."""
    if len(points) < 2:
        return list(points)
    p = np.asarray(points, np.float64)
    seg = np.linalg.norm(np.diff(p, axis=0), axis=1)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    if cum[-1] < spacing:
        return [tuple(q) for q in p]
    t = np.arange(0.0, cum[-1] + 1e-9, spacing)
    x = np.interp(t, cum, p[:, 0])
    y = np.interp(t, cum, p[:, 1])
    return list(zip(x.tolist(), y.tolist()))


# ---- docs/why-circles-fail.md ------------------------------------------------------------
def doc_table(path: str | Path) -> str | None:
    """The first Markdown table of ``path`` (its consecutive lines starting with '|'), under
    the nearest heading above it in bold; None if the file or a table is missing."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    start = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("|")), None)
    if start is None:
        return None
    end = start
    while end < len(lines) and lines[end].lstrip().startswith("|"):
        end += 1
    table = lines[start:end]
    if len(table) < 2:
        return None
    heading = next((ln.lstrip("#").strip() for ln in reversed(lines[:start])
                    if ln.startswith("#")), "")
    return (f"**{heading}**\n\n" if heading else "") + "\n".join(table)
