"""Benchmarks (not part of the installed package): see docs/performance.md."""
