"""What every dialect's routes stand on: the error envelope each dialect renders its errors in
(`envelopes.py`), request-scoped services (`dependencies.py`), the body limit, the 503s for
conditions of the server (`faults.py`), exit signals for endless streams, the OpenAPI shape of
event streams, and `GET /metrics`."""
