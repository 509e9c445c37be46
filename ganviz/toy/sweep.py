"""Batch-size x width sweeps: a grid of toy GANs trained together as a few stacked engines.

    config = SweepConfig(presets.config("so-question"), batch_sizes=(32, 256), widths=(16, 64))
    sweep = Sweep(config)
    sweep.train(500)                      # all runs, 500 generator steps each (repeatable)
    snap = sweep.snapshot()               # SweepSnapshot: fake points per run, for a live page
    result = sweep.result()               # SweepResult: per-run history, samples, metrics

The grid is batch sizes x widths x seeds; every other field comes from ``base``. Runs share
their structure (depth, loss, optimizer, ...), so ``ganviz.toy.engine.Engine`` can train many
of them in one compiled loop (a leading run axis, smaller batches and widths zero-padded and
masked). Padding costs work, so the grid is split into at most ``max_stacks`` stacks chosen to
minimise the padded work (``ganviz.toy.sweep_plan``). Each run equals a single ``ToyTrainer``
run of the same config and seed to float tolerance (tests/test_sweep.py checks it). Stacks
train one after another; each compiles on a background thread while the one before trains
(``SweepTimes`` says where the seconds went).

What "width" means (``width_of`` picks the networks, default the generator, as in the accepted
Stack Overflow answer's fix "a smaller generator (16 and 32 units)"):
- a network given per-layer widths (``g_layers="64,128"`` in the so-question preset) keeps its
  shape and is scaled so its first layer has ``width`` units: width 16 gives "16,32";
- a network given by depth x width (``g_width``) gets ``g_width = width``.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from ganviz.toy.config import RANGES, ToyConfig
from ganviz.toy.engine import draw_latent
from ganviz.toy.sweep_plan import (  # noqa: F401  (re-exported: tests have always used them)
    padded_work,
    plan_stacks,
    run_work,
)

WIDTH_OF = ("g", "d", "both")
MAX_RUNS = 256
MAX_SEEDS = 16
SNAPSHOT_POINTS = 256  # fake points per run kept for the live small multiples
METRIC_SAMPLES = 2500  # generator samples per run for the final metrics (VEEGAN/PacGAN: 2,500)
# lower is better for these metrics; the rest (modes, high_quality, angular_coverage) higher
LOWER_IS_BETTER = frozenset({"energy_distance", "sliced_wasserstein", "grid_js", "radial_error",
                             "angular_tv"})


# ---- the grid ------------------------------------------------------------------------------
def scale_layers(hidden: tuple[int, ...], width: int) -> str:
    """Per-layer widths scaled so the first is ``width``, ratios kept: (64, 128), 16 -> "16,32"."""
    lo, hi = RANGES["g_width"]
    widths = [max(int(lo), round(h * width / hidden[0])) for h in hidden]
    if max(widths) > hi:
        raise ValueError(f"width {width} makes layers {widths}; each must be at most {int(hi)}")
    return ",".join(str(w) for w in widths)


def with_width(base: ToyConfig, width: int, width_of: str = "g") -> ToyConfig:
    """``base`` with the generator's, the discriminator's or both networks' width set."""
    if width_of not in WIDTH_OF:
        raise ValueError(f"width_of must be one of {', '.join(WIDTH_OF)}, got {width_of!r}")
    changes: dict = {}
    for net in ("g", "d"):
        if width_of not in (net, "both"):
            continue
        if getattr(base, f"{net}_layers"):
            changes[f"{net}_layers"] = scale_layers(getattr(base, f"{net}_hidden"), width)
        else:
            changes[f"{net}_width"] = width
    return base.replace(**changes)


def parse_int_list(text: str, name: str) -> tuple[int, ...]:
    """"32,64,128" -> (32, 64, 128); ValueError naming ``name`` otherwise."""
    try:
        values = tuple(int(v) for v in str(text).split(",") if v.strip())
    except ValueError:
        raise ValueError(f"{name} must be comma-separated whole numbers, got {text!r}") from None
    if not values:
        raise ValueError(f"{name} needs at least one value")
    return values


@dataclass(frozen=True)
class SweepConfig:
    """A grid of toy GANs: batch_sizes x widths x ``seeds`` seeds (base.seed, base.seed + 1, ...).

    base: every other field. width_of: "g", "d" or "both" (see the module docstring).
    max_stacks: most compiled engines the grid is split into (1 = one stack, most padding).
    steps: the planned generator steps (default base.steps); it weighs compilation against
        padded work when the grid is split into stacks.
    """

    base: ToyConfig
    batch_sizes: tuple[int, ...] = (32, 64, 128, 256)
    widths: tuple[int, ...] = (8, 16, 32, 64)
    seeds: int = 1
    width_of: str = "g"
    max_stacks: int = 6
    steps: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "batch_sizes", tuple(int(b) for b in self.batch_sizes))
        object.__setattr__(self, "widths", tuple(int(w) for w in self.widths))
        for name, values, key in (("batch_sizes", self.batch_sizes, "batch_size"),
                                  ("widths", self.widths, "g_width")):
            lo, hi = RANGES[key]
            if not values:
                raise ValueError(f"{name} needs at least one value")
            if len(set(values)) != len(values):
                raise ValueError(f"{name} has repeated values: {values}")
            bad = [v for v in values if not lo <= v <= hi]
            if bad:
                raise ValueError(f"{name} must each be {int(lo)}..{int(hi)}, got {bad[0]}")
        if not 1 <= self.seeds <= MAX_SEEDS:
            raise ValueError(f"seeds must be 1..{MAX_SEEDS}, got {self.seeds}")
        if self.width_of not in WIDTH_OF:
            raise ValueError(f"width_of must be one of {', '.join(WIDTH_OF)}, "
                             f"got {self.width_of!r}")
        if self.steps is not None and not 1 <= self.steps <= RANGES["steps"][1]:
            raise ValueError(f"steps must be 1..{int(RANGES['steps'][1])}, got {self.steps}")
        if not 1 <= self.max_stacks <= 64:
            raise ValueError(f"max_stacks must be 1..64, got {self.max_stacks}")
        n = len(self.batch_sizes) * len(self.widths) * self.seeds
        if n > MAX_RUNS:
            raise ValueError(f"the grid has {n} runs; at most {MAX_RUNS} (fewer values or seeds)")
        if self.base.dataset == "points":
            raise ValueError("sweeps over your own points are not supported; "
                             "pick a built-in dataset")
        self.runs()  # every cell must be a valid ToyConfig (e.g. batch a multiple of packing)

    def cell_config(self, batch_size: int, width: int, seed: int) -> ToyConfig:
        return with_width(self.base, width, self.width_of).replace(batch_size=batch_size, seed=seed)

    def runs(self) -> list[SweepRun]:
        """Every run, batch-major then width then seed."""
        out = []
        for i, b in enumerate(self.batch_sizes):
            for j, w in enumerate(self.widths):
                for k in range(self.seeds):
                    seed = self.base.seed + k
                    if seed > RANGES["seed"][1]:
                        raise ValueError("seed + seeds overflows the seed range")
                    out.append(SweepRun(len(out), i, j, b, w, seed, self.cell_config(b, w, seed)))
        return out


@dataclass(frozen=True)
class SweepRun:
    """One run of the grid: cell (row, col) = (batch index, width index), its seed and config."""

    index: int
    row: int
    col: int
    batch_size: int
    width: int
    seed: int
    config: ToyConfig


# ---- results -------------------------------------------------------------------------------
@dataclass
class SweepTimes:
    """Where a sweep's seconds went, wall clock.

    setup: building the engines (TensorFlow's import on first use, data, initial weights);
    compile: tracing and XLA-compiling each stack's training loop, summed over the stacks. It
        runs on a background thread, in training order, so that stack k + 1 compiles while
        stack k trains: both use about one core. compile_wait: how long training waited for a
        compilation (the part of ``compile`` not hidden behind training);
    train: the compiled training calls; sample: the generator samples for the final metrics;
    metrics: the quality numbers of those samples (runs measured in parallel threads)."""

    setup: float = 0.0
    compile: float = 0.0
    compile_wait: float = 0.0
    train: float = 0.0
    sample: float = 0.0
    metrics: float = 0.0


@dataclass(frozen=True)
class SweepSnapshot:
    """Fake points of every run at one moment: fake (R, n, 2) from each run's fixed noise
    (the first n of the Toy GAN Lab's snapshot noise for that config); real (n, 2);
    step: generator steps done; diverged_at: per run, step of a NaN/Inf or None."""

    step: int
    fake: np.ndarray
    real: np.ndarray
    diverged_at: tuple[int | None, ...]


@dataclass
class RunResult:
    """One run's outcome. samples: (METRIC_SAMPLES, 2) from ``ToyTrainer.sample``'s noise;
    metrics: ``ganviz.toy.metrics.quality``; seconds: its share of its stack's training time
    (stack seconds / runs in the stack); stack: which stack trained it."""

    run: SweepRun
    history: History  # noqa: F821 (ganviz.toy.trainer.History)
    samples: np.ndarray
    metrics: dict[str, float]
    seconds: float
    stack: int
    diverged_at: int | None

    def row(self, base: ToyConfig | None = None) -> dict:
        """A flat record: the cell, its layer widths, ``changes`` (the fields that differ from
        ``base``, e.g. "batch_size=32 g_layers=8,16"), time, metrics and final losses."""
        c = self.run.config
        changes = " ".join(f"{k}={v}" for k, v in c.diff(base).items()) if base is not None else ""
        out = {"batch_size": self.run.batch_size, "width": self.run.width, "seed": self.run.seed,
               "g_hidden": "-".join(map(str, c.g_hidden)),
               "d_hidden": "-".join(map(str, c.d_hidden)),
               "dataset": c.dataset, "changes": changes, "steps": len(self.history),
               "diverged_at": self.diverged_at,
               "seconds": round(self.seconds, 4), "stack": self.stack}
        out.update({k: (round(v, 6) if isinstance(v, float) else v)
                    for k, v in self.metrics.items()})
        out.update({f"final_{k}": round(self.history.last(k, 100), 6)
                    for k in ("d_loss", "g_loss", "d_accuracy_real", "d_accuracy_fake")})
        return out


@dataclass
class SweepResult:
    """All runs of a sweep (same order as ``config.runs()``), and the time it took.

    seconds: wall time of all training calls (waits for compilation included);
    stack_sizes: runs per compiled stack; times: where the seconds went (``SweepTimes``)."""

    config: SweepConfig
    runs: list[RunResult]
    steps: int
    seconds: float
    stack_sizes: list[int] = field(default_factory=list)
    times: SweepTimes = field(default_factory=SweepTimes)

    def metric_names(self) -> list[str]:
        return [k for k in self.runs[0].metrics] if self.runs else []

    def metric_grid(self, name: str) -> np.ndarray:
        """(len(batch_sizes), len(widths)) mean of ``name`` over seeds (NaN where missing)."""
        return cell_means(self.config, [r.run for r in self.runs],
                          [r.metrics.get(name, float("nan")) for r in self.runs])

    def rows(self) -> list[dict]:
        return [r.row(self.config.base) for r in self.runs]

    def to_csv(self) -> str:
        import csv
        import io

        rows = self.rows()
        keys: list[str] = []
        for row in rows:
            keys += [k for k in row if k not in keys]
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=keys, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return buf.getvalue()


def cell_means(config: SweepConfig, runs: list[SweepRun], values) -> np.ndarray:
    """(len(batch_sizes), len(widths)): per cell, the mean of the runs' finite ``values``
    (one per run, e.g. one seed each); NaN where a cell has none."""
    total = np.zeros((len(config.batch_sizes), len(config.widths)))
    count = np.zeros_like(total)
    for run, v in zip(runs, values):
        if v is not None and np.isfinite(v):
            total[run.row, run.col] += v
            count[run.row, run.col] += 1
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def default_metric(dataset: str) -> str:
    """The heatmap's default: modes captured where the dataset has modes, else energy distance."""
    from ganviz.toy.datasets import get_dataset

    return "modes" if get_dataset(dataset).centres is not None else "energy_distance"


# ---- training ------------------------------------------------------------------------------
class Sweep:
    """Trains a SweepConfig's runs as a few stacked engines, in increments."""

    def __init__(self, config: SweepConfig, chunk: int = 500, jit_compile: bool = True):
        from ganviz.toy.datasets import get_dataset
        from ganviz.toy.engine import Engine
        from ganviz.toy.trainer import SNAPSHOT_POINTS as LAB_POINTS
        from ganviz.toy.trainer import History

        t0 = time.perf_counter()
        self.times = SweepTimes()
        self.config = config
        self.runs = config.runs()
        self.configs = [r.config for r in self.runs]
        base = config.base
        self.dataset = get_dataset(base.dataset, None, base.circle_radius)
        self.stacks = plan_stacks(self.configs, config.max_stacks, config.steps or base.steps)
        self.stack_of = {i: s for s, group in enumerate(self.stacks) for i in group}
        # each run's training set, as ToyTrainer draws it from its seed
        data = {s: self.dataset.sample(base.dataset_size, s) for s in {r.seed for r in self.runs}}
        self.engines = [Engine([self.configs[i] for i in g],
                               np.stack([data[self.runs[i].seed] for i in g]),
                               chunk=chunk, jit_compile=jit_compile) for g in self.stacks]
        self.states = [e.initial_state() for e in self.engines]
        self.histories = [History() for _ in self.runs]
        self.stack_seconds = [0.0] * len(self.stacks)
        self.step = 0
        n_snap = min(SNAPSHOT_POINTS, LAB_POINTS)
        self._z_snapshot = [np.stack([_lab_noise(self.configs[i], LAB_POINTS)[:n_snap] for i in g])
                            for g in self.stacks]
        self.real = self.dataset.sample(n_snap, base.seed + 7919)  # as the Lab's snapshot
        self._compiling: list[Future] | None = None  # per stack, its compilation (see train)
        self._compiled = [False] * len(self.stacks)
        self.times.setup = time.perf_counter() - t0

    @property
    def seconds(self) -> float:
        return float(sum(self.stack_seconds))

    def _start_compiling(self) -> None:
        """Compile every stack's loop on one background thread, in training order: while stack
        k trains (XLA's CPU runtime runs it on about one core), stack k + 1 compiles on
        another. One thread, not one per stack: concurrent XLA compilations slow each other
        down far more than they overlap."""
        if self._compiling is not None:
            return
        pool = ThreadPoolExecutor(1, thread_name_prefix="sweep-compile")
        self._compiling = [pool.submit(_timed, engine.compile, state)
                           for engine, state in zip(self.engines, self.states)]
        pool.shutdown(wait=False)

    def _wait_compiled(self, s: int) -> float:
        """Wait for stack ``s``'s compilation (once); returns the seconds waited."""
        if self._compiled[s]:
            return 0.0
        t0 = time.perf_counter()
        seconds = self._compiling[s].result()
        waited = time.perf_counter() - t0
        self._compiled[s] = True
        self.times.compile += seconds
        self.times.compile_wait += waited
        return waited

    def train(self, steps: int, progress: Callable[[int], None] | None = None) -> None:
        """Train every run ``steps`` more generator steps. progress(n) gets run-steps done."""
        if not 1 <= steps <= RANGES["steps"][1]:
            raise ValueError(f"steps must be 1..{int(RANGES['steps'][1])}, got {steps}")
        self._start_compiling()
        for s in range(len(self.stacks)):
            self.stack_seconds[s] += self._wait_compiled(s)
            self._train_stack(s, steps, progress)
        self.step += steps

    def _train_stack(self, s: int, steps: int, progress: Callable[[int], None] | None) -> None:
        engine, group = self.engines[s], self.stacks[s]
        left = steps
        while left > 0:
            n = min(left, engine.chunk)
            first = int(self.states[s]["step"].numpy())
            t0 = time.perf_counter()
            self.states[s], rows = engine.train(self.states[s], n)
            seconds = time.perf_counter() - t0
            self.stack_seconds[s] += seconds
            self.times.train += seconds
            for r, i in enumerate(group):
                self.histories[i].extend(first, rows[:, r, :])
            left -= n
            if progress is not None:
                progress(n * len(group))
            if len(rows) < n:  # every run of this stack diverged
                if progress is not None and left:
                    progress(left * len(group))
                break

    def diverged_at(self) -> list[int | None]:
        out: list[int | None] = [None] * len(self.runs)
        for state, group in zip(self.states, self.stacks):
            d = state["diverged_at"].numpy()
            for r, i in enumerate(group):
                out[i] = None if d[r] < 0 else int(d[r])
        return out

    def snapshot(self) -> SweepSnapshot:
        fake = np.zeros((len(self.runs), self._z_snapshot[0].shape[1], 2), np.float32)
        for engine, state, group, z in zip(self.engines, self.states, self.stacks,
                                           self._z_snapshot):
            out = engine.sample(state, z)
            for r, i in enumerate(group):
                fake[i] = out[r]
        return SweepSnapshot(self.step, fake, self.real, tuple(self.diverged_at()))

    def snapshot_metrics(self, snap: SweepSnapshot) -> list[dict[str, float]]:
        """Per run, ``quality`` of the snapshot's few fake points against its real points: a
        cheap, noisier live view of the final metrics."""
        from ganviz.toy.metrics import quality

        ds, base = self.dataset, self.config.base
        return [quality(f, snap.real, ds.centres, ds.std, ds.display_range, base.dataset,
                        base.circle_radius) for f in snap.fake]

    def samples(self, n: int = METRIC_SAMPLES) -> np.ndarray:
        """(R, n, 2): each run's ``ToyTrainer.sample(n, seed=config.seed)`` equivalent."""
        out = np.zeros((len(self.runs), n, 2), np.float32)
        for engine, state, group in zip(self.engines, self.states, self.stacks):
            z = np.stack([_sample_noise(self.configs[i], n, self.configs[i].seed) for i in group])
            got = engine.sample(state, z)
            for r, i in enumerate(group):
                out[i] = got[r]
        return out

    def result(self, n_samples: int = METRIC_SAMPLES) -> SweepResult:
        """Samples and final metrics of every run (metrics as ``python -m ganviz toy`` reports)."""
        from ganviz.toy.metrics import quality

        ds, base = self.dataset, self.config.base
        t0 = time.perf_counter()
        samples = self.samples(n_samples)
        t1 = time.perf_counter()
        self.times.sample += t1 - t0
        diverged = self.diverged_at()
        real_by_seed = {s: ds.sample(n_samples, s + 1) for s in {r.seed for r in self.runs}}

        def measure(i: int) -> dict[str, float]:
            return quality(samples[i], real_by_seed[self.runs[i].seed], ds.centres, ds.std,
                           ds.display_range, base.dataset, base.circle_radius)

        # NumPy releases the GIL in the metrics' big array operations: runs in parallel threads
        with ThreadPoolExecutor(min(4, os.cpu_count() or 1)) as pool:
            metrics = list(pool.map(measure, range(len(self.runs))))
        self.times.metrics += time.perf_counter() - t1
        results = []
        for i, run in enumerate(self.runs):
            s = self.stack_of[i]
            results.append(RunResult(run, self.histories[i], samples[i], metrics[i],
                                     self.stack_seconds[s] / len(self.stacks[s]), s, diverged[i]))
        return SweepResult(self.config, results, self.step, self.seconds,
                           [len(g) for g in self.stacks], dataclasses.replace(self.times))


def _timed(fn: Callable, *args) -> float:
    """Call fn(*args); returns the seconds it took."""
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def _lab_noise(c: ToyConfig, n: int) -> np.ndarray:
    """The Toy GAN Lab's fixed snapshot noise for config ``c`` (ToyTrainer._fixed_inputs)."""
    return draw_latent(np.random.default_rng([c.seed, 3]), n, c)


def _sample_noise(c: ToyConfig, n: int, seed: int) -> np.ndarray:
    """The noise of ``ToyTrainer.sample(n, seed)``."""
    return draw_latent(np.random.default_rng([seed, 4]), n, c)


def run_sweep(config: SweepConfig, steps: int, progress: Callable[[int], None] | None = None,
              chunk: int = 500) -> SweepResult:
    """Train the whole grid ``steps`` steps and return its result."""
    if config.steps != steps:
        config = dataclasses.replace(config, steps=steps)
    sweep = Sweep(config, chunk=min(chunk, steps))
    sweep.train(steps, progress)
    return sweep.result()


def time_sequential(configs: list[ToyConfig], steps: int, chunk: int = 500) -> list[float]:
    """Seconds each run takes trained alone with ToyTrainer, one after another (the baseline
    a sweep is compared with; compilation included, as a user running them one by one pays it)."""
    from ganviz.toy.trainer import ToyTrainer

    out = []
    for c in configs:
        t0 = time.perf_counter()
        trainer = ToyTrainer(c, chunk=min(chunk, steps))
        trainer.train(steps)
        out.append(time.perf_counter() - t0)
    return out
