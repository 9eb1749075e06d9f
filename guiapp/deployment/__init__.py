"""The Deployment tab: drift of new data and the model's performance over time (see ``view``)."""
from __future__ import annotations

from .view import DeploymentView

__all__ = ["DeploymentView"]
