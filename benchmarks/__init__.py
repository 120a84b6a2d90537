"""Benchmarks: `python -m benchmarks` (see README). Not tests: they print numbers, they assert none."""
