"""Sample sets as users have them (ganviz.judge.inputs, ganviz.judge.sample_files): known answers
for every kind of spec, and one refusal per kind of bad input."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from ganviz.image.checkpoints import checkpoints_root
from ganviz.image.pixels import to_uint8
from ganviz.judge import sample_files
from ganviz.judge.inputs import (
    InputError,
    SampleSet,
    load_generated,
    load_real,
    load_training_real,
    samples_from_array,
)


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("GANVIZ_OFFLINE", "1")


def digits(n=12, seed=0, shape=(28, 28, 1)):
    return np.random.default_rng(seed).integers(0, 256, (n, *shape), dtype=np.uint8)


def png(array: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array).save(buf, format="PNG")
    return buf.getvalue()


def write_zip(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


# ---------------------------------------------------------------------------- arrays

def test_uint8_npy_round_trip_gives_the_same_pixels(tmp_path):
    images = digits()
    np.save(tmp_path / "g.npy", images)
    s = load_generated(str(tmp_path / "g.npy"))
    assert np.array_equal(s.images, images) and s.features is None and s.dataset is None
    np.save(tmp_path / "g3.npy", images[..., 0])  # (n, H, W) gains a channel
    assert np.array_equal(load_real(str(tmp_path / "g3.npy")).images, images)


def test_npz_images_and_labels(tmp_path):
    images, labels = digits(), np.arange(12) % 10
    np.savez(tmp_path / "s.npz", images=images, labels=labels)
    s = load_real(str(tmp_path / "s.npz"))
    assert np.array_equal(s.images, images) and np.array_equal(s.labels, labels)


@pytest.mark.parametrize("value_range", [None, "tanh"])
def test_tanh_floats_map_as_the_house_to_uint8(value_range):
    x = np.random.default_rng(1).uniform(-1, 1, (10, 8, 8, 1)).astype(np.float32)
    s = samples_from_array(x, "x", value_range=value_range)
    assert np.array_equal(s.images, to_uint8(x)) and "tanh" in s.source


def test_unit_floats_map_as_the_house_to_uint8_of_2x_minus_1():
    x = np.random.default_rng(2).random((10, 8, 8, 3)).astype(np.float32)
    x[0, 0, 0] = 0.0  # real [0, 1] images reach black
    s = samples_from_array(x, "x")
    assert np.array_equal(s.images, to_uint8(x * 2 - 1)) and "unit" in s.source


def test_floats_on_the_0_255_scale_are_rounded():
    x = np.array([[[[0.0], [254.6]], [[127.4], [255.0]]]])
    assert samples_from_array(x, "x").images.ravel().tolist() == [0, 255, 127, 255]


def test_ambiguous_floats_are_refused_until_the_range_is_given():
    x = np.random.default_rng(3).uniform(0.3, 0.9, (5, 8, 8)).astype(np.float32)
    with pytest.raises(InputError, match="value_range='unit' or 'tanh'"):
        samples_from_array(x, "x")
    assert np.array_equal(samples_from_array(x, "x", value_range="tanh").images[..., 0],
                          to_uint8(x))


def test_a_given_range_the_values_leave_is_refused():
    x = np.random.default_rng(4).uniform(-1, 1, (5, 8, 8))
    with pytest.raises(InputError, match="outside value_range 'unit'"):
        samples_from_array(x, "x", value_range="unit")


@pytest.mark.parametrize("array, message", [
    (np.full((4, 8, 8), np.nan, np.float32), "NaN or infinite"),
    (np.zeros((0, 8, 8), np.uint8), "empty"),
    (np.zeros(5, np.uint8), "neither"),
    (np.zeros((2, 3, 8, 8, 1), np.uint8), "neither"),
    (np.zeros((2, 8, 8, 4), np.uint8), "alpha"),
    (np.full((2, 8, 8), 300, np.int64), "outside 0..255"),
    (np.full((2, 8, 8), 1.5), "fits none"),
    (np.array([[1.0, np.inf]]), "NaN or infinite"),
])
def test_bad_arrays_are_refused_with_one_line(array, message):
    with pytest.raises(InputError, match=message) as err:
        samples_from_array(array, "x")
    assert "\n" not in str(err.value)


def test_2d_arrays_are_features_and_channels_first_moves_last(tmp_path):
    feats = np.random.default_rng(5).normal(size=(7, 3))
    np.save(tmp_path / "f.npy", feats)
    s = load_generated(str(tmp_path / "f.npy"))
    assert s.images is None and np.array_equal(s.features, feats) and len(s) == 7
    nchw = digits(4, shape=(3, 8, 9))
    assert samples_from_array(nchw, "x").images.shape == (4, 8, 9, 3)


def test_grey_stored_as_rgb_becomes_one_channel():
    grey = digits(3, shape=(8, 8, 1))
    assert samples_from_array(np.repeat(grey, 3, axis=-1), "x").images.shape == (3, 8, 8, 1)


def test_n_is_a_seeded_subset_in_file_order_and_never_more_than_there_are(tmp_path):
    images = digits(50)
    np.save(tmp_path / "g.npy", images)
    a, b = (load_generated(str(tmp_path / "g.npy"), n=10, seed=7) for _ in range(2))
    assert np.array_equal(a.images, b.images)
    rows = [int(np.flatnonzero((images == im).all(axis=(1, 2, 3)))[0]) for im in a.images]
    assert rows == sorted(rows) and len(set(rows)) == 10
    assert not np.array_equal(load_generated(str(tmp_path / "g.npy"), n=10, seed=8).images,
                              a.images)
    with pytest.raises(InputError, match="holds 50 samples and n=60"):
        load_generated(str(tmp_path / "g.npy"), n=60)


def test_pickled_npy_is_refused(tmp_path):
    np.save(tmp_path / "o.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(InputError, match="pickled"):
        load_generated(str(tmp_path / "o.npy"))


def test_sample_sets_are_frozen_and_read_only():
    s = samples_from_array(digits(2), "x")
    with pytest.raises(ValueError):
        s.images[0, 0, 0, 0] = 1
    with pytest.raises(AttributeError):
        s.source = "y"
    with pytest.raises(ValueError, match="exactly one"):
        SampleSet(None, None, "x", None)


# ---------------------------------------------------------------------------- image files

def test_a_folder_of_pngs_gives_its_pixels_in_name_order(tmp_path):
    images = digits(5, shape=(8, 8, 1))
    for i, im in enumerate(images):
        (tmp_path / f"{i:02d}.png").write_bytes(png(im))
    (tmp_path / ".DS_Store").write_bytes(b"junk")  # hidden litter is skipped
    s = load_generated(str(tmp_path))
    assert np.array_equal(s.images, images) and "5 images" in s.source


def test_a_folder_with_other_files_or_sizes_is_refused(tmp_path):
    (tmp_path / "a.png").write_bytes(png(digits(1, shape=(8, 8, 1))[0]))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.png").write_bytes(png(digits(1, shape=(8, 9, 1))[0]))
    with pytest.raises(InputError, match="differ in size"):
        load_generated(str(tmp_path))
    (tmp_path / "readme.txt").write_text("hi")
    with pytest.raises(InputError, match="not PNG/JPEG images \\(e.g. readme.txt\\)"):
        load_generated(str(tmp_path))


def test_a_zip_of_pngs_mixing_grey_and_rgb_becomes_rgb(tmp_path):
    grey, rgb = digits(1, shape=(8, 8, 1))[0], digits(1, 1, shape=(8, 8, 3))[0]
    path = write_zip(tmp_path / "s.zip", {"s/a.png": png(grey), "s/b.png": png(rgb),
                                          "__MACOSX/._a.png": b"x"})
    s = load_real(str(path))
    assert s.images.shape == (2, 8, 8, 3)
    assert np.array_equal(s.images[0], np.repeat(grey, 3, -1)) and np.array_equal(s.images[1], rgb)


@pytest.mark.parametrize("members, message", [
    ({"ok.png": None, "../evil.png": None}, "points outside"),
    ({"/abs/evil.png": None}, "points outside"),
    ({"a.png": None, "notes.txt": b"hello"}, "not PNG/JPEG"),
    ({"a.png": b"not a png"}, "cannot read image a.png"),
    ({"a.png": None, "b.png": "big"}, "differ in size"),
    ({}, "no PNG/JPEG"),
])
def test_bad_zips_are_refused(tmp_path, members, message):
    small, big = png(digits(1, shape=(8, 8, 1))[0]), png(digits(1, shape=(9, 8, 1))[0])
    data = {k: small if v is None else big if v == "big" else v for k, v in members.items()}
    with pytest.raises(InputError, match=message):
        load_generated(str(write_zip(tmp_path / "s.zip", data)))


def test_zip_limits_on_count_and_total_size(tmp_path, monkeypatch):
    one = png(digits(1, shape=(8, 8, 1))[0])
    path = write_zip(tmp_path / "s.zip", {f"{i}.png": one for i in range(4)})
    monkeypatch.setattr(sample_files, "MAX_IMAGE_FILES", 3)
    with pytest.raises(InputError, match="more than 3"):
        load_generated(str(path))
    monkeypatch.setattr(sample_files, "MAX_IMAGE_FILES", 10)
    monkeypatch.setattr(sample_files, "MAX_IMAGES_BYTES", 2 * len(one))
    with pytest.raises(InputError, match="bytes"):
        load_generated(str(path))


def test_unknown_specs_are_refused():
    with pytest.raises(InputError, match="no checkpoint"):
        load_generated("no_such_thing")
    with pytest.raises(InputError, match="no such file"):
        load_generated("./missing/samples.npy")
    with pytest.raises(InputError, match="value_range"):
        load_generated("mnist", value_range="percent")
    with pytest.raises(InputError, match="n must be"):
        load_generated("mnist", n=0)


# ---------------------------------------------------------------------------- .keras generators

def tiny_generator(lam: bool = False):
    import keras
    from keras import layers

    z = keras.Input((4,), name="z")
    x = layers.Dense(6 * 6, activation="tanh")(z)
    if lam:
        x = layers.Lambda(lambda t: t * 1.0, name="sneaky")(x)
    x = layers.Reshape((6, 6, 1))(x)
    return keras.Model(z, x)


def test_a_keras_generator_makes_n_images_deterministically(tmp_path):
    tiny_generator().save(tmp_path / "g.keras")
    a = load_generated(str(tmp_path / "g.keras"), n=7, seed=3)
    b = load_generated(str(tmp_path / "g.keras"), n=7, seed=3)
    c = load_generated(str(tmp_path / "g.keras"), n=7, seed=4)
    assert a.images.shape == (7, 6, 6, 1) and a.images.dtype == np.uint8
    assert np.array_equal(a.images, b.images) and not np.array_equal(a.images, c.images)
    with pytest.raises(InputError, match="generated side"):
        load_real(str(tmp_path / "g.keras"))


def test_a_keras_generator_with_a_lambda_layer_is_refused(tmp_path):
    tiny_generator(lam=True).save(tmp_path / "g.keras")
    with pytest.raises(InputError, match="Lambda layer \\(sneaky\\)"):
        load_generated(str(tmp_path / "g.keras"), n=2)


def test_a_file_that_is_not_a_keras_zip_is_refused(tmp_path):
    (tmp_path / "g.keras").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a Keras 3 .keras file"):
        load_generated(str(tmp_path / "g.keras"))


# ---------------------------------------------------------------------------- checkpoints, data

def test_a_checkpoints_real_set_is_its_reference_npz():
    with np.load(checkpoints_root() / "mnist_dcgan" / "reference.npz") as z:
        images, labels = z["images"], z["labels"]
    s = load_real("mnist_dcgan")
    assert np.array_equal(s.images, images) and np.array_equal(s.labels, labels)
    assert s.dataset == "mnist"
    with pytest.raises(InputError, match="1,000 held out.*holds 1,000 samples and n=5,000"):
        load_real("mnist_dcgan", n=5000)


def test_the_mnist_held_out_split_is_the_checkpoints_reference_set():
    assert np.array_equal(load_real("mnist").images, load_real("mnist_dcgan").images)
    train = load_training_real("mnist", n=100, seed=1)
    assert train.images.shape == (100, 28, 28, 1) and "training" in train.source
    with pytest.raises(InputError, match="unknown dataset"):
        load_training_real("cifar10")


def test_a_checkpoint_generates_n_seeded_images():
    a, b = load_generated("mnist_dcgan", n=6, seed=2), load_generated("mnist_dcgan", n=6, seed=2)
    assert a.images.shape == (6, 28, 28, 1) and a.dataset == "mnist" and a.labels is None
    assert np.array_equal(a.images, b.images)
    cond = load_generated("mnist_cdcgan", n=12)
    assert cond.labels.tolist() == [i % 10 for i in range(12)]
