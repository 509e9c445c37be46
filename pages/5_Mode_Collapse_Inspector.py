"""Mode-collapse inspector: NDB (Richardson & Weiss 2018) bin by bin, checkpoints side by side.

Widgets -> ganviz.ui.inspector (cached library calls) -> ganviz.plots.ndb figures.
"""

import numpy as np
import streamlit as st

from ganviz.checkpoints import png_bytes
from ganviz.eval import ndb
from ganviz.plots import ndb as plots
from ganviz.ui import inspector as ui

st.set_page_config(page_title="Mode-collapse inspector · ganviz", page_icon="🔍", layout="wide")
st.title("Mode-collapse inspector")
st.caption("NDB (Richardson & Weiss 2018): k-means bins are fitted once on real images; each bin's "
           "share of generated samples is tested against its share of real ones. A collapsed "
           "generator leaves many bins nearly empty (purple) and piles its samples into a few "
           "(orange). NDB/K is the fraction of statistically different bins; lower is better.")

VIEWS = ["Compare", "Bin detail", "Elbow", "Epochs", "Classes", "Toy"]
names, broken = ui.checkpoint_names()
for name, problem in broken.items():
    st.warning(f"Checkpoint {name!r} cannot be used: {problem}")
if not names:
    st.info("No image checkpoint is installed yet (see checkpoints/README.md to train them); "
            "the toy view below works without one.")


def default_checkpoints(available: list[str]) -> list[str]:
    healthy = [n for n in ("mnist_dcgan", "mnist_cdcgan") if n in available]
    collapsed = [n for n in available if "collapse" in n]
    picked = healthy[:1] + collapsed[:1]
    return picked + [n for n in available if n not in picked][:2 - len(picked)]


# ---------------------------------------------------------------- inputs
with st.sidebar:
    view = st.radio("View", VIEWS if names else ["Toy"], key="insp_view")
    chosen = st.multiselect("Checkpoints (one to three)", names, default=default_checkpoints(names),
                            max_selections=3, key="insp_checkpoints",
                            help="A healthy model beside a collapsed one shows the difference.")
    k = st.slider("Bins K", 2, 100, 20, key="insp_k",
                  help="k-means bins on the real images; the authors use 100 for MNIST.")
    test = st.radio("Different when", ["p-value < alpha", "|z| > threshold"], key="insp_test",
                    horizontal=True)
    alpha = st.number_input("alpha", 0.0001, 0.5, 0.05, step=0.01, format="%.4f", key="insp_alpha",
                            disabled=test != "p-value < alpha")
    z_value = st.number_input("z threshold", 0.5, 20.0, 4.0, step=0.5, key="insp_z",
                              disabled=test == "p-value < alpha",
                              help="The authors' MNIST demo uses 4.")
    whiten = st.checkbox("Whiten features", key="insp_whiten",
                         help="Standardise each pixel by the real images' mean and std first.")
    n = st.number_input("Generated samples", 100, 20_000, 2_000, step=500, key="insp_n")
    seed = st.number_input("Seed (k-means and sampling)", 0, 2**31 - 1, 0, key="insp_seed")
z_threshold = None if test == "p-value < alpha" else float(z_value)
n, seed, k = int(n), int(seed), int(k)


def score(name: str):
    """(bins, result, generated images) of one checkpoint, or raises ValueError."""
    stamp = ui.stamp(name)
    bins = ui.fitted_bins(name, k, whiten, seed, stamp)
    images = ui.generated(name, n, seed, stamp)
    return bins, ndb.evaluate(bins, images, alpha=float(alpha), z_threshold=z_threshold), images


def scored(selection: list[str]) -> dict:
    out = {}
    for name in selection:
        try:
            out[name] = score(name)
        except ValueError as exc:  # CheckpointError is a ValueError
            st.error(f"{name}: {exc}")
    return out


# ---------------------------------------------------------------- image views
if view != "Toy":
    if not chosen:
        st.info("Choose one to three checkpoints in the sidebar.")
    else:
        results = scored(chosen)
        if view == "Compare" and results:
            cols = st.columns(len(results))
            for col, (name, (bins, result, _)) in zip(cols, results.items()):
                with col:
                    st.subheader(name)
                    left, right = st.columns(2)
                    left.metric("NDB/K", f"{result.NDB_K:.2f}", help=f"{result.NDB} of {result.K} bins differ")
                    right.metric("JS", f"{result.JS:.3f}", help="Jensen-Shannon divergence of the bin histograms (nats)")
                    st.plotly_chart(plots.bin_proportions(result, height=380), key=f"insp_bars_{name}")
                    st.caption(f"Under-represented bins: {', '.join(map(str, result.under_represented)) or 'none'}; "
                               f"over-represented: {', '.join(map(str, result.over_represented)) or 'none'}. "
                               f"{result.n_query} generated vs {result.n_train} real images.")

        elif view == "Bin detail" and results:
            model = st.selectbox("Model", list(results), key="insp_bin_model")
            bins, result, images = results[model]
            status = plots.bin_status(result)
            b = st.selectbox("Bin", list(range(result.K)), key="insp_bin",
                             format_func=lambda i: f"{i} ({status[i]}, train {result.train_proportions[i]:.3f}, "
                                                   f"generated {result.query_proportions[i]:.3f})")
            b = 0 if b is None or b >= result.K else int(b)
            ckpt = ui.load_checkpoint(model)
            centre, real_col, fake_col = st.columns([1, 3, 3])
            with centre:
                st.markdown(f"**Bin {b} centre**")
                st.image(png_bytes(plots.to_uint8_images(bins.center_samples()[b:b + 1]), 1, scale=4))
                st.caption(f"z = {result.z[b]:+.2f}, p = {result.p[b]:.2g}: {status[b]}")
            members = ckpt.reference_images[bins.train_bins == b][:30]
            with real_col:
                st.markdown(f"**Real members** ({int(bins.train_counts[b])})")
                st.image(png_bytes(members, 10, scale=2))
            generated = images[result.query_bins == b][:30]
            with fake_col:
                st.markdown(f"**Generated members** ({int(result.query_counts[b])})")
                if len(generated):
                    st.image(png_bytes(generated, 10, scale=2))
                else:
                    st.info("No generated sample falls in this bin: a missing mode.")

        elif view == "Elbow" and results:
            model = st.selectbox("Model (its real images)", list(results), key="insp_elbow_model")
            lo, hi = st.slider("K range", 2, 100, (5, 40), key="insp_elbow_range")
            k_values = tuple(int(v) for v in np.unique(np.linspace(lo, hi, 6).round()))
            try:
                inertia = ui.elbow(model, k_values, whiten, seed, ui.stamp(model))
                st.plotly_chart(plots.elbow_plot(k_values, inertia, chosen_k=k), key="insp_elbow_chart")
            except ValueError as exc:
                st.error(str(exc))

        elif view == "Epochs" and results:
            series, js = {}, {}
            for name in results:
                try:
                    epochs, ndb_k, js_values, problems = ui.epoch_scores(
                        name, k, whiten, seed, float(alpha), z_threshold, ui.stamp(name))
                except ValueError as exc:
                    st.error(f"{name}: {exc}")
                    continue
                for problem in problems:
                    st.warning(f"{name}: skipped {problem}")
                if epochs:
                    series[name], js[name] = (epochs, ndb_k), js_values
                else:
                    st.info(f"{name} kept no epoch snapshots.")
            if series:
                st.plotly_chart(plots.ndb_over_epochs(series, js), key="insp_epochs_chart")
                st.caption("Each epoch's saved samples (one fixed z) scored against the same bins; "
                           "snapshots hold fewer samples than the headline, so small differences "
                           "are not significant.")

        elif view == "Classes" and results:
            by_dataset: dict[str, list[str]] = {}
            for name in results:
                by_dataset.setdefault(ui.load_checkpoint(name).card.dataset, []).append(name)
            for dataset, group in by_dataset.items():
                ckpt = ui.load_checkpoint(group[0])
                class_names = ckpt.dataset_class_names
                predictions = {m: ui.predicted_classes(m, n, seed, ui.stamp(m)) for m in group}
                if class_names is None or any(p is None for p in predictions.values()):
                    st.info(f"No shipped classifier for {dataset}: train it with "
                            f"`python -m ganviz.image.classifier {dataset}`.")
                    continue
                from ganviz.image.classifier import class_histogram

                c = len(class_names)
                hist = {m: class_histogram(p, c) for m, p in predictions.items()}
                reference = (class_histogram(ckpt.reference_labels, c)
                             if ckpt.reference_labels is not None else None)
                st.plotly_chart(plots.class_histogram(hist, class_names, reference),
                                key=f"insp_classes_{dataset}")
                for m, h in hist.items():
                    missing = [class_names[i] for i in np.flatnonzero(h == 0)]
                    thin = [class_names[i] for i in np.flatnonzero((h > 0) & (h < 0.5 / c))]
                    st.caption(f"{m}: classes never generated: {', '.join(missing) or 'none'}; "
                               f"under half their share: {', '.join(thin) or 'none'}.")

# ---------------------------------------------------------------- toy view
if view == "Toy":
    st.subheader("Toy view: NDB of a 2-D GAN, bins drawn as cells on the plane")
    c1, c2, c3, c4 = st.columns(4)
    setup = c1.selectbox("Toy setup", list(ui.TOY_SETUPS), key="insp_toy_setup")
    steps = int(c2.number_input("Training steps", 100, 20_000, 5_000, step=500, key="insp_toy_steps"))
    toy_k = int(c3.slider("Toy bins K", 2, 50, 16, key="insp_toy_k"))
    toy_n = int(c4.number_input("Toy samples", 200, 20_000, 2_000, step=500, key="insp_toy_n"))
    request = (setup, steps, toy_n, seed)
    if st.button("Train and score", key="insp_toy_train", type="primary"):
        st.session_state["insp_toy_request"] = request
    if st.session_state.get("insp_toy_request") != request:
        st.info("Press **Train and score** to train this toy GAN (a few seconds to a minute here).")
    else:
        try:
            run = ui.toy_run(*request)
            bins = ndb.fit_bins(run.real, toy_k, whiten=whiten, seed=seed)
            result = ndb.evaluate(bins, run.fake, alpha=float(alpha), z_threshold=z_threshold)
            (x0, x1), (y0, y1) = run.display_range
            xs, ys = np.linspace(x0, x1, 160), np.linspace(y0, y1, 160)
            fig = plots.toy_bins(xs, ys, ndb.bin_map(bins, xs, ys), run.real, run.fake, result,
                                 centers=bins.center_samples().reshape(-1, 2), title=setup)
            left, right = st.columns(2)
            left.metric("NDB/K", f"{result.NDB_K:.2f}", help=f"{result.NDB} of {result.K} bins differ")
            right.metric("JS", f"{result.JS:.3f}")
            st.plotly_chart(fig, key="insp_toy_chart")
            st.plotly_chart(plots.bin_proportions(result, title=setup, height=300), key="insp_toy_bars")
        except ValueError as exc:
            st.error(str(exc))
