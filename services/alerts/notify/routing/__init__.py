"""Where alerts go: the receivers and route tree (``tree``), read from routes files
(``file``); label matchers as Alertmanager writes them, and silences built on them."""

from services.alerts.notify.routing.file import load_routes
from services.alerts.notify.routing.matchers import Matcher, matches_all, parse_matcher
from services.alerts.notify.routing.silences import Silence, muting
from services.alerts.notify.routing.tree import (
    AlertmanagerTarget,
    EmailTarget,
    RateLimit,
    RouteConfig,
    RouteMatch,
    Timing,
    WebhookTarget,
    group_key,
    missing_env,
    route,
)

__all__ = [
    "AlertmanagerTarget",
    "EmailTarget",
    "Matcher",
    "RateLimit",
    "RouteConfig",
    "RouteMatch",
    "Silence",
    "Timing",
    "WebhookTarget",
    "group_key",
    "load_routes",
    "matches_all",
    "missing_env",
    "muting",
    "parse_matcher",
    "route",
]
