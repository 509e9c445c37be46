"""Latent interpolation and conditional generation pages in a real browser (Debian Chromium):
both open, an interpolation strip and a class grid appear; screenshots are saved."""

from __future__ import annotations

import pytest
from conftest import ROOT, page_url, save_screenshot

from ganviz import checkpoints as ckpts

pytestmark = pytest.mark.e2e

CONDITIONAL = next((s.name for s in ckpts.list_checkpoints(ROOT / "checkpoints")
                    if s.ok and s.card.conditional), None)
IMAGE = "[data-testid='stImage']"


def loaded_image_with_caption(page, caption_part: str, timeout_ms: int = 240_000):
    """Wait until an st.image whose caption contains `caption_part` shows a decoded picture."""
    block = page.locator(IMAGE).filter(has_text=caption_part).first
    block.wait_for(timeout=timeout_ms)
    img = block.locator("img").first
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle(),
                           timeout=60_000)
    return img


@pytest.mark.skipif(CONDITIONAL is None, reason="no conditional checkpoint shipped")
def test_latent_page_shows_a_strip(app_url, browser_page):
    page = browser_page
    page.goto(page_url(app_url, "Latent_Interpolation"))
    page.get_by_text("Latent interpolation", exact=True).first.wait_for(timeout=120_000)
    strip = loaded_image_with_caption(page, "from A (left) to B (right)")
    width = strip.evaluate("img => img.naturalWidth")
    height = strip.evaluate("img => img.naturalHeight")
    assert width > 5 * height, f"an interpolation strip is wide, got {width}x{height}"
    page.get_by_text("Norm of each interpolated latent").first.wait_for(timeout=120_000)
    assert page.locator("[data-testid='stException']").count() == 0
    save_screenshot(page, "latent")


@pytest.mark.skipif(CONDITIONAL is None, reason="no conditional checkpoint shipped")
def test_conditional_page_shows_a_class_grid(app_url, browser_page):
    page = browser_page
    page.goto(page_url(app_url, "Conditional_Generation"))
    page.get_by_text("Conditional generation", exact=True).first.wait_for(timeout=120_000)
    loaded_image_with_caption(page, "Class × noise grid")
    metric = page.locator("[data-testid='stMetric']").filter(has_text="Classifier agrees").first
    metric.wait_for(timeout=60_000)
    assert "%" in metric.inner_text()
    assert page.locator("[data-testid='stException']").count() == 0
    save_screenshot(page, "conditional")
