"""Fake upstream APIs for the provider tests: real HTTP servers on loopback that follow each
upstream's public document (shapes, statuses, errors, pagination, expiring content), count
what they receive, and can be told to misbehave."""
