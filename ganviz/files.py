"""Atomic file writes: a reader (a page, `load`, a resumed run) never sees a half-written file.

Every writer here builds its output under a hidden temporary sibling name and renames it into
place with `os.replace`, which is atomic on one filesystem. A process killed mid-write leaves at
most a hidden `.NAME.*` file or folder behind, which the checkpoint listing skips.

    write_atomic(path, data)            bytes -> file
    replace_dir(folder, build)          build(tmp_dir) fills a fresh folder, then swaps it in
    make_temp_dir(parent, prefix)       a hidden temp folder with the usual permissions
    npz_bytes(images=..., labels=...)   a compressed .npz in memory

No ganviz imports: the image and toy sides both write through this module.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def make_temp_dir(parent: Path, prefix: str) -> Path:
    """mkdtemp with the usual permissions (mkdtemp alone gives 0700)."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    tmp.chmod(0o777 & ~_umask())
    return tmp


def write_atomic(file: Path, data: bytes) -> None:
    """Write bytes to `file` via a temporary sibling and os.replace (never half-written)."""
    file = Path(file)
    file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{file.name}.", dir=file.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp alone gives 0600
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def replace_dir(folder: Path, build: Callable[[Path], None], prefix: str) -> Path:
    """Fill a fresh hidden folder next to `folder` with `build(tmp)`, then put it in place of
    `folder` (removed first if it exists). On any error the temp folder is discarded and
    `folder` is left as it was."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = make_temp_dir(folder.parent, prefix)
    try:
        build(tmp)
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def npz_bytes(**arrays: np.ndarray) -> bytes:
    """The bytes of `np.savez_compressed(**arrays)`."""
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()
