"""The built-in algorithms, each written against the oracle (:mod:`l0l1.methods.algorithm`).

One module per family: ``rules`` (x_{k+1} = x_k - h(||g_k||) g_k with a step rule of T3-T5),
``averaged`` (momentum, AdaGrad-norm, Adam: T4), ``polyak`` (GD with Polyak steps: T3).
"""
