"""Latent interpolation: walk between points in an image GAN's latent space (lerp or slerp),
across a 2-D grid, between classes, along a random direction; and see why slerp exists.

Widgets -> ganviz.image.latent paths -> Checkpoint.generate -> ganviz.plots.images.
"""

import numpy as np
import streamlit as st

from ganviz.image import latent
from ganviz.plots import images as plots
from ganviz.ui import images as ui

st.set_page_config(page_title="Latent interpolation · ganviz", page_icon="🧭", layout="wide")
st.title("Latent interpolation")
st.caption("A generator maps points z ~ N(0, I) to images. Walk from one point to another and "
           "watch the image morph; compare a straight line (lerp) with the great circle (slerp).")

MAX_SEED = 2**31 - 1
PICK_COUNT = 16


def randomise_seeds() -> None:
    rng = np.random.default_rng()
    seed_a, seed_b = (int(s) for s in rng.integers(0, 10_000, 2))
    st.session_state["lat_seed_a"], st.session_state["lat_seed_b"] = seed_a, seed_b
    st.session_state["lat_source"] = "Seeds"


ckpt = ui.checkpoint_picker("lat_ckpt")
if ckpt is None:
    st.stop()
st.caption(ui.describe(ckpt))

sb = st.sidebar
method = sb.radio("Interpolation", list(latent.METHODS)[::-1], key="lat_method", horizontal=True,
                  help="slerp follows the sphere where real draws live; lerp cuts through it.")
steps = sb.slider("Steps", 2, 32, 10, key="lat_steps")
label = None
if ckpt.conditional:
    label = sb.selectbox("Class (strip, grid, walk)", range(ckpt.num_classes), key="lat_class",
                         format_func=lambda i: ckpt.class_names[i])
sb.divider()
source = sb.radio("Endpoints A and B from", ["Seeds", "Pick from a sample grid"], key="lat_source")
sb.button("Random endpoints", key="lat_random", on_click=randomise_seeds)
seed_a = sb.number_input("Seed A", 0, MAX_SEED, 0, key="lat_seed_a")
seed_b = sb.number_input("Seed B", 0, MAX_SEED, 1, key="lat_seed_b")
ms_per_frame = sb.slider("Animation: ms per frame", 40, 1000, 150, 10, key="lat_ms")


def labels_for(n: int):
    return None if label is None else np.full(n, label, np.int32)


try:
    if source == "Seeds":
        z_a, z_b = ckpt.latent(1, int(seed_a))[0], ckpt.latent(1, int(seed_b))[0]
    else:
        pick_seed = st.number_input("Sample-grid seed", 0, MAX_SEED, 0, key="lat_pick_seed")
        pool = ckpt.latent(PICK_COUNT, int(pick_seed))
        pool_images = ckpt.generate(pool, labels_for(PICK_COUNT))
        st.image(plots.captioned_grid(pool_images, [f"#{i}" for i in range(PICK_COUNT)], 8),
                 caption="Pick two of these as the endpoints", output_format="PNG")
        left, right = st.columns(2)
        pick_a = left.selectbox("Endpoint A", range(PICK_COUNT), 0, key="lat_pick_a",
                                format_func=lambda i: f"#{i}")
        pick_b = right.selectbox("Endpoint B", range(PICK_COUNT), 1, key="lat_pick_b",
                                 format_func=lambda i: f"#{i}")
        z_a, z_b = pool[pick_a], pool[pick_b]
    reference = latent.reference_norms(ckpt.latent_dim)
except ValueError as exc:
    st.error(str(exc))
    st.stop()

tab_names = ["Strip A → B", "Grid of four corners", "Random walk"]
if ckpt.conditional:
    tab_names.insert(2, "Between classes")
tabs = dict(zip(tab_names, st.tabs(tab_names)))


def show_strip(images: np.ndarray, caption: str, key: str, play: bool) -> None:
    """A strip, its animation and the two downloads."""
    st.image(plots.image_strip(images, scale=3), caption=caption, output_format="PNG")
    gif = plots.gif_bytes(images, scale=4, ms_per_frame=ms_per_frame)
    if play:
        st.image(gif, caption="Animation (loops A → B → A)", width=28 * 6)
    png = plots.png_bytes(plots.image_strip(images, scale=4))
    left, right = st.columns(2)
    left.download_button("Download GIF", gif, f"{ckpt.name}_{key}.gif", "image/gif",
                         key=f"{key}_gif")
    right.download_button("Download PNG", png, f"{ckpt.name}_{key}.png", "image/png",
                          key=f"{key}_png")


with tabs["Strip A → B"]:
    try:
        path = latent.interpolate(z_a, z_b, steps, method)
        images = ckpt.generate(path, labels_for(steps))
        play = st.toggle("Play as animation", True, key="lat_play")
        show_strip(images, f"{method} from A (left) to B (right), {steps} steps", "strip", play)
        norms = {m: latent.latent_norms(latent.interpolate(z_a, z_b, steps, m))
                 for m in latent.METHODS}
        st.plotly_chart(plots.norm_plot(norms, ckpt.latent_dim, reference), key="lat_norm_strip")
        st.caption(f"Real draws z ~ N(0, I_{ckpt.latent_dim}) have norms in the grey band (a chi "
                   "distribution). The straight line dips inside it: the generator sees latents "
                   "it never saw in training, and the middle images fade. slerp stays on it.")
    except ValueError as exc:
        st.error(str(exc))

with tabs["Grid of four corners"]:
    try:
        c1, c2 = st.columns(2)
        side = c1.slider("Grid side", 3, 10, 6, key="lat_grid_side")
        grid_seed = c2.number_input("Seed for the two other corners", 0, MAX_SEED, 2,
                                    key="lat_grid_seed")
        c, d = ckpt.latent(2, int(grid_seed))
        grid = latent.bilinear_grid(np.stack([z_a, z_b, c, d]), side, side, method)
        flat = grid.reshape(side * side, -1)
        grid_images = ckpt.generate(flat, labels_for(len(flat)))
        grid_pil = plots.image_grid(grid_images, side, scale=3)
        st.image(grid_pil, output_format="PNG",
                 caption=f"Top-left A, top-right B, bottom corners from seed {grid_seed}; "
                         f"{method} down the edges and across each row")
        st.download_button("Download PNG", plots.png_bytes(grid_pil), f"{ckpt.name}_grid.png",
                           "image/png", key="lat_grid_png")
    except ValueError as exc:
        st.error(str(exc))

if ckpt.conditional:
    with tabs["Between classes"]:
        try:
            names = ckpt.class_names
            c1, c2, c3 = st.columns(3)
            class_a = c1.selectbox("From class", range(ckpt.num_classes), 3, key="lat_class_a",
                                   format_func=lambda i: names[i])
            class_b = c2.selectbox("To class", range(ckpt.num_classes), 8, key="lat_class_b",
                                   format_func=lambda i: names[i])
            mixer = ui.embedding_generator(ckpt)
            modes = (["Mix label embeddings"] if mixer is not None else []) + ["Step the label"]
            mode = c3.radio("How", modes, key="lat_class_mode",
                            help="Mixing feeds the generator in-between label embeddings; "
                                 "stepping switches the label halfway with the noise fixed.")
            use_mix = mode == "Mix label embeddings" and mixer is not None
            cpath = latent.class_interpolation(z_a, class_a, class_b, steps, ckpt.num_classes,
                                               mixer.table if use_mix else None, method)
            class_images = (mixer.generate(cpath.z, cpath.embeddings) if use_mix
                            else ckpt.generate(cpath.z, cpath.labels))
            show_strip(class_images, f"{names[class_a]} → {names[class_b]} with the noise of A "
                       f"held fixed ({'embeddings mixed' if use_mix else 'label stepped'})",
                       "classes", play=True)
        except ValueError as exc:
            st.error(str(exc))

with tabs["Random walk"]:
    try:
        c1, c2, c3 = st.columns(3)
        walk_steps = c1.slider("Walk steps", 2, 32, 12, key="lat_walk_steps")
        step_size = c2.slider("Step size", 0.1, 10.0, 0.5, 0.1, key="lat_walk_size")
        walk_seed = c3.number_input("Direction seed", 0, MAX_SEED, 0, key="lat_walk_seed")
        walk = latent.random_walk(z_a, None, walk_steps, step_size, int(walk_seed))
        walk_images = ckpt.generate(walk, labels_for(walk_steps))
        show_strip(walk_images, f"From A along a random unit direction, {step_size:g} per step",
                   "walk", play=True)
        walk_norms = latent.latent_norms(walk)
        if walk_norms.max() > reference.max():
            st.warning(f"The walk ends at |z| = {walk_norms.max():.1f}, beyond every one of "
                       f"{len(reference):,} real draws (max {reference.max():.1f}): the generator "
                       "never saw such inputs, so its images there mean little.")
        st.plotly_chart(plots.norm_plot({"walk": walk_norms}, ckpt.latent_dim, reference,
                                        title="Norm along the walk vs real draws"),
                        key="lat_norm_walk")
    except ValueError as exc:
        st.error(str(exc))
