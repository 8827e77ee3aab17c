"""Serving stored media to every dialect: files with ranges (`responses.py`, a range from the
page cache in `cached_reads.py`) and S3 objects passed through or redirected (`remote.py`)."""
