"""E-mail through SMTP (stdlib ``smtplib`` in a worker thread): plain text, HTML, charts,
in the receiver's language.

The mail is ``multipart/alternative`` (text, then HTML); the HTML part is
``multipart/related`` with one PNG chart per alert whose explanation has a chart,
referenced from the HTML by its Content-ID. ``Message-ID`` derives from the message id,
so a mail sent again after a lost answer can be recognised by the mail system.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from services.alerts.notify.chart import ChartData, chart_language, render_png
from services.alerts.notify.errors import DeliveryError
from services.alerts.notify.message import Message, Notification
from services.alerts.notify.render import html_body, subject, text
from services.alerts.notify.routing import EmailTarget
from services.alerts.notify.story import Voice, subject_name

__all__ = ["ChartSource", "EmailSender", "SmtpServer", "build_mail"]

MAX_CHARTS = 5

ChartSource = Callable[[Notification], Awaitable[ChartData | None]]
"""Finds the data of a notification's chart (the dispatcher reads it from the database)."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0


def build_mail(
    message: Message,
    to: tuple[str, ...],
    sender: str,
    now: datetime,
    *,
    charts: Mapping[str, ChartData] | None = None,
    voice: Voice | None = None,
) -> EmailMessage:
    """The mail for a message in ``voice``'s language (its time zone, its links);
    ``charts`` maps dedup keys to the data of their chart."""
    voice = voice or Voice()
    mail = EmailMessage()
    mail["Subject"] = subject(message, voice)
    mail["From"] = sender
    mail["To"] = ", ".join(to)
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = f"<{message.id[:32]}@ontrack>"
    mail["X-Ontrack-Message-Id"] = message.id
    mail["X-Ontrack-Dedup-Keys"] = " ".join(message.dedup_keys)
    drawn = replace(voice, lang=chart_language(voice.lang))
    images = {
        key: render_png(data, _title(message, key, drawn), lang=drawn.lang)
        for key, data in (charts or {}).items()
    }
    cids = {key: make_msgid(domain="ontrack")[1:-1] for key in images}
    mail.set_content(text(message, voice))
    mail.add_alternative(html_body(message, voice, cids), subtype="html")
    html_part = mail.get_body(("html",))
    if images and html_part is not None:
        for key, png in images.items():
            html_part.add_related(png, "image", "png", cid=f"<{cids[key]}>", filename="chart.png")
    return mail


def _title(message: Message, key: str, voice: Voice) -> str:
    return next(subject_name(n, voice) for n in message.notifications if n.dedup_key == key)


class EmailSender:
    """Sends each message as one mail; charts (at most ``MAX_CHARTS``) from ``charts``."""

    def __init__(
        self,
        name: str,
        target: EmailTarget,
        server: SmtpServer,
        *,
        charts: ChartSource | None = None,
        voice: Voice | None = None,
    ) -> None:
        self.name = name
        self.voice = voice or Voice()
        self._target = target
        self._server = server
        self._charts = charts if target.chart else None

    async def send(self, message: Message, now: datetime) -> None:
        found: dict[str, ChartData] = {}
        for n in message.notifications:
            data = await self._charts(n) if self._charts and len(found) < MAX_CHARTS else None
            if data is not None:
                found[n.dedup_key] = data
        sender = self._target.sender or self._server.sender
        mail = await asyncio.to_thread(
            build_mail,
            message,
            self._target.to,
            sender,
            now,
            charts=found,
            voice=self.voice,
        )
        await asyncio.to_thread(self._send, mail)

    def _send(self, mail: EmailMessage) -> None:
        server = self._server
        try:
            with smtplib.SMTP(server.host, server.port, timeout=server.timeout) as smtp:
                if server.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if server.username and server.password:
                    smtp.login(server.username, server.password)
                smtp.send_message(mail)
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(
                f"mail server {server.host}:{server.port} answered {exc.smtp_code} "
                f"{exc.smtp_error!r}",
                retriable=exc.smtp_code < 500,
            ) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(
                f"mail server {server.host}:{server.port} refused every recipient "
                f"{sorted(exc.recipients)}: check the receiver's `to`",
                retriable=False,
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"mail server {server.host}:{server.port}: {exc}") from exc
