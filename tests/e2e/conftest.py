"""Shared real-browser fixtures: one Streamlit server and one Chromium for the whole session.

    def test_something(app_url, browser_page):
        browser_page.goto(page_url(app_url, "Toy_GAN_Lab"))

``app_url`` starts ``streamlit run app.py --server.headless true --server.port N`` on a free
port once per test session and waits for ``/_stcore/health``. ``browser_page`` is a fresh
Playwright page (its own browser context, so its own Streamlit session) in Debian's Chromium.
Tests here are marked ``e2e`` (deselect with ``-m "not e2e"``); they skip when Chromium or
Playwright is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("GANVIZ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SERVER_START_TIMEOUT_S = 120
ARTIFACTS = ROOT / "artifacts"


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.e2e)


def save_screenshot(page, name: str, full_page: bool = False) -> Path:
    """Screenshot ``page`` to artifacts/screenshots/NAME.png (ignored by git) and return the
    path. The README's copies in docs/screenshots/ are refreshed only on purpose:
    ``make screenshots`` sets GANVIZ_UPDATE_SCREENSHOTS=1, so ``make test`` leaves a clean
    checkout."""
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    shot = shots / f"{name}.png"
    page.screenshot(path=str(shot), full_page=full_page)
    assert shot.stat().st_size > 10_000, f"{shot} is suspiciously small"
    if os.environ.get("GANVIZ_UPDATE_SCREENSHOTS") == "1":
        docs = ROOT / "docs" / "screenshots"
        docs.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, docs / shot.name)
    return shot


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def entry_script(tmp_dir: Path) -> Path:
    """app.py; while the home page does not exist yet, a stand-in home in ``tmp_dir`` next to a
    link to the real ``pages/`` folder, so the pages can still be tested."""
    if (ROOT / "app.py").exists():
        return ROOT / "app.py"
    (tmp_dir / "app.py").write_text('import streamlit as st\nst.title("ganviz")\n')
    (tmp_dir / "pages").symlink_to(ROOT / "pages", target_is_directory=True)
    return tmp_dir / "app.py"


def page_url(app_url: str, page: str) -> str:
    """URL of a page of the classic ``pages/`` folder, e.g. ``1_Toy_GAN_Lab.py`` -> /Toy_GAN_Lab."""
    return f"{app_url}/{page}"


def start_server(script: Path, port: int, log_path: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               TF_CPP_MIN_LOG_LEVEL="2", STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    log = open(log_path, "w")
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
         "--server.port", str(port), "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = SERVER_START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"streamlit did not become healthy within {timeout:.0f} s")


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """Base URL of a Streamlit server running app.py (started once, stopped at the end)."""
    script = entry_script(tmp_path_factory.mktemp("entry"))
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    proc = start_server(script, port, ARTIFACTS / "streamlit_e2e.log")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (``playwright install`` cannot download here)."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium not found at {CHROMIUM} (make browser installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def browser_page(browser):
    """A fresh page in its own context (its own Streamlit session), 1600 x 1000."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()
