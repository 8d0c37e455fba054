"""A message as people read it: subject, plain text and HTML (pure; charts come as cids).

Each alert says what is off (the summary), by how much and since when (value, reason,
the explanation's numbers), its labels, and how to act on it (the ack/resolve commands).
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

from services.alerts.notify.message import Kind, Message, Notification

__all__ = ["subject", "text", "html_body", "explanation_items"]

_WORD = {
    Kind.FIRING: "FIRING",
    Kind.RESOLVED: "RESOLVED",
    Kind.REPEAT: "STILL FIRING",
    Kind.DIGEST: "DIGEST",
}


def subject(message: Message) -> str:
    """``[FIRING page] <summary>``; for several: ``[FIRING page] 3 alerts: a, b (+1)``."""
    items = message.notifications
    if message.digest:
        kinds = Counter(n.kind.value for n in items)
        counted = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
        return f"[DIGEST] {len(items)} notifications held by the rate limit ({counted})"
    first = items[0]
    word = _WORD[first.kind] if len({n.kind for n in items}) == 1 else message.status.upper()
    severity = max((n.severity for n in items), key=_loudness)
    if len(items) == 1:
        return f"[{word} {severity}] {first.summary}"
    names = sorted({n.rule_id for n in items})
    more = f" (+{len(names) - 2})" if len(names) > 2 else ""
    return f"[{word} {severity}] {len(items)} alerts: {', '.join(names[:2])}{more}"


def text(message: Message, *, base_url: str | None = None, tz: tzinfo = UTC) -> str:
    """The plain-text body; times in ``tz``."""
    parts = [_text_one(n, base_url, tz) for n in message.notifications]
    head = f"{len(parts)} notification(s) for receiver {message.receiver}.\n\n"
    return head + "\n\n".join(parts) + "\n\n-- \nontrack · message " + message.id[:16] + "\n"


def html_body(
    message: Message,
    images: Mapping[str, str] | None = None,
    *,
    base_url: str | None = None,
    tz: tzinfo = UTC,
) -> str:
    """The HTML body; ``images`` maps a dedup key to the content id of its chart."""
    images = images or {}
    blocks = "".join(
        _html_one(n, images.get(n.dedup_key), base_url, tz) for n in message.notifications
    )
    title = html.escape(subject(message))
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{title}</title></head><body style='font-family:sans-serif'>"
        f"<h2>{title}</h2>{blocks}"
        f"<p style='color:#888'>ontrack · message {message.id[:16]}</p></body></html>"
    )


def explanation_items(explanation: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The explanation's plain values, in order, nested ones as ``gap.pct``; lists, empty
    values and anything deeper are left out (the API has the whole explanation)."""
    shown: list[tuple[str, str]] = []
    for key, value in explanation.items():
        if isinstance(value, Mapping):
            shown += [(f"{key}.{k}", v) for k, v in _plain_items(value)]
        else:
            shown += [(key, v) for _, v in _plain_items({key: value})]
    return shown


def _plain_items(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for key, value in values.items():
        if isinstance(value, bool):
            found.append((key, str(value).lower()))
        elif isinstance(value, float):
            found.append((key, f"{value:.4g}"))
        elif isinstance(value, int) or (isinstance(value, str) and value):
            text = str(value)
            found.append((key, text if len(text) <= 200 else text[:199] + "…"))
    return found


def _text_one(n: Notification, base_url: str | None, tz: tzinfo) -> str:
    lines = [
        f"[{_WORD[n.kind]}] {n.summary}",
        f"  severity {n.severity} · rule {n.rule_id} · {_when(n, tz)}",
    ]
    if n.annotations.get("description"):
        lines.append(f"  {n.annotations['description']}")
    if n.value is not None or n.reason:
        lines.append(f"  value: {_number(n.value)} — {n.reason}")
    if n.actor:
        lines.append(f"  by: {n.actor}")
    lines += [f"  {key}: {value}" for key, value in explanation_items(n.explanation)]
    lines.append("  labels: " + ", ".join(f"{k}={v}" for k, v in sorted(n.labels.items())))
    lines.append(f"  fingerprint: {n.fingerprint} · dedup key: {n.dedup_key}")
    if n.kind is not Kind.RESOLVED:
        lines.append(f'  acknowledge: ontrack alert ack {n.fingerprint} --note "…"')
    if base_url:
        lines.append(f"  {base_url.rstrip('/')}/v1/alerts/{n.fingerprint}")
    return "\n".join(lines)


def _html_one(n: Notification, cid: str | None, base_url: str | None, tz: tzinfo) -> str:
    esc = html.escape
    colour = "#2e7d32" if n.kind is Kind.RESOLVED else "#c62828"
    rows = [("severity", n.severity), ("rule", n.rule_id), ("when", _when(n, tz))]
    if n.value is not None or n.reason:
        rows.append(("value", f"{_number(n.value)} — {n.reason}"))
    if n.actor:
        rows.append(("by", n.actor))
    rows += explanation_items(n.explanation)
    rows.append(("labels", ", ".join(f"{k}={v}" for k, v in sorted(n.labels.items()))))
    rows.append(("fingerprint", n.fingerprint))
    table = "".join(
        f"<tr><th align='left' style='padding-right:1em'>{esc(k)}</th><td>{esc(v)}</td></tr>"
        for k, v in rows
    )
    description = n.annotations.get("description")
    chart = f"<p><img src='cid:{esc(cid)}' alt='chart of {esc(n.rule_id)}'></p>" if cid else ""
    link = ""
    if base_url:
        url = esc(f"{base_url.rstrip('/')}/v1/alerts/{n.fingerprint}")
        link = f"<p><a href='{url}'>{url}</a></p>"
    return (
        f"<div style='border-left:4px solid {colour};padding-left:1em;margin-bottom:1.5em'>"
        f"<h3 style='color:{colour}'>[{_WORD[n.kind]}] {esc(n.summary)}</h3>"
        + (f"<p>{esc(description)}</p>" if description else "")
        + f"<table>{table}</table>{chart}{link}</div>"
    )


def _when(n: Notification, tz: tzinfo) -> str:
    since = _short(n.episode_at, tz)
    if n.kind is Kind.RESOLVED:
        return f"fired {since}, resolved {_short(n.at, tz)}"
    return f"firing since {since}"


def _short(moment: datetime, tz: tzinfo) -> str:
    local = moment.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or local.strftime('%z')}"


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def _loudness(severity: str) -> int:
    return {"page": 2, "ticket": 1}.get(severity, 0)
