"""Open models on this machine through Hugging Face `diffusers` (`type: diffusers` in the
routing file; docs/local-models.md).

`config.py` is the routing file's `pipeline:` block and `weights.py` the start-up checks, both
free of torch; `families/` holds one module per pipeline family; `runtime.py` loads and runs a
pipeline; `provider.py` maps reelgate's tasks onto it. Everything that imports torch is loaded
only when a routing file names a `diffusers` provider (`pip install 'reelgate[local]'`).
"""
