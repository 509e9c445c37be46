"""A batch x width sweep as one live job (no streamlit).

``SweepJob`` wraps a ``ganviz.toy.sweep.Sweep`` (a grid of toy GANs trained as a few stacked
engines) so that the Batch x Width page trains it the way the Toy GAN Lab trains its runs: on
a ``LiveTrainer`` thread, in turns of the shared ``FairGate``, up to ``target_steps`` (the
page's "Train to"). The page only draws: ``refresh`` takes the snapshot it draws (skipped,
keeping the last one, while a turn trains, so a refresh never waits for a compile), and
``finish`` computes the final metrics once training has reached the target.
``GANVIZ_TOY_XLA=0`` turns XLA compilation off, as for the lab's runs.
"""

from __future__ import annotations

import threading
import time

from ganviz.live import sessions
from ganviz.live.run import toy_xla
from ganviz.toy.sweep import Sweep, SweepConfig, SweepResult, SweepSnapshot


class SweepJob:
    """One session's Sweep, trained live. ``snapshot`` / ``live_metrics``: what the page draws
    (per run: fake points, and the cheap live metrics of those points); ``result``: the final
    metrics once computed; ``finish_due``: training has reached the target since the last
    ``finish``. The grid never stops for a diverged cell (it is drawn in red), so ``diverged``
    is always False."""

    diverged = False

    def __init__(self, config: SweepConfig, target_steps: int, sweep: Sweep | None = None):
        self.config = config
        self.sweep: Sweep | None = (sweep if sweep is not None
                                    else Sweep(config, jit_compile=toy_xla()))
        self.target_steps = int(target_steps)
        self.lock = threading.Lock()
        self.last_seconds_per_step: float | None = None
        self.snapshot: SweepSnapshot | None = None
        self.live_metrics: list[dict[str, float]] = []
        self.result: SweepResult | None = None
        self.finish_due = False
        sessions.track(self)
        self.refresh()

    @property
    def step(self) -> int:
        return self.sweep.step if self.sweep is not None else 0

    @property
    def released(self) -> bool:
        return self.sweep is None

    @property
    def compiled(self) -> bool:
        """The stacked engines have trained once (their first call compiles them)."""
        return self.last_seconds_per_step is not None

    def train_now(self, steps: int) -> int:
        """Train every run ``steps`` steps at once under the lock (no gate: see
        ``ganviz.live.scheduler.train_turn``). Returns ``steps``."""
        with self.lock:
            t0 = time.perf_counter()
            self.sweep.train(steps)
            self.last_seconds_per_step = (time.perf_counter() - t0) / steps
            if self.sweep.step >= self.target_steps:
                self.finish_due = True
        return steps

    def refresh(self, wait: bool = True) -> bool:
        """Take a new snapshot and its live metrics, unless the last one is of this step.
        ``wait`` False: while a turn trains (or compiles), keep the last snapshot instead of
        waiting for it. Returns True when it took one."""
        if self.snapshot is not None and self.snapshot.step == self.step:
            return False
        if not self.lock.acquire(blocking=wait):
            return False
        try:
            snap = self.sweep.snapshot()
        finally:
            self.lock.release()
        self.snapshot, self.live_metrics = snap, self.sweep.snapshot_metrics(snap)
        return True

    def finish(self) -> SweepResult:
        """Samples and final metrics of every run at the current step."""
        with self.lock:
            self.result = self.sweep.result()
            self.finish_due = False
        return self.result

    def release(self) -> None:
        """Drop the engines and histories: the session is gone for good (unusable after)."""
        with self.lock:
            self.sweep = None
        self.snapshot, self.live_metrics, self.result = None, [], None
