"""ganviz.plots.images and ganviz.image.conditional's pure parts: known answers."""

import io

import numpy as np
import pytest
from PIL import Image

from ganviz import checkpoints as ckpts
from ganviz.image import pixels
from ganviz.image.checkpoints import samples_png
from ganviz.image.conditional import Verdicts, softmax
from ganviz.image.latent import interpolate, latent_norms, reference_norms
from ganviz.plots import images as P

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, (13, 28, 28, 1), dtype=np.uint8)


def test_plots_and_checkpoints_share_one_grid():
    """One grid for pages and checkpoint files: samples.png decodes to the plots' grid."""
    assert P.grid_array is pixels.grid_array and P.image_grid is pixels.image_grid
    assert P.png_bytes is pixels.png_bytes
    with Image.open(io.BytesIO(samples_png(IMAGES))) as png:
        np.testing.assert_array_equal(np.asarray(png), np.asarray(P.image_grid(IMAGES, 10, 2)))


@pytest.mark.parametrize("columns", [1, 4, 5, 13])
def test_grid_known_layout(columns):
    """Image i sits at row i // columns, column i % columns, 2 white pixels around each."""
    grid = P.grid_array(IMAGES, columns)
    rows = -(-len(IMAGES) // columns)
    assert grid.shape == (rows * 30 + 2, min(columns, 13) * 30 + 2, 1)
    for i, image in enumerate(IMAGES):
        r, c = divmod(i, columns)
        np.testing.assert_array_equal(grid[2 + 30 * r: 30 * (r + 1), 2 + 30 * c: 30 * (c + 1)],
                                      image)
    assert (grid[:2] == 255).all() and (grid[:, :2] == 255).all()


def test_strip_is_one_row_and_png_round_trips():
    strip = P.image_strip(IMAGES[:5], scale=2)
    assert strip.size == (2 * (5 * 30 + 2), 2 * 32)
    back = np.asarray(Image.open(io.BytesIO(P.png_bytes(strip))))
    np.testing.assert_array_equal(back, np.asarray(strip))


def test_gif_bounces_through_every_frame():
    gif = Image.open(io.BytesIO(P.gif_bytes(IMAGES[:5], scale=1)))
    assert gif.n_frames == 8  # 0 1 2 3 4 3 2 1
    assert gif.info["loop"] == 0


def test_captioned_grid_needs_one_caption_per_image():
    im = P.captioned_grid(IMAGES[:6], [str(i) for i in range(6)], 3, scale=2, ok=[True] * 6,
                          row_labels=["a", "b"])
    assert im.mode == "RGB" and im.height > 2 * 56
    with pytest.raises(ValueError, match="caption"):
        P.captioned_grid(IMAGES[:6], ["x"], 3)


def test_norm_plot_draws_each_path_and_the_chi_density():
    a, b = RNG.standard_normal((2, 64))
    paths = {m: latent_norms(interpolate(a, b, 9, m)) for m in ("lerp", "slerp")}
    fig = P.norm_plot(paths, 64, reference_norms(64, 2000))
    names = [t.name for t in fig.data]
    assert names == ["lerp", "slerp", "chi(64) density"]
    np.testing.assert_allclose(fig.data[1].y, paths["slerp"])


def test_softmax_and_agreement():
    p = softmax(np.array([[0.0, 0.0], [1000.0, 0.0]]))
    np.testing.assert_allclose(p, [[0.5, 0.5], [1.0, 0.0]])
    v = Verdicts(np.array([1, 2, 3, 3]), np.ones(4), np.zeros((4, 4)))
    assert v.agreement([1, 2, 0, 3]) == 0.75


def test_embedding_generator_reproduces_integer_labels_at_the_endpoints():
    from pathlib import Path

    from ganviz.image.conditional import embedding_generator
    from ganviz.image.latent import class_interpolation

    root = Path(__file__).resolve().parents[1] / "checkpoints"
    name = next((s.name for s in ckpts.list_checkpoints(root) if s.ok and s.card.model == "cdcgan"),
                None)
    if name is None:
        pytest.skip("no conditional checkpoint shipped")
    ckpt = ckpts.load(root / name)
    mixer = embedding_generator(ckpt.generator)
    assert mixer is not None and mixer.table.shape[0] == ckpt.num_classes
    path = class_interpolation(ckpt.latent(1, 5)[0], 2, 6, 5, ckpt.num_classes, mixer.table)
    mixed = mixer.generate(path.z, path.embeddings)
    direct = ckpt.generate(path.z[[0, -1]], [2, 6])
    assert np.abs(mixed[[0, -1]].astype(int) - direct).max() <= 1
    assert np.abs(mixed[2].astype(int) - direct[0]).max() > 10  # the middle is something else
