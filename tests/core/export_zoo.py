"""Projects that use every kind of layer, loss, optimizer and schedule the exporters write (beyond the
bundled examples): branches and merges, recurrent and convolutional layers, several heads."""
from __future__ import annotations

import json
from pathlib import Path


def _project(name, data, nodes, edges, outputs, training) -> dict:
    return {"format": "losslab-project", "version": 1, "name": name, "data": data,
            "model": {"nodes": [{"id": i, "type": t, "params": p} for i, t, p in nodes],
                      "edges": [list(e) for e in edges]},
            "outputs": outputs, "training": training}


def _train(optimizer, schedule, **kw) -> dict:
    t = {"optimizer": optimizer, "schedule": schedule, "epochs": 3, "batch_size": 16, "seed": 3, "device": "cpu",
         "l1": 0.0, "l2": 0.0, "grad_clip": 0.0, "early_stopping": {"patience": 0, "min_delta": 0.0, "restore_best": True}}
    t.update(kw)
    return t


DEMAND = {"source": "demand", "params": {"days": 220, "lags": 14}, "val_fraction": 0.2}
# the exporters unroll a fixed-length GRU step by step: six steps test the same as fourteen, faster
SHORT_DEMAND = {"source": "demand", "params": {"days": 120, "lags": 6}, "val_fraction": 0.2}

ZOO = {
    # recurrent sequences into a convolution, batch norm, PReLU, two merged branches, a skip from the input
    "zoo_branches": _project(
        "zoo branches", SHORT_DEMAND,
        [("input", "Input", {}), ("seq", "Reshape", {"shape": [6, 1]}),
         ("gru", "GRU", {"hidden_size": 6, "num_layers": 2, "bidirectional": True, "dropout": 0.1,
                         "return_sequences": True}),
         ("conv", "Conv1d", {"out_channels": 4, "kernel_size": 3, "padding": 1}), ("bn", "BatchNorm", {}),
         ("flat", "Flatten", {}), ("fc1", "Linear", {"out_features": 16}), ("prelu", "PReLU", {"per_channel": True}),
         ("mish", "Mish", {}), ("hsw", "Hardswish", {}), ("sum", "Add", {}), ("ln", "LayerNorm", {}),
         ("skip", "Linear", {"out_features": 16}), ("cat", "Concat", {}), ("soft", "Softplus", {"beta": 2.0}),
         ("ident", "Identity", {}), ("drop", "Dropout", {"p": 0.1}), ("out", "Linear", {"out_features": 1})],
        [("input", "seq"), ("seq", "gru"), ("gru", "conv"), ("conv", "bn"), ("bn", "flat"), ("flat", "fc1"),
         ("fc1", "prelu"), ("prelu", "mish"), ("prelu", "hsw"), ("mish", "sum"), ("hsw", "sum"), ("sum", "ln"),
         ("input", "skip"), ("ln", "cat"), ("skip", "cat"), ("cat", "soft"), ("soft", "ident"), ("ident", "drop"),
         ("drop", "out")],
        [{"node": "out", "loss": {"type": "HuberLoss", "params": {"delta": 0.5}}, "weight": 1.0}],
        _train({"type": "SGD", "params": {"lr": 0.01, "momentum": 0.9, "nesterov": True}},
               {"type": "OneCycleLR", "params": {"max_lr": 0.05}}, l1=1e-5, l2=1e-4, grad_clip=1.0,
               early_stopping={"patience": 2, "min_delta": 0.001, "restore_best": True})),
    # token ids through an Embedding into an LSTM (any sequence length), two regression heads; token ids
    # are not standardized (per-time-step statistics would fix the exported sequence length)
    "zoo_tokens": _project(
        "zoo tokens", dict(DEMAND, normalize=False),
        [("input", "Input", {}), ("emb", "Embedding", {"num_embeddings": 30, "embedding_dim": 4}),
         ("lstm", "LSTM", {"hidden_size": 8}), ("elu", "ELU", {}), ("out", "Linear", {"out_features": 1}),
         ("out2", "Linear", {"out_features": 1})],
        [("input", "emb"), ("emb", "lstm"), ("lstm", "elu"), ("elu", "out"), ("elu", "out2")],
        [{"node": "out", "loss": {"type": "L1Loss", "params": {}}, "weight": 1.0},
         {"node": "out2", "loss": {"type": "MSELoss", "params": {}}, "weight": 0.5}],
        _train({"type": "RMSprop", "params": {"lr": 0.01, "momentum": 0.5}},
               {"type": "ExponentialLR", "params": {"gamma": 0.9}})),
    # one trunk, every classification loss on its own head
    "zoo_losses": _project(
        "zoo losses", {"source": "xor", "params": {"samples": 200}, "val_fraction": 0.25, "test_fraction": 0.1},
        [("input", "Input", {}), ("fc1", "Linear", {"out_features": 8}), ("leaky", "LeakyReLU", {}),
         ("fc2", "Linear", {"out_features": 8}), ("silu", "SiLU", {}), ("gelu", "GELU", {"approximate": "tanh"}),
         ("ce", "Linear", {"out_features": 2}), ("bce", "Linear", {"out_features": 1}),
         ("hinge", "Linear", {"out_features": 1}), ("nll_fc", "Linear", {"out_features": 2}),
         ("nll", "LogSoftmax", {}), ("kl", "Linear", {"out_features": 2}), ("margin", "Linear", {"out_features": 2}),
         ("mse", "Linear", {"out_features": 2})],
        [("input", "fc1"), ("fc1", "leaky"), ("leaky", "fc2"), ("fc2", "silu"), ("silu", "gelu"), ("gelu", "ce"),
         ("gelu", "bce"), ("gelu", "hinge"), ("gelu", "nll_fc"), ("nll_fc", "nll"), ("gelu", "kl"),
         ("gelu", "margin"), ("gelu", "mse")],
        [{"node": "ce", "loss": {"type": "CrossEntropyLoss", "params": {"label_smoothing": 0.1, "weight": [1.0, 2.0]}},
          "weight": 1.0},
         {"node": "bce", "loss": {"type": "BCEWithLogitsLoss", "params": {"pos_weight": 2.0}}, "weight": 0.5},
         {"node": "hinge", "loss": {"type": "HingeEmbeddingLoss", "params": {"margin": 1.0}}, "weight": 0.3},
         {"node": "nll", "loss": {"type": "NLLLoss", "params": {}}, "weight": 0.2},
         {"node": "kl", "loss": {"type": "KLDivLoss", "params": {}}, "weight": 0.2},
         {"node": "margin", "loss": {"type": "MultiMarginLoss", "params": {"p": 2, "margin": 0.5}}, "weight": 0.2},
         {"node": "mse", "loss": {"type": "MSELoss", "params": {}}, "weight": 0.1}],
        _train({"type": "AdamW", "params": {"lr": 0.01}},
               {"type": "LinearWarmup", "params": {"warmup_epochs": 2}}, batch_size=24)),
}


def write_zoo(folder: Path) -> list[Path]:
    paths = []
    for name, doc in ZOO.items():
        p = folder / f"{name}.losslab.json"
        p.write_text(json.dumps(doc))
        paths.append(p)
    return paths


def temporary_zoo(prefix: str = "losslab-zoo-") -> list[Path]:
    """The zoo written to a fresh temporary folder, removed when the test process ends (the projects
    are needed at collection time, before any ``tmp_path`` exists)."""
    import atexit
    import shutil
    import tempfile
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, True)
    return write_zoo(folder)
