"""Side-by-side timing of nbconv against Jupyter's nbconvert: ``python -m benchmarks``."""
