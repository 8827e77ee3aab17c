"""What both images dialects share: the request's parameters and each model family's rules
(`params.py`, `families.py`), the flow from request to answer (`flow.py`), the answer's shapes
and stream events (`responses.py`), and the signed links images are served by (`links.py`)."""
