"""ToyConfig: every knob of a 2-D GAN, frozen and validated at construction.

Out-of-range values raise ValueError naming the field and its range, so a slider, a query
parameter or ``--set key=value`` all get the same clear message.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, fields
from typing import Any

# Ranges, choices and what a change costs come from the one field table; they are
# re-exported here, where tests and pages have always read them.
from ganviz.toy.fields import (
    ACTIVATIONS,
    CHOICES,
    LATENT_DISTRIBUTIONS,
    LOSSES,
    OPTIMIZERS,
    OUTPUT_ACTIVATIONS,
    RANGES,
    STRUCTURAL,
)
from ganviz.toy.losses import LOSSES as TOY_LOSSES

__all__ = ["ACTIVATIONS", "CHOICES", "LATENT_DISTRIBUTIONS", "LOSSES", "OPTIMIZERS",
           "OUTPUT_ACTIVATIONS", "RANGES", "STRUCTURAL", "ToyConfig", "parse_value"]


@dataclass(frozen=True)
class ToyConfig:
    """A 2-D GAN experiment. Defaults are GAN Lab-like; presets tune them per dataset.

    dataset: a registry name (ganviz.toy.datasets) or "points" for the user's own data.
    circle_radius: radius of the ``circle`` dataset (the Stack Overflow question uses 1).
    dataset_size: real points drawn once (seeded); batches sample them with replacement,
        as the Stack Overflow code does with its 10,000 points.
    latent_dim, latent_distribution: z ~ N(0, I) or U(-1, 1)^latent_dim.
    latent_categories: K > 0 appends a one-hot code of K equally likely categories to z, so
        the latent space is K disconnected pieces and G need not draw "bridges" between
        separate modes (a mixture latent: Gurumurthy et al. 2017, DeLiGAN; Khayatkhoei et al.
        2018, "Disconnected manifold learning"). 0 (default) is a plain connected latent.
    info_weight: InfoGAN's mutual-information term on that code (Chen et al. 2016, "InfoGAN",
        eq. 5 with a categorical code): a head Q on D's last hidden layer predicts the category
        of G's samples, and both G and Q minimise lambda x its cross-entropy, so each category
        must draw a region of its own. It acts only with latent_categories >= 2 and packing 1
        (see ``info_active``); 0 (default) turns it off.
    g_depth, g_width, d_depth, d_width: hidden layers and units of the two MLPs.
    g_layers, d_layers: optional per-layer widths, e.g. "64,128" (the Stack Overflow nets);
        when set they override depth and width.
    hidden_activation, leaky_slope: hidden non-linearity (leaky_relu uses leaky_slope).
    g_output: the generator's output activation, "linear" or "tanh" (range -1..1).
    batch_size: real (and fake) samples per step, 2..4096.
    g_optimizer, d_optimizer, g_lr, d_lr, g_beta1, d_beta1: Adam / RMSProp / SGD per network
        (beta1 is Adam's first-moment decay, RMSProp's and SGD's momentum).
    loss: minimax, non_saturating, least_squares, wasserstein_clip, wasserstein_gp or hinge.
    d_steps: discriminator updates per generator update.
    combined_batch: True = one D update on real and fake together; False = two updates, one on
        a real batch and one on a fake batch (the Stack Overflow code's ``train_on_batch`` twice).
    label_smoothing: one-sided: real targets are 1 - label_smoothing (BCE losses).
    label_noise: probability of flipping each D target (BCE and least-squares losses).
    packing: PacGAN m: D judges m samples at once; batch_size must be a multiple of m.
    minibatch_discrimination: Salimans et al. 2016 minibatch features in D's last layer.
    spectral_norm: spectral normalisation of D's weights (Miyato et al. 2018).
    gp_weight: gradient-penalty weight of wasserstein_gp (Gulrajani et al. 2017).
    r1_weight: R1 penalty on real data for any loss (Mescheder et al. 2018); 0 turns it off.
    clip_value: weight clipping of wasserstein_clip (Arjovsky et al. 2017).
    g_ema: decay of an exponential moving average of G's weights (Yazici et al. 2019, "The
        unusual effectiveness of averaging in GAN training"); when > 0 the views and samples
        use the averaged generator. 0 (default) turns it off.
    lr_final: learning-rate annealing: both learning rates stay at their value for the first
        half of ``steps``, decay exponentially to ``lr_final`` times it at ``steps``, then stay
        (1, the default, keeps them constant). Small steps at the end let G settle into tight
        modes instead of jittering around them.
    rejection_sampling: samples (``ToyTrainer.sample``, the CLI's ``--out``) go through
        discriminator rejection sampling (Azadi et al. 2019, DRS): a candidate x is kept with
        probability exp(D(x) - M), D's logit estimating log p_data(x)/p_G(x) and M its maximum
        over the candidates, which removes G's samples where real data has no mass (e.g. the
        bridges between modes). Needs a cross-entropy loss (minimax, non_saturating).
    rejection_percentile: 0 (default) accepts with exp(D(x) - M) exactly; p > 0 uses the DRS
        paper's shifted acceptance sigmoid(F(x) - gamma) with gamma at the p-th percentile of
        F over the candidates, which keeps fewer, more data-like samples (sharper modes,
        at the cost of matching the modes' weights less exactly).
    steps: the recommended number of generator steps for this setup.
    seed: every random draw (data, weights, noise) derives from it.
    """

    dataset: str = "ring8"
    circle_radius: float = 1.0
    dataset_size: int = 10_000
    latent_dim: int = 2
    latent_distribution: str = "normal"
    latent_categories: int = 0
    info_weight: float = 0.0
    g_depth: int = 2
    g_width: int = 32
    d_depth: int = 2
    d_width: int = 32
    g_layers: str = ""
    d_layers: str = ""
    hidden_activation: str = "leaky_relu"
    leaky_slope: float = 0.2
    g_output: str = "linear"
    batch_size: int = 256
    g_optimizer: str = "adam"
    d_optimizer: str = "adam"
    g_lr: float = 1e-3
    d_lr: float = 1e-3
    g_beta1: float = 0.5
    d_beta1: float = 0.5
    loss: str = "non_saturating"
    d_steps: int = 1
    combined_batch: bool = True
    label_smoothing: float = 0.0
    label_noise: float = 0.0
    packing: int = 1
    minibatch_discrimination: bool = False
    spectral_norm: bool = False
    gp_weight: float = 10.0
    r1_weight: float = 0.0
    clip_value: float = 0.01
    g_ema: float = 0.0
    lr_final: float = 1.0
    rejection_sampling: bool = False
    rejection_percentile: float = 0.0
    steps: int = 5000
    seed: int = 0

    def __post_init__(self) -> None:
        from ganviz.toy.datasets import dataset_names

        if self.dataset not in dataset_names():
            raise ValueError(f"dataset must be one of {', '.join(dataset_names())}, "
                             f"got {self.dataset!r}")
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type in ("bool",):
                if not isinstance(value, bool):
                    raise ValueError(f"{f.name} must be true or false, got {value!r}")
            elif f.name in CHOICES:
                if value not in CHOICES[f.name]:
                    raise ValueError(f"{f.name} must be one of {', '.join(CHOICES[f.name])}, "
                                     f"got {value!r}")
            elif f.name in RANGES:
                lo, hi = RANGES[f.name]
                is_int = f.type == "int"
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ValueError(f"{f.name} must be a number in {_fmt(lo, hi, is_int)}, "
                                     f"got {value!r}")
                # finiteness first: int(nan) and int(inf) raise their own unclear errors
                if not math.isfinite(value) or not (lo <= value <= hi):
                    raise ValueError(f"{f.name} must be in {_fmt(lo, hi, is_int)}, got {value!r}")
                if is_int and int(value) != value:
                    raise ValueError(f"{f.name} must be a whole number in {_fmt(lo, hi, True)}, "
                                     f"got {value!r}")
                object.__setattr__(self, f.name, int(value) if is_int else float(value))
        for name in ("g_layers", "d_layers"):
            text = getattr(self, name)
            if not isinstance(text, str):
                raise ValueError(f"{name} must be text such as '64,128', got {text!r}")
            if text.strip():
                try:
                    widths = [int(w) for w in text.split(",")]
                except ValueError:
                    raise ValueError(f"{name} must be comma-separated whole numbers, "
                                     f"got {text!r}") from None
                if not (1 <= len(widths) <= 6) or not all(1 <= w <= 512 for w in widths):
                    raise ValueError(f"{name} must list 1..6 widths, each 1..512, got {text!r}")
                object.__setattr__(self, name, ",".join(str(w) for w in widths))
        if self.rejection_sampling and not TOY_LOSSES[self.loss].probability:
            raise ValueError(f"rejection_sampling needs loss minimax or non_saturating (D's logit "
                             f"as a density ratio), got {self.loss!r}")
        if self.batch_size % self.packing:
            raise ValueError(
                f"batch_size must be a multiple of packing ({self.packing}), got {self.batch_size}"
            )

    @property
    def info_active(self) -> bool:
        """Whether InfoGAN's term trains: a weight, a category code to predict, one point per
        D input (so a slider moving packing or the categories never meets an error)."""
        return self.info_weight > 0 and self.latent_categories >= 2 and self.packing == 1

    @property
    def g_hidden(self) -> tuple[int, ...]:
        """The generator's hidden widths, input side first."""
        if self.g_layers:
            return tuple(int(w) for w in self.g_layers.split(","))
        return (self.g_width,) * self.g_depth

    @property
    def d_hidden(self) -> tuple[int, ...]:
        """The discriminator's hidden widths, input side first."""
        if self.d_layers:
            return tuple(int(w) for w in self.d_layers.split(","))
        return (self.d_width,) * self.d_depth

    # ---- conversions -------------------------------------------------------------------
    def replace(self, **changes: Any) -> ToyConfig:
        """A copy with ``changes`` applied (validated). Unknown fields raise ValueError."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ValueError(f"unknown config field(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ToyConfig:
        """Build from a dict (e.g. JSON); unknown keys raise ValueError."""
        return cls().replace(**data)

    def diff(self, other: ToyConfig) -> dict[str, Any]:
        """Fields where ``self`` differs from ``other``: {name: self's value}."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) != getattr(other, f.name)}

    def needs_rebuild(self, other: ToyConfig) -> list[str]:
        """Changed fields that need new networks when moving from ``other`` to ``self``."""
        return sorted(k for k in self.diff(other) if k in STRUCTURAL)


def _fmt(lo: float, hi: float, is_int: bool) -> str:
    return f"{int(lo)}..{int(hi)}" if is_int else f"{lo:g}..{hi:g}"


def parse_value(name: str, text: str) -> Any:
    """Parse ``text`` to the type of ToyConfig field ``name`` (for --set and query params)."""
    types = {f.name: f.type for f in fields(ToyConfig)}
    if name not in types:
        raise ValueError(f"unknown config field {name!r}")
    kind = types[name]
    t = text.strip()
    if kind == "bool":
        if t.lower() in ("1", "true", "yes", "on"):
            return True
        if t.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{name} must be true or false, got {text!r}")
    if kind == "int":
        try:
            return int(t)  # exact, however many digits ("99999999999999999999" stays itself)
        except ValueError:
            pass
        try:
            number = float(t)  # "1e3" -> 1000; "2.5", "nan", "inf" go on to be refused by range
        except ValueError:
            raise ValueError(f"{name} must be a whole number, got {text!r}") from None
        return int(number) if number.is_integer() else number
    if kind == "float":
        try:
            return float(t)
        except ValueError:
            raise ValueError(f"{name} must be a number, got {text!r}") from None
    return t
