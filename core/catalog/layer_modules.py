"""Small torch modules the builders need beyond ``torch.nn`` (imported lazily: torch is heavy)."""
from __future__ import annotations

import torch
from torch import nn


class Reshape(nn.Module):
    def __init__(self, shape: list[int]):
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], *self.shape)

    def extra_repr(self) -> str:
        return f"shape={self.shape}"


class TokenEmbedding(nn.Embedding):
    """Embedding fed from the float input tensor: ids are rounded to integers first."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return super().forward(x.round().long().clamp_(0, self.num_embeddings - 1))


class Recurrent(nn.Module):
    """LSTM/GRU with batch-first input; returns the sequence or the last step's output."""

    def __init__(self, kind: str, input_size: int, hidden_size: int, num_layers: int, bidirectional: bool,
                 dropout: float, return_sequences: bool):
        super().__init__()
        cls = nn.LSTM if kind == "LSTM" else nn.GRU
        self.rnn = cls(input_size, hidden_size, num_layers=num_layers, batch_first=True,
                       bidirectional=bidirectional, dropout=dropout if num_layers > 1 else 0.0)
        self.return_sequences = return_sequences

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)
        return out if self.return_sequences else out[:, -1, :]


class Add(nn.Module):
    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class Concat(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        # per-sample dim -> batched dim
        self.dim = dim + 1 if dim >= 0 else dim

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return torch.cat(xs, dim=self.dim)


class BatchNormAny(nn.Module):
    """BatchNorm1d for (F,) and (C, L), BatchNorm2d for (C, H, W): inferred from the input shape."""

    def __init__(self, shape: tuple[int, ...], eps: float, momentum: float):
        super().__init__()
        cls = nn.BatchNorm2d if len(shape) == 3 else nn.BatchNorm1d
        self.bn = cls(shape[0], eps=eps, momentum=momentum)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(x)
