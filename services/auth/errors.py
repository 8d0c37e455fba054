"""Errors of authentication; each says what the caller should do.

AuthError
├── Unauthenticated   no key, a malformed or unknown one, or a revoked one (HTTP 401)
├── Forbidden         a valid key without the role the endpoint needs (HTTP 403)
└── AuthUnavailable   the key store cannot be reached; retry (HTTP 503)
"""

from __future__ import annotations

from services.errors import OntrackError

__all__ = ["AuthError", "AuthUnavailable", "Forbidden", "Unauthenticated"]


class AuthError(OntrackError):
    retriable = False
    status = 401
    reason = "auth"


class Unauthenticated(AuthError):
    """The request carries no usable key."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class Forbidden(AuthError):
    status = 403
    reason = "role"


class AuthUnavailable(AuthError):
    retriable = True
    status = 503
    reason = "unavailable"
