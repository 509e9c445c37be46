"""ToyTrainer: one 2-D GAN, trained many steps per compiled call.

    trainer = ToyTrainer(ToyConfig(dataset="ring8"))
    history = trainer.train(2000)          # History of per-step scalars
    snap = trainer.snapshot()              # Snapshot: points, D's heatmap, manifold, gradients
    x = trainer.sample(2500, seed=1)       # float32 (2500, 2)
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ganviz.toy.config import ToyConfig
from ganviz.toy.datasets import ToyDataset, get_dataset
from ganviz.toy.drs import RejectionResult, rejection_sample
from ganviz.toy.engine import METRICS, Engine, draw_latent
from ganviz.toy.fields import Cost, change_cost
from ganviz.toy.losses import LOSSES

HISTORY_CAP = 200_000  # steps of history kept per trainer (older steps are dropped)
SNAPSHOT_POINTS = 512
GRID_RES = 48
MANIFOLD_RES = 21


@dataclass
class History:
    """Per-step scalars: ``steps`` (n,) int64 and ``values[name]`` (n,) float32 per METRICS."""

    steps: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    values: dict[str, np.ndarray] = field(
        default_factory=lambda: {k: np.zeros(0, np.float32) for k in METRICS})

    def __len__(self) -> int:
        return len(self.steps)

    def extend(self, first_step: int, rows: np.ndarray, cap: int = HISTORY_CAP) -> None:
        """rows: (n, len(METRICS)) for steps first_step .. first_step + n - 1."""
        n = len(rows)
        self.steps = np.concatenate([self.steps, np.arange(first_step, first_step + n)])[-cap:]
        for j, k in enumerate(METRICS):
            self.values[k] = np.concatenate([self.values[k], rows[:, j]])[-cap:]

    def last(self, name: str, window: int = 1) -> float:
        v = self.values[name][-window:]
        v = v[np.isfinite(v)]
        return float(v.mean()) if len(v) else float("nan")

    def to_csv(self) -> str:
        lines = ["step," + ",".join(METRICS)]
        cols = [self.values[k] for k in METRICS]
        for i, s in enumerate(self.steps):
            lines.append(f"{s}," + ",".join(f"{c[i]:.6g}" for c in cols))
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Snapshot:
    """What the views draw at one moment of training (all in data coordinates).

    real: (n, 2) real points; fake: (n, 2) G(z) for a fixed noise batch;
    grid_x, grid_y: (res,) axes of the heatmap; d_grid: (res, res) D's output there
    (probability for BCE losses, raw score otherwise; rows follow grid_y);
    fake_grad: (n, 2) dD/dx at the fake points (where G is pushed);
    manifold: (k, k, 2) G over a latent grid (first two latent dims, the rest 0), or (k, 1, 2)
    for a 1-D latent; step: generator steps done; diverged_at: step of a NaN/Inf or None.
    """

    step: int
    real: np.ndarray
    fake: np.ndarray
    grid_x: np.ndarray
    grid_y: np.ndarray
    d_grid: np.ndarray
    d_is_probability: bool
    fake_grad: np.ndarray
    manifold: np.ndarray
    diverged_at: int | None


class ToyTrainer:
    """Trains one ToyConfig. ``points`` is the user's own (n, 2) data for dataset "points"."""

    def __init__(self, config: ToyConfig, points: np.ndarray | None = None, chunk: int = 500,
                 jit_compile: bool = True):
        self.points = None if points is None else np.asarray(points, np.float32)
        self.chunk = chunk
        self.jit_compile = jit_compile
        self._build(config)

    # ---- building ----------------------------------------------------------------------
    def _build(self, config: ToyConfig) -> None:
        self.config = config
        self.dataset: ToyDataset = get_dataset(config.dataset, self.points, config.circle_radius)
        self.data = self.dataset.sample(config.dataset_size, config.seed)
        self.engine = Engine([config], self.data[None], chunk=self.chunk,
                             jit_compile=self.jit_compile)
        self._fixed = self._fixed_inputs()
        self.reset()

    def _fixed_inputs(self) -> dict[str, np.ndarray]:
        c, ds = self.config, self.dataset
        rng = np.random.default_rng([c.seed, 3])
        n = SNAPSHOT_POINTS
        z = draw_latent(rng, n, c)
        span = 2.0 if c.latent_distribution == "normal" else 1.0
        (x0, x1), (y0, y1) = ds.display_range
        gx, gy = np.linspace(x0, x1, GRID_RES), np.linspace(y0, y1, GRID_RES)
        grid = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)
        k = MANIFOLD_RES
        t = np.linspace(-span, span, k)
        if c.latent_dim == 1:
            zg = t[:, None]
        else:
            a, b = np.meshgrid(t, t)
            zg = np.zeros((k * k, c.latent_dim))
            zg[:, 0], zg[:, 1] = a.ravel(), b.ravel()
        if c.latent_categories:  # the manifold of category 0
            zg = np.concatenate([zg, np.tile(np.eye(c.latent_categories)[:1], (len(zg), 1))], 1)
        real = self.dataset.sample(n, c.seed + 7919)
        return {"z": z.astype(np.float32), "grid": grid.astype(np.float32), "gx": gx, "gy": gy,
                "z_grid": zg.astype(np.float32), "real": real}

    def reset(self) -> None:
        """Fresh weights (from the seed), step 0, empty history."""
        self.state = self.engine.initial_state()
        self.history = History()
        self.seconds = 0.0

    def update_config(self, new: ToyConfig) -> list[str]:
        """Apply a changed config. Returns the fields that needed new networks (then the
        trainer was rebuilt from step 0); other changes apply from the next step."""
        rebuild = new.needs_rebuild(self.config)
        if rebuild:
            self._build(new)
            return rebuild
        old = self.config
        self.config = new
        if change_cost(old, new) is Cost.RETRACE:  # a new compiled loop around the same state
            state = self.state
            self.engine = Engine([new], self.data[None], chunk=self.chunk,
                                 jit_compile=self.jit_compile)
            self.state = state
        self.state = dict(self.state, hp=self.engine.hyperparams([new]))
        return []

    # ---- training ----------------------------------------------------------------------
    @property
    def step(self) -> int:
        return int(self.state["step"].numpy())

    @property
    def diverged_at(self) -> int | None:
        d = int(self.state["diverged_at"].numpy()[0])
        return None if d < 0 else d

    def train(self, steps: int, mode: str = "both") -> History:
        """Train ``steps`` steps (mode "both", or "d"/"g" for one network only).

        Stops early at a NaN/Inf: ``diverged_at`` then says where, and the weights are the
        last finite ones. Returns the whole history."""
        if mode not in ("both", "d", "g"):
            raise ValueError(f"mode must be both, d or g, got {mode!r}")
        if steps < 1:
            raise ValueError(f"steps must be at least 1, got {steps}")
        if self.diverged_at is not None:
            return self.history
        first = self.step
        t0 = time.perf_counter()
        self.state, rows = self.engine.train(self.state, steps, mode)
        self.seconds += time.perf_counter() - t0
        rows = rows[:, 0, :]
        if self.diverged_at is not None:  # the failed step's row holds NaNs: not history
            rows = rows[: self.diverged_at - first]
        self.history.extend(first, rows)
        return self.history

    # ---- views -------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        f = self._fixed
        fake, d_grid, grad, manifold = self.engine.views(
            self.state, f["z"][None], f["grid"][None], f["z_grid"][None])
        d = d_grid.numpy()[0]
        prob = LOSSES[self.config.loss].probability
        if prob:
            d = 0.5 * (1.0 + np.tanh(0.5 * d))  # the logistic function, without overflow
        k = MANIFOLD_RES
        man = manifold.numpy()[0]
        man = man.reshape(k, 1, 2) if self.config.latent_dim == 1 else man.reshape(k, k, 2)
        return Snapshot(step=self.step, real=f["real"], fake=fake.numpy()[0], grid_x=f["gx"],
                        grid_y=f["gy"], d_grid=d.reshape(GRID_RES, GRID_RES), d_is_probability=prob,
                        fake_grad=grad.numpy()[0], manifold=man, diverged_at=self.diverged_at)

    def sample(self, n: int, seed: int = 0, rejection: bool | None = None) -> np.ndarray:
        """n generator samples, float32 (n, 2), from noise drawn with ``seed``; through
        rejection sampling when ``rejection`` (default: the config's rejection_sampling)."""
        if not (1 <= n <= 1_000_000):
            raise ValueError(f"n must be 1..1000000, got {n}")
        c = self.config
        if not (c.rejection_sampling if rejection is None else rejection):
            z = draw_latent(np.random.default_rng([seed, 4]), n, c)
            return self.engine.sample(self.state, z[None])[0]
        return self.rejection_sample(n, seed,
                                     gamma_percentile=c.rejection_percentile or None).samples

    def rejection_sample(self, n: int, seed: int = 0,
                         gamma_percentile: float | None = None) -> RejectionResult:
        """n samples through discriminator rejection sampling (ganviz.toy.drs), with the
        acceptance rate. Candidates are G's samples from noise seeded by (seed, round)."""
        c = self.config
        state = self.state

        def draw(k: int, r: int) -> np.ndarray:
            z = draw_latent(np.random.default_rng([seed, 4, r]), k, c)
            return self.engine.sample(state, z[None])[0]

        return rejection_sample(draw, lambda x: self.engine.critic(state, x[None])[0], n, seed,
                                gamma_percentile=gamma_percentile)

    # ---- persistence -------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """A folder with config.json, weights.npz (state) and history.csv; written atomically."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
        arrays = {}
        for key, value in self.state.items():
            if isinstance(value, list):
                for i, t in enumerate(value):
                    arrays[f"{key}/{i}"] = t.numpy()
            elif isinstance(value, dict):
                continue  # hyperparameters come from the config
            else:
                arrays[key] = value.numpy()
        np.savez(tmp / "weights.npz", **arrays)
        if self.points is not None:
            np.save(tmp / "points.npy", self.points)
        (tmp / "config.json").write_text(self.config.to_json())
        (tmp / "history.csv").write_text(self.history.to_csv())
        (tmp / "card.json").write_text(json.dumps({
            "kind": "ganviz-toy", "step": self.step, "seconds": round(self.seconds, 3),
            "diverged_at": self.diverged_at}, indent=2))
        if path.exists():
            _swap(tmp, path)
        else:
            os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> ToyTrainer:
        """Rebuild a trainer from a folder written by save(). Raises ValueError if unreadable."""
        import tensorflow as tf

        path = Path(path)
        try:
            config = ToyConfig.from_dict(json.loads((path / "config.json").read_text()))
            arrays = dict(np.load(path / "weights.npz"))
        except FileNotFoundError as exc:
            raise ValueError(f"{path}: not a saved toy GAN "
                             f"(missing {Path(exc.filename).name})") from None
        except (ValueError, OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: cannot read saved toy GAN: {exc}") from None
        points = np.load(path / "points.npy") if (path / "points.npy").exists() else None
        trainer = cls(config, points=points)
        state = dict(trainer.state)
        try:
            for key, value in trainer.state.items():
                if isinstance(value, list):
                    loaded = [arrays[f"{key}/{i}"] for i in range(len(value))]
                    if [a.shape for a in loaded] != [tuple(t.shape) for t in value]:
                        raise ValueError(f"{key} has the wrong shapes for its config")
                    state[key] = [tf.constant(a) for a in loaded]
                elif not isinstance(value, dict):
                    state[key] = tf.constant(arrays[key])
        except KeyError as exc:
            raise ValueError(f"{path}: weights.npz lacks {exc}") from None
        trainer.state = state
        hist_path = path / "history.csv"
        if hist_path.exists():
            table = np.loadtxt(hist_path, delimiter=",", skiprows=1, ndmin=2)
            if len(table):
                trainer.history.extend(int(table[0, 0]), table[:, 1:].astype(np.float32))
        return trainer


def _swap(tmp: Path, path: Path) -> None:
    """Replace the folder ``path`` by ``tmp`` (rename the old one away first)."""
    import shutil

    old = path.with_name(f".{path.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    os.replace(path, old)
    os.replace(tmp, path)
    shutil.rmtree(old, ignore_errors=True)
