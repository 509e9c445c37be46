"""ganviz.image.uploads: the user's own images from a .zip (bytes or path) or a folder.

Every hostile archive is built here, in memory or under tmp_path: no images, corrupt images,
a zip bomb (500 MB of zeros streamed through ZIP_DEFLATED), a header that lies about its
size, `..` / absolute / backslash / drive-letter names, a symbolic link, 100,000 tiny files
and a PNG whose header claims 50,000 x 50,000 pixels. Each has a known answer: which entries
are skipped, with which words, and that nothing was written outside the app's folder.
"""

from __future__ import annotations

import io
import os
import stat
import struct
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganviz.image import uploads
from ganviz.image.uploads import SIZES, UploadReport, load_images

RNG = np.random.default_rng(0)


def encode(array: np.ndarray, fmt: str = "PNG", mode: str | None = None) -> bytes:
    f = io.BytesIO()
    Image.fromarray(array, mode).save(f, fmt)
    return f.getvalue()


def colour_png(h: int = 80, w: int = 80, seed: int = 0) -> bytes:
    return encode(np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8))


def grey_png(value: int = 100, h: int = 80, w: int = 80) -> bytes:
    return encode(np.full((h, w), value, np.uint8))


def make_zip(files: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in files.items():
            zf.writestr(name, data)  # a str name is stored as given, '..' and '/' included
    return buf.getvalue()


def good_images(n: int = 20, prefix: str = "") -> dict[str, bytes]:
    return {f"{prefix}img{i:03d}.png": colour_png(seed=i) for i in range(n)}


# ---------------------------------------------------------------------------- the happy path

@pytest.mark.parametrize("size", SIZES)
def test_sizes_give_square_images_of_that_side(size):
    dataset, report = load_images(make_zip(good_images()), size, name="holiday.zip")
    assert dataset.image_shape == (size, size, 3)
    assert dataset.name == "images:holiday.zip"
    assert len(dataset.train_images) + len(dataset.heldout_images) == report.used == 20
    assert len(dataset.heldout_images) == 2  # 10 % of 20, seeded
    assert dataset.train_labels is None and dataset.class_names is None
    assert report.skipped == () and report.channels == 3
    assert report.summary() == f"Read 20 images ({size}x{size} RGB)."


def test_size_outside_sizes_is_refused():
    with pytest.raises(ValueError, match=r"size must be one of \(28, 32, 64\) pixels, got 48"):
        load_images(make_zip(good_images()), 48)
    with pytest.raises(ValueError, match="channels must be 1, 3 or None"):
        load_images(make_zip(good_images()), 32, channels=2)


def test_deterministic_whatever_the_archive_order():
    files = good_images()
    forward = make_zip(files)
    backward = make_zip(dict(reversed(files.items())))
    a, _ = load_images(forward, 32)
    b, _ = load_images(backward, 32)
    np.testing.assert_array_equal(a.train_images, b.train_images)
    np.testing.assert_array_equal(a.heldout_images, b.heldout_images)
    c, _ = load_images(forward, 32, seed=1)
    assert not np.array_equal(a.heldout_images, c.heldout_images)


def test_centre_crop_keeps_the_middle_square():
    """80 wide x 40 high: red | white | blue columns of 20, 40, 20 -> the white square."""
    image = np.zeros((40, 80, 3), np.uint8)
    image[:, :20] = (255, 0, 0)
    image[:, 20:60] = 255
    image[:, 60:] = (0, 0, 255)
    files = {f"w{i:02d}.png": encode(image) for i in range(16)}
    dataset, report = load_images(make_zip(files), 32)
    # no red or blue left: Lanczos reads a few pixels beyond the crop, so the edges are 248
    assert np.all(dataset.train_images >= 240)
    assert report.notes == ()


def test_small_images_are_enlarged_and_said_so():
    files = {f"s{i:02d}.png": colour_png(10, 12, seed=i) for i in range(16)}
    _, report = load_images(make_zip(files), 32)
    assert report.notes == ("16 images under 32 px enlarged",)
    assert report.summary().endswith(". 16 images under 32 px enlarged.")


# ---------------------------------------------------------------------------- colour

def test_all_grey_gives_one_channel_and_a_colour_image_gives_three():
    grey = {f"g{i:02d}.png": grey_png(100) for i in range(16)}
    dataset, report = load_images(make_zip(grey), 28)
    assert dataset.image_shape == (28, 28, 1) and report.channels == 1
    assert np.all(dataset.train_images == 100)
    mixed = {**grey, "red.png": encode(np.full((40, 40, 3), (255, 0, 0), np.uint8))}
    dataset, report = load_images(make_zip(mixed), 28)
    assert dataset.image_shape == (28, 28, 3) and report.channels == 3
    everything = np.concatenate([dataset.train_images, dataset.heldout_images])
    greys = everything[np.all(everything == 100, axis=(1, 2, 3))]
    assert len(greys) == 16  # grey images repeated into RGB, unchanged
    assert report.summary().startswith("Read 17 images (28x28 RGB)")


def test_forced_grey_uses_itu_601_luma():
    files = {f"r{i:02d}.png": encode(np.full((40, 40, 3), (255, 0, 0), np.uint8))
             for i in range(16)}
    dataset, report = load_images(make_zip(files), 32, channels=1)
    assert report.channels == 1 and dataset.image_shape == (32, 32, 1)
    assert np.all(dataset.train_images == 76)  # 0.299 * 255 = 76.2, as PIL's convert("L")
    forced, _ = load_images(make_zip({f"g{i}.png": grey_png(7) for i in range(16)}), 32,
                            channels=3)
    assert forced.image_shape == (32, 32, 3) and np.all(forced.train_images == 7)


def test_transparency_palette_16_bit_and_cmyk_are_converted():
    transparent = np.zeros((40, 40, 4), np.uint8)  # fully transparent black
    half = np.full((40, 40, 2), (0, 255), np.uint8)  # LA, opaque black
    files = {
        "a_rgba.png": encode(transparent),
        "b_la.png": encode(half),
        "c_16bit.png": encode(np.full((40, 40), 65535, np.uint16)),
        "d_16bit_mid.png": encode(np.full((40, 40), 32896, np.uint16)),
        "e_palette.gif": encode(np.full((40, 40, 3), 200, np.uint8), "GIF"),
        "f_cmyk.jpg": _cmyk_jpeg(),
        **{f"g{i:02d}.png": grey_png(50) for i in range(12)},
    }
    dataset, report = load_images(make_zip(files), 32, heldout_fraction=0.0625)
    assert report.used == 18 and report.skipped == ()
    assert report.notes[0] == "2 images had transparent pixels, put on white"
    assert report.channels == 1  # the CMYK image is grey (equal C, M, Y, no K) after RGB
    images = np.concatenate([dataset.train_images, dataset.heldout_images])
    means = sorted({int(round(m)) for m in images.mean(axis=(1, 2, 3))})
    assert {255, 0, 128, 200, 50} <= set(means)


def _cmyk_jpeg() -> bytes:
    f = io.BytesIO()
    Image.new("CMYK", (40, 40), (0, 0, 0, 0)).save(f, "JPEG")
    return f.getvalue()


# ---------------------------------------------------------------------------- classes

def test_top_level_sub_folders_become_classes_under_a_wrapping_folder():
    files = {**good_images(10, "holiday/cats/"), **good_images(8, "holiday/dogs/deep/")}
    dataset, report = load_images(make_zip(files), 32)
    assert dataset.class_names == ("cats", "dogs")
    labels = np.concatenate([dataset.train_labels, dataset.heldout_labels])
    assert labels.dtype == np.int64 and np.bincount(labels).tolist() == [10, 8]
    assert ", classes cats, dogs," in dataset.source


def test_images_beside_sub_folders_mean_no_classes():
    files = {**good_images(10, "cats/"), **good_images(8, "")}
    dataset, _ = load_images(make_zip(files), 32)
    assert dataset.class_names is None and dataset.train_labels is None


# ---------------------------------------------------------------------------- bad content

def test_zip_with_no_images_names_what_it_found():
    files = {"a.txt": b"hello", "b.doc": b"x", "c.csv": b"1,2"}
    with pytest.raises(ValueError, match=r"no images \(.png.*\) in notes.zip \(found: 3 files: "
                                         r"a.txt, b.doc, c.csv\)"):
        load_images(make_zip(files), 32, name="notes.zip")
    with pytest.raises(ValueError, match=r"no images .* in empty.zip \(found: no files\)"):
        load_images(make_zip({}), 32, name="empty.zip")


def test_bytes_that_are_not_a_zip():
    with pytest.raises(ValueError, match=r"^upload.zip is not a .zip file"):
        load_images(b"this is not a zip at all" * 10, 32)
    with pytest.raises(ValueError, match="is not a .zip file"):
        load_images(colour_png(), 32)


def test_corrupt_images_are_skipped_and_the_rest_load():
    good = colour_png(seed=99)
    files = {
        **good_images(16),
        "truncated.png": good[: len(good) // 2],
        "random.png": RNG.integers(0, 256, 500, dtype=np.uint8).tobytes(),
        "text.jpg": b"I am a text file, not a JPEG",
        "notes.txt": b"hello",
    }
    dataset, report = load_images(make_zip(files), 32)
    assert report.used == 16
    assert report.skipped == (
        "notes.txt: not an image (.txt)",
        "random.png: cannot be read as an image (not a PNG/JPEG/BMP/GIF/WEBP/TIFF file)",
        "text.jpg: cannot be read as an image (not a PNG/JPEG/BMP/GIF/WEBP/TIFF file)",
        "truncated.png: cannot be read as an image (truncated)",
    )
    assert report.summary().startswith("Read 16 images (32x32 RGB); skipped 4: notes.txt: "
                                       "not an image (.txt); random.png: ")
    assert report.summary().endswith("; and 1 more.")


def test_too_few_usable_images_says_how_many_and_why():
    files = {**good_images(5), "bad.png": b"not a png", "x.txt": b""}
    with pytest.raises(ValueError, match=r"only 5 usable images in few.zip; at least 16 are "
                                         r"needed to train \(5 images \(32x32 RGB\); skipped 2: "
                                         r"bad.png: cannot be read"):
        load_images(make_zip(files), 32, name="few.zip")


def test_giant_pixel_count_png_is_skipped_before_decoding():
    """A 1x1 PNG whose IHDR is patched to claim 50,000 x 50,000 pixels (a few hundred
    bytes that would decode to 7.5 GB)."""
    png = bytearray(grey_png(0, 1, 1))
    ihdr = png.index(b"IHDR")
    png[ihdr + 4:ihdr + 12] = struct.pack(">II", 50_000, 50_000)
    png[ihdr + 17:ihdr + 21] = struct.pack(">I", zlib.crc32(bytes(png[ihdr:ihdr + 17])))
    _, report = load_images(make_zip({**good_images(16), "huge.png": bytes(png)}), 32)
    assert report.used == 16
    assert len(report.skipped) == 1 and report.skipped[0].startswith("huge.png: too many pixels")


# ---------------------------------------------------------------------------- hostile archives

def test_zip_bomb_is_skipped_from_its_header_without_decompressing():
    """500 MB of zeros streamed through ZIP_DEFLATED (about 0.5 MB stored)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in good_images(16).items():
            zf.writestr(name, data)
        with zf.open("bomb.png", "w", force_zip64=True) as entry:
            zeros = bytes(2**20)
            for _ in range(500):
                entry.write(zeros)
    assert len(buf.getvalue()) < 2 * 2**20
    _, report = load_images(buf.getvalue(), 32)
    assert report.used == 16
    assert report.skipped == ("bomb.png: too large (500 MiB uncompressed; the limit is 32 MiB "
                              "per image)",)


def test_high_compression_ratio_is_a_zip_bomb(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_ENTRY_BYTES", 64 * 2**20)
    files = {**good_images(16), "flat.bmp": bytes(8 * 2**20)}
    _, report = load_images(make_zip(files), 32)
    assert len(report.skipped) == 1
    assert report.skipped[0].startswith("flat.bmp: looks like a zip bomb (compressed ")


def test_a_header_that_lies_about_its_size_is_caught_while_reading():
    """8 MB of zeros whose local and central headers claim 1,000 bytes: zipfile stops at the
    declared size and the CRC fails; nothing beyond 1,000 bytes is decompressed."""
    files = {**good_images(16), "liar.png": bytes(8 * 2**20)}
    data = bytearray(make_zip(files))
    for signature, size_at in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        at = _header_offset(data, signature, b"liar.png")
        data[at + size_at:at + size_at + 4] = struct.pack("<I", 1000)
    _, report = load_images(bytes(data), 32)
    assert report.used == 16
    assert len(report.skipped) == 1
    assert report.skipped[0].startswith("liar.png: damaged in the archive (Bad CRC-32")


def _header_offset(data: bytearray, signature: bytes, name: bytes) -> int:
    """Offset of the local (PK\\3\\4) or central (PK\\1\\2) header of the entry `name`."""
    name_at = {b"PK\x03\x04": 30, b"PK\x01\x02": 46}[signature]
    at = data.find(signature)
    while at >= 0:
        if data[at + name_at:at + name_at + len(name)] == name:
            return at
        at = data.find(signature, at + 1)
    raise AssertionError(f"no header for {name!r}")


def test_reading_stops_at_the_declared_size():
    """An entry whose reader returns more than declared (a growing file, a lying decoder)."""
    entry = uploads._Entry("grow.png", 10, 10, lambda limit: b"\0" * (limit + 1))
    assert list(uploads._read_all([entry], 32)) == [
        ("grow.png", "holds more data than its header declares (looks like a zip bomb)")]


def test_unsafe_names_are_skipped_and_nothing_is_written(tmp_path):
    target = Path("/tmp") / f"ganviz_evil_{os.getpid()}.png"
    sibling = tmp_path.parent / "evil.png"
    before = (sorted(os.listdir("/tmp")), sorted(os.listdir(tmp_path.parent)))
    link = zipfile.ZipInfo("link.png")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in good_images(16).items():
            zf.writestr(name, data)
        for name in ("../evil.png", "a/../../evil.png", str(target), "C:/evil.png",
                     "dir\\evil.png"):
            zf.writestr(name, colour_png())
        zf.writestr(link, "/etc/passwd")
        zf.writestr("__MACOSX/._img000.png", b"resource fork")
        zf.writestr(".hidden.png", b"x")
    assert str(target) in zipfile.ZipFile(buf).namelist()  # stored with its leading '/'
    _, report = load_images(buf.getvalue(), 32)
    assert report.used == 16
    assert report.skipped == (
        "../evil.png: unsafe path ('..' in the path), not read",
        f"{target}: unsafe path (absolute path), not read",
        "C:/evil.png: unsafe path (drive letter), not read",
        "a/../../evil.png: unsafe path ('..' in the path), not read",
        "dir\\evil.png: unsafe path (backslash in the name), not read",
        "link.png: a symbolic link, not followed",
    )
    assert not target.exists() and not sibling.exists()
    assert (sorted(os.listdir("/tmp")), sorted(os.listdir(tmp_path.parent))) == before


@pytest.fixture(scope="module")
def hundred_thousand_files() -> bytes:
    """A zip of 100,000 empty .png entries (about 9 MiB, built in about a second)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for i in range(100_000):
            zf.writestr(f"f{i:06d}.png", b"")
    return buf.getvalue()


def test_100000_tiny_files_are_refused_at_once(hundred_thousand_files):
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=r"^upload.zip holds 100,000 entries .*; the limit is "
                                         r"50,000 entries: zip fewer files"):
        load_images(hundred_thousand_files, 32)
    print(f"100,000-entry zip refused from its end record in "
          f"{(time.perf_counter() - t0) * 1e3:.2f} ms")


def test_a_lying_entry_count_is_caught_after_parsing(hundred_thousand_files):
    """The end record claims 10 entries; the directory's size bounds what zipfile parses."""
    data = bytearray(hundred_thousand_files)
    end = data.rindex(b"PK\x05\x06")
    data[end + 8:end + 12] = struct.pack("<HH", 10, 10)
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=r"holds 100,000 entries"):
        load_images(bytes(data), 32)
    print(f"100,000-entry zip with a lying count refused in "
          f"{(time.perf_counter() - t0) * 1e3:.0f} ms")


def test_image_and_total_byte_limits_skip_the_rest_with_one_line(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_IMAGES", 20)
    _, report = load_images(make_zip(good_images(25)), 32)
    assert report.used == 20
    assert report.skipped == ("5 files: skipped after the 20-image limit "
                              "(e.g. img020.png, img021.png)",)
    assert report.summary().startswith("Read 20 images (32x32 RGB); skipped 5: 5 files:")
    monkeypatch.setattr(uploads, "MAX_TOTAL_BYTES", 17 * len(colour_png()))
    _, report = load_images(make_zip(good_images(20)), 32)
    assert report.used == 17
    assert report.skipped[0].startswith("img017.png: skipped after the 0 MiB total limit")


# ---------------------------------------------------------------------------- sources

def test_a_zip_path_and_a_folder_give_the_same_images(tmp_path):
    files = {**good_images(10, "cats/"), **good_images(8, "dogs/"), "cats/readme.txt": b"hi"}
    zip_path = tmp_path / "pets.zip"
    zip_path.write_bytes(make_zip(files))
    folder = tmp_path / "pets"
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    from_zip, zip_report = load_images(zip_path, 64)
    from_dir, dir_report = load_images(str(folder), 64)
    assert from_zip.name == "images:pets.zip" and from_dir.name == "images:pets"
    np.testing.assert_array_equal(from_zip.train_images, from_dir.train_images)
    np.testing.assert_array_equal(from_zip.train_labels, from_dir.train_labels)
    assert zip_report.skipped == dir_report.skipped == ("cats/readme.txt: not an image (.txt)",)


def test_folder_symbolic_links_are_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    for name, data in good_images(4).items():
        (outside / name).write_bytes(data)
    folder = tmp_path / "mine"
    folder.mkdir()
    for name, data in good_images(16).items():
        (folder / name).write_bytes(data)
    (folder / "secret.png").symlink_to(outside / "img000.png")
    (folder / "more").symlink_to(outside, target_is_directory=True)
    (folder / ".git").mkdir()
    (folder / ".git" / "x.png").write_bytes(b"x")
    _, report = load_images(folder, 32)
    assert report.used == 16
    assert report.skipped == ("more/: a symbolic link, not followed",
                              "secret.png: a symbolic link, not followed")


def test_a_folder_with_too_many_files_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_ENTRIES", 30)
    for name, data in good_images(31).items():
        (tmp_path / name).write_bytes(data)
    with pytest.raises(ValueError, match="holds more than 30 files"):
        load_images(tmp_path, 32)


def test_a_missing_path_is_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such .zip file or folder"):
        load_images(tmp_path / "nope.zip", 32)


def test_summary_names_a_few_then_counts():
    report = UploadReport(340, ("a.txt: not an image (.txt)", "b.png: cannot be read as an "
                                "image (truncated)", "12 files: skipped after the 20,000-image "
                                "limit", "c.png: x", "d.png: y"), 3, 64)
    assert report.summary() == (
        "Read 340 images (64x64 RGB); skipped 16: a.txt: not an image (.txt); b.png: cannot "
        "be read as an image (truncated); 12 files: skipped after the 20,000-image limit; "
        "and 2 more.")
    assert UploadReport(1, (), 1).summary() == "Read 1 image (grey)."
