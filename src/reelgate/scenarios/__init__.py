"""Scripted outcomes for using reelgate as a test double (docs/testing-your-app.md).

A *scenario* says how a job should misbehave (refused, failed mid-run, slow, rate-limited, ...).
It comes from the `x-reelgate-scenario` header or from a rules file, both written in the one
small grammar of `grammar.py`; it is chosen when a job is created, stored in the job's spec, and
carried out by whichever worker runs the job (`execution.py`).
"""
