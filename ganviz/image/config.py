"""What an image-GAN training run depends on: `ImageGanConfig` (frozen, validated, stored in
card.json["config"]) and `architecture_for`, the networks' shape that a config implies for a
dataset. Model and loss names are checked against the registries `ganviz.image.models.MODELS`
and `ganviz.image.losses.LOSSES`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ganviz.image.data import ImageDataset
from ganviz.image.losses import LOSSES
from ganviz.image.models import MAX_PACKING, MODELS, Architecture, model_spec

# default: one device; mirrored: every local GPU (tf.distribute.MirroredStrategy); multiworker:
# tf.distribute.MultiWorkerMirroredStrategy across the processes named in $TF_CONFIG
STRATEGIES = ("default", "mirrored", "multiworker")
MAX_EPOCHS = 10_000
MAX_SECONDS = 7 * 24 * 3600
# alternating: D step, then a G step against the updated D (fresh fakes), as in the DCGAN
# paper. simultaneous: one batch of fakes, both gradients from the same forward pass, as in
# TensorFlow's DCGAN tutorial; about a third fewer FLOPs per step.
UPDATES = ("alternating", "simultaneous")
# fields a model's `Recipe` fills in when the config leaves them None
RECIPE_FIELDS = ("optimizer", "g_learning_rate", "d_learning_rate", "beta_1", "beta_2",
                 "d_steps")


def adam(learning_rate: float, config: ImageGanConfig):
    """Adam (Kingma & Ba 2015) with the config's beta_1 and beta_2."""
    import keras

    return keras.optimizers.Adam(learning_rate, config.beta_1, config.beta_2)


def rmsprop(learning_rate: float, config: ImageGanConfig):
    """RMSprop as WGAN's reference code runs it (PyTorch's rho 0.99, eps 1e-8): Arjovsky et
    al. 2017 found momentum (Adam) unstable with a clipped critic. Ignores the betas."""
    import keras

    return keras.optimizers.RMSprop(learning_rate, rho=0.99, epsilon=1e-8)


# name -> (learning_rate, config) -> keras optimizer; a model's `Recipe.optimizer` picks one
OPTIMIZERS = {"adam": adam, "rmsprop": rmsprop}


@dataclass(frozen=True)
class ImageGanConfig:
    """Everything a training run depends on (stored in card.json["config"]).

    model: a `MODELS` key. loss: a `LOSSES` key; None (the default) takes the model's own
        (`ImageModel.loss`), so a stored config always names one.
    epochs: total epochs (a resumed run continues up to this number).
    seconds: None, or a wall-time budget for this invocation's training: the run stops after
        the chunk during which it runs out (`ganviz.image.train` says what counts), then
        evaluates and saves as at an epoch end; `epochs` is then an upper bound.
    max_train_images: use only the first N training images (None: all), for quick runs.
    g_steps / d_steps: generator / discriminator updates per training step.
    update: "alternating" or "simultaneous" (see UPDATES).
    init_from: a checkpoint folder whose generator and state/discriminator.keras start this
        run (fresh optimizers), e.g. to show what a frozen discriminator does to a generator.
    auxiliary_weight: models with an auxiliary classifier (cdcgan); weight of the AC-GAN class
        loss (Odena et al. 2017): D learns to classify real images, G is pushed to make images
        D classifies as the requested label. 0 turns the auxiliary head off (pure projection).
    optimizer: an `OPTIMIZERS` key. optimizer, g_learning_rate / d_learning_rate, beta_1 /
        beta_2 (Adam's, shared by G and D) and d_steps: None (the default) takes the model's
        `ImageModel.recipe` (DCGAN: Adam(2e-4, 0.5, 0.999), 1 step; WGAN: RMSprop(5e-5),
        5 critic steps; WGAN-GP: Adam(1e-4, 0, 0.9), 5 critic steps).
    gp_weight: lambda of the gradient penalty (losses with `gradient_penalty`; Gulrajani et
        al. 2017 use 10). clip_value: c of WGAN's weight clipping (losses with `weight_clip`;
        Arjovsky et al. 2017 use 0.01).
    gamma / lambda_k / k_init: BEGAN's equilibrium ratio E L(G(z)) / E L(x), k_t's learning
        rate and k_0 (Berthelot et al. 2017 use 0.5, 0.001 and 0; `ganviz.image.began` says
        why MNIST needs k_0 > 0).
    g_ema: 0 (off) or the decay of an exponential moving average of G's weights, updated after
        every step (Yazici et al. 2019, "The Unusual Effectiveness of Averaging in GAN
        Training"; Karras et al. 2018). The checkpoint's generator.keras and every metric are
        then the averaged G; the trained G is kept in state/ for --resume.
    packing: PacGAN (Lin et al. 2018): D judges packs of this many images (models with
        `ImageModel.packing`; see `Architecture.packing`); batch_size must be a multiple of it.
    labels_per_class: sgan only; the labelled training images per class (the rest train
        unlabelled); Salimans et al. 2016 report MNIST with 10 per class (100 in all).
    steps_per_call: D+G steps fused into one tf.function call (fewer Python round trips).
    eval_samples: generated images per epoch for NDB/K and classifier metrics.
    epoch_samples: how many of them each epochs/epoch_NNN.npz keeps for the inspector.
    """

    dataset: str = "mnist"
    model: str = "dcgan"
    loss: str | None = None
    epochs: int = 10
    seconds: float | None = None
    batch_size: int = 64
    latent_dim: int = 64
    base_filters: int = 32
    d_dropout: float = 0.0
    d_input_noise: float = 0.0
    g_learning_rate: float | None = None
    d_learning_rate: float | None = None
    beta_1: float | None = None
    beta_2: float | None = None
    g_ema: float = 0.0
    packing: int = 1
    g_steps: int = 1
    d_steps: int | None = None
    gp_weight: float = 10.0
    clip_value: float = 0.01
    gamma: float = 0.5
    lambda_k: float = 0.001
    k_init: float = 0.0
    optimizer: str | None = None
    auxiliary_weight: float = 1.0
    labels_per_class: int = 10
    unsupervised_weight: float = 1.0
    max_train_images: int | None = None
    steps_per_call: int = 10
    ndb_bins: int = 50
    ndb_z_threshold: float = 4.0
    eval_samples: int = 2000
    epoch_samples: int = 500
    strategy: str = "default"
    update: str = "alternating"
    init_from: str | None = None
    jit_compile: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        spec = model_spec(self.model)
        if self.loss is None:  # frozen: the model's default is written in once, here
            object.__setattr__(self, "loss", spec.loss)
        for name in RECIPE_FIELDS:  # so a stored config always names every value
            if getattr(self, name) is None:
                object.__setattr__(self, name, getattr(spec.recipe, name))
        self._check_choices()
        self._check_ranges(spec.packing)

    def _check_choices(self) -> None:
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {tuple(LOSSES)}, got {self.loss!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {tuple(OPTIMIZERS)}, "
                             f"got {self.optimizer!r}")
        if self.update not in UPDATES:
            raise ValueError(f"update must be one of {UPDATES}, got {self.update!r}")
        if self.update == "simultaneous" and (self.g_steps, self.d_steps) != (1, 1):
            raise ValueError("update='simultaneous' needs g_steps = d_steps = 1")
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, got {self.strategy!r}")

    def _check_ranges(self, packing_allowed: bool) -> None:
        if not 1 <= self.epochs <= MAX_EPOCHS:
            raise ValueError(f"epochs must be 1..{MAX_EPOCHS}, got {self.epochs}")
        if self.seconds is not None and not 0 < self.seconds <= MAX_SECONDS:
            raise ValueError(f"seconds must be in (0, {MAX_SECONDS}], got {self.seconds}")
        if not 2 <= self.batch_size <= 4096:
            raise ValueError(f"batch_size must be 2..4096, got {self.batch_size}")
        for name in ("g_steps", "d_steps", "steps_per_call"):
            if not 1 <= getattr(self, name) <= 100:
                raise ValueError(f"{name} must be 1..100, got {getattr(self, name)}")
        for name in ("g_learning_rate", "d_learning_rate"):
            if not 0 < getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in (0, 1], got {getattr(self, name)}")
        if self.max_train_images is not None and self.max_train_images < self.batch_size:
            raise ValueError(f"max_train_images ({self.max_train_images}) must be at least "
                             f"batch_size ({self.batch_size})")
        if not 1 <= self.packing <= MAX_PACKING:
            raise ValueError(f"packing must be 1..{MAX_PACKING}, got {self.packing}")
        if self.packing > 1 and not packing_allowed:
            allowed = " or ".join(m.name for m in MODELS.values() if m.packing)
            raise ValueError(f"packing needs --model {allowed} (unconditional)")
        if self.batch_size % self.packing:
            raise ValueError(f"batch_size ({self.batch_size}) must be a multiple of packing "
                             f"({self.packing})")
        for name in ("beta_1", "beta_2"):
            if not 0 <= getattr(self, name) < 1:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)}")
        if not 0 < self.gamma <= 1:
            raise ValueError(f"gamma must be in (0, 1], got {self.gamma}")
        for name in ("lambda_k", "k_init"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        if not 0 < self.clip_value <= 1:
            raise ValueError(f"clip_value must be in (0, 1], got {self.clip_value}")
        if not 0 <= self.g_ema < 1:
            raise ValueError(f"g_ema must be in [0, 1), got {self.g_ema}")
        if not 0 < self.unsupervised_weight <= 10:
            raise ValueError(f"unsupervised_weight must be in (0, 10], "
                             f"got {self.unsupervised_weight}")
        if not 1 <= self.labels_per_class <= 100_000:
            raise ValueError(f"labels_per_class must be 1..100000, got {self.labels_per_class}")
        if not 0 <= self.eval_samples <= 100_000:
            raise ValueError(f"eval_samples must be 0..100000, got {self.eval_samples}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ImageGanConfig:
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


def architecture_for(config: ImageGanConfig, dataset: ImageDataset) -> Architecture:
    """The `Architecture` a config implies for a dataset: its shape, classes when the model
    is conditional, D's normalisation (layer norm under a gradient penalty)."""
    spec = model_spec(config.model)
    if spec.conditional and dataset.num_classes is None:
        raise ValueError(f"{spec.name} needs labelled data; {dataset.name} has no labels")
    return Architecture(
        image_shape=dataset.image_shape,
        latent_dim=config.latent_dim,
        num_classes=dataset.num_classes if spec.conditional else None,
        base_filters=config.base_filters,
        d_normalization="layer" if LOSSES[config.loss].gradient_penalty else "batch",
        d_dropout=config.d_dropout,
        d_input_noise=config.d_input_noise,
        auxiliary_classifier=spec.auxiliary_classifier and config.auxiliary_weight > 0,
        packing=config.packing,
    )
