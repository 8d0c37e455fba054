"""Receivers: one sender per delivery kind, all with ``async send(message, now)``.

A sender raises :class:`~services.alerts.notify.errors.DeliveryError` when the receiver
did not take the message; the dispatcher then schedules a retry.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Protocol

import httpx

from services.alerts.notify.errors import DeliveryError, NotifyError
from services.alerts.notify.message import Message
from services.alerts.notify.receivers.alertmanager import AlertmanagerSender
from services.alerts.notify.receivers.email import ChartSource, EmailSender, SmtpServer
from services.alerts.notify.receivers.webhook import WebhookSender
from services.alerts.notify.routing import (
    AlertmanagerTarget,
    EmailTarget,
    RouteConfig,
    WebhookTarget,
    missing_env,
)
from services.alerts.notify.story import Voice
from services.language import Glossary, Language

__all__ = ["HeldSender", "Sender", "build_senders", "missing_env"]


class Sender(Protocol):
    name: str

    async def send(self, message: Message, now: datetime) -> None: ...


class HeldSender:
    """A receiver whose secrets are not set: every message stays in the outbox, retried
    with backoff, until the variables are set and the notifier restarted."""

    def __init__(self, name: str, variables: tuple[str, ...]) -> None:
        self.name = name
        self.variables = variables

    async def send(self, message: Message, now: datetime) -> None:
        raise DeliveryError(
            f"receiver {self.name} is held: {', '.join(self.variables)} not set; set it in "
            "the environment of `ontrack notify` and restart it (the message waits in the outbox)"
        )


def build_senders(
    config: RouteConfig,
    env: Mapping[str, str],
    client: httpx.AsyncClient,
    *,
    smtp: SmtpServer,
    alertmanager_url: str,
    base_url: str | None = None,
    charts: ChartSource | None = None,
    tz: tzinfo = UTC,
    hold_unconfigured: bool = False,
    language: Language = Language.EN,
    names: Glossary | None = None,
) -> dict[str, Sender]:
    """A sender per receiver, secrets read from ``env``; every missing variable is named.

    Each receiver's messages are written in its language (its own ``language``, else the
    routes' default, else ``language``), with ``names`` for targets and plans.
    With ``hold_unconfigured`` a receiver missing a secret gets a :class:`HeldSender`
    instead of stopping everything: its notifications wait in the outbox.
    """
    names = names or Glossary()
    missing = missing_env(config, env)
    if missing and not hold_unconfigured:
        raise NotifyError(
            "receivers name secret variables that are not set: "
            + "; ".join(missing)
            + ": set them in the environment of `ontrack notify`, or drop those receivers"
        )
    unconfigured: dict[str, list[str]] = {}
    for entry in missing:
        receiver_name, _, variable = entry.partition(": ")
        unconfigured.setdefault(receiver_name, []).append(variable)
    senders: dict[str, Sender] = {}
    for name, receiver in config.receivers.items():
        if name in unconfigured:
            senders[name] = HeldSender(name, tuple(unconfigured[name]))
            continue
        target = receiver.target
        voice = Voice(config.language_of(name, language), names, tz, base_url)
        if isinstance(target, EmailTarget):
            server = smtp
            if target.smarthost:
                host, _, port = target.smarthost.rpartition(":")
                server = SmtpServer(host, int(port), smtp.sender, timeout=smtp.timeout)
            server = SmtpServer(
                server.host,
                server.port,
                server.sender,
                username=env.get(target.username_env or "") or server.username,
                password=env.get(target.password_env or "") or server.password,
                starttls=target.starttls or server.starttls,
                timeout=server.timeout,
            )
            senders[name] = EmailSender(name, target, server, charts=charts, voice=voice)
        elif isinstance(target, WebhookTarget):
            secrets = [env[n] for n in target.secrets_env]
            senders[name] = WebhookSender(name, target, secrets, client, voice=voice)
        elif isinstance(target, AlertmanagerTarget):
            url = target.url or alertmanager_url
            senders[name] = AlertmanagerSender(name, target, url, client, voice)
    return senders
