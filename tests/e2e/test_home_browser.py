"""The home page in a real browser: the sidebar calls it "Home" (not "app", the entrypoint's
file name), and its links open the pages at their classic URLs."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

NAV = '[data-testid="stSidebarNav"]'


def nav_entries(page) -> list[str]:
    page.locator(NAV).wait_for(timeout=60_000)
    return [t.strip() for t in page.locator(f"{NAV} a").all_inner_texts()]


def test_sidebar_names_home_and_opens_pages_at_their_urls(app_url, browser_page):
    page = browser_page
    page.goto(app_url)
    page.get_by_text("ganviz: see, teach and diagnose how GANs train").first.wait_for(
        timeout=120_000)
    entries = nav_entries(page)
    assert entries[0] == "Home" and "app" not in entries, entries
    assert "Mode Collapse Inspector" in entries and "Toy GAN Lab" in entries, entries
    page.locator(f"{NAV} a", has_text="Mode Collapse Inspector").click()
    page.wait_for_url("**/Mode_Collapse_Inspector", timeout=60_000)
    page.get_by_text("Mode-collapse inspector", exact=True).first.wait_for(timeout=120_000)
    assert nav_entries(page)[0] == "Home"
    assert page.locator('[data-testid="stException"]').count() == 0
