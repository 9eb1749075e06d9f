"""A small CNN project over an image folder, shared by the image tests and the benchmark."""
from __future__ import annotations

from core.project import Project


def cnn_project(path: str, classes: int, size: int = 16, epochs: int = 3, channels: int = 3, **data) -> Project:
    """conv 8 -> relu -> pool -> conv 16 -> relu -> pool -> flatten -> linear(classes), Adam 0.003."""
    nodes = [("input", "Input", {}), ("conv1", "Conv2d", {"out_channels": 8, "kernel_size": [3, 3], "padding": [1, 1]}),
             ("relu1", "ReLU", {}), ("pool1", "MaxPool2d", {"kernel_size": [2, 2]}),
             ("conv2", "Conv2d", {"out_channels": 16, "kernel_size": [3, 3], "padding": [1, 1]}),
             ("relu2", "ReLU", {}), ("pool2", "MaxPool2d", {"kernel_size": [2, 2]}), ("flat", "Flatten", {}),
             ("out", "Linear", {"out_features": classes})]
    params = {"size": size, "color": "rgb" if channels == 3 else "grey"}
    params.update(data.pop("params", {}))
    return Project.from_dict({
        "format": "losslab-project", "version": 1, "name": "pictures",
        "data": {"source": "images", "path": path, "params": params, **data},
        "model": {"nodes": [{"id": i, "type": t, "params": p} for i, t, p in nodes],
                  "edges": [[a[0], b[0]] for a, b in zip(nodes, nodes[1:])]},
        "outputs": [{"node": "out", "loss": {"type": "CrossEntropyLoss", "params": {}}}],
        "training": {"optimizer": {"type": "Adam", "params": {"lr": 0.003}}, "epochs": epochs, "batch_size": 32},
    })
