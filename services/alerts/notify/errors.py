"""Errors of on-call delivery; each says what to do, and delivery errors whether to retry.

::

    OntrackError
     └── NotifyError
          ├── MatcherError       a label matcher is not written as name=value, name=~regex ...
          ├── RouteFileError     routes files have problems (carries them all, with file:line;
          │                      also a services.config.ConfigFileError)
          ├── DeliveryError      a receiver did not take a message (``retriable`` says if later may)
          ├── SignatureError     a webhook signature does not verify (``reason`` says why)
          ├── AlertNotFound      no alert has this fingerprint
          └── SilenceNotFound    no silence has this id
"""

from __future__ import annotations

from services.config import ConfigFileError
from services.errors import OntrackError

__all__ = [
    "AlertNotFound",
    "DeliveryError",
    "MatcherError",
    "NotifyError",
    "RouteFileError",
    "SignatureError",
    "SilenceNotFound",
]


class NotifyError(OntrackError):
    """Something about notifications, routes, silences or manual actions went wrong."""


class MatcherError(NotifyError, ValueError):
    """A label matcher cannot be read."""


class RouteFileError(NotifyError, ConfigFileError):
    """One or more routes files have problems; ``problems`` lists every one of them."""

    what = "the routes"


class DeliveryError(NotifyError):
    """A receiver did not take a message. Retriable unless the receiver said it never will."""

    def __init__(self, message: str, *, retriable: bool = True) -> None:
        super().__init__(message)
        self.retriable = retriable


class SignatureError(NotifyError):
    """A webhook signature header does not verify; ``reason`` is a short machine word."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class AlertNotFound(NotifyError, LookupError):
    """No alert has this fingerprint."""


class SilenceNotFound(NotifyError, LookupError):
    """No silence has this id."""
