"""Benchmarks: one command per performance target of DESIGN.md, each printing its figures."""
