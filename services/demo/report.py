"""The demo's HTML report, in Chinese or English: a summary table, a chart per target and
the alert timeline.

Targets are named from the catalogue and cited with their plan's title and clause, the
plan's own sentence quoted; numbers as each language writes them (3,243万标准箱 /
32.4 million TEU); the reason an alert fired as its notification's headline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from html import escape
from pathlib import Path
from typing import Any

from services.alerts.notify import Voice, headline_of
from services.demo.svg import Chart, Marker, render
from services.language import (
    Glossary,
    Language,
    day,
    pace_sentence,
    percent,
    quantity,
    tr,
)

__all__ = [
    "AlertLine",
    "ReportData",
    "TargetSection",
    "markers_for",
    "other_language",
    "write_report",
    "write_reports",
]

STATUS_COLOUR = {
    "on_track": "#2e7d32", "met": "#1b5e20", "at_risk": "#f9a825", "off_track": "#c62828",
    "missed": "#8e0000", "no_data": "#757575", "insufficient_data": "#9e9e9e",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class TargetSection:
    """One target as judged at the end of the replay, and its chart."""

    target_id: str
    status: str
    actual: float | None
    expected: float | None
    gap_pct: float | None
    unit: str
    days_left: int | None
    chart: Chart
    kind: str = ""
    comparator: str = ""
    target_value: float | None = None
    deadline: date | None = None
    pace_needed: float | None = None
    pace_recent: float | None = None
    region: str | None = None  # a target of a region's own, not the city's


@dataclass(frozen=True, slots=True)
class AlertLine:
    """One firing episode: ``summary`` is the engine's reason; ``alert`` what the alert
    said when it fired (rule, labels, explanation, the value), for its headline."""

    fingerprint: str
    rule: str
    subject: str
    severity: str
    fired_at: datetime | None
    resolved_at: datetime | None
    summary: str
    alert: Mapping[str, Any] = field(default_factory=dict)

    def why(self, voice: Voice) -> str:
        """Why it fired, in ``voice``'s language (the engine's reason without the alert)."""
        if not self.alert or self.fired_at is None:
            return self.summary
        return headline_of({**self.alert, "state": "firing"}, voice, self.fired_at)


@dataclass(frozen=True, slots=True)
class ReportData:
    generated_at: datetime
    simulated_until: datetime
    targets: Sequence[TargetSection]
    alerts: Sequence[AlertLine] = field(default_factory=tuple)
    counts: dict[str, int] = field(default_factory=dict)
    names: Glossary = field(default_factory=Glossary)


_CSS = """
body{font:14px/1.45 system-ui,"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;margin:2rem auto;max-width:1200px;color:#222;padding:0 1rem}
h1{margin-bottom:.2rem} .note{color:#a15c00;background:#fff4e0;padding:.5rem .8rem;border-radius:4px}
table{border-collapse:collapse;width:100%;margin:1rem 0} td,th{padding:.3rem .5rem;border-bottom:1px solid #eee;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap} td.id{color:#666;font-size:12px}
.badge{color:#fff;border-radius:3px;padding:1px 6px;font-size:12px;white-space:nowrap}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:1rem}
.card{border:1px solid #e3e3e3;border-radius:6px;padding:.6rem .8rem}
.card h3{margin:.2rem 0;font-size:15px} .clause{color:#666;font-size:12px} .quote{font-size:13px;margin:.2rem 0}
.chart{width:100%;height:auto} .legend span{margin-right:1rem;font-size:12px} .lang{float:right}
"""


def other_language(lang: Language) -> Language:
    return Language.EN if lang is Language.ZH else Language.ZH


def write_reports(data: ReportData, path: Path, lang: Language) -> list[Path]:
    """The report in ``lang`` at ``path`` and in the other language beside it
    (``index.zh-CN.html`` or ``index.en.html``), each linking to the other."""
    other = other_language(lang)
    beside = path.with_name(f"{path.stem}.{other.value}{path.suffix}")
    return [
        write_report(data, path, lang, other_href=beside.name),
        write_report(data, beside, other, other_href=path.name),
    ]


def write_report(
    data: ReportData, path: Path, lang: Language = Language.EN, *, other_href: str | None = None
) -> Path:
    """Write the report in ``lang`` to ``path``; ``other_href`` links the other language's."""
    voice = Voice(lang, data.names)
    counts = tr(lang, "list.sep").join(
        escape(tr(lang, "report.count", count=n, status=_status(lang, s)))
        for s, n in sorted(data.counts.items())
    )
    legend = "".join(
        f'<span style="color:{colour}">{escape(tr(lang, f"report.legend.{key}"))}</span>'
        for key, colour in (
            ("actual", "#222"), ("trajectory", "#4a90e2"), ("target", "#d0021b"),
            ("projection", "#f5a623"), ("fired", "#c62828"), ("resolved", "#2e7d32"),
        )
    )  # fmt: skip
    switch = (
        f"<a class=lang href='{escape(other_href)}' hreflang='{other_language(lang).value}'>"
        f"{escape(tr(other_language(lang), 'report.language'))}</a>"
        if other_href
        else ""
    )
    target_head = "".join(
        f"<th>{escape(tr(lang, f'col.{c}'))}</th>"
        for c in ("name", "target", "status", "actual", "expected", "gap", "days_left", "pace")
    )
    alert_head = "".join(
        f"<th>{escape(tr(lang, f'col.{c}'))}</th>"
        for c in ("fired", "resolved", "severity", "rule", "subject", "why")
    )
    none = escape(tr(lang, "report.none"))
    until = day(data.simulated_until, lang)
    html = f"""<!doctype html>
<html lang="{lang.value}"><head><meta charset="utf-8"><title>{escape(tr(lang, "report.title"))}</title>
<link rel="icon" href="data:,"><style>{_CSS}</style></head><body>
{switch}<h1>{escape(tr(lang, "report.heading"))}</h1>
<p class=note>{tr(lang, "report.note", until=escape(until))}</p>
<p>{tr(lang, "report.generated", at=f"{data.generated_at:%Y-%m-%d %H:%M}", counts=counts)}</p>
<div class=legend>{legend}</div>
<h2>{escape(tr(lang, "report.targets"))}</h2>
<table><thead><tr>{target_head}</tr></thead><tbody>{_summary_rows(data, voice)}</tbody></table>
<h2>{escape(tr(lang, "report.alerts"))}</h2>
<table><thead><tr>{alert_head}</tr></thead><tbody>{_alert_rows(data, voice) or f"<tr><td colspan=6>{none}</td></tr>"}</tbody></table>
<h2>{escape(tr(lang, "report.charts"))}</h2><div class=grid>{_cards(data, voice)}</div>
</body></html>"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path


def _status(lang: Language, status: str) -> str:
    try:
        return tr(lang, f"status.{status}")
    except KeyError:
        return status.replace("_", " ")


def _amount(v: float | None, unit: str, lang: Language) -> str:
    return "—" if v is None else escape(quantity(v, unit, lang))


def _badge(status: str, lang: Language) -> str:
    colour = STATUS_COLOUR.get(status, "#757575")
    return f'<span class="badge" style="background:{colour}">{escape(_status(lang, status))}</span>'


def _name(t: TargetSection, names: Glossary, lang: Language) -> str:
    return names.target(t.target_id, lang, deadline=t.deadline)


def _summary_rows(data: ReportData, voice: Voice) -> str:
    lang, names = voice.lang, voice.names
    rows = []
    for t in sorted(data.targets, key=lambda t: t.status == "no_data"):  # simulated ones first
        gap = "—" if t.gap_pct is None else percent(t.gap_pct, sign=True)
        days = "—" if t.days_left is None else str(t.days_left)
        pace = pace_sentence(
            lang, kind=t.kind, comparator=t.comparator, unit=t.unit, deadline=t.deadline,
            needed=t.pace_needed, recent=t.pace_recent,
        )  # fmt: skip
        rows.append(
            f"<tr><td><a href='#{escape(t.target_id)}'>{escape(_name(t, names, lang))}</a></td>"
            f"<td class=id>{escape(t.target_id)}</td>"
            f"<td>{_badge(t.status, lang)}</td><td class=num>{_amount(t.actual, t.unit, lang)}</td>"
            f"<td class=num>{_amount(t.expected, t.unit, lang)}</td><td class=num>{gap}</td>"
            f"<td class=num>{days}</td><td>{escape(pace)}</td></tr>"
        )
    return "".join(rows)


def _target_phrase(t: TargetSection, lang: Language) -> str:
    if t.target_value is None or t.comparator not in (">=", "<="):
        return ""
    what = tr(lang, f"comparator.{t.comparator}", value=quantity(t.target_value, t.unit, lang))
    return tr(lang, "target.by", what=what, deadline=day(t.deadline, lang)) if t.deadline else what


def _cards(data: ReportData, voice: Voice) -> str:
    lang, names = voice.lang, voice.names
    cards = []
    for t in data.targets:
        if t.status == "no_data":
            continue  # nothing to draw but the trajectory
        citation = names.citation(t.target_id, lang)
        quote = names.quote(t.target_id)
        goal = _target_phrase(t, lang)
        chart = Chart(
            _name(t, names, lang),
            t.chart.unit,
            t.chart.actual,
            t.chart.trajectory,
            t.chart.target,
            t.chart.projection,
            markers_for(data.alerts, t.target_id, lang),
            t.chart.projection_from,
        )
        cards.append(
            f"<div class=card id='{escape(t.target_id)}'>"
            f"<h3>{escape(_name(t, names, lang))} {_badge(t.status, lang)}</h3>"
            f"<div class=clause>{escape(t.target_id)} · {escape(goal)}</div>"
            + (f"<p class=quote>{escape(quote)}</p>" if quote else "")
            + (f"<div class=clause>{escape(citation)}</div>" if citation else "")
            + f"{render(chart, lang)}</div>"
        )
    return "".join(cards)


def _alert_rows(data: ReportData, voice: Voice) -> str:
    lang = voice.lang

    def when(d: datetime | None) -> str:
        return d.strftime("%Y-%m-%d") if d else "—"

    return "".join(
        f"<tr><td>{when(a.fired_at)}</td><td>{when(a.resolved_at)}</td>"
        f"<td>{escape(tr(lang, f'severity.{a.severity}') if a.severity in _SEVERITIES else a.severity)}</td>"
        f"<td>{escape(a.rule)}</td><td>{escape(a.subject)}</td>"
        f"<td>{escape(a.why(voice))}</td></tr>"
        for a in data.alerts
    )


_SEVERITIES = frozenset({"page", "ticket", "info"})


def markers_for(
    alerts: Sequence[AlertLine], subject: str, lang: Language = Language.EN
) -> list[Marker]:
    out = []
    for a in alerts:
        if a.subject == subject:
            if a.fired_at:
                out.append(Marker(a.fired_at, tr(lang, "chart.fired", rule=a.rule), "#c62828"))
            if a.resolved_at:
                out.append(
                    Marker(a.resolved_at, tr(lang, "chart.resolved", rule=a.rule), "#2e7d32")
                )
    return out
