"""Benchmarks for `manage.py benchmark`: one module per subject; the command only dispatches."""
