"""The web page in a real headless Chromium: a person's whole journey, the seed's JavaScript,
failures, drag and drop, the keyboard and a phone-sized screen.

The tests share one fresh server (one worker) and run in file order: the first sees it empty.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.media_checks import decode_mp4
from tests.server import ServerProcess

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips these tests and says why
    expect = None

# Seed 004's JavaScript example, verbatim ("JavaScript/Frontend Integration").
SEED_JAVASCRIPT = """
// Generate video
async function generateVideo(prompt, duration = 10) {
  try {
    const response = await fetch('/api/generate', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({
        prompt: prompt,
        duration: duration
      })
    });

    const data = await response.json();

    if (response.ok) {
      return data.job_id;
    } else {
      throw new Error(data.detail);
    }
  } catch (error) {
    console.error('Error generating video:', error);
    throw error;
  }
}

// Poll for status
async function pollJobStatus(jobId) {
  const response = await fetch(`/api/status/${jobId}`);
  const data = await response.json();

  if (response.ok) {
    return data;
  } else {
    throw new Error(data.detail);
  }
}
"""

DOCS_IMAGES = Path(__file__).parents[2] / "docs" / "images"

RECORD_PROGRESS = """() => {
  window.progressSeen = [];
  const record = (bar) => window.progressSeen.push(Number(bar.getAttribute('aria-valuenow')));
  new MutationObserver((changes) => {
    for (const change of changes) {
      if (change.type === 'attributes') record(change.target);
      for (const node of change.addedNodes || []) {
        if (node.querySelector) node.querySelectorAll('.progress').forEach(record);
      }
    }
  }).observe(document.getElementById('grid'), {
    subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow'],
  });
}"""


def api(studio: ServerProcess) -> httpx.Client:
    return httpx.Client(base_url=studio.base_url, timeout=30)


def choose(page: Any, group: str, label: str) -> None:
    page.locator(f"#{group} .chip", has_text=label).click()


def set_duration(page: Any, seconds: int) -> None:
    """With the keyboard, as a person without a mouse would."""
    slider = page.locator("#duration")
    slider.focus()
    page.keyboard.press("Home")
    for _ in range(seconds - 1):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#duration-out")).to_have_text(f"{seconds} s")


def test_the_empty_page_invites_a_first_prompt(page: Any):
    page.goto("/")
    empty = page.locator("#state-empty")
    expect(empty).to_be_visible()
    expect(empty).to_contain_text("No videos yet")
    expect(page.locator("#state-loading")).to_be_hidden()
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    example = page.locator(".example").first
    example.click()
    expect(page.locator("#prompt")).to_have_value(example.inner_text())
    expect(page.locator("#prompt")).to_be_focused()
    expect(page.locator("#prompt-counter")).to_have_text(f"{len(example.inner_text())} / 1000")


def test_generate_watch_play_download_remix_and_delete(page: Any, studio: ServerProcess, tmp_path):
    page.goto("/")
    expect(page.locator("#state-empty")).to_be_visible()
    page.evaluate(RECORD_PROGRESS)

    page.fill("#prompt", "A paper boat drifting down a rainy street")
    choose(page, "resolution", "480p")
    set_duration(page, 2)
    expect(page.locator("#size-summary")).to_have_text("854 \u00d7 480 \u00b7 2 s \u00b7 1 video")
    page.click("#generate")

    card = page.locator(".card").first
    expect(page.locator(".card")).to_have_count(1, timeout=2000)  # shown at once
    expect(card.locator(".card-prompt")).to_have_text("A paper boat drifting down a rainy street")
    expect(card.locator(".progress")).to_have_attribute("aria-valuenow", "100", timeout=30_000)
    expect(card).to_have_attribute("data-status", "completed")
    expect(card.locator(".frame-thumb")).to_have_attribute("data-loaded", "true", timeout=10_000)
    seen = page.evaluate("window.progressSeen")
    assert seen[-1] == 100 and seen == sorted(seen), seen
    expect(page.locator("#state-empty")).to_be_hidden()

    # Hovering scrubs through the spritesheet.
    box = card.locator(".frame").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + box["height"] / 2)
    expect(card).to_have_attribute("data-scrubbing", "true")
    scrub = card.locator(".scrub")
    expect(scrub).to_have_css("background-image", re.compile(r"variant=spritesheet"))
    early = scrub.evaluate("el => el.style.backgroundPosition")
    page.mouse.move(box["x"] + box["width"] * 0.9, box["y"] + box["height"] / 2)
    assert scrub.evaluate("el => el.style.backgroundPosition") != early

    # The detail view plays the video.
    card.locator(".card-open").click()
    dialog = page.locator("#detail")
    expect(dialog).to_be_visible()
    expect(page.locator("#detail-title")).to_have_text("A paper boat drifting down a rainy street")
    page.wait_for_function(
        "() => { const v = document.querySelector('#detail video'); return v && v.duration > 0; }"
    )
    duration = page.evaluate("document.querySelector('#detail video').duration")
    assert duration == pytest.approx(2.0, abs=0.1)
    expect(page.locator("#detail-facts")).to_contain_text("854\u00d7480")
    expect(page.locator("#detail-facts")).to_contain_text("sora-2")

    with page.expect_download() as download_info:
        page.click("#download-video")
    download = download_info.value
    assert re.fullmatch(r"gen_[0-9a-z]{26}\.mp4", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    video = decode_mp4(saved.read_bytes())
    assert (video.width, video.height, video.frames) == (854, 480, 48)
    with page.expect_download() as thumbnail_info:
        page.click("#download-thumbnail")
    assert thumbnail_info.value.suggested_filename.endswith("-thumbnail.webp")

    # Remix: a new prompt from this one.
    page.click("#remix-open")
    expect(page.locator("#remix-prompt")).to_have_value("A paper boat drifting down a rainy street")
    page.fill("#remix-prompt", "A paper boat drifting down a sunny street")
    page.click("#remix-submit")
    expect(dialog).to_be_hidden()
    expect(page.locator(".card")).to_have_count(2)
    remix = page.locator(".card").first
    expect(remix.locator(".badge-kind")).to_have_text("Remix")
    expect(remix.locator(".card-prompt")).to_have_text("A paper boat drifting down a sunny street")
    expect(remix).to_have_attribute("data-status", "completed", timeout=30_000)

    # Delete it.
    remix_id = remix.get_attribute("data-id")
    remix.locator(".card-open").click()
    page.click("#delete-open")
    expect(page.locator("#delete-confirm")).to_be_visible()
    page.click("#delete-confirm-button")
    expect(dialog).to_be_hidden()
    expect(page.locator(".card")).to_have_count(1)
    expect(page.locator("#toasts")).to_contain_text("Video deleted.")
    with api(studio) as http:
        assert http.get(f"/api/status/{remix_id}").status_code == 404


def test_the_seed_javascript_works_unchanged(page: Any):
    page.goto("/")
    page.add_script_tag(content=SEED_JAVASCRIPT)
    final = page.evaluate(
        """async () => {
          const jobId = await generateVideo("A cat playing with a ball", 1);
          let status = await pollJobStatus(jobId);
          while (status.status === 'queued' || status.status === 'processing') {
            await new Promise(resolve => setTimeout(resolve, 200));
            status = await pollJobStatus(jobId);
          }
          return status;
        }"""
    )
    assert final["status"] == "completed"
    assert re.fullmatch(r"/api/download/gen_[0-9a-z]{26}", final["video_url"])
    empty = page.evaluate(
        "() => generateVideo('').then(() => 'no error', (error) => error.message)"
    )
    assert empty == "Invalid prompt: prompt cannot be empty"
    missing = page.evaluate("() => pollJobStatus('nope').then(() => 'no error', (e) => e.message)")
    assert missing == "Job not found"


def test_server_validation_errors_are_shown_in_words(page: Any):
    page.goto("/")

    def break_duration(route: Any) -> None:
        body = json.loads(route.request.post_data)
        route.continue_(post_data=json.dumps({**body, "duration": 0}))

    page.route("**/api/generate", break_duration)
    page.fill("#prompt", "Anything")
    page.click("#generate")
    error = page.locator("#composer-error")
    expect(error).to_be_visible()
    expect(error).to_have_text("Duration: ensure this value is greater than or equal to 1")

    page.unroute("**/api/generate")
    page.fill("#prompt", "   ")
    page.click("#generate")
    expect(error).to_contain_text("Write a prompt first")


def test_a_reference_image_can_be_dropped_in(page: Any, studio: ServerProcess):
    page.goto("/")
    page.evaluate(
        """async () => {
          const canvas = Object.assign(document.createElement('canvas'), {width: 64, height: 48});
          const context = canvas.getContext('2d');
          context.fillStyle = '#1e90ff';
          context.fillRect(0, 0, 64, 48);
          const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
          const transfer = new DataTransfer();
          transfer.items.add(new File([blob], 'sky.png', {type: 'image/png'}));
          const zone = document.getElementById('dropzone');
          zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: transfer, bubbles: true}));
          zone.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true}));
        }"""
    )
    expect(page.locator("#dropzone")).to_have_attribute("data-state", "filled")
    expect(page.locator("#reference-name")).to_have_text("sky.png")
    page.fill("#prompt", "Guided by a blue image")
    choose(page, "resolution", "480p")
    set_duration(page, 1)
    page.click("#generate")
    card = page.locator(".card", has_text="Guided by a blue image")
    expect(card).to_have_attribute("data-status", "completed", timeout=30_000)
    with api(studio) as http:
        job = http.get(f"/api/jobs/{card.get_attribute('data-id')}").json()
    assert job["has_reference_image"] is True

    page.click("#reference-remove")
    expect(page.locator("#dropzone")).to_have_attribute("data-state", "empty")
    expect(page.locator("#reference")).to_be_focused()


def test_a_failed_job_says_why(page: Any, studio: ServerProcess):
    """A remix whose source is deleted before the (single) worker reaches it fails."""
    with api(studio) as http:
        small = {"duration": 1, "width": 256, "height": 256}
        source = http.post("/api/generate", json={"prompt": "Source", **small}).json()["job_id"]
        wait_status(http, source, "completed")
        blocker_body = {"prompt": "Busy", "duration": 30, "width": 1920, "height": 1080}
        blocker = http.post("/api/generate", json=blocker_body).json()["job_id"]
        wait_status(http, blocker, "processing")
        remix = http.post(f"/api/jobs/{source}/remix", json={"prompt": "Orphan"}).json()["id"]
        http.delete(f"/api/jobs/{source}")
        http.delete(f"/api/jobs/{blocker}")
        wait_status(http, remix, "failed")

    page.goto("/")
    card = page.locator(f'.card[data-id="{remix}"]')
    expect(card).to_have_attribute("data-status", "failed")
    expect(card.locator(".failure-text")).to_contain_text("no longer exists")
    expect(card.locator(".badge-status")).to_have_text("Failed")
    card.locator(".card-open").click()
    expect(page.locator("#detail-error")).to_contain_text("no longer exists")
    expect(page.locator("#download-video")).to_have_attribute("aria-disabled", "true")
    expect(page.locator("#remix-open")).to_be_disabled()


def wait_status(http: httpx.Client, job_id: str, wanted: str) -> None:
    for _ in range(600):
        if http.get(f"/api/status/{job_id}").json()["status"] == wanted:
            return
        time.sleep(0.05)
    raise AssertionError(f"{job_id} never became {wanted}")


def test_keyboard_only_on_a_phone_sized_screen(browser: Any, studio: ServerProcess):
    context = browser.new_context(
        base_url=studio.base_url, viewport={"width": 390, "height": 844}, has_touch=True
    )
    page = context.new_page()
    try:
        page.goto("/")
        expect(page.locator("#live")).to_have_attribute("data-state", "live")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways ({width} px wide)"
        composer = page.locator(".composer-panel").bounding_box()
        gallery = page.locator(".gallery").bounding_box()
        assert composer["y"] + composer["height"] <= gallery["y"], "the composer comes first"

        before = page.locator(".card").count()
        page.locator("#prompt").focus()
        page.keyboard.type("Typed, then sent with Ctrl+Enter")
        page.keyboard.press("Control+Enter")
        expect(page.locator(".card")).to_have_count(before + 1)
        newest = page.locator(".card").first
        expect(newest.locator(".card-prompt")).to_have_text("Typed, then sent with Ctrl+Enter")

        opener = newest.locator(".card-open")
        opener.focus()
        page.keyboard.press("Enter")
        expect(page.locator("#detail")).to_be_visible()
        expect(page.locator("#detail-close")).to_be_focused()
        page.keyboard.press("Escape")
        expect(page.locator("#detail")).to_be_hidden()
        expect(opener).to_be_focused()
        with api(studio) as http:
            http.delete(f"/api/jobs/{newest.get_attribute('data-id')}")
        expect(page.locator(".card")).to_have_count(before)  # pushed by the server
    finally:
        context.close()


def test_screenshots(browser: Any, tmp_path_factory: pytest.TempPathFactory):
    """The README's pictures. They go to docs/images/ with REELGATE_UPDATE_SCREENSHOTS=1, else to a
    temporary folder (the journey still runs)."""
    update = os.environ.get("REELGATE_UPDATE_SCREENSHOTS") == "1"
    folder = DOCS_IMAGES if update else tmp_path_factory.mktemp("screenshots")
    with ServerProcess(tmp_path_factory.mktemp("shots") / "data", workers=2) as server:
        take_screenshots(browser, server, folder, pictures=update)
    for name in ("studio-empty", "studio-running", "studio-finished", "studio-phone"):
        assert (folder / f"{name}.png").stat().st_size > 10_000


def take_screenshots(browser: Any, server: ServerProcess, folder: Path, *, pictures: bool) -> None:
    """`pictures`: the README's long 1080p clip; otherwise a short one, to keep the suite fast."""
    context = browser.new_context(
        base_url=server.base_url, viewport={"width": 1360, "height": 860}, device_scale_factor=1
    )
    page = context.new_page()
    page.goto("/")
    expect(page.locator("#state-empty")).to_be_visible()
    page.screenshot(path=folder / "studio-empty.png")

    prompts = [
        ("A lighthouse in a storm at night, waves crashing", "16:9"),
        ("A calico cat playing a piano on stage, spotlight", "1:1"),
        ("Neon city street in the rain, slow dolly forward", "9:16"),
    ]
    for prompt, aspect in prompts:
        page.fill("#prompt", prompt)
        choose(page, "aspect", aspect)
        choose(page, "resolution", "480p")
        set_duration(page, 2)
        page.click("#generate")
    expect(page.locator('.card[data-status="completed"]')).to_have_count(3, timeout=60_000)
    page.fill("#prompt", "Golden hour over a mountain lake, drone shot gliding low")
    choose(page, "aspect", "16:9")
    choose(page, "resolution", "1080p" if pictures else "720p")
    set_duration(page, 10 if pictures else 4)
    page.click("#generate")
    running = page.locator(".card").first
    progress = running.locator(".progress")
    expect(progress).to_have_attribute("aria-valuenow", re.compile(r"^([3-9]\d)$"), timeout=60_000)
    page.mouse.move(0, 0)
    page.screenshot(path=folder / "studio-running.png")
    expect(running).to_have_attribute("data-status", "completed", timeout=90_000)
    expect(running.locator(".frame-thumb")).to_have_attribute("data-loaded", "true")
    page.wait_for_timeout(1500)  # the finish animation
    running.locator(".card-open").click()
    page.wait_for_function("() => document.querySelector('#detail video')?.duration > 0")
    page.evaluate(
        "() => { const v = document.querySelector('#detail video'); v.pause(); v.currentTime = 3; }"
    )
    page.wait_for_timeout(500)
    page.screenshot(path=folder / "studio-finished.png")
    context.close()

    phone = browser.new_context(
        base_url=server.base_url, viewport={"width": 390, "height": 844}, device_scale_factor=2
    )
    phone_page = phone.new_page()
    phone_page.goto("/")
    expect(phone_page.locator(".card .frame-thumb[data-loaded=true]")).to_have_count(4)
    phone_page.evaluate(
        "() => window.scrollTo(0, document.getElementById('gallery-title')"
        ".getBoundingClientRect().top + window.scrollY - 72)"
    )
    phone_page.screenshot(path=folder / "studio-phone.png")
    phone.close()


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


def test_webhook_deliveries_show_in_the_detail(page: Any, studio: ServerProcess):
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    target = f"http://127.0.0.1:{receiver.server_address[1]}/hooks"
    try:
        with api(studio) as http:
            body = {"prompt": "Hooked", "duration": 1, "width": 256, "height": 256,
                    "webhook_url": target}  # fmt: skip
            job_id = http.post("/api/generate", json=body).json()["job_id"]
            wait_status(http, job_id, "completed")
        page.goto("/")
        page.locator(f'.card[data-id="{job_id}"] .card-open').click()
        section = page.locator("#detail-webhooks")
        expect(section).to_be_visible()
        delivered = section.locator('li[data-status="delivered"]')
        expect(delivered).to_contain_text("video.completed", timeout=15_000)
        expect(delivered).to_contain_text(target)
    finally:
        receiver.shutdown()
