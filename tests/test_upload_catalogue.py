"""Every upload path of the app in one catalogue (issue 21): the toy lab's CSV, its drawing
canvas, its saved-model zip, the image page's zip of pictures and the scorecard's sample
files, each with malformed, oversized and hostile input. Known answer for each: a ValueError
(or an empty drawing) whose message names the problem, nothing written outside the temporary
folder, no traceback type other than ValueError. The pages show these messages
(tests/test_bad_input.py, tests/e2e/test_train_own_images_browser.py); the web server's own
limits (XSRF, 200 MiB) are tests/test_server_security.py.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from ganviz.image.uploads import load_images
from ganviz.judge.inputs import load_generated
from ganviz.toy import datasets, model_zip
from ganviz.toy.canvas import MAX_CANVAS_POINTS, canvas_points
from tests.bar_images import zip_of

RANGE = ((-1.5, 1.5), (-1.5, 1.5))



def png(side: int = 8) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.full((side, side, 3), 200, np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


# (upload path, case, the call, the message it must give)
CASES = [
    ("csv", "malformed", lambda tmp: datasets.points_from_csv(b"x,y\n1,2\n3,oops\n"),
     r"row 3"),
    ("csv", "oversized", lambda tmp: datasets.points_from_csv(
        b"1,2\n" * (datasets.MAX_CSV_BYTES // 4 + 1)), r"too large|at most"),
    ("csv", "hostile: NaN and formula cells", lambda tmp: datasets.points_from_csv(
        b"=cmd|' /C calc'!A0,1\n" + b"nan,1\n" * 20), r"row"),
    ("model zip", "malformed", lambda tmp: model_zip.trainer_from_zip(b"PK\x03\x04 not a zip"),
     r"not a zip"),
    ("model zip", "oversized", lambda tmp: model_zip.trainer_from_zip(
        b"\0" * (model_zip.MAX_ZIP_BYTES + 1)), r"too large"),
    ("model zip", "hostile: path escape", lambda tmp: model_zip.trainer_from_zip(
        zip_of({"../config.json": b"{}"})), r"unexpected file"),
    ("image zip", "malformed", lambda tmp: load_images(b"not a zip at all", 32),
     r"not a \.zip"),
    ("image zip", "hostile: only escaping paths", lambda tmp: load_images(
        zip_of({"../evil.png": png(), "/abs/evil.png": png()}), 32), r"no images|usable"),
    ("image zip", "too few images", lambda tmp: load_images(
        zip_of({f"{i}.png": png() for i in range(3)}), 32), r"16"),
    ("samples", "malformed .npy", lambda tmp: load_generated(
        _write(tmp / "bad.npy", b"\x93NUMPY garbage")), r"bad\.npy"),
    ("samples", "hostile: pickled .npz", lambda tmp: load_generated(
        _pickled_npz(tmp / "pickled.npz")), r"pickled\.npz"),
    ("samples", "hostile: zip path escape", lambda tmp: load_generated(
        _write(tmp / "escape.zip", zip_of({"../x.png": png(28)}))), r"escape\.zip"),
]


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _pickled_npz(path: Path) -> Path:
    np.savez(path, images=np.array([{"a": 1}], dtype=object))
    return path


@pytest.mark.parametrize("where, case, call, message", CASES,
                         ids=[f"{w}: {c}" for w, c, _, _ in CASES])
def test_every_upload_path_refuses_bad_files_with_a_message(where, case, call, message,
                                                            tmp_path):
    before = set(tmp_path.parent.iterdir())
    with pytest.raises(ValueError, match=message):
        call(tmp_path)
    assert set(tmp_path.parent.iterdir()) == before   # nothing written beside the folder


@pytest.mark.parametrize("case, drawing", [
    ("malformed: not a dict", [1, 2, 3]),
    ("malformed: objects not a list", {"objects": "circle"}),
    ("malformed: strings for numbers", {"objects": [{"type": "circle", "left": "abc"}]}),
    ("hostile: a stroke 1e12 px long", {"objects": [
        {"type": "path", "path": [["M", 0, 0], ["L", 1e12, 0]]}]}),
    ("hostile: NaN and off-canvas points", {"objects": [
        {"type": "line", "x1": float("nan"), "x2": 5}, {"type": "circle", "left": -1e9}]}),
])
def test_the_drawing_canvas_reads_only_what_lies_on_it(case, drawing):
    points = canvas_points(drawing, 360, 360, RANGE)
    assert points.shape[1] == 2 and len(points) <= 1
    assert np.isfinite(points).all()


def test_the_drawing_canvas_caps_the_points_a_client_sends():
    many = {"objects": [{"type": "circle", "left": 10 + i % 300, "top": 10, "radius": 1}
                        for i in range(50_000)]}
    assert len(canvas_points(many, 360, 360, RANGE)) <= MAX_CANVAS_POINTS
