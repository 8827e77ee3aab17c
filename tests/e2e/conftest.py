"""Browser fixtures: Debian's Chromium driven by Playwright (never a browser download).

When Chromium or Playwright is missing the browser tests are skipped, and the run says so loudly.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.server import ServerProcess

CHROMIUM_ENV = "REELGATE_CHROMIUM"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_missing: list[str] = []


def chromium_path() -> str | None:
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        return configured if os.path.exists(configured) else None
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return found
    return None


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _missing:
        terminalreporter.write_sep(
            "!",
            f"BROWSER TESTS SKIPPED: {_missing[0]}. Run `make test` as root to install Debian's "
            f"chromium, or set {CHROMIUM_ENV} to a Chromium binary",
            red=True,
            bold=True,
        )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module (Playwright's sync API owns the thread's loop
    while it runs, so it must not outlive the module that uses it)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing.append("the `playwright` package is not installed")
        pytest.skip("playwright is not installed")
    path = chromium_path()
    if path is None:
        _missing.append("no Chromium binary was found")
        pytest.skip("Chromium is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A fresh server for the page tests. One worker, so a test can order jobs by queueing;
    webhooks may target loopback (a receiver the tests start)."""
    data_dir = tmp_path_factory.mktemp("studio") / "data"
    loopback = {"REELGATE_WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8"}
    with ServerProcess(data_dir, workers=1, env=loopback) as server:
        yield server


@pytest.fixture
def page(browser: Any, studio: ServerProcess) -> Iterator[Any]:
    context = browser.new_context(
        base_url=studio.base_url, viewport={"width": 1280, "height": 860}, accept_downloads=True
    )
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
