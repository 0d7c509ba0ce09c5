"""Benchmarks for the engine's hot paths, run with `python -m tests.bench` (not by pytest).

Every load goes to 127.0.0.1 only, every request loop is bounded in count and in time, and
every database lives in a scratch directory under /tmp that is removed afterwards.
"""
