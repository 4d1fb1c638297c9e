"""Benchmarks of Tripod at enterprise scale: `python -m bench.run` (see docs/benchmarks.md)."""
