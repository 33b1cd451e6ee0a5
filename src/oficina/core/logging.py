"""Logging filters (wired in conf/base.py LOGGING)."""

from __future__ import annotations

import logging
from http import HTTPStatus


class DropConflicts(logging.Filter):
    """Drops Django's "Conflict: /path" warning for 409 answers. Ours all mean "that was just taken" or
    "that is already done" (a slot in a booking race, a second demand, a ticket already called): an
    outcome the person is shown and can act on, not a fault to look into. In the booking race 180 of
    every 200 attempts end that way, and writing each warning cost more than rendering its page."""

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "status_code", None) != HTTPStatus.CONFLICT
