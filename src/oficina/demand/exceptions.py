from __future__ import annotations

from oficina.core.exceptions import ApplicationError
from oficina.demand.state_machine import TransitionRefused

__all__ = ["DemandError", "RenewalRefused", "TransitionRefused"]


class DemandError(ApplicationError):
    """A demand service refused its input (message in Spanish, `field` names the input when there is one)."""

    code = "demand_error"


class RenewalRefused(ApplicationError):
    code = "renewal_refused"
