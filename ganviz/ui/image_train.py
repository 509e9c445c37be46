"""The Train an image GAN page's session, sidebar and transport (the live view and the
outputs are ``ganviz.ui.image_view``).

Per-session state lives in ``st.session_state[STATE_KEY]`` (an ``ImageSession``, a
``LiveSession``): the session's own ``ImageJob`` (never shared), its uploaded images, and what
it saved. Training runs as on the toy pages: Play's first refresh compiles and trains here,
then the session's LiveTrainer thread trains through the shared fair gate while the
``st.fragment(run_every=...)`` refresh draws. The trainer's lease is short (LEASE_S): a user
who moves to another page frees the CPU within seconds, and training goes on when they come
back. The named datasets and the classifiers are loaded once per process and shared
read-only. Widgets have explicit keys (``img_*``) that the AppTest and the browser test use.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from ganviz.image import data
from ganviz.image.config import ImageGanConfig
from ganviz.image.data import ImageDataset
from ganviz.image.models import MODELS, model_spec
from ganviz.live.image_job import ImageJob
from ganviz.live.play import PlayState
from ganviz.live.run import RateMeter
from ganviz.live.scheduler import StopReason, train_in_turns
from ganviz.live.sessions import LiveSession
from ganviz.ui.live_session import session_state

STATE_KEY = "image_train"
LEASE_S = 5.0             # the trainer stops this long after the page's last refresh
FIRST_STEPS = 10          # Play's first refresh trains this many steps, then the thread trains
UPLOAD = "upload"
DATASET_LABELS = {"mnist": "MNIST digits", "fashion_mnist": "Fashion-MNIST clothes",
                  "shapes": "Shapes: synthetic colour, known modes",
                  UPLOAD: "Your own images (.zip)"}
BATCHES = (16, 32, 64, 128, 256)
WIDTHS = (8, 16, 32, 64)
LATENTS = (16, 32, 64, 128)
LEARNING_RATES = (1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 3e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 1e-1)
EMAS = (0.0, 0.99, 0.999)
SIZES = (28, 32, 64)
STEP_BUTTON = 50          # steps of the "+50 steps" button


@dataclass(eq=False)
class ImageSession(LiveSession):
    """Everything the page keeps for one browser session (plain objects only)."""

    play: PlayState = field(default_factory=lambda: PlayState(lease_s=LEASE_S,
                                                              first_steps=FIRST_STEPS))
    job: ImageJob | None = None
    upload_key: tuple | None = None            # (file id, size, channels) of the upload read
    upload: ImageDataset | None = None
    upload_report: str = ""
    meter: RateMeter = field(default_factory=RateMeter)
    saved: str | None = None
    gif: tuple[int, bytes] | None = None       # (step, GIF bytes) made on request
    chart_specs: dict = field(default_factory=dict)

    def jobs(self) -> list[ImageJob]:
        return [self.job] if self.job is not None else []

    def drop_models(self) -> None:
        if self.job is not None:
            self.job.release()
        self.job, self.gif = None, None


def session() -> ImageSession:
    return session_state(STATE_KEY, ImageSession)


# ---- data ------------------------------------------------------------------------------------
@st.cache_resource(show_spinner="Loading the dataset…", max_entries=4)
def named_dataset(name: str) -> ImageDataset:
    return data.load(name)


def dataset_names() -> list[str]:
    return [n for n in DATASET_LABELS if n in data.DATASETS or n == UPLOAD]


def uploaded_dataset(state: ImageSession) -> ImageDataset | None:
    """The user's zip, read once per (file, size, colour) choice; messages in the sidebar."""
    sb = st.sidebar
    file = sb.file_uploader("A .zip of PNG or JPEG images", type=["zip"], key="img_zip",
                            help="Grey or colour; each is centre-cropped to a square and "
                                 "resized. Sub-folders of images become classes.")
    size = sb.radio("Image size", SIZES, index=1, horizontal=True, key="img_size",
                    format_func=lambda s: f"{s} px")
    colour = sb.radio("Colour", ("auto", "grey", "colour"), horizontal=True, key="img_colour")
    if file is None:
        st.info("Upload a .zip of your own pictures in the sidebar (PNG or JPEG, at least 16; "
                "sub-folders become classes).")
        return None
    key = (file.file_id, size, colour)
    if state.upload_key != key:
        from ganviz.image.uploads import load_images

        channels = {"auto": None, "grey": 1, "colour": 3}[colour]
        state.upload_key, state.upload, state.upload_report = key, None, ""
        try:
            with st.spinner("Reading your images…"):
                state.upload, report = load_images(file.getvalue(), size, channels,
                                                   name=f"images:{file.name}")
            state.upload_report = report.summary()
        except ValueError as exc:
            state.upload_report = f"Cannot use {file.name}: {exc}"
    if state.upload is None:
        sb.error(state.upload_report)
    else:
        sb.caption(state.upload_report)
    return state.upload


def load_dataset(state: ImageSession, choice: str) -> ImageDataset | None:
    if choice == UPLOAD:
        return uploaded_dataset(state)
    try:
        return named_dataset(choice)
    except (ValueError, FileNotFoundError) as exc:
        st.error(f"Cannot load {DATASET_LABELS[choice]}: {exc}")
        return None


def classifier_for(dataset: ImageDataset):
    """The shipped classifier of a named dataset (None for the others)."""
    from ganviz.image.checkpoints import checkpoints_root
    from ganviz.ui.images import load_classifier

    return load_classifier(dataset.name, str(checkpoints_root()))


# ---- sidebar ---------------------------------------------------------------------------------
def _nearest(options: tuple, value: float):
    return min(options, key=lambda o: abs(o - value))


def _on_model_change() -> None:
    """A new model starts from its paper's learning rates."""
    recipe = model_spec(st.session_state["img_model"]).recipe
    st.session_state["img_g_lr"] = _nearest(LEARNING_RATES, recipe.g_learning_rate)
    st.session_state["img_d_lr"] = _nearest(LEARNING_RATES, recipe.d_learning_rate)
    if not MODELS[st.session_state["img_model"]].packing:
        st.session_state["img_packing"] = 1
    if not _averages(st.session_state["img_model"]):
        st.session_state["img_ema"] = 0.0


def _averages(model: str) -> bool:
    """Whether the model's trainer keeps an average of G's weights: the adversarial
    ImageGanTrainer's models do; the autoencoders, BEGAN and SGAN (their own trainers) not."""
    return MODELS[model].trainer is None


def sidebar(state: ImageSession) -> tuple[ImageGanConfig | None, ImageDataset | None, int]:
    """The run's inputs. Returns (config or None, dataset or None, steps per refresh)."""
    sb = st.sidebar
    for key, value in (("img_g_lr", 2e-4), ("img_d_lr", 2e-4), ("img_packing", 1),
                       ("img_ema", 0.0)):
        st.session_state.setdefault(key, value)
    names = dataset_names()
    choice = sb.selectbox("Dataset", names, format_func=DATASET_LABELS.get, key="img_dataset")
    dataset = load_dataset(state, choice)
    model = sb.selectbox("Model", list(MODELS), key="img_model", on_change=_on_model_change,
                         help="; ".join(f"{m.name}: {m.summary}" for m in MODELS.values()))
    sb.caption(MODELS[model].summary)
    batch = sb.select_slider("Batch size", BATCHES, value=64, key="img_batch")
    width = sb.select_slider("Width (filters of G's last / D's first layer)", WIDTHS,
                             value=32, key="img_width")
    latent = sb.select_slider("Latent dimension", LATENTS, value=64, key="img_latent")
    fmt = "{:g}".format
    g_lr = sb.select_slider("G learning rate", LEARNING_RATES, key="img_g_lr", format_func=fmt)
    d_lr = sb.select_slider("D learning rate", LEARNING_RATES, key="img_d_lr", format_func=fmt,
                            help="Changing either learning rate applies at once, keeping "
                                 "the weights; anything else starts new networks.")
    ema = sb.select_slider("EMA of G's weights", EMAS, key="img_ema",
                           format_func=lambda e: "off" if e == 0 else f"{e:g}",
                           disabled=not _averages(model),
                           help="Sample from an exponential moving average of G's weights.")
    packing = sb.select_slider("Packing (PacGAN)", (1, 2, 3, 4), key="img_packing",
                               disabled=not MODELS[model].packing,
                               help="D judges packs of this many images: fights mode collapse.")
    seed = sb.number_input("Seed", 0, 2**31 - 1, 0, key="img_seed")
    spr = sb.select_slider("Steps per refresh (speed)", (1, 2, 5, 10, 20, 50, 100, 400),
                           value=400, key="img_spr", help="1: slow motion; 400: full speed.")
    if dataset is None:
        return None, None, int(spr)
    batch = fitting_batch(int(batch), len(dataset.train_images))
    try:
        config = ImageGanConfig(
            dataset=dataset.name, model=model, batch_size=int(batch), base_filters=int(width),
            latent_dim=int(latent), g_learning_rate=float(g_lr), d_learning_rate=float(d_lr),
            g_ema=float(ema), packing=int(packing), seed=int(seed), eval_samples=0)
    except ValueError as exc:
        st.error(f"These settings do not make a model: {exc}")
        return None, dataset, int(spr)
    return config, dataset, int(spr)


def fitting_batch(batch: int, n_train: int) -> int:
    """``batch``, or the largest batch size offered that a small dataset fills (said)."""
    if batch <= n_train:
        return batch
    fitting = max((b for b in BATCHES if b <= n_train), default=max(2, n_train))
    st.sidebar.info(f"Batch size {fitting}: the {n_train} training images do not fill {batch}.")
    return fitting


# ---- the session's job -----------------------------------------------------------------------
def _same_but_learning_rates(a: ImageGanConfig, b: ImageGanConfig) -> bool:
    from dataclasses import replace

    return replace(a, g_learning_rate=b.g_learning_rate, d_learning_rate=b.d_learning_rate) == b


def ensure_job(state: ImageSession, config: ImageGanConfig, dataset: ImageDataset
               ) -> ImageJob | None:
    """The session's job for ``config``: new networks when anything but the learning rates
    changed (said), the learning rates changed in place otherwise."""
    job = state.job
    if job is not None and job.dataset is dataset and _same_but_learning_rates(config, job.config):
        if job.set_learning_rates(config.g_learning_rate, config.d_learning_rate):
            st.toast("New learning rates: applied from the next step, weights kept.")
        return job
    state.play.stop(StopReason.PAUSED)
    state.drop_models()
    try:
        with st.spinner("Building the networks…"):
            state.job = ImageJob(config, dataset, classifier_for(dataset))
    except (ValueError, FileNotFoundError) as exc:
        st.error(f"Cannot train {config.model} on this dataset: {exc}")
        return None
    state.meter.clear()
    if job is not None:
        st.info("New networks for the changed settings: training starts again at step 0.")
    return state.job


# ---- transport -------------------------------------------------------------------------------
def _on_play(playing: bool) -> None:
    """Play (True) or Pause (False), as the button's label said (a click delivered twice
    cannot undo itself). Pause waits for the current turn: the step shown is final."""
    state = session()
    with state.lock:
        changed = state.play.start() if playing else state.play.stop(StopReason.PAUSED)
        if changed:
            state.meter.clear()
            state.chart_specs.clear()


def _on_reset() -> None:
    state = session()
    with state.lock:
        state.play.stop(StopReason.PAUSED)
        job = state.job
        if job is not None:
            state.drop_models()
            state.job = ImageJob(job.config, job.dataset, job.evaluator.classifier)
            state.meter.clear()


def compiling(job: ImageJob):
    return st.spinner("Compiling the training step (first time only)…")


def transport(state: ImageSession) -> None:
    """Play / Pause, +50 steps, Reset."""
    state.play.halt_unless(state.jobs())
    playing, job = state.playing, state.job
    cols = st.columns([1.2, 1, 1, 4])
    cols[0].button("Pause" if playing else "Play", key="img_play", type="primary",
                   icon=":material/pause:" if playing else ":material/play_arrow:",
                   on_click=_on_play, args=(not playing,), use_container_width=True,
                   disabled=job is None)
    step = cols[1].button(f"+{STEP_BUTTON} steps", key="img_step", use_container_width=True,
                          disabled=job is None or playing)
    cols[2].button("Reset", key="img_reset", on_click=_on_reset, use_container_width=True,
                   disabled=job is None, help="New weights from the seed, step 0.")
    if step and job is not None:
        with compiling(job):
            train_in_turns([job], STEP_BUTTON)
