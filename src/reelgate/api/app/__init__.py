"""The app API of seed 004 (`/api`): jobs for the web page and simple clients, with live job
events, webhooks, usage, the page's session and the test double's recordings.

Errors come in FastAPI's `{"detail": ...}` shape (`errors.py`); `views.py` renders a job the
way every route here shows it.
"""

from __future__ import annotations

from reelgate.api.app import events, jobs, recordings, session, usage, webhooks
from reelgate.api.server.envelopes import DialectPrefixes
from reelgate.api.short_way.routes import ShortcutFastAPI


def mount(app: ShortcutFastAPI, prefixes: DialectPrefixes) -> None:
    for module in (jobs, events, webhooks, usage, session, recordings):
        app.include_router(module.router, prefix="/api")
    prefixes.add("/api", jobs.ENVELOPE)
