"""The app under test: a tiny piece of code that makes a clip with the official OpenAI SDK.

Nothing here knows about reelgate; it is what an app would ship. Its tests (test_clips.py) point
it at reelgate and script the service's failures to check that it copes.
"""

from __future__ import annotations

from openai import OpenAI


class ClipRefused(Exception):
    """The service's moderation refused the prompt or the result: tell the user, do not retry."""


class ClipFailed(Exception):
    """The service failed to make the clip: worth trying again later."""


def make_clip(client: OpenAI, prompt: str) -> bytes:
    """Create a video, wait for it, and return the MP4 bytes."""
    video = client.videos.create_and_poll(prompt=prompt, seconds="4", size="720x1280")
    if video.status == "failed":
        code = video.error.code if video.error else "unknown"
        if code in ("input_moderation", "output_moderation", "moderation_blocked"):
            raise ClipRefused(code)
        raise ClipFailed(code)
    return client.videos.download_content(video.id).content
