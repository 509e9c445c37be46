"""Train an image GAN in a real browser: Play, the fixed-noise grid changes live, Pause holds
the step, Save writes a checkpoint, and its link opens it on the latent interpolation page.

The checkpoint goes into the server's checkpoints/ folder (where the other pages list it) under
an ``e2e_`` name, removed at the end (and ignored by git should a run die half-way).
"""

from __future__ import annotations

import os
import re
import shutil
import time

import pytest
from conftest import ROOT, page_url, save_screenshot

pytestmark = pytest.mark.e2e

STATUS = re.compile(r"Step [\d,]+ · epoch")
NAME = "e2e_live_digits"


def read_step(page) -> int:
    text = page.get_by_text(STATUS).first.inner_text(timeout=300_000)
    return int(re.search(r"Step ([\d,]+)", text).group(1).replace(",", ""))


def grid_src(page) -> str:
    """The drawn grid's media URL: a new one for every new picture."""
    return page.locator("img[src*='/media/']").first.get_attribute("src", timeout=120_000)


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.25)


@pytest.fixture
def saved_folder():
    folder = ROOT / "checkpoints" / NAME
    shutil.rmtree(folder, ignore_errors=True)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_play_watch_pause_save_and_open_on_the_latent_page(app_url, browser_page, saved_folder):
    page = browser_page
    page.goto(page_url(app_url, "Train_Image_GAN"))
    assert read_step(page) == 0
    before = grid_src(page)

    page.get_by_role("button", name=re.compile("Play")).click()
    page.get_by_role("button", name=re.compile("Pause")).wait_for(timeout=120_000)
    wait_until(lambda: read_step(page) > 0, 300, "the step counter did not move after Play")
    first = read_step(page)
    # no click: the fragment's timer keeps training and redrawing
    wait_until(lambda: read_step(page) > first, 120, f"step stuck at {first} while playing")
    wait_until(lambda: grid_src(page) != before, 60, "the grid did not change")
    if os.environ.get("GANVIZ_UPDATE_SCREENSHOTS") == "1":  # the README's picture: digits
        wait_until(lambda: read_step(page) >= 2000, 300, "too slow for the README's picture")

    page.get_by_role("button", name=re.compile("Pause")).click()
    page.get_by_role("button", name=re.compile("Play")).wait_for(timeout=60_000)
    paused = read_step(page)
    page.wait_for_timeout(3000)
    assert read_step(page) == paused, "training went on after Pause"
    save_screenshot(page, "train_image", full_page=True)

    name = page.get_by_role("textbox", name="Checkpoint name")
    name.fill(NAME)
    name.press("Enter")
    page.wait_for_timeout(1500)  # the rerun that takes the name
    page.get_by_role("button", name="Save checkpoint").click()
    page.get_by_text(f"Saved {NAME}").wait_for(timeout=120_000)
    assert (saved_folder / "card.json").exists()

    page.get_by_role("link", name=re.compile("Open in latent interpolation")).click()
    page.wait_for_url(re.compile("Latent_Interpolation"), timeout=60_000)
    # the picker took the saved checkpoint: its caption names it
    page.get_by_text(re.compile(f"{NAME}: dcgan on mnist")).first.wait_for(timeout=120_000)
