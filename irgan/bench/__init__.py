"""Benchmarks (timings, never asserted in tests): the trainer against the authors' code on the same
schedule, and the evaluation protocol."""
