"""Reading a create request the same way in every dialect: JSON or multipart bodies
(`bodies.py`), validation against a dialect's models (`validation.py`), and the headers every
create route takes (`idempotency.py`, `scenario_header.py`, `webhook_target.py`)."""
