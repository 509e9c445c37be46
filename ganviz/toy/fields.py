"""The one table of ToyConfig fields: what values each takes, what a change costs, how the
runs of a stack may differ in it, and how the Toy GAN Lab edits it.

``FIELDS`` has one row per ``ToyConfig`` field, in the order the Lab draws them. Every other
list of fields is derived from it:

- ``RANGES`` and ``CHOICES``: what ``ToyConfig`` accepts (ganviz.toy.config);
- ``STRUCTURAL``: fields whose change needs new networks (``ToyConfig.needs_rebuild``);
- ``HYPERPARAMS``: per-run values the compiled loop reads at run time (``Engine.hyperparams``);
- ``change_cost``: what moving a trainer from one config to another costs
  (``ToyTrainer.update_config``: rebuild, retrace or nothing);
- ``SHARED_IN_STACK``: what the runs of one compiled stack must share (``Structure.of``);
- ``FIELD_WIDGETS``: the Lab's widget per field (slider bounds are the field's range).

This module imports nothing from ganviz but the loss and optimiser registries, whose names
are the choices of ``loss`` and ``g_optimizer``/``d_optimizer``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ganviz.toy.losses import LOSSES as _LOSS_TABLE
from ganviz.toy.optimizers import OPTIMIZERS as _OPTIMIZER_TABLE

LOSSES = tuple(_LOSS_TABLE)
OPTIMIZERS = tuple(_OPTIMIZER_TABLE)
ACTIVATIONS = ("leaky_relu", "relu", "tanh", "elu", "sigmoid")
OUTPUT_ACTIVATIONS = ("linear", "tanh")
LATENT_DISTRIBUTIONS = ("normal", "uniform")

# ---- the options of the Lab's select sliders -----------------------------------------------------
WIDTHS = (1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
BATCHES = (2, 4, 8, 16, 32, 64, 128, 150, 256, 512, 1024, 2048, 4096)
LRS = (1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1, 0.2, 0.5, 1.0)
EMAS = (0.0, 0.9, 0.99, 0.995, 0.999, 0.9999)
LR_FINALS = (1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001)
SIZES = (100, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 1_000_000)
GROUPS = ("Data", "Generator", "Discriminator", "Both networks", "Training", "Regularisation",
          "Sampling")


class Cost(Enum):
    """What changing a field costs a trainer, dearest first."""

    NEW_NETWORKS = 4  # weights of another shape, meaning or seed, or other data: back to step 0
    RETRACE = 3  # a new compiled loop around the same weights, optimiser state and step
    HOT = 2  # a per-run tensor the compiled loop reads: applies from the next step
    SAMPLING = 1  # read only when sampling or exporting


class InStack(Enum):
    """How the runs of one compiled stack (ganviz.toy.engine) may differ in a field."""

    SHARED = "shared"  # every run of a stack has the same value (it shapes the computation)
    PADDED = "padded"  # each its own; tensors are zero-padded to the largest and masked
    PER_RUN = "per_run"  # each its own: a per-run tensor, seed or flag


@dataclass(frozen=True)
class FieldWidget:
    """How one ToyConfig field is edited: kind is slider, select_slider, select, toggle,
    number or text; ``options`` for select_slider/select, ``kwargs`` for the widget."""

    name: str
    label: str
    kind: str
    group: str
    options: tuple = ()
    kwargs: dict = field(default_factory=dict)
    help: str = ""


@dataclass(frozen=True)
class Widget:
    """A row's widget hint. kind: slider, select_slider, select, toggle, number or text;
    options: a select_slider's values (a select's are the field's choices); step, format:
    passed on to slider and number widgets, whose bounds are the field's range."""

    label: str
    kind: str
    group: str
    options: tuple = ()
    help: str = ""
    step: float | None = None
    format: str | None = None


@dataclass(frozen=True)
class ToyField:
    """One ToyConfig field.

    range: (min, max) of a number, inclusive, of the field's type (int or float); choices:
    a string field's allowed values. cost: what a change costs (``Cost``). in_stack: how
    stacked runs may differ (``InStack``). fed: its per-run value is an input of the compiled
    loop (``Engine.hyperparams``), even where a change also costs more. traced: for a HOT
    field, the part of its value the loop is compiled for (r1_weight > 0 adds the R1 term):
    a change of that part retraces. widget: the Lab's hint, or None where the page has a
    picker of its own (the dataset)."""

    name: str
    cost: Cost
    in_stack: InStack
    range: tuple[float, float] | None = None
    choices: tuple[str, ...] | None = None
    fed: bool = False
    traced: Callable[[Any], Any] | None = None
    widget: Widget | None = None

    def cost_of(self, old: Any, new: Any) -> Cost | None:
        """What moving this field from ``old`` to ``new`` costs (None when equal)."""
        if old == new:
            return None
        if self.traced is not None and self.traced(old) != self.traced(new):
            return Cost.RETRACE
        return self.cost

    def field_widget(self) -> FieldWidget | None:
        """The Lab's FieldWidget of this field (None when it has no widget)."""
        w = self.widget
        if w is None:
            return None
        kwargs: dict = {}
        if w.kind in ("slider", "number"):
            kwargs = dict(min_value=self.range[0], max_value=self.range[1])
            if w.step is not None:
                kwargs["step"] = w.step
            if w.format is not None:
                kwargs["format"] = w.format
        options = self.choices if w.kind == "select" else w.options
        return FieldWidget(self.name, w.label, w.kind, w.group, options, kwargs, w.help)


def _r1_on(weight: float) -> bool:
    return weight > 0


NEW, RETRACE, HOT, SAMPLING = Cost.NEW_NETWORKS, Cost.RETRACE, Cost.HOT, Cost.SAMPLING
SHARED, PADDED, PER_RUN = InStack.SHARED, InStack.PADDED, InStack.PER_RUN
F, W = ToyField, Widget

FIELDS: tuple[ToyField, ...] = (
    # ---- Data
    F("dataset", NEW, SHARED),
    F("circle_radius", NEW, SHARED, (0.05, 10.0), widget=W(
        "Circle radius", "slider", "Data", step=0.05,
        help="Only for the circle. 1 is where tanh saturates.")),
    F("dataset_size", NEW, SHARED, (100, 1_000_000), widget=W(
        "Real points in the training set", "select_slider", "Data", SIZES)),
    F("seed", NEW, PER_RUN, (0, 2**31 - 1), widget=W("Seed", "number", "Data", step=1)),
    # ---- Generator
    F("latent_dim", NEW, SHARED, (1, 256), widget=W(
        "Latent dimensions", "slider", "Generator", step=1)),
    F("latent_distribution", NEW, SHARED, choices=LATENT_DISTRIBUTIONS, widget=W(
        "Latent noise", "select", "Generator")),
    F("g_depth", NEW, PADDED, (1, 6), widget=W("G hidden layers", "slider", "Generator")),
    F("g_width", NEW, PADDED, (1, 512), widget=W(
        "G units per layer", "select_slider", "Generator", WIDTHS)),
    F("g_layers", NEW, PADDED, widget=W(
        "G layer widths (overrides the two above)", "text", "Generator",
        help="Comma-separated, e.g. 64,128 (the Stack Overflow generator). Empty: use "
             "layers x units.")),
    F("g_output", NEW, SHARED, choices=OUTPUT_ACTIVATIONS, widget=W(
        "G output activation", "select", "Generator")),
    F("latent_categories", NEW, SHARED, (0, 64), widget=W(
        "Latent categories (0 = none)", "slider", "Generator",
        help="Appends a one-hot code of this many categories to the noise: the latent "
             "space falls into separate pieces, so G need not join separate modes.")),
    # on/off adds Q's head (new networks); its value is fed per run
    F("info_weight", NEW, PER_RUN, (0.0, 10.0), fed=True, widget=W(
        "InfoGAN weight on the categories (0 = off)", "slider", "Generator", step=0.1,
        help="A head on D guesses each fake's category and G is rewarded when it can: "
             "each category must draw a region of its own. Acts with 2+ categories and "
             "packing 1.")),
    # on/off adds the averaged weights to the state (new networks); its value is fed per run
    F("g_ema", NEW, PER_RUN, (0.0, 0.9999), fed=True, widget=W(
        "G weight averaging (EMA decay)", "select_slider", "Generator", EMAS,
        help="Views and samples use a moving average of G's weights (0 = off).")),
    # ---- Discriminator
    F("d_depth", NEW, PADDED, (1, 6), widget=W("D hidden layers", "slider", "Discriminator")),
    F("d_width", NEW, PADDED, (1, 512), widget=W(
        "D units per layer", "select_slider", "Discriminator", WIDTHS)),
    F("d_layers", NEW, PADDED, widget=W(
        "D layer widths (overrides the two above)", "text", "Discriminator",
        help="Comma-separated, e.g. 64,128. Empty: use layers x units.")),
    F("packing", NEW, SHARED, (1, 4), widget=W(
        "Packing (PacGAN m)", "slider", "Discriminator", help="D judges m samples at once.")),
    F("minibatch_discrimination", NEW, SHARED, widget=W(
        "Minibatch discrimination", "toggle", "Discriminator")),
    F("spectral_norm", NEW, SHARED, widget=W("Spectral normalisation", "toggle", "Discriminator")),
    # ---- Both networks (the activation's weights would mean something else: new networks)
    F("hidden_activation", NEW, SHARED, choices=ACTIVATIONS, widget=W(
        "Hidden activation", "select", "Both networks")),
    F("leaky_slope", NEW, SHARED, (0.0, 1.0), widget=W(
        "Leaky ReLU slope", "slider", "Both networks", step=0.01)),
    # ---- Training
    F("batch_size", RETRACE, PADDED, (2, 4096), widget=W(
        "Batch size", "select_slider", "Training", BATCHES)),
    F("loss", RETRACE, SHARED, choices=LOSSES, widget=W("Loss", "select", "Training")),
    F("d_steps", RETRACE, SHARED, (1, 10), widget=W(
        "D steps per G step", "slider", "Training")),
    F("combined_batch", RETRACE, SHARED, widget=W(
        "Real and fake in one D batch", "toggle", "Training",
        help="Off: two D updates, one on real, one on fake (the Stack Overflow code).")),
    # the optimiser's moments mean something else under another rule: new networks
    F("g_optimizer", NEW, SHARED, choices=OPTIMIZERS, widget=W(
        "G optimizer", "select", "Training")),
    F("g_lr", HOT, PER_RUN, (1e-6, 1.0), fed=True, widget=W(
        "G learning rate", "select_slider", "Training", LRS)),
    F("g_beta1", HOT, PER_RUN, (0.0, 0.999), fed=True, widget=W(
        "G beta1 / momentum", "slider", "Training", step=0.001)),
    F("d_optimizer", NEW, SHARED, choices=OPTIMIZERS, widget=W(
        "D optimizer", "select", "Training")),
    F("d_lr", HOT, PER_RUN, (1e-6, 1.0), fed=True, widget=W(
        "D learning rate", "select_slider", "Training", LRS)),
    F("d_beta1", HOT, PER_RUN, (0.0, 0.999), fed=True, widget=W(
        "D beta1 / momentum", "slider", "Training", step=0.001)),
    F("lr_final", HOT, PER_RUN, (1e-3, 1.0), fed=True, widget=W(
        "Final learning-rate factor (annealing)", "select_slider", "Training", LR_FINALS,
        help="Both learning rates decay to this fraction over the second half "
             "of the recommended steps (1 = constant).")),
    # fed: the annealing schedule runs over the recommended steps
    F("steps", HOT, PER_RUN, (1, 1_000_000), fed=True, widget=W(
        "Recommended steps", "number", "Training", step=500,
        help="Play pauses here when 'Pause at the recommended steps' is on.")),
    # ---- Regularisation
    F("label_smoothing", HOT, PER_RUN, (0.0, 0.5), fed=True, widget=W(
        "One-sided label smoothing", "slider", "Regularisation", step=0.01)),
    F("label_noise", HOT, PER_RUN, (0.0, 0.5), fed=True, widget=W(
        "Label noise (flip probability)", "slider", "Regularisation", step=0.01)),
    F("gp_weight", HOT, PER_RUN, (0.0, 1000.0), fed=True, widget=W(
        "Gradient-penalty weight (WGAN-GP)", "number", "Regularisation", step=1.0)),
    F("r1_weight", HOT, PER_RUN, (0.0, 1000.0), fed=True, traced=_r1_on, widget=W(
        "R1 penalty weight (0 = off)", "number", "Regularisation", step=0.5)),
    F("clip_value", HOT, PER_RUN, (1e-4, 10.0), fed=True, widget=W(
        "Weight clip (WGAN-clip)", "number", "Regularisation", step=0.005, format="%.4f")),
    # ---- Sampling
    F("rejection_sampling", SAMPLING, PER_RUN, widget=W(
        "Discriminator rejection sampling", "toggle", "Sampling",
        help="Exported samples keep G's points with probability from D's density-ratio "
             "estimate (Azadi et al. 2019). Cross-entropy losses only.")),
    F("rejection_percentile", SAMPLING, PER_RUN, (0.0, 99.0), widget=W(
        "Rejection strictness (gamma percentile, 0 = exact)", "slider", "Sampling", step=1.0)),
)

del F, W, NEW, RETRACE, HOT, SAMPLING, SHARED, PADDED, PER_RUN  # the table's shorthands only

# ---- derived lists ------------------------------------------------------------------------------
FIELD_BY_NAME: dict[str, ToyField] = {f.name: f for f in FIELDS}
RANGES: dict[str, tuple[float, float]] = {f.name: f.range for f in FIELDS if f.range is not None}
CHOICES: dict[str, tuple[str, ...]] = {f.name: f.choices for f in FIELDS if f.choices is not None}
STRUCTURAL = frozenset(f.name for f in FIELDS if f.cost is Cost.NEW_NETWORKS)
HYPERPARAMS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.fed)
SHARED_IN_STACK: tuple[str, ...] = tuple(f.name for f in FIELDS if f.in_stack is InStack.SHARED)
FIELD_WIDGETS: list[FieldWidget] = [w for w in (f.field_widget() for f in FIELDS) if w is not None]


def change_cost(old: Any, new: Any) -> Cost | None:
    """The dearest cost among the fields where configs ``old`` and ``new`` differ (None
    when they are equal)."""
    costs = [f.cost_of(getattr(old, f.name), getattr(new, f.name)) for f in FIELDS]
    return max((c for c in costs if c is not None), key=lambda c: c.value, default=None)
