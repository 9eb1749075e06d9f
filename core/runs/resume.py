"""Start a training from a stored run's weights (``losslab train --from-run RUN``)."""
from __future__ import annotations


class WeightsMismatch(ValueError):
    """The run's weights do not fit the project's model; the message says which tensor and how."""


def setup_from_run(store, ref: str, project, dataset, *, which: str = "final", device: str | None = None,
                   seed: int | None = None):
    """A :class:`core.training.RunSetup` for ``project`` whose model holds the weights of run ``ref``
    (``final`` or ``best``), loaded with ``weights_only=True``. The optimizer starts fresh."""
    return setup_with_weights(store.load_weights(ref, which), ref, project, dataset, device=device, seed=seed)


def setup_with_weights(state: dict, ref: str, project, dataset, *, device: str | None = None,
                       seed: int | None = None):
    """A :class:`core.training.RunSetup` for ``project`` whose model holds ``state`` (run ``ref``'s
    weights); :class:`WeightsMismatch` naming the first tensor that does not fit."""
    from ..training import prepare
    setup = prepare(project, dataset, device=device, seed=seed)
    own = setup.model.state_dict()
    missing = sorted(set(own) - set(state))
    extra = sorted(set(state) - set(own))
    if missing or extra:
        raise WeightsMismatch(f"run {ref}'s weights do not fit this model: "
                              + "; ".join(x for x in (f"missing {', '.join(missing[:3])}" if missing else "",
                                                     f"unexpected {', '.join(extra[:3])}" if extra else "") if x)
                              + " (open the run's project with `losslab runs export RUN --format json`)")
    for k, v in state.items():
        if tuple(v.shape) != tuple(own[k].shape):
            raise WeightsMismatch(f"run {ref}'s weights do not fit this model: {k} is {tuple(v.shape)} in the run "
                                  f"and {tuple(own[k].shape)} here")
    setup.model.load_state_dict({k: v.to(own[k].device) for k, v in state.items()})
    return setup
