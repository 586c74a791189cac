"""Benchmarks: one command each, a table on screen and JSON in benchmarks/results/."""
