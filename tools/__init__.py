"""Harnesses for CI, the benchmarks and the dr/ drills: they build clusters, generate data and
measure, and none of it is part of the product, so none of it is in the wheel (pyproject.toml
lists the packages it ships). Run from a checkout with the package installed, e.g.
`python -m tools.local_drill`."""
