"""Harnesses for CI, the benchmarks and the dr/ drills: they build clusters, generate data and
measure. None of it is part of the product, so none of it is in the wheel (setup.py ships
app_service only; tests/test_wheel.py checks the package imports nothing from here). Run from a
checkout with the package installed, e.g. `python -m tools.dr_drill`."""
