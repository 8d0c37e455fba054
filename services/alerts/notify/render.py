"""A message as people read it: subject, plain text and HTML, in the receiver's language
(pure; charts come as cids).

Each notification is told as a :class:`~services.alerts.notify.story.Story`: the headline,
then what is off and by how much, since when, what it takes to recover, where the trend
leads, which sources pull it off, the plan's clause, what to do, and how to acknowledge;
the full explanation is one link away. Several notifications of one group are told one
after the other.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Mapping

from services.alerts.notify.message import Kind, Message
from services.alerts.notify.story import Story, Voice, story_of, subject_name

__all__ = ["Voice", "html_body", "subject", "text"]

ENGLISH = Voice()


def subject(message: Message, voice: Voice = ENGLISH) -> str:
    """``[FIRING page] <headline>``; for several: ``[FIRING page] 3 alerts: a, b (+1)``."""
    items = message.notifications
    if message.digest:
        kinds = Counter(n.kind.value for n in items)
        counted = voice.tr("list.sep").join(
            voice.tr("subject.counted", count=count, kind=voice.tr(f"state.{_state(kind)}"))
            for kind, count in sorted(kinds.items())
        )
        return voice.tr("subject.digest", count=len(items), counted=counted)
    first = items[0]
    same = len({n.kind for n in items}) == 1
    word = voice.tr(f"kind.{first.kind.value}" if same else f"kind.{message.status}")
    severity = max((n.severity for n in items), key=_loudness)
    shown = voice.tr(f"severity.{severity}") if severity in _SEVERITIES else severity
    if len(items) == 1:
        return voice.tr(
            "subject.one", word=word, severity=shown, headline=story_of(first, voice).headline
        )
    names = list(dict.fromkeys(subject_name(n, voice) for n in items))
    more = voice.tr("subject.more", count=len(names) - 2) if len(names) > 2 else ""
    return voice.tr(
        "subject.many", word=word, severity=shown, count=len(items),
        names=voice.tr("list.sep").join(names[:2]), more=more,
    )  # fmt: skip


def text(message: Message, voice: Voice = ENGLISH) -> str:
    """The plain-text body."""
    parts = [_text_one(story_of(n, voice), voice.tr("label.sep")) for n in message.notifications]
    head = voice.tr("message.head", count=len(parts), receiver=message.receiver)
    foot = voice.tr("message.foot", id=message.id[:16])
    return f"{head}\n\n" + "\n\n".join(parts) + f"\n\n-- \n{foot}\n"


def html_body(
    message: Message, voice: Voice = ENGLISH, images: Mapping[str, str] | None = None
) -> str:
    """The HTML body; ``images`` maps a dedup key to the content id of its chart."""
    images = images or {}
    blocks = "".join(
        _html_one(story_of(n, voice), n.kind, images.get(n.dedup_key), voice)
        for n in message.notifications
    )
    title = html.escape(subject(message, voice))
    lang = "zh-CN" if voice.lang.value == "zh-CN" else "en"
    foot = html.escape(voice.tr("message.foot", id=message.id[:16]))
    return (
        f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>"
        f"<title>{title}</title></head><body style='font-family:sans-serif'>"
        f"<h2>{title}</h2>{blocks}<p style='color:#888'>{foot}</p></body></html>"
    )


def _text_one(story: Story, sep: str) -> str:
    lines = [f"[{story.word}] {story.headline}"]
    lines += [f"  {label}{sep}{value}" for label, value in story.facts]
    if story.contributors:
        lines.append(f"  {story.labels['contributors']}{sep.rstrip()}")
        lines += [f"    - {c}" for c in story.contributors]
    if story.runbook:
        lines.append(f"  {story.labels['runbook']}{sep}{story.runbook}")
        if story.runbook_url:
            lines.append(f"    {story.runbook_url}")
    if story.ack:
        lines.append(f"  {_ack_label(story)}{sep}{story.ack[0]}")
        lines += [f"    {more}" for more in story.ack[1:]]
    if story.link:
        lines.append(f"  {_details_label(story)}{sep}{story.link}")
    return "\n".join(lines)


def _html_one(story: Story, kind: Kind, cid: str | None, voice: Voice) -> str:
    esc = html.escape
    colour = "#2e7d32" if kind is Kind.RESOLVED else "#c62828"
    rows = [(label, esc(value)) for label, value in story.facts]
    if story.contributors:
        items = "".join(f"<li>{esc(c)}</li>" for c in story.contributors)
        rows.append(
            (story.labels["contributors"], f"<ul style='margin:0;padding-left:1.2em'>{items}</ul>")
        )
    if story.runbook:
        url = esc(story.runbook_url or "")
        link = f" <a href='{url}'>{url}</a>" if url else ""
        rows.append((story.labels["runbook"], esc(story.runbook) + link))
    if story.ack:
        rows.append((_ack_label(story), "<br>".join(f"<code>{esc(a)}</code>" if i == 0 else esc(a)
                                                     for i, a in enumerate(story.ack))))  # fmt: skip
    if story.link:
        url = esc(story.link)
        rows.append((_details_label(story), f"<a href='{url}'>{url}</a>"))
    table = "".join(
        f"<tr><th align='left' valign='top' style='padding-right:1em;white-space:nowrap'>"
        f"{esc(label)}</th><td>{value}</td></tr>"
        for label, value in rows
    )
    alt = esc(voice.tr("chart.alt", name=story.name))
    chart = f"<p><img src='cid:{esc(cid)}' alt='{alt}'></p>" if cid else ""
    return (
        f"<div style='border-left:4px solid {colour};padding-left:1em;margin-bottom:1.5em'>"
        f"<h3 style='color:{colour}'>[{esc(story.word)}] {esc(story.headline)}</h3>"
        f"<table>{table}</table>{chart}</div>"
    )


def _ack_label(story: Story) -> str:
    return story.labels["ack"]


def _details_label(story: Story) -> str:
    return story.labels["details"]


_SEVERITIES = frozenset({"page", "ticket", "info"})


def _state(kind: str) -> str:
    return {"repeat": "firing", "digest": "firing"}.get(kind, kind)


def _loudness(severity: str) -> int:
    return {"page": 2, "ticket": 1}.get(severity, 0)
