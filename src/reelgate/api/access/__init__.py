"""Who is calling, settled before any route runs: the key check (`auth.py`, a pure ASGI
middleware), the keys held in memory (`key_ring.py`) and requests per minute
(`request_rates.py`)."""
