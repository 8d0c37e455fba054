"""API keys: what a key is and may do (pure), and a cache that checks tokens against storage."""

from services.auth.cache import KeyCache
from services.auth.errors import AuthError, AuthUnavailable
from services.auth.keys import ROLES, ApiKey, Scope, new_key, pattern_problem
from services.auth.ratelimit import RateLimiter

__all__ = [
    "ApiKey",
    "AuthError",
    "AuthUnavailable",
    "KeyCache",
    "ROLES",
    "RateLimiter",
    "Scope",
    "new_key",
    "pattern_problem",
]
