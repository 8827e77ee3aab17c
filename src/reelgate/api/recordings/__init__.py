"""Request recording for the test double (`--record-requests`): a pure ASGI middleware
(`middleware.py`) feeding an in-memory ring (`log.py`); `GET /api/recordings` reads it
(`api/app/recordings.py`)."""
