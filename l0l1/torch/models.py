"""The small models and bundled datasets of the neural-network experiments (no download).

* :func:`digits`: scikit-learn's bundled 8x8 digits (1797 images), pixels scaled to [0, 1],
  a fixed 80/20 split, and :func:`digits_mlp` (64-32-10, tanh): 2410 parameters.
* :func:`text`: the pydoc topics text that ships with CPython (``pydoc_data.topics``, about
  465k characters), cut into next-character windows, and :class:`CharLSTM` (embedding 16,
  one LSTM layer) for it: the CPU-scale stand-in for Z20's AWD-LSTM on PTB.

Everything is float64 so that THEORY T6's finite differences are not rounding noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

DTYPE = torch.float64


@dataclass(frozen=True)
class Data:
    """Train and validation tensors; ``loss_fn(outputs, targets)`` is the mean loss."""

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    loss_fn: object
    vocab_size: int = 0  # text data only

    @property
    def n(self) -> int:
        return int(self.x_train.shape[0])


def _split(x, y, val_fraction: float, seed: int):
    gen = torch.Generator().manual_seed(seed)
    perm = torch.randperm(x.shape[0], generator=gen)
    n_val = round(val_fraction * x.shape[0])
    va, tr = perm[:n_val], perm[n_val:]
    return x[tr], y[tr], x[va], y[va]


def digits(val_fraction: float = 0.2, seed: int = 0) -> Data:
    """scikit-learn's bundled digits, pixels / 16, split with ``seed``."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError(
            "the digits experiments need scikit-learn; install it with: pip install 'l0l1[torch]'"
        ) from None
    d = load_digits()
    x = torch.tensor(d.data / 16.0, dtype=DTYPE)
    y = torch.tensor(d.target, dtype=torch.long)
    return Data("digits", *_split(x, y, val_fraction, seed), nn.functional.cross_entropy)


def digits_mlp(data: Data | None = None, hidden: int = 32, seed: int = 0) -> nn.Module:
    """64 -> hidden -> 10 with tanh, PyTorch's default initialisation under ``seed``."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(64, hidden), nn.Tanh(), nn.Linear(hidden, 10)).to(DTYPE)


def _sequence_loss(logits, targets):
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def text(window: int = 32, max_chars: int = 200_000, val_fraction: float = 0.1,
         seed: int = 0) -> Data:  # fmt: skip
    """Next-character windows of the pydoc topics text (sorted topics, first ``max_chars``);
    inputs (N, window) character ids, targets the same shifted by one. The vocabulary is
    the set of characters in the text (``data.vocab_size``)."""
    from pydoc_data.topics import topics

    s = "".join(topics[k] for k in sorted(topics))[:max_chars]
    vocab = {c: i for i, c in enumerate(sorted(set(s)))}
    ids = torch.tensor([vocab[c] for c in s], dtype=torch.long)
    m = (ids.shape[0] - 1) // window
    x = ids[: m * window].reshape(m, window)
    y = ids[1 : m * window + 1].reshape(m, window)
    return Data("text", *_split(x, y, val_fraction, seed), _sequence_loss, len(vocab))


class CharLSTM(nn.Module):
    """Character-level LSTM: embedding, one LSTM layer, linear read-out of every position."""

    def __init__(self, vocab_size: int, embed: int = 16, hidden: int = 64, seed: int = 0):
        super().__init__()
        torch.manual_seed(seed)
        self.embed = nn.Embedding(vocab_size, embed)
        self.lstm = nn.LSTM(embed, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab_size)
        self.to(DTYPE)

    def forward(self, x):
        h, _ = self.lstm(self.embed(x))
        return self.out(h)


def char_lstm(data: Data, hidden: int = 64, seed: int = 0) -> nn.Module:
    """A :class:`CharLSTM` sized for ``data`` (from :func:`text`)."""
    return CharLSTM(data.vocab_size, hidden=hidden, seed=seed)


MODELS = {"digits": (digits, digits_mlp), "text": (text, char_lstm)}
"""Experiment name -> (data function, model function of (data, seed=...))."""


def build(name, seed: int = 0):
    """(data, model) of experiment ``name`` (``"digits"`` or ``"text"``), model seeded; or
    ``name`` itself when it is a pair (:class:`Data`, ``torch.nn.Module``) of the user's."""
    if isinstance(name, tuple) and len(name) == 2 and isinstance(name[0], Data):
        if not isinstance(name[1], nn.Module):
            raise ValueError(f"model: {type(name[1]).__name__} is not allowed; "
                             "allowed: a torch.nn.Module")  # fmt: skip
        return name
    if not isinstance(name, str) or name not in MODELS:
        raise ValueError(f"model: {name!r} is unknown; allowed: {', '.join(MODELS)}")
    data_fn, model_fn = MODELS[name]
    data = data_fn()
    return data, model_fn(data, seed=seed)
