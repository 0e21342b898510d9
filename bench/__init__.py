"""Benchmarks of the portal against references measured in the same run (issue 8).

`make bench` (`python -m bench`) builds its data sets, starts the real services, measures
P1-P6 and rewrites docs/PERFORMANCE.md; `python -m bench --smoke` runs the same code paths on
tiny data in about a minute.
"""
