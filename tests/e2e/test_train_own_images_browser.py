"""Your own pictures on the Train an image GAN page, in a real browser: a zip of colour images
uploads, trains and is drawn at its size; a hostile zip (a `..` path, a corrupt image, no
usable image) gets a clear message and writes nothing."""

from __future__ import annotations

import io
import re
import time

import numpy as np
import pytest
from conftest import page_url

from tests.bar_images import zip_of

pytestmark = pytest.mark.e2e

STATUS = re.compile(r"Step ([\d,]+) · epoch")


def png(rgb: tuple[int, int, int], seed: int) -> bytes:
    from PIL import Image

    rng = np.random.default_rng(seed)
    img = np.zeros((40, 40, 3), np.uint8)
    x, y = rng.integers(0, 20, 2)
    img[y:y + 20, x:x + 20] = rgb
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    return buf.getvalue()



def upload(page, name: str, content: bytes) -> None:
    page.locator("input[type=file]").set_input_files(
        {"name": name, "mimeType": "application/zip", "buffer": content})


def test_own_colour_images_train_and_hostile_zips_are_refused(app_url, browser_page, tmp_path):
    page = browser_page
    page.goto(page_url(app_url, "Train_Image_GAN"))
    page.get_by_text(STATUS).first.wait_for(timeout=300_000)
    page.get_by_label("Dataset").first.click()
    page.get_by_role("option", name="Your own images (.zip)").click()
    page.get_by_text("Upload a .zip of your own pictures").wait_for()

    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
    good = {f"pics/{i:02d}.png": png(colours[i % 4], i) for i in range(40)}
    good["pics/readme.txt"] = b"not a picture"
    good["pics/broken.png"] = b"\x89PNG\r\n\x1a\n truncated"
    upload(page, "squares.zip", zip_of(good))
    page.get_by_text(re.compile(r"Read 40 images")).wait_for(timeout=120_000)
    page.get_by_text(re.compile("readme.txt")).first.wait_for()
    page.get_by_text(re.compile(r"Batch size 32: the 36 training images")).wait_for()
    page.get_by_text(re.compile(r"dcgan on images:squares.zip .*32×32×3")).wait_for(
        timeout=120_000)

    page.get_by_role("button", name=re.compile("Play")).click()
    page.get_by_role("button", name=re.compile("Pause")).wait_for(timeout=120_000)
    deadline = time.monotonic() + 300
    while int(STATUS.search(page.inner_text("body")).group(1).replace(",", "")) == 0:
        assert time.monotonic() < deadline, "no training on the uploaded images"
        time.sleep(0.5)
    page.get_by_role("button", name=re.compile("Pause")).click()
    page.get_by_role("button", name=re.compile("Play")).wait_for(timeout=60_000)

    hostile = {"../evil.png": png((255, 0, 0), 0), "/tmp/abs.png": png((0, 255, 0), 1),
               "bad.png": b"not an image at all"}
    upload(page, "hostile.zip", zip_of(hostile))
    page.get_by_text(re.compile("Cannot use hostile.zip")).wait_for(timeout=120_000)
    assert not (tmp_path.parent / "evil.png").exists()
    assert "Traceback" not in page.inner_text("body")
