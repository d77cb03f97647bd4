"""Step rules and the Numba kernels that use them (THEORY T3-T5)."""
