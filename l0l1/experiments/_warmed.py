"""Imported by the forkserver of the processes backend: loads the Numba kernels once in
that single-threaded process, so every worker forked from it starts warm."""

from l0l1.experiments.runner import warm

warm()
