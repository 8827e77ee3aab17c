"""The gateway dialect of seed 003 (`/gateway/v1`): the Bifrost gateway's unified video API.

`videos.py` parses requests and routes them to the core, `render.py` shapes answers,
`ids.py` reads and writes `video_id:provider` ids, `errors.py` is the `BifrostError` envelope
and `schemas.py` the documented shapes.
"""

from __future__ import annotations

from reelgate.api.gateway import videos
from reelgate.api.server.envelopes import DialectPrefixes
from reelgate.api.short_way.routes import ShortcutFastAPI


def mount(app: ShortcutFastAPI, prefixes: DialectPrefixes) -> None:
    app.include_router(videos.router, prefix="/gateway/v1")
    prefixes.add("/gateway", videos.ENVELOPE)
