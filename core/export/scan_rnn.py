"""LSTM/GRU written with ``scan`` so that exported programs keep the sequence length dynamic.

``torch.export`` unrolls ``nn.LSTM``/``nn.GRU`` over the example's time steps and so fixes the length;
a ``scan`` over the time axis traces one step and runs for any length, in ``.pt2`` and in ONNX (as a
loop). The module shares the original layer's parameters and computes the same outputs (eval mode:
no dropout between stacked layers).
"""
from __future__ import annotations

import torch
from torch import nn


def scan_available() -> bool:
    try:
        from torch._higher_order_ops.scan import scan  # noqa: F401 - torch's own scan operator
    except ImportError:
        return False
    return True


class ScanRecurrent(nn.Module):
    """Same inputs and outputs as ``core.catalog.layer_modules.Recurrent`` (batch first)."""

    def __init__(self, recurrent: nn.Module):
        super().__init__()
        self.rnn = recurrent.rnn
        self.return_sequences = recurrent.return_sequences
        self.lstm = isinstance(recurrent.rnn, nn.LSTM)

    def _direction(self, x: torch.Tensor, layer: int, reverse: bool) -> torch.Tensor:
        from torch._higher_order_ops.scan import scan
        rnn, sfx = self.rnn, f"_l{layer}" + ("_reverse" if reverse else "")
        w_ih, w_hh = getattr(rnn, "weight_ih" + sfx), getattr(rnn, "weight_hh" + sfx)
        b_ih = getattr(rnn, "bias_ih" + sfx) if rnn.bias else None
        b_hh = getattr(rnn, "bias_hh" + sfx) if rnn.bias else None
        xs = nn.functional.linear(x, w_ih, b_ih).transpose(0, 1)   # (T, B, gates*H)
        if reverse:
            xs = xs.flip(0)
        h0 = x.new_zeros(x.shape[0], rnn.hidden_size)
        if self.lstm:
            def step(carry, xt):
                h, c = carry
                i, f, g, o = (xt + nn.functional.linear(h, w_hh, b_hh)).chunk(4, dim=1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
                return (h, c), h.clone()
            _, ys = scan(step, (h0, h0.clone()), xs)
        else:
            def step(h, xt):
                xr, xz, xn = xt.chunk(3, dim=1)
                hr, hz, hn = nn.functional.linear(h, w_hh, b_hh).chunk(3, dim=1)
                r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
                h = (1 - z) * torch.tanh(xn + r * hn) + z * h
                return h, h.clone()
            _, ys = scan(step, h0, xs)
        if reverse:
            ys = ys.flip(0)
        return ys.transpose(0, 1)                                    # (B, T, H)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        for layer in range(self.rnn.num_layers):
            parts = [self._direction(out, layer, False)]
            if self.rnn.bidirectional:
                parts.append(self._direction(out, layer, True))
            out = parts[0] if len(parts) == 1 else torch.cat(parts, dim=2)
        return out if self.return_sequences else out[:, -1, :]
