"""l0l1.torch: is *your* PyTorch model (L0,L1)-smooth? (optional extra ``[torch]``).

* :class:`SmoothnessProbe`: a training-step hook recording, every k steps, the gradient
  norm, THEORY T6's local smoothness estimate on the same minibatch and, optionally, the
  top Hessian eigenvalue by HVP power iteration;
* :func:`fit_frontier`: the estimated (L0, L1) line over the recorded points, with a
  bootstrap interval;
* :mod:`l0l1.torch.experiments`: small versions of Z20's Figures 1-4.
"""

try:
    import torch as _torch  # noqa: F401
except ImportError:
    raise ImportError(
        "l0l1.torch needs PyTorch, which is not installed; install it with: "
        "pip install 'l0l1[torch]'"
    ) from None

from l0l1.torch.frontier import fit_frontier
from l0l1.torch.probe import GAMMAS, SmoothnessProbe, hessian_top, load_probe

__all__ = ["GAMMAS", "SmoothnessProbe", "fit_frontier", "hessian_top", "load_probe"]
