"""Receivers and the route tree: which receivers an alert goes to, and how it is grouped.

The tree works as Alertmanager's: an alert enters at the root and walks down into the
first child whose matchers all match, recursively; a child with ``continue: true`` lets
the walk try its next siblings too. A node no child takes is where the alert lands.
Children inherit ``receiver``, ``group_by`` and the three intervals from their parent.

Each landing gives a :class:`RouteMatch`: a receiver, the labels its messages are grouped
by, and ``group_wait`` (how long a new group waits to gather a burst), ``group_interval``
(how long after a message a group's next one may go) and ``repeat_interval`` (how often
an alert still firing is sent again). Alerts are matched on their labels plus
``alertname`` (the rule id) and ``severity``.

Loading and checking files is :mod:`services.alerts.notify.routing.file`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType
from typing import TypeAlias

from services.alerts.notify.routing.matchers import Matcher, matches_all
from services.language import Language

__all__ = [
    "ALL_LABELS",
    "AlertmanagerTarget",
    "EmailTarget",
    "RateLimit",
    "Receiver",
    "Route",
    "RouteConfig",
    "RouteMatch",
    "Target",
    "Timing",
    "WebhookTarget",
    "group_key",
    "missing_env",
    "nodes",
    "route",
]

ALL_LABELS = "..."
"""``group_by: [...]`` groups by every label: each alert is a group of its own."""


@dataclass(frozen=True)
class RateLimit:
    """At most ``burst`` messages at once, then one per ``every`` (a token bucket)."""

    burst: int = 10
    every: timedelta = timedelta(minutes=2)


@dataclass(frozen=True, kw_only=True)
class EmailTarget:
    """Mail to ``to`` through ``smarthost`` (default: the SMTP settings)."""

    to: tuple[str, ...]
    sender: str | None = None
    smarthost: str | None = None
    username_env: str | None = None
    password_env: str | None = None
    starttls: bool = False
    chart: bool = True


@dataclass(frozen=True, kw_only=True)
class WebhookTarget:
    """A JSON POST signed with every secret named in ``secrets_env`` (env var names)."""

    url: str
    secrets_env: tuple[str, ...]
    timeout: timedelta = timedelta(seconds=10)


@dataclass(frozen=True, kw_only=True)
class AlertmanagerTarget:
    """Alertmanager's ``POST /api/v2/alerts`` (default URL: the ``alertmanager_url`` setting).

    A firing alert is posted with ``endsAt`` ``ttl`` ahead; repeats must come sooner.
    """

    url: str | None = None
    ttl: timedelta = timedelta(hours=1)
    timeout: timedelta = timedelta(seconds=10)


Target: TypeAlias = EmailTarget | WebhookTarget | AlertmanagerTarget


@dataclass(frozen=True, kw_only=True)
class Receiver:
    """Where messages go; ``language`` is the one its people read (None: the routes' default)."""

    name: str
    target: Target
    send_resolved: bool = True
    rate_limit: RateLimit = RateLimit()
    language: Language | None = None

    @property
    def kind(self) -> str:
        return {EmailTarget: "email", WebhookTarget: "webhook"}.get(
            type(self.target), "alertmanager"
        )


@dataclass(frozen=True, kw_only=True)
class Timing:
    group_wait: timedelta = timedelta(seconds=30)
    group_interval: timedelta = timedelta(minutes=5)
    repeat_interval: timedelta = timedelta(hours=4)


@dataclass(frozen=True, kw_only=True)
class Route:
    """A node of the tree; ``None`` fields are inherited from the parent."""

    receiver: str | None = None
    matchers: tuple[Matcher, ...] = ()
    group_by: tuple[str, ...] | None = None
    group_wait: timedelta | None = None
    group_interval: timedelta | None = None
    repeat_interval: timedelta | None = None
    continue_: bool = False
    routes: tuple[Route, ...] = ()


def _no_receivers() -> Mapping[str, Receiver]:
    return MappingProxyType({})


@dataclass(frozen=True)
class RouteConfig:
    """The tree and its receivers; ``language`` is the routes files' top-level default."""

    root: Route
    receivers: Mapping[str, Receiver] = field(default_factory=_no_receivers)
    language: Language | None = None

    def language_of(self, receiver: str, fallback: Language) -> Language:
        """The language a receiver reads: its own, else the routes' default, else ``fallback``
        (the process's ``ONTRACK_LANG`` or locale)."""
        found = self.receivers.get(receiver)
        return (found.language if found else None) or self.language or fallback


@dataclass(frozen=True)
class RouteMatch:
    """Where an alert lands: ``path`` names the node (``0`` the root, ``0.2.1`` below)."""

    receiver: str
    group_by: tuple[str, ...]
    timing: Timing
    path: str


def route(config: RouteConfig, labels: Mapping[str, str]) -> list[RouteMatch]:
    """The nodes an alert lands on, in tree order, one per receiver (the first wins)."""
    found: dict[str, RouteMatch] = {}
    for match in _walk(config.root, _root(config.root), labels, "0"):
        found.setdefault(match.receiver, match)
    return list(found.values())


def nodes(config: RouteConfig) -> list[tuple[Route, RouteMatch]]:
    """Every node of the tree with what it resolves to (receiver, grouping, timing)."""
    found: list[tuple[Route, RouteMatch]] = []

    def visit(node: Route, here: _Resolved, path: str) -> None:
        found.append((node, RouteMatch(here.receiver, here.group_by, here.timing, path)))
        for index, child in enumerate(node.routes):
            visit(child, here.under(child), f"{path}.{index}")

    visit(config.root, _root(config.root), "0")
    return found


def missing_env(config: RouteConfig, env: Mapping[str, str]) -> list[str]:
    """``receiver: VAR`` for every secret variable a receiver names that is not set."""
    missing = []
    for receiver in config.receivers.values():
        target = receiver.target
        names: tuple[str | None, ...] = ()
        if isinstance(target, WebhookTarget):
            names = target.secrets_env
        elif isinstance(target, EmailTarget):
            names = (target.username_env, target.password_env)
        missing += [f"{receiver.name}: {n}" for n in names if n and not env.get(n)]
    return missing


def group_key(match: RouteMatch, labels: Mapping[str, str]) -> str:
    """The group an alert joins at a node: the node and the values of its ``group_by``.

    Readable prefix, then a short hash so it stays bounded: ``0.1/{severity=page}#3f2a…``.
    """
    if ALL_LABELS in match.group_by:
        chosen = dict(sorted(labels.items()))
    else:
        chosen = {name: labels.get(name, "") for name in sorted(match.group_by)}
    shown = ",".join(f"{k}={v}" for k, v in chosen.items())
    digest = hashlib.sha256(
        json.dumps([match.path, chosen], ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()[:12]
    return f"{match.path}/{{{shown[:120]}}}#{digest}"


@dataclass(frozen=True)
class _Resolved:
    receiver: str
    group_by: tuple[str, ...]
    timing: Timing

    def under(self, node: Route) -> _Resolved:
        return _Resolved(
            receiver=node.receiver or self.receiver,
            group_by=self.group_by if node.group_by is None else node.group_by,
            timing=Timing(
                group_wait=_pick(node.group_wait, self.timing.group_wait),
                group_interval=_pick(node.group_interval, self.timing.group_interval),
                repeat_interval=_pick(node.repeat_interval, self.timing.repeat_interval),
            ),
        )


def _root(root: Route) -> _Resolved:
    return _Resolved(receiver="", group_by=(), timing=Timing()).under(root)


def _pick(value: timedelta | None, inherited: timedelta) -> timedelta:
    return inherited if value is None else value


def _walk(node: Route, here: _Resolved, labels: Mapping[str, str], path: str) -> list[RouteMatch]:
    landed: list[RouteMatch] = []
    for index, child in enumerate(node.routes):
        if not matches_all(child.matchers, labels):
            continue
        landed += _walk(child, here.under(child), labels, f"{path}.{index}")
        if not child.continue_:
            break
    return landed or [RouteMatch(here.receiver, here.group_by, here.timing, path)]
