"""Allows `python -m reelgate`."""

from reelgate.cli.main import main

main()
