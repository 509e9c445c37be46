"""Reading sample files a user brings, refusing hostile or malformed ones at the edge: NumPy
arrays (.npy / .npz) and folders or .zip archives of PNG/JPEG images, plus the value-range
rule that turns float images into uint8. `ganviz.judge.inputs` builds `SampleSet`s from these.
NumPy and Pillow only: no TensorFlow.

    detect_value_range(array, value_range)  "uint8" | "unit" | "tanh" (rule below)
    to_uint8(array, value_range)            -> uint8, as `ganviz.image.pixels.to_uint8` rounds
    read_array_file(path)                   (array, labels, name): no pickles, size-checked
    image_layout(array)                     (n, H, W), (n, H, W, C), (n, C, H, W) -> NHWC
    read_image_files(path, n, seed)         a folder or .zip of PNG/JPEG -> (n, H, W, C) uint8

Value ranges: "uint8" 0..255 (any integer dtype, or floats whose maximum is above 2); "unit"
[0, 1] (mapped as tanh 2x - 1); "tanh" [-1, 1]. Detection: integers are 0..255; floats with a
negative value are tanh; floats within [0, 1] are unit when their darkest value is at most
`DARK_LEVEL` (real [0, 1] images reach black, and a tanh set with no pixel darker than
mid-grey is not plausible); floats within [0, 1] that are never dark are refused as
ambiguous, asking the user to say which. Booleans are unit.

Archives and folders: entries that leave the archive (`..`, absolute paths, drive letters) are
refused, as are files that are not PNG/JPEG, more than `MAX_IMAGE_FILES` files, more than
`MAX_IMAGES_BYTES` in all (a zip: as unpacked), one file over `MAX_IMAGE_FILE_BYTES`, a side
over `MAX_IMAGE_SIDE` and images of different sizes. Hidden files and archive litter
(__MACOSX, Thumbs.db) are skipped. Every refusal is an `InputError` (a ValueError) with one line.
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

MAX_SAMPLES = 100_000            # as Checkpoint.latent
VALUE_RANGES = {"uint8": (0.0, 255.0), "unit": (0.0, 1.0), "tanh": (-1.0, 1.0)}
RANGE_TOLERANCE = 1e-3           # float32 round-off around the range's ends
DARK_LEVEL = 0.05                # [0, 1] floats must reach this dark to be read as unit range
ARRAY_SUFFIXES = (".npy", ".npz")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
IMAGE_FORMATS = ("PNG", "JPEG")
GREY_MODES = ("1", "L", "LA", "I", "I;16", "F")
MAX_ARRAY_BYTES = 2 * 2**30      # an .npy on disk, or an .npz's members unpacked
MAX_IMAGE_FILES = MAX_SAMPLES    # files in a folder or .zip of images
MAX_IMAGES_BYTES = 2 * 2**30     # their total size (a .zip: unpacked, as its entries declare)
MAX_IMAGE_FILE_BYTES = 32 * 2**20
MAX_IMAGE_SIDE = 1024            # pixels; also bounds decompression bombs
MAX_DECODED_BYTES = 2 * 2**30    # n * H * W * C of the decoded images
SKIPPED_NAMES = ("__MACOSX", "Thumbs.db", "desktop.ini")  # archive litter, never samples


class InputError(ValueError):
    """A sample set that cannot be used as given; the message says what to do instead."""


def check_n(n: int | None) -> int | None:
    """n as an int in 1..MAX_SAMPLES, or None (all)."""
    if n is None:
        return None
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= MAX_SAMPLES:
        raise InputError(f"n must be 1..{MAX_SAMPLES:,} (or None for all), got {n!r}")
    return int(n)


def check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be an integer >= 0, got {seed!r}")
    return int(seed)


def subset_indices(total: int, n: int | None, seed: int, what: str) -> np.ndarray | None:
    """Indices of a seeded random n of `total`, in their original order; None for all.
    Asking for more than there are is refused: samples are never repeated."""
    if n is None or n == total:
        return None
    if n > total:
        raise InputError(f"{what} holds {total:,} samples and n={n:,} asks for more; ganviz never "
                         f"repeats samples: pass n <= {total:,} (compare sets at equal n)")
    return np.sort(np.random.default_rng(seed).permutation(total)[:n])


# ---------------------------------------------------------------------------- value ranges

def value_bounds(array: np.ndarray, where: str) -> tuple[float, float]:
    """(min, max) of a numeric array; refuses other dtypes and NaN/Inf. `where` names it."""
    if array.dtype == bool:
        return float(array.min()), float(array.max())
    if not np.issubdtype(array.dtype, np.integer) and not np.issubdtype(array.dtype, np.floating):
        raise InputError(f"{where}: dtype {array.dtype} is not numeric image data; save uint8 "
                         "or float arrays")
    if np.issubdtype(array.dtype, np.floating):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        if bad:
            raise InputError(f"{where}: {bad:,} values are NaN or infinite (a diverged "
                             "generator?); remove those samples first")
    return float(array.min()), float(array.max())


def detect_value_range(array: np.ndarray, value_range: str | None = None,
                       where: str = "array") -> str:
    """The range of image values ("uint8", "unit", "tanh"): `value_range` after checking the
    values lie in it, else detected by the rule in the module docstring. Raises InputError."""
    lo, hi = value_bounds(array, where)
    tol = RANGE_TOLERANCE
    if value_range is not None:
        if value_range not in VALUE_RANGES:
            raise InputError(f"value_range must be one of {', '.join(VALUE_RANGES)}, "
                             f"got {value_range!r}")
        a, b = VALUE_RANGES[value_range]
        if lo < a - tol or hi > b + tol:
            raise InputError(f"{where}: values span [{lo:g}, {hi:g}], outside value_range "
                             f"{value_range!r} [{a:g}, {b:g}]; check the range or drop it")
        return value_range
    if array.dtype == bool:
        return "unit"
    if np.issubdtype(array.dtype, np.integer):
        if lo < 0 or hi > 255:
            raise InputError(f"{where}: integer values span [{lo:g}, {hi:g}], outside 0..255")
        return "uint8"
    if lo < -tol:
        if lo >= -1 - tol and hi <= 1 + tol:
            return "tanh"
    elif hi <= 1 + tol:
        if lo <= DARK_LEVEL:
            return "unit"
        raise InputError(
            f"{where}: float values span [{lo:.3g}, {hi:.3g}], which could be [0, 1] images or "
            "[-1, 1] images with no dark pixel; say which: value_range='unit' or 'tanh' "
            "(--value-range)")
    elif 2 < hi <= 255 + tol:
        return "uint8"
    raise InputError(f"{where}: float values span [{lo:.3g}, {hi:.3g}], which fits none of "
                     "0..255, [0, 1] or [-1, 1]; rescale them into one")


def to_uint8(array: np.ndarray, value_range: str) -> np.ndarray:
    """Images in `value_range` -> uint8, as `ganviz.image.pixels.to_uint8` does for tanh:
    rounded to nearest, clipped; unit-range x maps as tanh 2x - 1."""
    from ganviz.image import pixels

    if value_range == "uint8":
        if array.dtype == np.uint8:
            return array
        return np.clip(np.rint(np.asarray(array, np.float64)), 0, 255).astype(np.uint8)
    x = np.asarray(array, np.float32)
    return pixels.to_uint8(x * 2.0 - 1.0 if value_range == "unit" else x)


# ---------------------------------------------------------------------------- arrays

def _read_npz(path: Path) -> tuple[np.ndarray, np.ndarray | None, str]:
    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except zipfile.BadZipFile:
        raise InputError(f"{path} is not a readable .npz (not a zip archive)") from None
    if unpacked > MAX_ARRAY_BYTES:
        raise InputError(f"{path} unpacks to {unpacked:,} bytes (at most {MAX_ARRAY_BYTES:,}); "
                         "evaluate a subset")
    with np.load(path, allow_pickle=False) as z:
        keys = list(z.files)
        key = next((k for k in ("images", "features") if k in keys), None)
        if key is None and len(keys) - ("labels" in keys) == 1:
            key = next(k for k in keys if k != "labels")
        if key is None:
            raise InputError(f"{path} holds arrays {keys}; name the samples `images` "
                             "(n, H, W[, C]) or `features` (n, d)")
        labels = z["labels"] if "labels" in keys else None
        return z[key], labels, key


def read_array_file(path: Path) -> tuple[np.ndarray, np.ndarray | None, str]:
    """(array, labels or None, name) from an .npy or .npz, size-checked, no pickles."""
    if path.suffix.lower() == ".npy" and path.stat().st_size > MAX_ARRAY_BYTES:
        raise InputError(f"{path} is {path.stat().st_size:,} bytes (at most "
                         f"{MAX_ARRAY_BYTES:,}); evaluate a subset")
    try:
        if path.suffix.lower() == ".npz":
            return _read_npz(path)
        return np.load(path, allow_pickle=False), None, path.name
    except InputError:
        raise
    except ValueError as exc:
        if "pickle" in str(exc):
            raise InputError(f"{path} holds Python objects (pickled); save plain numeric "
                             "arrays with np.save") from None
        raise InputError(f"{path} is not a readable NumPy file ({str(exc)[:120]})") from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise InputError(f"{path} is not a readable NumPy file ({type(exc).__name__}: "
                         f"{str(exc)[:120]})") from None


def image_layout(array: np.ndarray, where: str) -> tuple[np.ndarray, str]:
    """(n, H, W), (n, H, W, C) or (n, C, H, W) -> (n, H, W, C), and a note on what moved."""
    if array.ndim == 3:
        return array[..., None], ""
    if array.shape[-1] in (1, 3):
        return array, ""
    if array.shape[1] in (1, 3):  # PyTorch's NCHW: unambiguous when the last axis is not C
        return np.moveaxis(array, 1, -1), ", channels-first moved last"
    raise InputError(f"{where}: shape {array.shape} is not (n, H, W, C) with C 1 (grey) or "
                     "3 (RGB); drop an alpha channel with x[..., :3]")




# ---------------------------------------------------------------------------- image files

def _leaves_archive(name: str) -> bool:
    """Whether an entry name points outside its archive: absolute, a drive, or a `..` part."""
    s = name.replace("\\", "/")
    return s.startswith("/") or ".." in s.split("/") or (len(s) > 1 and s[1] == ":")


def _skipped(name: str) -> bool:
    parts = [p for p in name.replace("\\", "/").split("/") if p]
    return any(p.startswith(".") or p in SKIPPED_NAMES for p in parts)


def _check_listing(files: list[tuple[str, int]], others: list[str], where: str) -> None:
    """files: (name, size in bytes) of the images; others: names of non-image files."""
    if others:
        raise InputError(f"{where}: {len(others):,} files are not PNG/JPEG images (e.g. "
                         f"{', '.join(others[:3])}); keep only images in it")
    if not files:
        raise InputError(f"{where}: no PNG/JPEG images in it")
    if len(files) > MAX_IMAGE_FILES:
        raise InputError(f"{where}: {len(files):,} images, more than {MAX_IMAGE_FILES:,}; "
                         "evaluate a subset")
    total = sum(size for _, size in files)
    if total > MAX_IMAGES_BYTES:
        raise InputError(f"{where}: the images take {total:,} bytes, more than "
                         f"{MAX_IMAGES_BYTES:,}; evaluate a subset")
    big = next((name for name, size in files if size > MAX_IMAGE_FILE_BYTES), None)
    if big is not None:
        raise InputError(f"{where}: {big} is over {MAX_IMAGE_FILE_BYTES:,} bytes; GAN samples "
                         "are small images: resize it")


def _folder_listing(root: Path) -> tuple[list[tuple[str, int]], list[str]]:
    files, others = [], []
    for dirpath, dirnames, filenames in os.walk(root):  # symlinked folders are not followed
        dirnames[:] = sorted(d for d in dirnames if not _skipped(d))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if _skipped(name) or not path.is_file():
                continue
            rel = path.relative_to(root).as_posix()
            if path.suffix.lower() in IMAGE_SUFFIXES:
                files.append((rel, path.stat().st_size))
            else:
                others.append(rel)
            if len(files) + len(others) > MAX_IMAGE_FILES:
                raise InputError(f"folder {root}: more than {MAX_IMAGE_FILES:,} files; "
                                 "evaluate a subset")
    return files, others


def _zip_listing(zf: zipfile.ZipFile, where: str) -> tuple[list[tuple[str, int]], list[str]]:
    infos = [i for i in zf.infolist() if not i.is_dir()]
    unsafe = next((i.filename for i in infos if _leaves_archive(i.filename)), None)
    if unsafe is not None:
        raise InputError(f"{where}: refusing the archive, its entry {unsafe!r} points outside "
                         "it; zip the images with relative names inside one folder")
    if len(infos) > MAX_IMAGE_FILES:
        raise InputError(f"{where}: {len(infos):,} entries, more than {MAX_IMAGE_FILES:,}; "
                         "evaluate a subset")
    infos = sorted((i for i in infos if not _skipped(i.filename)), key=lambda i: i.filename)
    files = [(i.filename, i.file_size) for i in infos
             if Path(i.filename).suffix.lower() in IMAGE_SUFFIXES]
    others = [i.filename for i in infos if Path(i.filename).suffix.lower() not in IMAGE_SUFFIXES]
    return files, others


def _decode(data: bytes, name: str, where: str) -> np.ndarray:
    """PNG/JPEG bytes -> (H, W, 1) or (H, W, 3) uint8; alpha dropped, palettes expanded."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_IMAGE_FILE_BYTES:
        raise InputError(f"{where}: {name} unpacks to over {MAX_IMAGE_FILE_BYTES:,} bytes")
    try:
        with Image.open(io.BytesIO(data)) as im:
            fmt, size, mode = im.format, im.size, im.mode
            if fmt in IMAGE_FORMATS and max(size) <= MAX_IMAGE_SIDE:
                arr = np.asarray(im.convert("L" if mode in GREY_MODES else "RGB"), np.uint8)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InputError(f"{where}: cannot read image {name} ({str(exc)[:120]})") from None
    if fmt not in IMAGE_FORMATS:
        raise InputError(f"{where}: {name} is a {fmt} file, not PNG or JPEG; convert it")
    if max(size) > MAX_IMAGE_SIDE:
        raise InputError(f"{where}: {name} is {size[0]}x{size[1]} pixels, over "
                         f"{MAX_IMAGE_SIDE} a side; resize it")
    return arr[..., None] if arr.ndim == 2 else arr


def _decode_all(names: list[str], read: Callable[[str], bytes], where: str) -> np.ndarray:
    """Decode every file; one size for all; grey ones become RGB when any image is RGB."""
    first = _decode(read(names[0]), names[0], where)
    h, w = first.shape[:2]
    if len(names) * h * w * 3 > MAX_DECODED_BYTES:
        raise InputError(f"{where}: {len(names):,} images of {w}x{h} exceed "
                         f"{MAX_DECODED_BYTES:,} bytes decoded; evaluate a subset")
    out = [first]
    for name in names[1:]:
        image = _decode(read(name), name, where)
        if image.shape[:2] != (h, w):
            raise InputError(f"{where}: images differ in size ({names[0]} is {w}x{h}, {name} "
                             f"is {image.shape[1]}x{image.shape[0]}); resize them to one size")
        out.append(image)
    if any(im.shape[-1] == 3 for im in out):
        out = [np.repeat(im, 3, axis=-1) if im.shape[-1] == 1 else im for im in out]
    return np.stack(out)


def _pick(files: list[tuple[str, int]], n: int | None, seed: int, where: str) -> list[str]:
    idx = subset_indices(len(files), n, seed, where)
    return [name for name, _ in (files if idx is None else [files[i] for i in idx])]


def read_image_files(path: Path, n: int | None = None, seed: int = 0) -> np.ndarray:
    """A folder (read recursively) or .zip of PNG/JPEG images -> (n, H, W, C) uint8 with C 1
    when all are grey, else 3; a seeded random n of them (in name order) when n is given."""
    if path.is_dir():
        where = f"folder {path}"
        files, others = _folder_listing(path)
        _check_listing(files, others, where)

        def read_file(name: str) -> bytes:
            try:
                return (path / name).read_bytes()
            except OSError as exc:
                raise InputError(f"{where}: cannot read {name} ({exc.strerror})") from None

        return _decode_all(_pick(files, n, seed, where), read_file, where)
    where = path.name
    if path.stat().st_size > MAX_IMAGES_BYTES:
        raise InputError(f"{where} is over {MAX_IMAGES_BYTES:,} bytes; evaluate a subset")
    try:
        with zipfile.ZipFile(path) as zf:
            files, others = _zip_listing(zf, where)
            _check_listing(files, others, where)

            def read(name: str) -> bytes:
                with zf.open(name) as f:  # headers can lie about sizes: read at most the limit
                    return f.read(MAX_IMAGE_FILE_BYTES + 1)

            return _decode_all(_pick(files, n, seed, where), read, where)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, EOFError, OSError,
            zlib.error) as exc:  # not a zip, encrypted (RuntimeError), damaged
        raise InputError(f"{where} is not a readable zip of images ({type(exc).__name__}: "
                         f"{str(exc)[:120]})") from None
