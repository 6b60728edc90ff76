"""Benchmarks: one command per performance target (README.md, "Benchmarks"), each printing its
figures and whether it met its target."""
