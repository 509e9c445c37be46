"""Tiny synthetic images the image-model tests train on in seconds."""

import numpy as np


def bar_images(n: int, seed: int) -> np.ndarray:
    """(n, 28, 28, 1) uint8: dim noise plus a bright bar at one of three heights."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 30, (n, 28, 28, 1), dtype=np.uint8)
    for i, row in enumerate(4 + 7 * (np.arange(n) % 3)):
        images[i, row:row + 6, 6:22] = 250
    return images


def squares_npz(folder, n: int):
    """An .npz of n unlabelled 28x28 images (a bright square on dark noise) in ``folder``;
    returns its path (for `--dataset npz:PATH`)."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 30, (n, 28, 28), dtype=np.uint8)
    images[:, 8:20, 8:20] = 250
    path = folder / "squares.npz"
    np.savez(path, images=images)
    return path


def zip_of(entries: dict[str, bytes]) -> bytes:
    """A zip (bytes) holding ``entries`` (name -> content), names written as given."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, content in entries.items():
            zf.writestr(name, content)
    return buf.getvalue()
