"""What an operator sees of a running server: request ids, structured logs and metrics."""
