"""Benchmarks for `make bench`: speed and memory measured side by side with a reference (issue 6)."""
