"""Mode-collapse inspector: NDB (Richardson & Weiss 2018) bin by bin, checkpoints side by side.

Widgets -> ganviz.ui.inspector (cached library calls, the views' numbers) -> ganviz.plots figures.
"""

import streamlit as st

from ganviz.eval.ndb_plane import ndb_on_plane
from ganviz.plots import images as pictures
from ganviz.plots import ndb as plots
from ganviz.ui import inspector as ui
from ganviz.ui import scorecard as sc

st.set_page_config(page_title="Mode-collapse inspector · ganviz", page_icon="🔍", layout="wide")
st.title("Mode-collapse inspector")
st.caption("NDB (Richardson & Weiss 2018): k-means bins are fitted once on real images; each bin's "
           "share of generated samples is tested against its share of real ones. A collapsed "
           "generator leaves many bins nearly empty (purple) and piles its samples into a few "
           "(orange). NDB/K is the fraction of statistically different bins; lower is better.")

VIEWS = ["Compare", "Bin detail", "Elbow", "Epochs", "Classes", "Scorecard", "Toy"]
names, broken = ui.checkpoint_names()
for name, problem in broken.items():
    st.warning(f"Checkpoint {name!r} cannot be used: {problem}")
if not names:
    st.info("No image checkpoint is installed yet (see checkpoints/README.md to train them); "
            "the toy view below works without one.")

# ---------------------------------------------------------------- inputs
with st.sidebar:
    view = st.radio("View", VIEWS if names else ["Toy"], key="insp_view")
    chosen = st.multiselect("Checkpoints (one to three)", names,
                            default=ui.default_checkpoints(names), max_selections=3,
                            key="insp_checkpoints",
                            help="A healthy model beside a collapsed one shows the difference.")
    k = st.slider("Bins K", 2, 100, 20, key="insp_k",
                  help="k-means bins on the real images; the authors use 100 for MNIST.")
    test = st.radio("Different when", ["p-value < alpha", "|z| > threshold"], key="insp_test",
                    horizontal=True)
    alpha = st.number_input("alpha", 0.0001, 0.5, 0.05, step=0.01, format="%.4f",
                            key="insp_alpha", disabled=test != "p-value < alpha")
    z_value = st.number_input("z threshold", 0.5, 20.0, 4.0, step=0.5, key="insp_z",
                              disabled=test == "p-value < alpha",
                              help="The authors' MNIST demo uses 4.")
    whiten = st.checkbox("Whiten features", key="insp_whiten",
                         help="Standardise each pixel by the real images' mean and std first.")
    n = st.number_input("Generated samples", 100, 20_000, 2_000, step=500, key="insp_n")
    seed = st.number_input("Seed (k-means and sampling)", 0, 2**31 - 1, 0, key="insp_seed")
settings = ui.NDBSettings(int(k), bool(whiten), int(seed), int(n), float(alpha),
                          None if test == "p-value < alpha" else float(z_value))


def show_compare(results: dict) -> None:
    for col, (name, scored) in zip(st.columns(len(results)), results.items()):
        result = scored.result
        with col:
            st.subheader(name)
            left, right = st.columns(2)
            left.metric("NDB/K", f"{result.NDB_K:.2f}",
                        help=f"{result.NDB} of {result.K} bins differ")
            right.metric("JS", f"{result.JS:.3f}",
                         help="Jensen-Shannon divergence of the bin histograms (nats)")
            st.plotly_chart(plots.bin_proportions(result, height=380), key=f"insp_bars_{name}")
            under = ", ".join(map(str, result.under_represented)) or "none"
            over = ", ".join(map(str, result.over_represented)) or "none"
            st.caption(f"Under-represented bins: {under}; over-represented: {over}. "
                       f"{result.n_query} generated vs {result.n_train} real images.")


def show_bin_detail(results: dict) -> None:
    model = st.selectbox("Model", list(results), key="insp_bin_model")
    bins, result, images = results[model].bins, results[model].result, results[model].images
    status = plots.bin_status(result)
    b = st.selectbox("Bin", list(range(result.K)), key="insp_bin",
                     format_func=lambda i: f"{i} ({status[i]}, train "
                                           f"{result.train_proportions[i]:.3f}, generated "
                                           f"{result.query_proportions[i]:.3f})")
    b = 0 if b is None or b >= result.K else int(b)
    centre, real_col, fake_col = st.columns([1, 3, 3])
    with centre:
        st.markdown(f"**Bin {b} centre**")
        centre_image = plots.to_uint8_images(bins.center_samples()[b:b + 1])
        st.image(pictures.image_grid(centre_image, 1, scale=4), output_format="PNG")
        st.caption(f"z = {result.z[b]:+.2f}, p = {result.p[b]:.2g}: {status[b]}")
    members = ui.load_checkpoint(model).reference_images[bins.train_bins == b][:30]
    with real_col:
        st.markdown(f"**Real members** ({int(bins.train_counts[b])})")
        st.image(pictures.image_grid(members, 10, scale=2), output_format="PNG")
    generated = images[result.query_bins == b][:30]
    with fake_col:
        st.markdown(f"**Generated members** ({int(result.query_counts[b])})")
        if len(generated):
            st.image(pictures.image_grid(generated, 10, scale=2), output_format="PNG")
        else:
            st.info("No generated sample falls in this bin: a missing mode.")


def show_elbow(results: dict) -> None:
    model = st.selectbox("Model (its real images)", list(results), key="insp_elbow_model")
    lo, hi = st.slider("K range", 2, 100, (5, 40), key="insp_elbow_range")
    k_values = ui.elbow_k_values(lo, hi)
    try:
        inertia = ui.elbow(model, k_values, settings.whiten, settings.seed, ui.stamp(model))
        st.plotly_chart(plots.elbow_plot(k_values, inertia, chosen_k=settings.k),
                        key="insp_elbow_chart")
    except ValueError as exc:
        st.error(str(exc))


def show_epochs(results: dict) -> None:
    epochs = ui.epoch_series(list(results), settings)
    for text in epochs.problems:
        st.error(text)
    for text in epochs.skipped:
        st.warning(text)
    for name in epochs.empty:
        st.info(f"{name} kept no epoch snapshots.")
    if epochs.series:
        st.plotly_chart(plots.ndb_over_epochs(epochs.series, epochs.js), key="insp_epochs_chart")
        st.caption("Each epoch's saved samples (one fixed z) scored against the same bins; "
                   "snapshots hold fewer samples than the headline, so small differences "
                   "are not significant.")


def show_classes(results: dict) -> None:
    for stats in ui.class_stats(list(results), settings.n, settings.seed):
        if not stats.coverage:
            st.info(f"No shipped classifier for {stats.dataset}: train it with "
                    f"`python -m ganviz.image.classifier {stats.dataset}`.")
            continue
        class_names = stats.class_names
        hist = {m: c.histogram for m, c in stats.coverage.items()}
        st.plotly_chart(plots.class_histogram(hist, class_names, stats.reference),
                        key=f"insp_classes_{stats.dataset}")
        for m, c in stats.coverage.items():
            missing = ", ".join(class_names[i] for i in c.missing) or "none"
            thin = ", ".join(class_names[i] for i in c.thin) or "none"
            st.caption(f"{m}: classes never generated: {missing}; "
                       f"under half their share: {thin}.")


def show_toy() -> None:
    st.subheader("Toy view: NDB of a 2-D GAN, bins drawn as cells on the plane")
    c1, c2, c3, c4 = st.columns(4)
    setup = c1.selectbox("Toy setup", list(ui.TOY_SETUPS), key="insp_toy_setup")
    steps = int(c2.number_input("Training steps", 100, 20_000, 5_000, step=500,
                                key="insp_toy_steps"))
    toy_k = int(c3.slider("Toy bins K", 2, 50, 16, key="insp_toy_k"))
    toy_n = int(c4.number_input("Toy samples", 200, 20_000, 2_000, step=500, key="insp_toy_n"))
    request = (setup, steps, toy_n, settings.seed)
    if st.button("Train and score", key="insp_toy_train", type="primary"):
        st.session_state["insp_toy_request"] = request
    if st.session_state.get("insp_toy_request") != request:
        st.info("Press **Train and score** to train this toy GAN (a few seconds to a minute here).")
        return
    try:
        run = ui.toy_run(*request)
        plane = ndb_on_plane(run.real, run.fake, toy_k, run.display_range, settings.whiten,
                             settings.seed, settings.alpha, settings.z_threshold)
    except ValueError as exc:
        st.error(str(exc))
        return
    result = plane.result
    left, right = st.columns(2)
    left.metric("NDB/K", f"{result.NDB_K:.2f}", help=f"{result.NDB} of {result.K} bins differ")
    right.metric("JS", f"{result.JS:.3f}")
    st.plotly_chart(plots.toy_bins(plane.xs, plane.ys, plane.cells, run.real, run.fake, result,
                                   centers=plane.centers, title=setup), key="insp_toy_chart")
    st.plotly_chart(plots.bin_proportions(result, title=setup, height=300), key="insp_toy_bars")


IMAGE_VIEWS = {"Compare": show_compare, "Bin detail": show_bin_detail, "Elbow": show_elbow,
               "Epochs": show_epochs, "Classes": show_classes}

# ---------------------------------------------------------------- output
if view == "Toy":
    show_toy()
elif view == "Scorecard":
    st.subheader("Scorecard: FID, KID, IS, precision / recall, NDB, each beside real vs real")
    sc.scorecard_view(chosen, ui.stamp)
elif not chosen:
    st.info("Choose one to three checkpoints in the sidebar.")
else:
    scored, problems = ui.score_all(chosen, settings)
    for name, problem in problems.items():
        st.error(f"{name}: {problem}")
    if scored:
        IMAGE_VIEWS[view](scored)
