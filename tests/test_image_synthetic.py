"""The synthetic shapes set: exact modes, deterministic data, a mode reader that needs no
classifier, and the two shipped checkpoints read as healthy and collapsed."""

from __future__ import annotations

import numpy as np
import pytest

from ganviz.eval.modes import mode_counts
from ganviz.image import data, synthetic
from ganviz.image.synthetic import N_MODES, assign_modes, mode_index, mode_parts


@pytest.fixture(scope="module")
def shapes() -> data.ImageDataset:
    return data.load("shapes")


def test_dataset_shapes_dtypes_and_balance(shapes):
    assert shapes.image_shape == (32, 32, 3)
    assert shapes.train_images.dtype == np.uint8 and shapes.train_labels.dtype == np.int64
    assert len(shapes.train_images) == 12_000 and len(shapes.heldout_images) == 2_400
    assert shapes.num_classes == N_MODES == 48
    assert np.bincount(shapes.heldout_labels, minlength=48).tolist() == [50] * 48
    assert np.bincount(shapes.train_labels, minlength=48).tolist() == [250] * 48
    assert shapes.class_names[mode_index(1, 0, 0)] == "red disc top-left"
    assert shapes.class_names[47] == "yellow triangle bottom-right"
    # every shape stays inside its own quadrant, and no image is repeated between the splits
    _, _, position = mode_parts(shapes.train_labels)
    quads = shapes.train_images.reshape(-1, 2, 16, 2, 16, 3).max(axis=(2, 4, 5)).reshape(-1, 4)
    assert np.array_equal(np.flatnonzero(quads.ravel()), position + 4 * np.arange(len(quads)))
    train_keys = {im.tobytes() for im in shapes.train_images}
    assert not any(im.tobytes() in train_keys for im in shapes.heldout_images)


def test_deterministic_for_a_seed():
    a, ma = synthetic.shapes_images(200, seed=3)
    b, mb = synthetic.shapes_images(200, seed=3)
    c, _ = synthetic.shapes_images(200, seed=4)
    assert np.array_equal(a, b) and np.array_equal(ma, mb)
    assert not np.array_equal(a, c)
    assert np.array_equal(data.load("shapes", seed=1).heldout_images,
                          synthetic.load_shapes(seed=1).heldout_images)


def test_mode_parts_inverts_mode_index():
    s, c, p = np.meshgrid(range(3), range(4), range(4), indexing="ij")
    modes = mode_index(s.ravel(), c.ravel(), p.ravel())
    assert modes.tolist() == list(range(48))
    assert all(np.array_equal(x, y.ravel()) for x, y in zip(mode_parts(modes), (s, c, p)))


def test_every_real_heldout_image_gets_its_mode(shapes):
    fit = assign_modes(shapes.heldout_images)
    assert np.array_equal(fit.modes, shapes.heldout_labels)  # 100%, none rejected
    assert fit.residual.max() < synthetic.MAX_RELATIVE_RESIDUAL
    protos = assign_modes(synthetic.prototypes())
    assert protos.modes.tolist() == list(range(48))
    assert protos.residual.max() < 0.01
    # float input in [0, 1] reads the same as uint8
    as_float = assign_modes(shapes.heldout_images[:100].astype(np.float32) / 255)
    assert np.array_equal(as_float.modes, fit.modes[:100])


def _recoloured(protos: np.ndarray, rgb) -> np.ndarray:
    mask = protos.max(axis=-1, keepdims=True) / protos.max(axis=(1, 2, 3), keepdims=True)
    return mask * np.asarray(rgb, np.float32)


def test_bad_images_get_no_mode():
    rng = np.random.default_rng(0)
    p = synthetic.prototypes().astype(np.float32) / 255
    s, c, pos = mode_parts(np.arange(48))
    bad = {
        "noise": rng.random((48, 32, 32, 3)),
        "blank": np.zeros((4, 32, 32, 3)),
        "grey": np.full((4, 32, 32, 3), 0.3),
        "noisy background": np.clip(p + rng.normal(0, 0.1, p.shape), 0, 1),
        "two colours blended": (p + p[mode_index((s + 1) % 3, (c + 1) % 4, pos)]) / 2,
        "two quadrants": np.clip(p + p[mode_index(s, c, (pos + 1) % 4)], 0, 1),
        "too dim": p * 0.4,
        "magenta": _recoloured(p, (0.9, 0.15, 0.9)),
        "white": _recoloured(p, (0.9, 0.9, 0.9)),
        "cyan": _recoloured(p, (0.15, 0.85, 0.9)),
        "orange": _recoloured(p, (0.95, 0.55, 0.1)),
    }
    for name, images in bad.items():
        fit = assign_modes(images.astype(np.float32))
        assert (fit.modes == -1).all(), f"{name}: {np.flatnonzero(fit.modes >= 0)} accepted"


def test_hand_built_set_with_three_modes():
    rng = np.random.default_rng(1)
    x, modes = synthetic.shapes_images(480, seed=7)
    keep = np.isin(modes, [2, 20, 45])
    mixed = np.concatenate([x[keep], (rng.random((10, 32, 32, 3)) * 255).astype(np.uint8)])
    counts = mode_counts(assign_modes(mixed).modes, N_MODES)
    assert counts.modes == 3
    assert counts.high_quality == pytest.approx(keep.sum() / len(mixed))


def test_bad_input_refused():
    with pytest.raises(ValueError, match="positive integer"):
        synthetic.shapes_images(0)
    with pytest.raises(ValueError, match=r"\(n, 32, 32, 3\)"):
        assign_modes(np.zeros((2, 28, 28, 1), np.uint8))
    with pytest.raises(ValueError, match="max_residual"):
        assign_modes(np.zeros((2, 32, 32, 3), np.uint8), max_residual=1.5)


# --------------------------------------------------------- the shipped checkpoints

def _counts_and_ndb(name: str, n: int = 5000):
    from ganviz.eval import ndb
    from ganviz.image import checkpoints

    ckpt = checkpoints.load(name)
    images = ckpt.sample(n, seed=0)
    counts = mode_counts(assign_modes(images).modes, N_MODES)
    bins = ndb.fit_bins(ckpt.reference_images, k=50, seed=0)
    return counts, ndb.evaluate(bins, images, z_threshold=4.0)


def test_shipped_checkpoints_healthy_and_collapsed():
    """The acceptance point: shapes_dcgan covers all 48 modes; shapes_collapsed is read as
    collapsed both by the mode count and by NDB (5,000 samples each, seed 0, as
    benchmarks/synthetic_modes.py; at 2,000 NDB has less power: 0.42 for the collapsed one)."""
    healthy, healthy_ndb = _counts_and_ndb("shapes_dcgan")
    collapsed, collapsed_ndb = _counts_and_ndb("shapes_collapsed")
    assert healthy.modes == 48, healthy.missing
    assert healthy.high_quality > 0.3  # 46% on 5,000 samples (docs/synthetic-shapes.md)
    assert healthy.mode_kl < 0.2
    assert collapsed.modes <= 8
    assert collapsed.high_quality < 0.1
    assert collapsed.mode_kl > healthy.mode_kl + 1.0  # inf when no sample is high quality
    assert collapsed_ndb.NDB_K >= 0.5
    assert collapsed_ndb.NDB_K > healthy_ndb.NDB_K + 0.3
