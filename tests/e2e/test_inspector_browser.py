"""Mode-collapse inspector in a real browser: the side-by-side comparison renders, and a
screenshot of it is saved to artifacts/screenshots/inspector.png (`make screenshots` copies it
to docs/screenshots/)."""

from __future__ import annotations

import pytest
from conftest import page_url, save_screenshot

from ganviz.checkpoints import list_checkpoints

pytestmark = pytest.mark.e2e

METRIC_VALUE = '[data-testid="stMetricValue"]'
CHART_TITLE = ".stPlotlyChart .gtitle"


def test_healthy_vs_collapsed_comparison_screenshot(app_url, browser_page):
    names = [s.name for s in list_checkpoints() if s.ok]
    if not names:
        pytest.skip("no image checkpoint installed: nothing to compare")
    shown = min(2, len(names))  # the page's default selection: a healthy and a collapsed one
    page = browser_page
    page.goto(page_url(app_url, "Mode_Collapse_Inspector"))
    page.get_by_text("Mode-collapse inspector").first.wait_for(timeout=120_000)
    # TensorFlow's import, generation and k-means: generous on a loaded 2-core machine
    page.wait_for_function(
        f"() => document.querySelectorAll('{CHART_TITLE}').length >= {shown}", timeout=300_000)
    values = page.locator(METRIC_VALUE).all_inner_texts()
    assert len(values) == 2 * shown, values
    ndb_k = [float(v) for v in values[0::2]]
    assert all(0.0 <= v <= 1.0 for v in ndb_k)
    titles = page.evaluate(
        f"() => [...document.querySelectorAll('{CHART_TITLE}')].map(e => e.textContent)")
    assert all("NDB/K" in t for t in titles)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.wait_for_timeout(1500)  # let plotly finish its transitions before the picture

    shot = save_screenshot(page, "inspector", full_page=True)
    assert shot.stat().st_size > 20_000
