"""The `reelgate` command line: `serve`, `worker`, `db`, `keys`, `models` and `scenarios`
checks, and the client commands (`client/`) that talk HTTP to a server. `main.py` assembles
them; the console script is `reelgate.cli.main:main`."""
