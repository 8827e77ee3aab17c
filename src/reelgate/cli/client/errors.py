"""What can go wrong at the terminal, each with its exit code (docs/cli.md)."""

from __future__ import annotations

JOB_FAILED = 1  # the job (or image) was made and failed
REFUSED = 2  # the server refused the request (bad parameters, no such job)
UNREACHABLE = 3  # no server answered, or the connection broke for good


class ClientError(Exception):
    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
