"""One node's preview, computed: its output on the fixed sample batch (:mod:`core.preview`'s cache)
and, for 2-D and 1-D inputs, on a grid over the input plane or line; then the picture and histogram
(:mod:`.pictures`). No Qt: :class:`PreviewEngine.compute` runs on the GUI thread when it is quick
and on a task's thread when it is not (:mod:`.preview_controller` decides)."""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import torch

from core.preview import NodePreview, PreviewCache, sample_batch

from .pictures import Picture, choose_picture, data_kind, histogram

#: grid points per side of the input plane (a 32 x 32 plane is 1,024 rows: a millisecond or two; the
#: tiles are drawn smoothed, so a finer grid adds time and little to see at ~60 pixels a tile)
PLANE_RESOLUTION = 32


@dataclass(frozen=True)
class PreviewRequest:
    """What to compute: ``node`` of ``project`` with these weights (``state_dict`` None: initial)."""
    generation: int
    node: str
    project: Any
    state_dict: Mapping | None = None
    weights_tag: str = ""
    weights_label: str = "initial weights (untrained)"
    check: Any = None                       # the document's GraphCheck of ``project`` (None: checked here)


@dataclass(frozen=True)
class PreviewResult:
    """A computed preview (or why there is none), tagged with the request's generation."""
    generation: int
    node: str | None
    preview: NodePreview | None = None
    picture: Picture = field(default_factory=lambda: Picture("none"))
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0))
    edges: np.ndarray = field(default_factory=lambda: np.zeros(1))
    weights_label: str = ""
    error: str | None = None
    ms: float = 0.0
    recomputed: tuple[str, ...] = ()        # the nodes this preview computed (not from the cache)


class PreviewEngine:
    """Caches of one data set's sample batch and input grid; :meth:`compute` one node's preview."""

    def __init__(self, dataset=None):
        self.dataset = None
        self.kind = "table"
        self.samples: PreviewCache | None = None
        self.grid: PreviewCache | None = None
        self.resolution = 0
        self.set_data(dataset)

    def set_data(self, dataset) -> None:
        """A new data set (or None): the caches start empty."""
        self.dataset = dataset
        self.samples = self.grid = None
        self.resolution = 0
        if dataset is None:
            return
        self.kind = data_kind(dataset.input_shape)
        self.samples = PreviewCache(sample_batch(dataset))
        if self.kind in ("plane", "curve"):
            from ..training.snapshots import make_grid   # the decision boundary's grid, normalised alike
            spec = make_grid(dataset, PLANE_RESOLUTION)
            if spec is not None and (self.kind == "curve" or spec.kind != "curve"):
                self.grid = PreviewCache(spec.x)
                self.resolution = PLANE_RESOLUTION if self.kind == "plane" else 0

    def compute(self, request: PreviewRequest, state=None) -> PreviewResult:
        """The preview of ``request.node``: only it and what lies before it are computed, and only
        what an edit changed is not already cached. ``state``: a task's state (unused; a preview is
        one short computation)."""
        t = time.perf_counter()
        g, node = request.generation, request.node
        if self.samples is None:
            return PreviewResult(g, node, error="the data is not loaded yet", weights_label=request.weights_label)
        targets = self.dataset.targets
        kw = dict(nodes=[node], state_dict=request.state_dict, weights_tag=request.weights_tag, check=request.check)
        try:
            with one_thread():
                return self._compute(request, targets, kw, t)
        except (RuntimeError, ValueError, TypeError, KeyError) as exc:   # a graph the checker could not read
            return PreviewResult(g, node, error=f"{type(exc).__name__}: {exc}", weights_label=request.weights_label)

    def _compute(self, request: PreviewRequest, targets, kw: dict, t: float) -> PreviewResult:
        g, node = request.generation, request.node
        shown = self.samples.run(request.project, targets, **kw).get(node)
        recomputed = tuple(self.samples.computed)
        if shown is None:
            return PreviewResult(g, node, error=f"node {node} is not in the model", weights_label=request.weights_label)
        if shown.error or shown.output is None:
            return PreviewResult(g, node, shown, error=shown.error or "no output", weights_label=request.weights_label,
                                 ms=1000 * (time.perf_counter() - t), recomputed=recomputed)
        out = _numpy(shown.output)
        grid_out = None
        if self.grid is not None:
            on_grid = self.grid.run(request.project, targets, **kw).get(node)
            if on_grid is not None and on_grid.output is not None and not on_grid.error:
                grid_out = _numpy(on_grid.output)
        picture = choose_picture(self.kind, out, grid_out, self.resolution)
        counts, edges = histogram(out)
        return PreviewResult(g, node, shown, picture, counts, edges, request.weights_label,
                             ms=1000 * (time.perf_counter() - t), recomputed=recomputed)


@contextmanager
def one_thread():
    """One torch intra-op thread for the preview's tiny tensors: on a busy machine (a run training
    beside the window) several threads made each small operation wait on the others (xor's preview:
    ~17 ms of CPU with two threads under load, ~3 ms with one). The caller's setting comes back after."""
    before = torch.get_num_threads()
    if before != 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if before != 1:
            torch.set_num_threads(before)


def _numpy(out) -> np.ndarray:
    while isinstance(out, (tuple, list)):
        out = out[0]
    return out.detach().float().cpu().numpy()
