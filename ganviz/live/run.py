"""One toy GAN of the Toy GAN Lab and what the page shows about it (no streamlit).

A ``LabRun`` is one ToyTrainer plus its views, all bounded so that a classroom of sessions
fits in memory: fixed-noise frames for the GIF (at most MAX_FRAMES, thinned), a quality-metric
history (``QualityLog``, thinned), the trainer's per-step history (capped by the trainer) and a
wall-clock steps/s meter (``RateMeter``). It is a ``LiveJob``: a ``LiveTrainer`` may train it
on a background thread while the page reads it. ``training_warnings`` turns its history into
advice a student can act on.

Each session owns its LabRun objects; compiled functions are shared by the engine (per network
structure), weights and optimiser state are not. ``GANVIZ_TOY_XLA=0`` turns XLA compilation
off (a faster first step for each new network shape, fewer steps/s after): the UI tests use it.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from ganviz.live import sessions
from ganviz.live.scheduler import FairGate, train_in_turns
from ganviz.toy import model_zip
from ganviz.toy.config import ToyConfig
from ganviz.toy.metrics import live_quality

MAX_FRAMES = 120           # GIF frames kept per run (older ones are thinned, not dropped)
FIRST_FRAME_EVERY = 50     # steps between GIF frames at the start
MAX_QUALITY_POINTS = 1000  # quality-metric samples kept per run
QUALITY_EVERY_S = 0.5      # at most this often while playing (the metric is not free)
RATE_WINDOW_S = 3.0        # steps/s is measured over this much wall-clock time
STUCK_WINDOW = 2000        # steps of D accuracy that make a "stuck" warning


def toy_xla() -> bool:
    """Compile toy GANs with XLA unless ``GANVIZ_TOY_XLA=0``."""
    return os.environ.get("GANVIZ_TOY_XLA", "1") != "0"


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
            config, points=points, jit_compile=toy_xla())
        self.lock = threading.Lock()
        self.meter = RateMeter()
        self.last_seconds_per_step: float | None = None
        self._version = 0  # bumped by apply/reset: a cached snapshot of the same step is stale
        self._publish_history()
        self._clear_views()
        sessions.track(self)

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

    # ---- facts (the LiveJob protocol among them) ---------------------------------------
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
    def diverged(self) -> bool:
        return self.trainer.diverged_at is not None

    @property
    def target_steps(self) -> int:
        """The config's recommended steps (where "Pause at the recommended steps" pauses)."""
        return self.trainer.config.steps

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
        """Train ``steps`` steps at once under the lock (no gate: see ``train``). Returns
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

    def train(self, steps: int, mode: str = "both", gate: FairGate | None = None) -> int:
        """Train ``steps`` steps in short turns through the fair gate (default: the shared
        one). Returns the steps done (fewer after a divergence)."""
        return train_in_turns([self], steps, gate, mode=mode)

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

    # ---- views ---------------------------------------------------------------------------
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
        """The dataset's quality on the fixed-noise fake points of ``snap`` (live_quality)."""
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
        with self.lock:
            return model_zip.to_zip(self.trainer)

    @classmethod
    def from_zip(cls, data: bytes) -> LabRun:
        """A LabRun from ``model_zip()`` bytes. Raises ValueError for anything else."""
        trainer = model_zip.trainer_from_zip(data)
        run = cls(trainer.config, trainer=trainer)
        run.record()
        return run


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
                out.append(f"D's accuracy has stayed near 50% ({acc:.0%}) for the last "
                           f"{window:,} steps: D cannot tell real from fake. Either G has "
                           "learned the data (check the plot) or D is too weak to teach G "
                           "anything.")
            elif acc > 0.95:
                out.append(f"D's accuracy has stayed near 100% ({acc:.0%}) for the last "
                           f"{window:,} steps: D wins every time, so G gets almost no useful "
                           "gradient. Try a smaller D learning rate, label smoothing or the "
                           "non-saturating loss.")
    return out
