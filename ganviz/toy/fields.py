"""The one table of ToyConfig fields: how each is edited (widget hint) and what a change costs.

(Being built: today it holds the widget hints that the Toy GAN Lab page draws from.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ganviz.toy.config import CHOICES

# ---- the config widgets ------------------------------------------------------------------
WIDTHS = (1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
BATCHES = (2, 4, 8, 16, 32, 64, 128, 150, 256, 512, 1024, 2048, 4096)
LRS = (1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1, 0.2, 0.5, 1.0)
EMAS = (0.0, 0.9, 0.99, 0.995, 0.999, 0.9999)
LR_FINALS = (1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001)
SIZES = (100, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 1_000_000)


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


FIELD_WIDGETS = [
    FieldWidget("circle_radius", "Circle radius", "slider", "Data",
                kwargs=dict(min_value=0.05, max_value=10.0, step=0.05),
                help="Only for the circle. 1 is where tanh saturates."),
    FieldWidget("dataset_size", "Real points in the training set", "select_slider", "Data", SIZES),
    FieldWidget("seed", "Seed", "number", "Data", kwargs=dict(min_value=0, max_value=2**31 - 1, step=1)),
    FieldWidget("latent_dim", "Latent dimensions", "slider", "Generator",
                kwargs=dict(min_value=1, max_value=256, step=1)),
    FieldWidget("latent_distribution", "Latent noise", "select", "Generator", CHOICES["latent_distribution"]),
    FieldWidget("g_depth", "G hidden layers", "slider", "Generator", kwargs=dict(min_value=1, max_value=6)),
    FieldWidget("g_width", "G units per layer", "select_slider", "Generator", WIDTHS),
    FieldWidget("g_layers", "G layer widths (overrides the two above)", "text", "Generator",
                help="Comma-separated, e.g. 64,128 (the Stack Overflow generator). Empty: use "
                     "layers x units."),
    FieldWidget("g_output", "G output activation", "select", "Generator", CHOICES["g_output"]),
    FieldWidget("latent_categories", "Latent categories (0 = none)", "slider", "Generator",
                kwargs=dict(min_value=0, max_value=64),
                help="Appends a one-hot code of this many categories to the noise: the latent "
                     "space falls into separate pieces, so G need not join separate modes."),
    FieldWidget("info_weight", "InfoGAN weight on the categories (0 = off)", "slider", "Generator",
                kwargs=dict(min_value=0.0, max_value=10.0, step=0.1),
                help="A head on D guesses each fake's category and G is rewarded when it can: "
                     "each category must draw a region of its own. Acts with 2+ categories and packing 1."),
    FieldWidget("g_ema", "G weight averaging (EMA decay)", "select_slider", "Generator", EMAS,
                help="Views and samples use a moving average of G's weights (0 = off)."),
    FieldWidget("d_depth", "D hidden layers", "slider", "Discriminator", kwargs=dict(min_value=1, max_value=6)),
    FieldWidget("d_width", "D units per layer", "select_slider", "Discriminator", WIDTHS),
    FieldWidget("d_layers", "D layer widths (overrides the two above)", "text", "Discriminator",
                help="Comma-separated, e.g. 64,128. Empty: use layers x units."),
    FieldWidget("packing", "Packing (PacGAN m)", "slider", "Discriminator",
                kwargs=dict(min_value=1, max_value=4), help="D judges m samples at once."),
    FieldWidget("minibatch_discrimination", "Minibatch discrimination", "toggle", "Discriminator"),
    FieldWidget("spectral_norm", "Spectral normalisation", "toggle", "Discriminator"),
    FieldWidget("hidden_activation", "Hidden activation", "select", "Both networks", CHOICES["hidden_activation"]),
    FieldWidget("leaky_slope", "Leaky ReLU slope", "slider", "Both networks",
                kwargs=dict(min_value=0.0, max_value=1.0, step=0.01)),
    FieldWidget("batch_size", "Batch size", "select_slider", "Training", BATCHES),
    FieldWidget("loss", "Loss", "select", "Training", CHOICES["loss"]),
    FieldWidget("d_steps", "D steps per G step", "slider", "Training", kwargs=dict(min_value=1, max_value=10)),
    FieldWidget("combined_batch", "Real and fake in one D batch", "toggle", "Training",
                help="Off: two D updates, one on real, one on fake (the Stack Overflow code)."),
    FieldWidget("g_optimizer", "G optimizer", "select", "Training", CHOICES["g_optimizer"]),
    FieldWidget("g_lr", "G learning rate", "select_slider", "Training", LRS),
    FieldWidget("g_beta1", "G beta1 / momentum", "slider", "Training",
                kwargs=dict(min_value=0.0, max_value=0.999, step=0.001)),
    FieldWidget("d_optimizer", "D optimizer", "select", "Training", CHOICES["d_optimizer"]),
    FieldWidget("d_lr", "D learning rate", "select_slider", "Training", LRS),
    FieldWidget("d_beta1", "D beta1 / momentum", "slider", "Training",
                kwargs=dict(min_value=0.0, max_value=0.999, step=0.001)),
    FieldWidget("lr_final", "Final learning-rate factor (annealing)", "select_slider", "Training",
                LR_FINALS, help="Both learning rates decay to this fraction over the second half "
                                "of the recommended steps (1 = constant)."),
    FieldWidget("steps", "Recommended steps", "number", "Training",
                kwargs=dict(min_value=1, max_value=1_000_000, step=500),
                help="Play pauses here when 'Pause at the recommended steps' is on."),
    FieldWidget("label_smoothing", "One-sided label smoothing", "slider", "Regularisation",
                kwargs=dict(min_value=0.0, max_value=0.5, step=0.01)),
    FieldWidget("label_noise", "Label noise (flip probability)", "slider", "Regularisation",
                kwargs=dict(min_value=0.0, max_value=0.5, step=0.01)),
    FieldWidget("gp_weight", "Gradient-penalty weight (WGAN-GP)", "number", "Regularisation",
                kwargs=dict(min_value=0.0, max_value=1000.0, step=1.0)),
    FieldWidget("r1_weight", "R1 penalty weight (0 = off)", "number", "Regularisation",
                kwargs=dict(min_value=0.0, max_value=1000.0, step=0.5)),
    FieldWidget("clip_value", "Weight clip (WGAN-clip)", "number", "Regularisation",
                kwargs=dict(min_value=1e-4, max_value=10.0, step=0.005, format="%.4f")),
    FieldWidget("rejection_sampling", "Discriminator rejection sampling", "toggle", "Sampling",
                help="Exported samples keep G's points with probability from D's density-ratio "
                     "estimate (Azadi et al. 2019). Cross-entropy losses only."),
    FieldWidget("rejection_percentile", "Rejection strictness (gamma percentile, 0 = exact)", "slider",
                "Sampling", kwargs=dict(min_value=0.0, max_value=99.0, step=1.0)),
]
GROUPS = ("Data", "Generator", "Discriminator", "Both networks", "Training", "Regularisation", "Sampling")
