"""The user's own images, from an upload (a .zip's bytes), a .zip file or a folder, read
safely into an `ImageDataset`, with a report of what was skipped and why.

`load_images(source, size)` serves `python -m ganviz train --images DIR_OR_ZIP --size N` and
the Streamlit upload alike. Each image is turned upright (EXIF), centre-cropped to a square
and resized to size x size (28, 32 or 64) with Pillow's Lanczos filter (after a box-filter
reduction of large images, `reducing_gap`): sharp, without aliasing when shrinking.

Colour: an image is grey when its three channels are equal at the final size (modes L, LA,
1, I;16, a grey palette, RGB holding grey). The dataset has 1 channel if every kept image is
grey, else 3 (grey images repeated into RGB); `channels` forces either (colour to grey by
ITU-R 601-2 luma, as Pillow's `convert("L")`). Transparent pixels are composited on white
(`ALPHA_BACKGROUND`); 16-bit images are scaled to 8 bits; CMYK goes through Pillow's RGB.

Safety, for archives from anyone (limits: the constants below):
- A zip is read in memory with `zipfile`, never extracted: no entry name is ever used as a
  path, so nothing is written anywhere. Names with `..`, an absolute path, a backslash or a
  drive letter are skipped with a message, as are symbolic links and encrypted entries;
  hidden files and `__MACOSX/` are ignored silently.
- Before any entry is parsed, the end-of-central-directory record (the file's last bytes)
  refuses more than `MAX_ENTRIES` entries or a directory over `MAX_DIRECTORY_BYTES`.
- From the central directory, before decompressing: an entry declaring over
  `MAX_ENTRY_BYTES`, or over `MAX_COMPRESSION_RATIO` times its stored size (above
  `RATIO_FLOOR_BYTES`), is skipped as a likely zip bomb; images past `MAX_IMAGES` or past
  `MAX_TOTAL_BYTES` in all are skipped with one line.
- While reading, an entry is abandoned once it passes its declared size or the limits (a
  bomb can lie in its header; zipfile then also fails its CRC).
- Pillow opens only `PIL_FORMATS` (no Ghostscript or other plugin reached by sniffing); an
  image whose header claims over `MAX_PIXELS` pixels is skipped before decoding, and
  Pillow's `DecompressionBombWarning` is raised as an error.
- A folder: symbolic links are neither followed nor read, only regular files are opened,
  and the same limits apply. Order is deterministic (sorted names); the split is seeded.
"""

from __future__ import annotations

import io
import os
import re
import stat
import struct
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ganviz.image.data import ImageDataset, random_split

SIZES = (28, 32, 64)
MAX_ENTRIES = 50_000              # entries in an archive / files in a folder, refused above
MAX_DIRECTORY_BYTES = 8 * 2**20   # zip central directory (names and headers), refused above
MAX_IMAGES = 20_000               # images kept; the rest are skipped with one line
MAX_TOTAL_BYTES = 200 * 2**20     # uncompressed image bytes read in all
MAX_ENTRY_BYTES = 32 * 2**20      # uncompressed bytes of one image file
MAX_COMPRESSION_RATIO = 200       # uncompressed / compressed size of one entry ...
RATIO_FLOOR_BYTES = 2**20         # ... checked for entries above 1 MiB (flat BMPs compress well)
MAX_PIXELS = 50_000_000           # width x height of one image (a 50 MP photo)
MIN_IMAGES = 16                   # fewer usable images cannot train a GAN
ALPHA_BACKGROUND = (255, 255, 255)  # white
NAMED_IN_SUMMARY = 3
GROUP_AFTER = 3  # a reason shared by more entries than this becomes one line
PIL_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "WEBP", "TIFF")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
_DRIVE = re.compile(r"^[A-Za-z]:")
_SIXTEEN_BIT = ("I;16", "I;16L", "I;16B", "I;16N")


@dataclass(frozen=True)
class UploadReport:
    """What `load_images` read and skipped, in words a user can act on.

    used: images kept. skipped: one line per skipped entry or group of entries.
    channels: 1 or 3. size: the side the images were resized to.
    notes: what was done to some images (transparency, enlargement), one line each.
    """

    used: int
    skipped: tuple[str, ...]
    channels: int
    size: int = 0
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """'Read 340 images (64x64 RGB); skipped 3: a; b; c.' plus a sentence of notes."""
        colour = "grey" if self.channels == 1 else "RGB"
        shape = f"{self.size}x{self.size} {colour}" if self.size else colour
        text = f"Read {_count(self.used, 'image')} ({shape})"
        if self.skipped:
            named = "; ".join(self.skipped[:NAMED_IN_SUMMARY])
            more = len(self.skipped) - NAMED_IN_SUMMARY
            text += f"; skipped {_count_lines(self.skipped):,}: {named}"
            text += f"; and {more} more" if more > 0 else ""
        text += "."
        if self.notes:
            text += " " + "; ".join(self.notes) + "."
        return text


def _count_lines(lines: tuple[str, ...]) -> int:
    """Entries behind the skipped lines: 'N files: ...' counts N, any other line 1."""
    return sum(int(m.group(1).replace(",", "")) if (m := re.match(r"^([\d,]+) files: ", line))
               else 1 for line in lines)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'s' * (n != 1)}"


class _Skip(Exception):
    """An entry that cannot be used; str() is the reason shown to the user."""


@dataclass(frozen=True)
class _Entry:
    """A file in the archive or folder: name relative to the root ('/'-separated), declared
    uncompressed and stored sizes, and `read(limit)` -> at most limit + 1 bytes."""

    name: str
    size: int
    stored: int
    read: Callable[[int], bytes]


def _hidden(name: str) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in name.split("/") if part)


def _unsafe(name: str) -> str | None:
    """Why an archive name could escape a folder if used as a path, or None."""
    checks = (("\\" in name, "backslash in the name"), (name.startswith("/"), "absolute path"),
              (bool(_DRIVE.match(name)), "drive letter"),
              (".." in name.split("/"), "'..' in the path"))
    return next((why for bad, why in checks if bad), None)


def _suffix(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def _central_directory(fp) -> tuple[int, int] | None:
    """(entries, central-directory bytes) from the end-of-central-directory record (zip64
    aware), reading only the file's last 64 KiB; None if there is no such record."""
    fp.seek(0, io.SEEK_END)
    end = fp.tell()
    tail_len = min(end, 22 + 65_535)  # the record plus the longest comment
    fp.seek(end - tail_len)
    tail = fp.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    entries, cd_bytes = struct.unpack("<HI", tail[at + 10:at + 16])
    zip64 = at >= 20 and tail[at - 20:at - 16] == b"PK\x06\x07"
    if zip64 and (entries == 0xFFFF or cd_bytes == 0xFFFFFFFF):
        (offset,) = struct.unpack("<Q", tail[at - 12:at - 4])
        fp.seek(offset)
        record = fp.read(56)
        if record[:4] == b"PK\x06\x06":
            entries, cd_bytes = struct.unpack("<QQ", record[32:48])
    return entries, cd_bytes


def _open_zip(source: str | Path | bytes, label: str) -> zipfile.ZipFile:
    """A ZipFile over the bytes or path, after refusing too many entries from the
    end-of-central-directory record alone (no entry is parsed first), and again from the
    parsed directory (the record's count can lie; its size bounds the parsing)."""
    try:
        if isinstance(source, bytes):
            counts = _central_directory(io.BytesIO(source))
        else:
            with open(source, "rb") as fp:
                counts = _central_directory(fp)
        if counts is None:
            raise ValueError(f"{label} is not a .zip file (no zip directory found)")
        if counts[0] <= MAX_ENTRIES and counts[1] <= MAX_DIRECTORY_BYTES:
            zf = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
            if len(zf.infolist()) <= MAX_ENTRIES:
                return zf
            counts = (len(zf.infolist()), counts[1])
            zf.close()
    except zipfile.BadZipFile as exc:
        raise ValueError(f"{label} is not a .zip file ({exc})") from exc
    raise ValueError(f"{label} holds {counts[0]:,} entries ({counts[1] / 2**20:.1f} MiB of "
                     f"names); the limit is {MAX_ENTRIES:,} entries: zip fewer files (at most "
                     f"{MAX_IMAGES:,} images are used)")


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """At most limit + 1 bytes of one entry: zipfile inflates 4 KiB of stored data at a time
    and stops once it has the bytes asked for, so a bomb never unpacks past the limit."""
    try:
        with zf.open(info) as f:
            return f.read(limit + 1)
    except NotImplementedError as exc:  # deflate64, implode ...
        raise _Skip(f"compressed with a method Python cannot read ({exc})") from exc
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise _Skip(f"damaged in the archive ({_short(exc)})") from exc


def _zip_entries(zf: zipfile.ZipFile) -> tuple[list[_Entry], list[tuple[str, str]]]:
    """The archive's files in name order, and (name, reason) for entries refused by name."""
    entries, refused = [], []
    for info in sorted(zf.infolist(), key=lambda i: (i.filename, i.header_offset)):
        name = info.filename
        why = _unsafe(name)
        if why:
            refused.append((name, f"unsafe path ({why}), not read"))
            continue
        if info.is_dir() or _hidden(name):
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            refused.append((name, "a symbolic link, not followed"))
        elif info.flag_bits & 0x1:
            refused.append((name, "encrypted, not read"))
        else:
            entries.append(_Entry(name, info.file_size, info.compress_size,
                                  lambda limit, info=info: _read_member(zf, info, limit)))
    return entries, refused


def _read_file(path: str, limit: int) -> bytes:
    """At most limit + 1 bytes of a regular file, never through a symbolic link."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise _Skip(f"cannot be opened ({_short(exc)})") from exc
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise _Skip("not a regular file")
        return f.read(limit + 1)


def _folder_entries(root: Path) -> tuple[list[_Entry], list[tuple[str, str]]]:
    """Files under root (symbolic links reported, never followed), sorted by relative name;
    refuses a folder of more than MAX_ENTRIES files as soon as it has seen that many."""
    entries, refused = [], []
    seen = 0
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        dirnames[:] = sorted(d for d in dirnames if not _hidden(d))
        for d in dirnames:
            if os.path.islink(os.path.join(dirpath, d)):
                refused.append((rel_dir + d + "/", "a symbolic link, not followed"))
        for f in sorted(filenames):
            seen += 1
            if seen > MAX_ENTRIES:
                raise ValueError(f"{root} holds more than {MAX_ENTRIES:,} files; point at a "
                                 f"folder with fewer (at most {MAX_IMAGES:,} images are used)")
            path, name = os.path.join(dirpath, f), rel_dir + f
            if _hidden(f):
                continue
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                refused.append((name, "a symbolic link, not followed"))
            elif stat.S_ISREG(st.st_mode):
                entries.append(_Entry(name, st.st_size, st.st_size,
                                      lambda limit, path=path: _read_file(path, limit)))
    entries.sort(key=lambda e: e.name)
    return entries, refused


def _short(exc: BaseException, limit: int = 80) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _to_rgb(im) -> tuple[object, bool]:
    """A Pillow image in any mode -> (RGB image, had transparency)."""
    from PIL import Image

    if im.mode in _SIXTEEN_BIT or im.mode in ("I", "F"):
        values = np.asarray(im, dtype=np.float64)
        top = values.max(initial=0.0)
        scale = (255 / 65535 if im.mode in _SIXTEEN_BIT or top > 255
                 else 255.0 if im.mode == "F" and top <= 1.0 else 1.0)
        im = Image.fromarray(np.clip(np.rint(values * scale), 0, 255).astype(np.uint8), "L")
    alpha = im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info
    if not alpha:
        return im.convert("RGB"), False
    rgba = im.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (*ALPHA_BACKGROUND, 255))
    return Image.alpha_composite(background, rgba).convert("RGB"), True


def _decode(data: bytes, size: int) -> tuple[np.ndarray, bool, bool]:
    """Image file bytes -> ((size, size, 3) uint8, had transparency, was enlarged).
    Raises _Skip with the reason when the bytes are not a readable, reasonably sized image."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=PIL_FORMATS) as im:
                w, h = im.size
                if w * h > MAX_PIXELS:
                    raise _Skip(f"too many pixels ({w:,} x {h:,}; the limit is "
                                f"{MAX_PIXELS:,}, a guard against decompression bombs)")
                if im.format == "JPEG":  # decode at a reduced scale, still >= size
                    im.draft(None, (size, size))
                im = ImageOps.exif_transpose(im)
                rgb, alpha = _to_rgb(im)
    except _Skip:
        raise
    except UnidentifiedImageError as exc:
        raise _Skip(f"cannot be read as an image (not a {'/'.join(PIL_FORMATS)} file)") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _Skip(f"too many pixels ({_short(exc)})") from exc
    except Exception as exc:  # noqa: BLE001 - a decoder fed hostile bytes may raise anything
        reason = "truncated" if "truncated" in str(exc) else _short(exc)
        raise _Skip(f"cannot be read as an image ({reason})") from exc
    w, h = rgb.size
    side = min(w, h)
    box = ((w - side) / 2, (h - side) / 2, (w + side) / 2, (h + side) / 2)  # centre square
    out = rgb.resize((size, size), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    return np.asarray(out, dtype=np.uint8), alpha, side < size


def _plan(entries: list[_Entry]) -> tuple[list[_Entry], list[tuple[str, str]]]:
    """The image entries to read, chosen from declared sizes alone (nothing decompressed
    yet), and (name, reason) for every other entry."""
    chosen, skipped, total = [], [], 0
    for e in entries:
        if _suffix(e.name) not in IMAGE_SUFFIXES:
            skipped.append((e.name, f"not an image ({_suffix(e.name) or 'no extension'})"))
        elif len(chosen) >= MAX_IMAGES:
            skipped.append((e.name, f"skipped after the {MAX_IMAGES:,}-image limit"))
        elif e.size > MAX_ENTRY_BYTES:
            skipped.append((e.name, f"too large ({e.size / 2**20:,.0f} MiB uncompressed; the "
                                    f"limit is {MAX_ENTRY_BYTES // 2**20} MiB per image)"))
        elif e.size > RATIO_FLOOR_BYTES and e.size > MAX_COMPRESSION_RATIO * max(e.stored, 1):
            skipped.append((e.name, f"looks like a zip bomb (compressed "
                                    f"{e.size // max(e.stored, 1):,}:1)"))
        elif total + e.size > MAX_TOTAL_BYTES:
            skipped.append((e.name, f"skipped after the {MAX_TOTAL_BYTES // 2**20} MiB "
                                    "total limit"))
        else:
            chosen.append(e)
            total += e.size
    return chosen, skipped


def _read_all(chosen: list[_Entry], size: int) -> Iterator[tuple[str, object]]:
    """(name, (array, alpha, enlarged)) or (name, reason) per chosen entry, in order; the
    bytes actually read count against MAX_TOTAL_BYTES whatever the headers said."""
    total = 0
    for e in chosen:
        limit = min(e.size, MAX_ENTRY_BYTES, MAX_TOTAL_BYTES - total)
        try:
            data = e.read(limit)
            if len(data) > limit:
                raise _Skip("holds more data than its header declares (looks like a zip bomb)"
                            if limit == e.size else "over the size limits while reading")
            total += len(data)
            yield e.name, _decode(data, size)
        except _Skip as why:
            yield e.name, str(why)


def _grouped(skips: list[tuple[str, str]]) -> tuple[str, ...]:
    """One line per skipped entry, in order; a reason shared by more than GROUP_AFTER
    entries becomes one line 'N files: reason (e.g. a, b)' where it first appears."""
    by_reason: dict[str, list[str]] = {}
    for name, reason in skips:
        by_reason.setdefault(reason, []).append(name)
    lines = []
    for name, reason in skips:
        names = by_reason[reason]
        if len(names) <= GROUP_AFTER:
            lines.append(f"{name}: {reason}")
        elif name == names[0]:
            lines.append(f"{len(names):,} files: {reason} (e.g. {', '.join(names[:2])})")
    return tuple(lines)


def _classes(names: list[str]) -> tuple[tuple[str, ...] | None, np.ndarray | None]:
    """(class names, labels (n,) int64) when, below any single wrapping folder (a zip of
    `holiday/` holds `holiday/a.png`), every image sits in one of two or more top-level
    sub-folders; else (None, None)."""
    parts = [n.split("/") for n in names]
    while parts and all(len(p) > 1 for p in parts) and len({p[0] for p in parts}) == 1:
        parts = [p[1:] for p in parts]
    tops = sorted({p[0] for p in parts})
    if not parts or any(len(p) == 1 for p in parts) or len(tops) < 2:
        return None, None
    index = {t: i for i, t in enumerate(tops)}
    return tuple(tops), np.array([index[p[0]] for p in parts], dtype=np.int64)


def _to_channels(images: np.ndarray, channels: int) -> np.ndarray:
    """(n, s, s, 3) uint8 -> (n, s, s, channels); grey by ITU-R 601-2 luma, rounded as
    Pillow's convert('L') (exact for images whose channels are equal)."""
    if channels == 3:
        return images
    rgb = images.astype(np.uint32)
    luma = (rgb[..., 0] * 299 + rgb[..., 1] * 587 + rgb[..., 2] * 114 + 500) // 1000
    return luma.astype(np.uint8)[..., None]


def _source(source: str | os.PathLike | bytes, name: str | None) -> tuple[str, Callable, object]:
    """(label for messages and names, a function listing the entries, a ZipFile or None)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        label = name or "upload.zip"
        zf = _open_zip(bytes(source), label)
        return label, lambda: _zip_entries(zf), zf
    path = Path(os.fspath(source)).expanduser()
    label = name or path.name or str(path)
    if path.is_dir():
        return label, lambda: _folder_entries(path), None
    if not path.exists():
        raise FileNotFoundError(f"no such .zip file or folder: {path}")
    zf = _open_zip(path, label)
    return label, lambda: _zip_entries(zf), zf


def _nothing_usable(label: str, entries: list[_Entry], kept: int, skipped: tuple[str, ...],
                    size: int) -> ValueError:
    """The error for an archive or folder that leaves fewer than MIN_IMAGES images."""
    if not any(_suffix(e.name) in IMAGE_SUFFIXES for e in entries):
        names = ", ".join(e.name for e in entries[:NAMED_IN_SUMMARY])
        more = ", ..." if len(entries) > NAMED_IN_SUMMARY else ""
        found = f"{_count(len(entries), 'file')}: {names}{more}" if entries else "no files"
        extra = f"; {skipped[0]}" if skipped and not entries else ""
        return ValueError(f"no images ({', '.join(IMAGE_SUFFIXES)}) in {label} "
                          f"(found: {found}){extra}")
    report = UploadReport(kept, skipped, 3, size).summary().removeprefix("Read ")
    return ValueError(f"only {_count(kept, 'usable image')} in {label}; at least "
                      f"{MIN_IMAGES} are needed to train ({report})")


def load_images(source: str | os.PathLike | bytes, size: int, channels: int | None = None,
                *, name: str | None = None, seed: int = 0, heldout_fraction: float = 0.1
                ) -> tuple[ImageDataset, UploadReport]:
    """The user's images as an `ImageDataset` named 'images:NAME', and what was skipped.

    source: a .zip's bytes (an upload), or the path of a .zip file or of a folder.
    size: the side images are resized to, one of SIZES (centre crop, then Lanczos).
    channels: 1 or 3 to force; None: 1 if every image is grey, else 3.
    name: the file name shown in messages and in the dataset's name (default: the path's
        last part, or 'upload.zip' for bytes).
    Returns images (n, size, size, channels) uint8, split `heldout_fraction` held out
    (seeded); labels and class names when every image is in one of two or more top-level
    sub-folders, else None. Raises ValueError (FileNotFoundError for a missing path) with
    a message a user can act on when fewer than MIN_IMAGES images are usable.
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES} pixels, got {size}")
    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be 1, 3 or None (from the images), got {channels}")
    if not 0.0 <= heldout_fraction <= 0.5:
        raise ValueError(f"heldout_fraction must be in [0, 0.5], got {heldout_fraction}")
    label, list_entries, zf = _source(source, name)
    try:
        entries, refused = list_entries()
        chosen, skips = _plan(entries)
        kept: list[tuple[str, np.ndarray]] = []
        alpha = enlarged = 0
        for entry_name, result in _read_all(chosen, size):
            if isinstance(result, str):
                skips.append((entry_name, result))
            else:
                kept.append((entry_name, result[0]))
                alpha, enlarged = alpha + result[1], enlarged + result[2]
    finally:
        if zf is not None:
            zf.close()
    order = {e.name: i for i, e in enumerate(entries)}
    skipped = _grouped(refused + sorted(skips, key=lambda s: order.get(s[0], -1)))
    if len(kept) < MIN_IMAGES:
        raise _nothing_usable(label, entries, len(kept), skipped, size)
    return _dataset(label, kept, skipped, size, channels, seed, heldout_fraction,
                    (alpha, enlarged))


def _dataset(label: str, kept: list[tuple[str, np.ndarray]], skipped: tuple[str, ...],
             size: int, channels: int | None, seed: int, heldout_fraction: float,
             counts: tuple[int, int]) -> tuple[ImageDataset, UploadReport]:
    """The kept images (name, (size, size, 3) uint8) as a split dataset and its report."""
    class_names, labels = _classes([n for n, _ in kept])
    rgb = np.stack([a for _, a in kept])  # (n, size, size, 3)
    grey = bool(np.all(rgb[..., :1] == rgb[..., 1:]))
    channels = channels or (1 if grey else 3)
    images = _to_channels(rgb, channels)
    notes = (f"{_count(counts[0], 'image')} had transparent pixels, put on white",
             f"{_count(counts[1], 'image')} under {size} px enlarged")
    report = UploadReport(len(kept), skipped, channels, size,
                          tuple(note for note, n in zip(notes, counts) if n))
    train_idx, held_idx = random_split(len(images), heldout_fraction, seed)
    dataset_name = label if label.startswith("images:") else f"images:{label}"
    classes = f", classes {', '.join(class_names)}" if class_names else ""
    source = (f"{len(images):,} images from {label}{classes}, centre-cropped and resized to "
              f"{size}x{size}x{channels} (Lanczos), {_count_lines(skipped):,} skipped, "
              f"{len(held_idx)} held out (seed {seed})")
    return ImageDataset(
        dataset_name, images[train_idx], None if labels is None else labels[train_idx],
        images[held_idx], None if labels is None else labels[held_idx], class_names,
        source), report
