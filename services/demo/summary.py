"""After the replay: the table of every target, the alerts, and the report's charts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from services.demo.report import AlertLine, ReportData, TargetSection, markers_for
from services.demo.svg import Chart
from services.indicators.plan_model import Target
from services.indicators.plans import load_plans, targets_of
from services.indicators.trajectory import expected_at
from services.settings import Settings

__all__ = ["Outcome", "collect", "format_table"]

_STATUS = """
SELECT target_id, status, actual, expected, gap_pct, unit, days_left, pace_text,
       projection_at, projection_low, projection_value, projection_high
FROM v_target_status WHERE scope = 'city' ORDER BY target_id
"""
_ALERTS = """
SELECT fingerprint, rule_id, subject, severity, fired_at, resolved_at, state,
       coalesce(annotations->>'summary', '')
FROM alerts WHERE fired_at IS NOT NULL ORDER BY fired_at
"""
_MONTHLY = """
SELECT indicator, bucket, sum, mean, last FROM rollups
WHERE width = 'month' AND source = '*' AND indicator = ANY(%s) ORDER BY bucket
"""
_GOOD_DAYS = """
SELECT date_trunc('month', day)::date, count(*) FILTER (WHERE good), count(*)
FROM air_quality_days WHERE scope = 'city' GROUP BY 1 ORDER BY 1
"""


@dataclass(frozen=True, slots=True)
class Outcome:
    report: ReportData
    statuses: dict[str, str]
    fired: dict[str, list[str]]  # subject → rules that fired
    resolved: dict[str, list[str]]


def _actual_series(
    target: Target,
    months: list[tuple[datetime, float, float, float]],
    good: list[tuple[datetime, int, int]],
) -> list[tuple[datetime, float]]:
    """The series the chart shows, in the sense of the target's kind (YTD for yearly kinds)."""
    if target.kind in ("stock", "capacity"):
        return [(b, last) for b, _s, _m, last in months]
    out: list[tuple[datetime, float]] = []
    if target.indicator == "air.good_days_ratio":
        acc: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for b, g, n in good:
            acc[b.year][0] += g
            acc[b.year][1] += n
            out.append((b, 100 * acc[b.year][0] / acc[b.year][1]))
        return out
    ytd: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for b, total, mean, _last in months:
        y = ytd[b.year]
        if target.kind == "flow":
            y[0] += total
            out.append((b, y[0]))
        elif target.kind == "level-mean":
            y[0] += mean
            y[1] += 1
            out.append((b, y[0] / y[1]))
        else:
            out.append((b, _last))
    return out


def _path(target: Target, since: datetime) -> list[tuple[datetime, float]]:
    start = (
        target.baseline.at if target.baseline.at and target.kind in ("stock", "capacity") else since
    )
    end = target.deadline_at
    points, t = [], max(start, since)
    while t <= end:
        points.append((t, expected_at(target, t)))
        t += timedelta(days=30)
    points.append((end, expected_at(target, end)))
    return points


def collect(s: Settings, until: datetime) -> Outcome:
    targets = {t.id: t for t in targets_of(load_plans(s.plans_dir))}
    with psycopg.connect(s.dsn) as conn:
        conn.execute("SET TimeZone = 'Asia/Shanghai'")
        status_rows = conn.execute(_STATUS).fetchall()
        alert_rows = conn.execute(_ALERTS).fetchall()
        indicators = sorted({t.indicator for t in targets.values()})
        monthly: dict[str, list[Any]] = defaultdict(list)
        for ind, b, total, mean, last in conn.execute(_MONTHLY, [indicators]).fetchall():
            monthly[ind].append((b, total, mean, last))
        good = [
            (datetime.combine(m, datetime.min.time(), tzinfo=until.tzinfo), g, n)
            for m, g, n in conn.execute(_GOOD_DAYS).fetchall()
        ]
    alerts = [
        AlertLine(fp, rule, subj, sev, fired, resolved, summary)
        for fp, rule, subj, sev, fired, resolved, _state, summary in alert_rows
    ]
    sections: list[TargetSection] = []
    statuses: dict[str, str] = {}
    counts: dict[str, int] = defaultdict(int)
    for row in status_rows:
        tid, status, actual, expected, gap_pct, unit, days, pace, p_at, p_lo, p_v, p_hi = row
        target = targets.get(tid)
        if target is None:
            continue
        statuses[tid] = status
        counts[status] += 1
        series = _actual_series(target, monthly.get(target.indicator, []), good)
        since = series[0][0] if series else until - timedelta(days=365)
        projection = (p_at, p_lo, p_v, p_hi) if p_at and None not in (p_lo, p_v, p_hi) else None
        chart = Chart(
            tid,
            unit,
            series,
            _path(target, since),
            target.value,
            projection,
            markers_for(alerts, tid),
        )
        sections.append(
            TargetSection(
                tid,
                f"{target.indicator} {target.comparator} "
                f"{target.value:g} {unit} by {target.deadline}",
                target.source_clause,
                status,
                actual,
                expected,
                gap_pct,
                unit,
                days,
                pace or "",
                chart,
            )
        )
    fired: dict[str, list[str]] = defaultdict(list)
    resolved: dict[str, list[str]] = defaultdict(list)
    for a in alerts:
        fired[a.subject].append(a.rule)
        if a.resolved_at:
            resolved[a.subject].append(a.rule)
    report = ReportData(datetime.now(UTC), until, sections, alerts, dict(counts))
    return Outcome(report, statuses, dict(fired), dict(resolved))


def format_table(report: ReportData) -> str:
    lines = [
        f"{'target':<44} {'status':<10} {'actual':>14} {'expected':>14} {'gap':>8}  projection"
    ]
    for t in report.targets:
        gap = "" if t.gap_pct is None else f"{t.gap_pct:+.1f}%"
        proj = t.chart.projection
        ptxt = f"{proj[2]:,.0f} [{proj[1]:,.0f}–{proj[3]:,.0f}]" if proj else ""
        lines.append(
            f"{t.target_id:<44} {t.status:<10} {_n(t.actual):>14} {_n(t.expected):>14} "
            f"{gap:>8}  {ptxt}"
        )
    lines.append("")
    lines.append(f"{'fired':<12} {'resolved':<12} {'severity':<8} {'rule':<28} subject")
    for a in report.alerts:
        lines.append(
            f"{_d(a.fired_at):<12} {_d(a.resolved_at):<12} {a.severity:<8} {a.rule:<28} {a.subject}"
        )
    return "\n".join(lines)


def _n(v: float | None) -> str:
    return "—" if v is None else (f"{v:,.1f}" if abs(v) < 1e4 else f"{v:,.0f}")


def _d(v: datetime | None) -> str:
    return v.strftime("%Y-%m-%d") if v else "—"
