"""The Model zoo page in a real browser (Debian Chromium): pick up to four MNIST checkpoints
(mnist_dcgan, mnist_wgan_gp, mnist_vae, mnist_began when shipped, else other MNIST ones), wait
for the findings, the metrics table and the sample grids, and save a screenshot to
artifacts/screenshots/model_zoo.png (`make screenshots` copies it to docs/screenshots/)."""

from __future__ import annotations

import pytest
from conftest import ROOT, page_url, save_screenshot

from ganviz import checkpoints as ckpts

pytestmark = pytest.mark.e2e

PREFERRED = ("mnist_dcgan", "mnist_wgan_gp", "mnist_vae", "mnist_began")
MULTISELECT = "[data-testid='stSidebar'] [data-testid='stMultiSelect']"
CARDS = {s.name: s.card for s in ckpts.list_checkpoints(ROOT / "checkpoints") if s.ok}
MNIST = sorted(n for n, card in CARDS.items() if card.dataset == "mnist")
WANTED = ([n for n in PREFERRED if n in MNIST] + [n for n in MNIST if n not in PREFERRED])[:4]


def label(name: str) -> str:
    """The multiselect's text for a checkpoint (ganviz.ui.zoo.sidebar's format_func)."""
    card = CARDS[name]
    return f"{card.dataset} · {name} ({card.model})"


def idle(page, timeout_ms: int = 420_000) -> None:
    """Wait until the script run is over (Streamlit's running indicator is gone)."""
    page.wait_for_timeout(500)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms)


def picked(page) -> list[str]:
    """The multiselect's tags (their labels), in order."""
    tags = page.locator(MULTISELECT).locator("[data-tag]")
    return [tags.nth(i).get_attribute("aria-label") for i in range(tags.count())]


def pick(page, wanted: list[str]) -> None:
    """Make the sidebar multiselect hold exactly `wanted`: remove other tags, type the rest."""
    box = page.locator(MULTISELECT)
    box.wait_for(timeout=120_000)
    for text in picked(page):
        if text not in {label(n) for n in wanted}:
            box.get_by_role("button", name=f"Remove {text}", exact=True).click()
            idle(page)
    for name in wanted:
        if label(name) not in picked(page):
            box.get_by_role("combobox").click()
            page.keyboard.type(name)  # filters the list; the option is then clicked by label
            page.get_by_role("option", name=label(name), exact=True).click()
            page.keyboard.press("Escape")
            idle(page)


@pytest.mark.skipif(len(WANTED) < 2, reason="fewer than two MNIST checkpoints shipped")
def test_zoo_page_compares_mnist_models(app_url, browser_page):
    page = browser_page
    page.goto(page_url(app_url, "Model_Zoo"))
    page.get_by_text("Model zoo", exact=True).first.wait_for(timeout=120_000)
    pick(page, WANTED)
    assert sorted(picked(page)) == sorted(label(n) for n in WANTED)

    # TensorFlow, four generators and the classifier on a loaded 2-core machine: generous
    page.get_by_text("What the numbers show").first.wait_for(timeout=420_000)
    idle(page)
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=120_000)
    findings = page.locator("[data-testid='stMarkdown']", has_text="variance of the Laplacian")
    assert findings.count() >= 1
    text = findings.first.inner_text()
    assert any(n in text for n in WANTED)
    if {"mnist_vae", "mnist_dcgan"} <= set(WANTED):
        assert "The samples of mnist_vae (VAE) are" in text
    # a tall window shows the findings, the table, the grids and the paths in one picture
    page.set_viewport_size({"width": 1600, "height": 3000})
    page.wait_for_function(
        f"() => document.querySelectorAll('[data-testid=\"stImage\"] img').length >= "
        f"{2 * len(WANTED)} && [...document.querySelectorAll('[data-testid=\"stImage\"] img')]"
        ".every(img => img.complete && img.naturalWidth > 0)", timeout=120_000)
    page.wait_for_timeout(1500)  # plotly's transitions
    assert page.locator("[data-testid='stException']").count() == 0
    shot = save_screenshot(page, "model_zoo", full_page=True)
    assert shot.stat().st_size > 20_000
