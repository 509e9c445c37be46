"""Conditional generation: ask a conditional GAN for classes and check with the shipped
classifier whether it obeys.

Widgets -> ganviz.image.latent (class grid, truncation) -> Checkpoint.generate ->
ganviz.image.conditional.classify -> ganviz.plots.images.
"""

import streamlit as st

from ganviz import checkpoints as ckpts
from ganviz.image import latent
from ganviz.image.conditional import classify
from ganviz.plots import images as plots
from ganviz.ui import images as ui

st.set_page_config(page_title="Conditional generation · ganviz", page_icon="🏷️", layout="wide")
st.title("Conditional generation")
st.caption("Each row asks for one class; each column keeps the same noise z. The shipped "
           "classifier's verdict is under every image: green when it agrees with the request.")

MAX_SEED = 2**31 - 1

ckpt = ui.checkpoint_picker("cond_ckpt", want_conditional=True)
if ckpt is None:
    st.stop()
st.caption(ui.describe(ckpt))
if not ckpt.conditional:
    st.error(f"Checkpoint {ckpt.name!r} is unconditional: it was trained without labels, so it "
             "cannot be asked for a class. Pick a conditional checkpoint (model cdcgan, e.g. "
             "mnist_cdcgan) or train one with `python -m ganviz train --model cdcgan`.")
    st.stop()

names = ckpt.class_names
sb = st.sidebar
classes = sb.multiselect("Classes (rows)", list(range(ckpt.num_classes)),
                         list(range(ckpt.num_classes)), key="cond_classes",
                         format_func=lambda i: names[i])
columns = sb.slider("Samples per class (columns)", 1, 16, 8, key="cond_n")
seed = sb.number_input("Seed", 0, MAX_SEED, 0, key="cond_seed")
truncation_on = sb.toggle("Truncation trick", False, key="cond_trunc_on",
                          help="Redraw noise components beyond ±threshold: less variety, "
                               "more typical images (Brock et al. 2018).")
threshold = sb.slider("Truncation threshold", 0.05, 3.0, 1.0, 0.05, key="cond_trunc",
                      disabled=not truncation_on)

if not classes:
    st.warning("Pick at least one class in the sidebar.")
    st.stop()

try:
    z = latent.truncate(ckpt.latent(columns, int(seed)), threshold if truncation_on else None,
                        seed=int(seed))
    z_flat, labels = latent.class_grid(z, sorted(classes))
    images = ckpt.generate(z_flat, labels)
except (ckpts.CheckpointError, ValueError) as exc:
    st.error(str(exc))
    st.stop()

rows = [names[c] for c in sorted(classes)]
classifier = ui.load_classifier(ckpt.card.dataset, str(ckpts.checkpoints_root()))
if classifier is None:
    st.warning(f"No shipped classifier for dataset {ckpt.card.dataset!r}, so no verdicts. "
               f"(Train one: `python -m ganviz.image.classifier {ckpt.card.dataset}`.)")
    grid = plots.captioned_grid(images, [""] * len(images), columns, row_labels=rows)
    st.image(grid, output_format="PNG", caption="Class × noise grid")
else:
    verdicts = classify(classifier, images)
    ok = verdicts.predicted == labels
    captions = [f"{names[p][:8]}: {c:.0%}" for p, c in zip(verdicts.predicted, verdicts.confidence)]
    m1, m2, m3 = st.columns(3)
    m1.metric("Classifier agrees with the label", f"{verdicts.agreement(labels):.0%}",
              help=f"{int(ok.sum())} of {len(ok)} samples")
    m2.metric("Mean confidence", f"{verdicts.confidence.mean():.0%}")
    m3.metric("Samples", len(images))
    grid = plots.captioned_grid(images, captions, columns, ok=list(ok), row_labels=rows)
    st.image(grid, output_format="PNG",
             caption="Class × noise grid: rows are requested classes, columns share their "
                     "noise; under each image the classifier's verdict and confidence")
    per_class = [float(ok[labels == c].mean()) for c in sorted(classes)]
    st.plotly_chart(plots.agreement_bar(rows, per_class), key="cond_agreement")
    if truncation_on:
        st.caption(f"Truncation at ±{threshold:g}: every noise component was redrawn until it "
                   "fell inside. Lower thresholds usually raise agreement and lower variety.")
st.download_button("Download PNG", plots.png_bytes(grid), f"{ckpt.name}_classes.png",
                   "image/png", key="cond_png")
