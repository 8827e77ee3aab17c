"""The web page on a server that has API keys: it asks for one, keeps it in the browser as the
server's HttpOnly cookie (which players, thumbnails and the event stream then carry), shows it,
signs out, and asks again when the key stops working.

The tests share one server whose data directory had keys before it started, and run in order.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_studio import DOCS_IMAGES, choose, set_duration
from tests.server import ServerProcess

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips these tests and says why
    expect = None

COOKIE = "reelgate_key"


def reelgate_keys(data_dir: Path, *args: str) -> str:
    """`reelgate keys ...` as an administrator runs it; its standard output."""
    command = [sys.executable, "-m", "reelgate", "keys", *args, "--data-dir", str(data_dir)]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, dict]]:
    """A server whose data directory has two keys from the start; the keys by name."""
    data_dir = tmp_path_factory.mktemp("keyed") / "data"
    keys = {name: reelgate_keys(data_dir, "create", "--name", name) for name in ("e2e", "spare")}
    with ServerProcess(data_dir, workers=1) as server:
        yield server, keys


@pytest.fixture
def context(browser: Any, keyed: tuple[ServerProcess, dict]) -> Iterator[Any]:
    """A fresh browser profile (no cookie yet); fails the test on any JavaScript error."""
    server, _ = keyed
    opened = browser.new_context(base_url=server.base_url, viewport={"width": 1280, "height": 860})
    errors: list[str] = []
    opened.on("weberror", lambda error: errors.append(str(error.error)))
    yield opened
    opened.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def sign_in(page: Any, key: str) -> None:
    page.locator("#key-input").fill(key)
    page.keyboard.press("Enter")
    expect(page.locator("#key-dialog")).to_be_hidden()


def key_cookie(context: Any) -> dict | None:
    return next((cookie for cookie in context.cookies() if cookie["name"] == COOKIE), None)


def test_the_page_asks_for_a_key_keeps_it_and_signs_out(context: Any, keyed: Any):
    _, keys = keyed
    page = context.new_page()
    page.goto("/")
    dialog = page.locator("#key-dialog")
    key_input = page.locator("#key-input")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("reelgate keys create")
    expect(key_input).to_be_focused()
    expect(key_input).to_have_attribute("type", "password")
    expect(page.locator("#key-badge")).to_be_hidden()

    # A wrong key: the server's words, and the dialog stays, ready for another try.
    page.keyboard.type("wrong-key")
    page.keyboard.press("Enter")
    expect(page.locator("#key-error")).to_have_text("Incorrect API key provided: ********.")
    expect(dialog).to_be_visible()
    expect(key_input).to_be_focused()
    assert key_cookie(context) is None

    # The right one: the gallery loads, the header names the key, the browser keeps it.
    sign_in(page, keys["e2e"])
    expect(page.locator("#state-empty")).to_be_visible()
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    expect(page.locator("#key-name")).to_have_text("e2e")
    expect(page.locator("#key-admin")).to_be_hidden()
    cookie = key_cookie(context)
    assert cookie is not None and cookie["value"] == keys["e2e"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert COOKIE not in page.evaluate("document.cookie"), "scripts must not read the key"

    # A job made through the page; its thumbnail and video load with the cookie alone.
    page.fill("#prompt", "A kite over a windy beach")
    choose(page, "resolution", "480p")
    set_duration(page, 1)
    page.click("#generate")
    card = page.locator(".card").first
    expect(card).to_have_attribute("data-status", "completed", timeout=30_000)
    expect(card.locator(".frame-thumb")).to_have_attribute("data-loaded", "true", timeout=10_000)
    card.locator(".card-open").click()
    page.wait_for_function("() => document.querySelector('#detail video')?.duration > 0")
    page.keyboard.press("Escape")
    expect(page.locator("#detail")).to_be_hidden()

    # A reload keeps the key: no dialog.
    page.reload()
    expect(page.locator(".card")).to_have_count(1)
    expect(dialog).to_be_hidden()
    expect(page.locator("#key-name")).to_have_text("e2e")

    # Sign out: the cookie goes, the videos go from the page, the dialog is back.
    page.click("#key-sign-out")
    expect(dialog).to_be_visible()
    expect(key_input).to_be_focused()
    expect(key_input).to_have_value("")
    expect(page.locator("#key-error")).to_be_hidden()
    expect(page.locator("#key-badge")).to_be_hidden()
    expect(page.locator(".card")).to_have_count(0)
    assert key_cookie(context) is None


def test_a_revoked_key_brings_the_dialog_back_without_reconnecting(context: Any, keyed: Any):
    """The key is revoked while the server restarts: the event stream's reconnection gets a 401,
    which an EventSource only sees as an error. The page asks for a key instead of retrying, and
    makes no new stream until it has one (fake timers run a minute to prove it)."""
    server, keys = keyed
    page = context.new_page()
    page.clock.install()
    page.goto("/")
    sign_in(page, keys["spare"])
    expect(page.locator("#state-empty")).to_be_visible()  # e2e's video is not spare's
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    streams: list[str] = []
    page.on(
        "request",
        lambda request: streams.append(request.url) if "/api/events" in request.url else None,
    )

    server.stop()
    reelgate_keys(server.data_dir, "revoke", "spare")
    server.start()

    dialog = page.locator("#key-dialog")
    expect(dialog).to_be_visible(timeout=15_000)
    # The first refusal also clears the stale cookie, so the page's own check finds no key.
    expect(page.locator("#key-error")).to_contain_text("The server asked for a key again")
    assert not [c for c in context.cookies() if c["name"] == "reelgate_key"]
    expect(page.locator("#key-input")).to_be_focused()
    expect(page.locator("#key-badge")).to_be_hidden()
    expect(page.locator(".card")).to_have_count(0)
    refused = len(streams)
    page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 1)
    page.clock.run_for(60_000)
    page.clock.resume()

    sign_in(page, keys["e2e"])
    expect(page.locator("#key-name")).to_have_text("e2e")
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    assert len(streams) == refused + 1, streams[refused:]


def test_screenshots_of_the_key_dialog(browser: Any, keyed: Any, tmp_path_factory: Any):
    """The README's picture of the dialog (docs/images/ with REELGATE_UPDATE_SCREENSHOTS=1)."""
    server, _ = keyed
    update = os.environ.get("REELGATE_UPDATE_SCREENSHOTS") == "1"
    folder = DOCS_IMAGES if update else tmp_path_factory.mktemp("screenshots")
    context = browser.new_context(
        base_url=server.base_url, viewport={"width": 1360, "height": 860}, device_scale_factor=1
    )
    try:
        page = context.new_page()
        page.goto("/")
        expect(page.locator("#key-input")).to_be_focused()
        page.wait_for_timeout(300)  # the dialog's entrance animation
        page.screenshot(path=folder / "studio-key.png")
    finally:
        context.close()
    assert (folder / "studio-key.png").stat().st_size > 10_000
