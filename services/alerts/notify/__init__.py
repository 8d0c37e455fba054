"""On-call delivery: routes, the notifications outbox, receivers, silences and manual actions.

The engine calls :func:`enqueue_for_transitions` in the transaction that stores its
transitions (``pairs_of(outcome.alerts, outcome.transitions)`` gives its argument);
``ontrack notify`` runs the :class:`~services.alerts.notify.delivery.dispatcher.Dispatcher` that
delivers the outbox by e-mail, signed webhook and Alertmanager.
"""

from services.alerts.notify.actions import ack, add_silence, expire_silence, resolve
from services.alerts.notify.delivery.enqueue import Enqueued, enqueue_for_transitions, pairs_of
from services.alerts.notify.delivery.outbox_db import list_silences
from services.alerts.notify.errors import (
    AlertNotFound,
    MatcherError,
    NotifyError,
    RouteFileError,
    SilenceNotFound,
)
from services.alerts.notify.hook import outbox_hook
from services.alerts.notify.message import AlertSnapshot
from services.alerts.notify.metrics import NotifyMetrics
from services.alerts.notify.routing import (
    RouteConfig,
    Silence,
    load_routes,
    missing_env,
    parse_matcher,
)
from services.alerts.notify.story import Voice, headline_of
from services.alerts.notify.wiring import dispatcher_for

__all__ = [
    "AlertNotFound",
    "AlertSnapshot",
    "Enqueued",
    "MatcherError",
    "NotifyError",
    "NotifyMetrics",
    "RouteConfig",
    "RouteFileError",
    "Silence",
    "SilenceNotFound",
    "Voice",
    "ack",
    "add_silence",
    "dispatcher_for",
    "enqueue_for_transitions",
    "expire_silence",
    "headline_of",
    "list_silences",
    "load_routes",
    "missing_env",
    "outbox_hook",
    "pairs_of",
    "parse_matcher",
    "resolve",
]
