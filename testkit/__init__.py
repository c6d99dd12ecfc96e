"""What the tests and the benchmarks share: the Discord double, the harness, the soak run.

A top-level package beside bench/ and tests/, so both import it from the project root
(pytest's pythonpath, or `python -m bench.<script>` run from the root) without either
reaching into the other.
"""
