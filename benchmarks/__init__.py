"""Reproducible accuracy and speed benchmarks: `make bench` (full) and `make bench-smoke` (CI)."""
