"""l0l1: a sandbox for (L0,L1)-smooth non-convex optimization.

Importing the package is cheap: Numba, SciPy and Matplotlib load only when a
kernel, a fit or a figure is first used.
"""

__version__ = "0.1.0"
