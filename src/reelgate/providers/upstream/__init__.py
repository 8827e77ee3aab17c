"""Shared machinery of upstream providers: one HTTP client with retries, the polling loop that
persists the upstream id before waiting, and the local completion of fetched assets."""
