"""Allows `python -m reelgate`."""

from reelgate.cli import main

main()
