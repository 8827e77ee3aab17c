"""Hardening: uploads, storage faults, a busy database, retention, crashes (issue #7)."""
