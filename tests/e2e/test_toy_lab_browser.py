"""Toy GAN Lab in a real browser: Play makes the step counter rise and the plot change."""

from __future__ import annotations

import re
import time
import warnings

import pytest
from conftest import ARTIFACTS, save_screenshot

pytestmark = pytest.mark.e2e
PlaywrightTimeoutError = pytest.importorskip("playwright.sync_api").TimeoutError

STEP_SELECTOR = ".toy-status .toy-step"
PLOT_TITLE = ".stPlotlyChart .gtitle"


def read_step(page) -> int:
    text = page.locator(STEP_SELECTOR).first.inner_text(timeout=120_000)
    return int(re.sub(r"[^0-9]", "", text))


def fake_points_signature(page) -> str:
    """The drawn fake points' coordinates (from the plot's data), to tell a redraw. The plot is
    Streamlit's chart while paused and the live plot's iframe (same origin) while playing."""
    return page.evaluate("""() => {
        const plots = Array.from(document.querySelectorAll('.stPlotlyChart .js-plotly-plot'));
        for (const frame of document.querySelectorAll('iframe')) {
            try {
                plots.push(...frame.contentDocument.querySelectorAll('.ganviz-live-plot'));
            } catch (e) { /* another origin: not ours */ }
        }
        for (const plot of plots) {
            const fake = (plot._fullData || []).find(t => t.name === 'fake');
            if (fake && fake.x) return Array.from(fake.x).slice(0, 20).join(',');
        }
        return '';
    }""")


def test_play_trains_and_redraws(app_url, browser_page):
    page = browser_page
    page.goto(f"{app_url}/Toy_GAN_Lab?dataset=ring8&preset=ring8-default")
    page.locator(STEP_SELECTOR).first.wait_for(timeout=180_000)
    page.locator(PLOT_TITLE).first.wait_for(timeout=120_000)
    assert read_step(page) == 0
    before, deadline = fake_points_signature(page), time.monotonic() + 60
    while not before and time.monotonic() < deadline:  # the chart's data lands after its title
        time.sleep(0.25)
        before = fake_points_signature(page)
    assert before, "the real-vs-fake plot shows no fake points"

    page.get_by_role("button", name=re.compile("Play")).click()
    # the first Play compiles the training loop (seconds, once per network shape per server)
    # (the ring8 default: D 128, G averaging, the InfoGAN head; up to minutes on a loaded machine)
    page.get_by_role("button", name=re.compile("Pause")).wait_for(timeout=180_000)
    deadline = time.monotonic() + 180
    while read_step(page) == 0 and time.monotonic() < deadline:
        time.sleep(0.25)
    first = read_step(page)
    assert first > 0, "the step counter did not move after Play"
    # from here on training is warm: within 10 s the counter rises and the plot changes
    t0 = time.monotonic()
    sig0 = fake_points_signature(page)
    risen = changed = False
    while time.monotonic() - t0 < 10 and not (risen and changed):
        time.sleep(0.25)
        risen = risen or read_step(page) > first
        changed = changed or fake_points_signature(page) not in ("", sig0)
    assert risen, f"step counter stuck at {first} for 10 s while playing"
    assert changed, "the real-vs-fake plot did not change within 10 s while playing"
    assert fake_points_signature(page) != before

    save_screenshot(page, "toy_lab")  # docs/screenshots/ only with GANVIZ_UPDATE_SCREENSHOTS=1

    # Pause: Play comes back and the counter stops. A click lost between the browser and the
    # server (seen once in CI, never here) is retried once, as a user would, with a warning.
    for attempt in (1, 2):
        page.get_by_role("button", name=re.compile("Pause")).click()
        t0 = time.monotonic()
        try:
            page.get_by_role("button", name=re.compile("Play")).wait_for(timeout=30_000)
            break
        except PlaywrightTimeoutError:
            page.screenshot(path=str(ARTIFACTS / "screenshots" / f"toy_lab_pause_{attempt}.png"))
            text = page.locator("[data-testid='stMain']").first.inner_text()[:1500]
            if attempt == 2:
                pytest.fail("Play did not come back within 30 s of Pause, twice; the page:\n"
                            f"{text}")
            warnings.warn(f"Pause click #1 had no effect in 30 s; the page said:\n{text}",
                          stacklevel=1)
    print(f"Pause -> Play shown in {time.monotonic() - t0:.1f} s")
    paused = read_step(page)
    time.sleep(2)
    assert read_step(page) == paused, "the step counter still moves after Pause"
