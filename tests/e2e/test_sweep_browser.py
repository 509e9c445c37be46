"""Batch x Width in a real browser: Train makes the whole grid learn live; screenshot of it."""

from __future__ import annotations

import re
import time

import pytest
from conftest import page_url, save_screenshot

pytestmark = pytest.mark.e2e

STATUS = re.compile(r"Step [\d,]+ of [\d,]+")


def read_step(page) -> int:
    text = page.get_by_text(STATUS).first.inner_text(timeout=300_000)
    return int(re.search(r"Step ([\d,]+) of", text).group(1).replace(",", ""))


def fake_signature(page) -> str:
    """The first cell's drawn fake points (from the small multiples' data), to tell a redraw."""
    return page.evaluate("""() => {
        for (const plot of document.querySelectorAll('.stPlotlyChart .js-plotly-plot')) {
            const fake = (plot._fullData || []).find(t => t.name === 'fake');
            if (fake && fake.x) return Array.from(fake.x).slice(0, 20).join(',');
        }
        return '';
    }""")


def test_train_updates_the_grid_live(app_url, browser_page):
    page = browser_page
    page.goto(page_url(app_url, "Batch_x_Width"))
    assert read_step(page) == 0
    page.get_by_text("16 runs").first.wait_for(timeout=60_000)  # the default: 4 x 4 circle grid
    page.locator(".stPlotlyChart .js-plotly-plot").nth(1).wait_for(timeout=120_000)
    before = fake_signature(page)
    assert before, "the small multiples show no fake points"

    page.get_by_role("button", name=re.compile("Train")).click()
    page.get_by_role("button", name=re.compile("Pause")).wait_for(timeout=60_000)
    # the first refresh compiles the stacked engines (minutes on a loaded 2-core machine)
    deadline = time.monotonic() + 420
    while read_step(page) == 0 and time.monotonic() < deadline:
        time.sleep(0.5)
    first = read_step(page)
    assert first > 0, "the step counter did not move after Train"
    # warm: the fragment's timer keeps training and redrawing without any click
    deadline = time.monotonic() + 120
    while read_step(page) <= first and time.monotonic() < deadline:
        time.sleep(0.5)
    assert read_step(page) > first, f"step counter stuck at {first} while training"
    # a redraw can be caught mid-way (the chart element is replaced): poll until one has landed
    deadline = time.monotonic() + 60
    after = fake_signature(page)
    while after in ("", before) and time.monotonic() < deadline:
        page.wait_for_timeout(500)
        after = fake_signature(page)
    assert after not in ("", before), "the grid's fake points did not change"

    # pause, so the screenshot shows a settled page (not one faded mid-rerun)
    page.get_by_role("button", name=re.compile("Pause")).click()
    page.get_by_role("button", name=re.compile("Train")).wait_for(timeout=120_000)
    page.wait_for_timeout(3000)
    assert read_step(page) > first
    save_screenshot(page, "sweep", full_page=True)  # docs/ only with GANVIZ_UPDATE_SCREENSHOTS=1
