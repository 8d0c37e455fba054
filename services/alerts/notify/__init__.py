"""On-call delivery: routes, the notifications outbox, receivers, silences and manual actions.

The engine calls :func:`enqueue_for_transitions` in the transaction that stores its
transitions (``pairs_of(outcome.alerts, outcome.transitions)`` gives its argument);
``ontrack notify`` runs the :class:`~services.alerts.notify.dispatcher.Dispatcher` that
delivers the outbox by e-mail, signed webhook and Alertmanager.
"""

from services.alerts.notify.enqueue import Enqueued, enqueue_for_transitions, pairs_of
from services.alerts.notify.message import AlertSnapshot
from services.alerts.notify.routing import RouteConfig, load_routes

__all__ = [
    "AlertSnapshot",
    "Enqueued",
    "RouteConfig",
    "enqueue_for_transitions",
    "load_routes",
    "pairs_of",
]
