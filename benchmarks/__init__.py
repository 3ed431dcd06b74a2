"""Benchmarks (issue 6): each comparison runs both sides in one process, alternating."""
