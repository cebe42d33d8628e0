"""Benchmark harness for feedsvc: corpus generator, serving and scale benchmarks, report.

Entry point: ``python -m bench.run`` (``make bench``); see bench/README.md.
"""
