"""What the Toy GAN Lab page keeps per browser session, in plain Python (no streamlit).

A ``LabRun`` is one ToyTrainer plus what the page shows about it, all bounded so that a
classroom of sessions fits in memory: fixed-noise frames for the GIF, a quality-metric
history, and a wall-clock steps/s meter. ``tick`` trains and records; the page only draws.

Each session owns its LabRun objects; compiled functions are shared by the engine (per network
structure), weights and optimiser state are not. ``GANVIZ_TOY_XLA=0`` turns XLA compilation
off (seconds less per new network shape, fewer steps/s): the UI tests use it.
"""

from __future__ import annotations

import io
import os
import tempfile
import threading
import time
import zipfile
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ganviz.toy.config import ToyConfig

MAX_FRAMES = 120           # GIF frames kept per run (older ones are thinned, not dropped)
FIRST_FRAME_EVERY = 50     # steps between GIF frames at the start
MAX_QUALITY_POINTS = 1000  # quality-metric samples kept per run
QUALITY_EVERY_S = 0.5      # at most this often while playing (the metric costs ~ms)
RATE_WINDOW_S = 3.0        # steps/s is measured over this much wall-clock time
STUCK_WINDOW = 2000        # steps of D accuracy that make a "stuck" warning
MAX_ZIP_BYTES = 200 * 2**20


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
        return {k: v[-1] for k, v in self.values.items() if v}


class LabRun:
    """One trainer and what the page shows about it. ``lock`` guards the trainer against the
    download thread (Streamlit runs deferred downloads on another thread)."""

    def __init__(self, config: ToyConfig, points: np.ndarray | None = None, trainer=None):
        from ganviz.toy.trainer import ToyTrainer

        self.trainer = trainer if trainer is not None else ToyTrainer(
            config, points=points, jit_compile=os.environ.get("GANVIZ_TOY_XLA", "1") != "0")
        self.lock = threading.Lock()
        self.meter = RateMeter()
        self.last_seconds_per_step: float | None = None
        self._clear_views()

    def _clear_views(self) -> None:
        self.frames: list[Frame] = []
        self.frame_every = FIRST_FRAME_EVERY
        self.quality = QualityLog()
        self._quality_at = 0.0
        self._snapshot = None
        self.meter.clear()

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

    # ---- actions -------------------------------------------------------------------------
    def tick(self, steps: int, mode: str = "both") -> int:
        """Train ``steps`` steps (mode both, d or g), then record a frame and (throttled)
        the quality metric. Returns the steps actually done (fewer after a divergence)."""
        before = self.step
        with self.lock:
            t0 = time.perf_counter()
            self.trainer.train(steps, mode)
            dt = time.perf_counter() - t0
        done = self.step - before
        if done:
            self.last_seconds_per_step = dt / done
        self.meter.mark(self.step)
        self._snapshot = None
        self.record(force_quality=False)
        return done

    def apply(self, config: ToyConfig) -> list[str]:
        """Move to ``config``; returns the fields that forced new networks (then step 0)."""
        if config == self.config:
            return []
        with self.lock:
            rebuilt = self.trainer.update_config(config)
        self._snapshot = None
        if rebuilt:
            self._clear_views()
        return rebuilt

    def reset(self) -> None:
        """Fresh weights from the seed, step 0, empty history and views."""
        with self.lock:
            self.trainer.reset()
        self._clear_views()

    def snapshot(self):
        """The trainer's Snapshot, cached until the next tick/apply/reset."""
        if self._snapshot is None:
            with self.lock:
                self._snapshot = self.trainer.snapshot()
        return self._snapshot

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
