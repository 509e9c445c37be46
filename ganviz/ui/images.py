"""Streamlit helpers for the image-GAN pages: cached model loading and the checkpoint picker.

Models are loaded once per process with `st.cache_resource`, keyed by the checkpoint's resolved
path and its card's modification time (a retrained checkpoint is reloaded). The cached objects
are shared by every session: pages only call them, never train or change them.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ganviz import checkpoints as ckpts

OTHER = "Other folder…"


@st.cache_resource(show_spinner="Loading the generator…", max_entries=8)
def _load_checkpoint(path: str, stamp: float) -> ckpts.Checkpoint:
    return ckpts.load(path)


def load_checkpoint(name_or_path: str) -> ckpts.Checkpoint:
    """`ganviz.checkpoints.load`, cached per process. Raises CheckpointError (a ValueError).
    User input: only folders inside the checkpoints root open (`inside_root=True`)."""
    path = ckpts.resolve(name_or_path, inside_root=True)
    card = path / "card.json"
    stamp = card.stat().st_mtime if card.exists() else 0.0
    return _load_checkpoint(str(path.resolve()), stamp)


@st.cache_resource(show_spinner="Preparing label mixing…", max_entries=8)
def _embedding_generator(path: str, stamp: float):
    from ganviz.image.conditional import embedding_generator

    return embedding_generator(_load_checkpoint(path, stamp).generator)


def embedding_generator(ckpt: ckpts.Checkpoint):
    """The cDCGAN generator from its label embedding on (None when the model has none)."""
    card = ckpt.path / "card.json"
    stamp = card.stat().st_mtime if card.exists() else 0.0
    return _embedding_generator(str(ckpt.path.resolve()), stamp)


@st.cache_resource(show_spinner="Loading the classifier…", max_entries=4)
def load_classifier(dataset: str, root: str):
    """The shipped evaluation classifier for `dataset`, or None when it is not shipped."""
    from ganviz.image.classifier import CLASSIFIER_FILES
    from ganviz.image.classifier import load_classifier as load

    if dataset not in CLASSIFIER_FILES:
        return None
    return load(dataset, Path(root), required=False)


def checkpoint_picker(key: str, want_conditional: bool = False) -> ckpts.Checkpoint | None:
    """Sidebar picker over `list_checkpoints()` (shipped and user-trained) plus a free folder
    path inside the checkpoints root (e.g. a nested `runs/x`; nothing outside it opens).
    Shows an error and returns None for an unknown, incomplete, corrupt or refused checkpoint.
    With `want_conditional`, conditional checkpoints are listed first. A `?checkpoint=NAME`
    query parameter (the "Open in latent interpolation" link) picks NAME once."""
    summaries = ckpts.list_checkpoints()
    if want_conditional:
        summaries = sorted(summaries, key=lambda s: not (s.card and s.card.conditional))
    labels = {}
    for s in summaries:
        if s.ok and s.card is not None:
            kind = "conditional" if s.card.conditional else "unconditional"
            labels[s.name] = f"{s.name} ({s.card.dataset}, {kind})"
        else:
            labels[s.name] = f"{s.name} (broken)"
    options = [s.name for s in summaries] + [OTHER]
    wanted = st.query_params.get("checkpoint")  # a link from another page ("Open in ...")
    if wanted is not None:
        if wanted in options:
            st.session_state[f"{key}_name"] = wanted
        del st.query_params["checkpoint"]  # once: the user's later picks stand
    choice = st.sidebar.selectbox("Checkpoint", options, key=f"{key}_name",
                                  format_func=lambda n: labels.get(n, n),
                                  help="Shipped checkpoints and any you trained with "
                                       "`python -m ganviz train --out checkpoints/NAME`.")
    if choice == OTHER:
        choice = st.sidebar.text_input("Checkpoint folder (inside checkpoints/)", key=f"{key}_path",
                                       placeholder="runs/my_checkpoint",
                                       help=f"A folder under {ckpts.checkpoints_root()}; "
                                            "folders elsewhere are refused.")
        if not choice.strip():
            st.info("Type the folder of a ganviz checkpoint (inside the checkpoints folder) in "
                    "the sidebar, or pick a listed one.")
            return None
    try:
        return load_checkpoint(choice)
    except (ckpts.CheckpointError, ValueError, OSError) as exc:
        st.error(f"Cannot use this checkpoint: {exc}")
        return None


def describe(ckpt: ckpts.Checkpoint) -> str:
    """One caption line about a checkpoint, from its card."""
    c = ckpt.card
    kind = f"conditional, {ckpt.num_classes} classes" if ckpt.conditional else "unconditional"
    return (f"**{ckpt.name}**: {c.model} on {c.dataset} ({kind}), latent {ckpt.latent_dim}, "
            f"{c.epochs} epochs, images {ckpt.image_shape[0]}x{ckpt.image_shape[1]}.")
