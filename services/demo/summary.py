"""After the replay: the table of every target, the alerts, and the report's charts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from services.alerts.notify import Voice
from services.demo.report import AlertLine, ReportData, TargetSection, markers_for
from services.demo.simulate import story_of
from services.demo.svg import Chart
from services.indicators.catalogue import load_catalogue
from services.indicators.city import CITY_TZ_NAME
from services.indicators.plans import CITY_TZ, Target, load_plans, targets_of, year_bounds
from services.indicators.trajectory import expected_at
from services.language import MESSAGES, Glossary, Language, number, percent, table, tr
from services.settings import Settings

__all__ = ["Outcome", "collect", "format_table", "region_months"]

# Every target, the city's and the regions': a projection only while it is still one.
_STATUS = """
SELECT target_id, status, actual, expected, gap_pct, unit, days_left, pace_needed, pace_recent,
       projection_at, projection_low, projection_value, projection_high
FROM v_target_status
WHERE projection_method IS DISTINCT FROM 'final'
UNION ALL
SELECT target_id, status, actual, expected, gap_pct, unit, days_left, pace_needed, pace_recent,
       NULL, NULL, NULL, NULL
FROM v_target_status
WHERE projection_method = 'final'
ORDER BY target_id
"""
# Every transition into and out of firing, oldest first: one line per firing episode, with
# what its alert is about (for the headline of why it fired).
_EPISODES = """
SELECT a.fingerprint, a.rule_id, a.subject, a.severity, e.at, e.to_state, e.reason, e.value,
       a.labels, a.annotations, a.explanation
FROM alert_events e JOIN alerts a USING (fingerprint)
WHERE e.to_state IN ('firing', 'resolved', 'inactive')
ORDER BY e.at, a.fingerprint
"""
_MONTHLY = """
SELECT indicator, bucket, sum, mean, last FROM rollups
WHERE width = 'month' AND source = '*' AND indicator = ANY(%s) ORDER BY bucket
"""
# The month rows of the sources that report for a region (their newest reading says which).
_REGION_MONTHLY = """
SELECT r.indicator, o.region, r.source, r.bucket, r.sum, r.mean, r.last
FROM rollups r
JOIN (SELECT DISTINCT ON (indicator, source) indicator, source, region FROM observations
      WHERE indicator = ANY(%s) ORDER BY indicator, source, ts DESC) o
  ON o.indicator = r.indicator AND o.source = r.source
WHERE r.width = 'month' AND o.region IS NOT NULL
ORDER BY r.bucket
"""
_AQI_MONTHS = """
SELECT date_trunc('month', day)::date, count(*) FILTER (WHERE good), count(*),
       count(*) FILTER (WHERE heavy)
FROM air_quality_days WHERE scope = 'city' GROUP BY 1 ORDER BY 1
"""
_RULE_KINDS = "SELECT DISTINCT rule_id, kind FROM alerts"


@dataclass(frozen=True, slots=True)
class Outcome:
    report: ReportData
    statuses: dict[str, str]
    fired: dict[str, list[str]]  # subject → rules that fired
    resolved: dict[str, list[str]]
    rule_kinds: dict[str, str] = field(default_factory=dict)  # rule id → its kind


def _actual_series(
    target: Target,
    months: list[tuple[datetime, float, float, float]],
    aqi: list[tuple[datetime, int, int, int]],
) -> list[tuple[datetime, float]]:
    """The series the chart shows, in the sense of the target's kind (YTD for yearly kinds)."""
    if target.kind in ("stock", "capacity"):
        return [(b, last) for b, _s, _m, last in months]
    out: list[tuple[datetime, float]] = []
    if target.indicator in ("air.good_days_ratio", "air.heavy_pollution_days"):
        acc: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
        for b, good, days, heavy in aqi:
            c = acc[b.year]
            c[0], c[1], c[2] = c[0] + good, c[1] + days, c[2] + heavy
            value = 100 * c[0] / c[1] if target.indicator == "air.good_days_ratio" else c[2]
            out.append((b, float(value)))
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


def _projection_from(
    target: Target, series: Sequence[tuple[datetime, float]], at: datetime | None
) -> tuple[datetime, float] | None:
    """Where a flow's projection starts when its last actual value is of an earlier year than
    the total projected: nothing on the deadline year's first day (the chart is of the year to
    date, as the trajectory is); None: from the last actual value."""
    if target.kind != "flow" or at is None or not series:
        return None
    start = year_bounds((at - timedelta(microseconds=1)).astimezone(CITY_TZ).year)[0]
    return (start, 0.0) if series[-1][0] < start else None


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


def region_months(
    rows: Sequence[Sequence[Any]], *, combine: str, cumulative: bool
) -> list[tuple[datetime, float, float, float]]:
    """A region's month rows (bucket, sum, mean, last) from its sources' rows (source,
    bucket, sum, mean, last; oldest first), combined as the stream combines the city's:
    amounts summed, levels averaged over stations (a single figure as it is), stocks and
    capacities as every source's last total carried forward and summed."""
    by_bucket: dict[datetime, dict[str, tuple[float, float, float]]] = defaultdict(dict)
    for source, bucket, total, mean, last in rows:
        by_bucket[bucket][source] = (float(total), float(mean), float(last))
    known: dict[str, float] = {}
    out = []
    for bucket in sorted(by_bucket):
        here = by_bucket[bucket]
        known.update({source: last for source, (_t, _m, last) in here.items()})
        n = len(here) if combine == "mean" else 1
        total = sum(t for t, _m, _l in here.values())
        mean = sum(m for _t, m, _l in here.values()) / n
        last = sum(known.values()) if cumulative else sum(v for *_x, v in here.values()) / n
        out.append((bucket, total, mean, last))
    return out


def episodes(rows: Sequence[Sequence[Any]]) -> list[AlertLine]:
    """Firing episodes from transitions (fingerprint, rule, subject, severity, at, to, reason,
    and optionally the value, labels, annotations and explanation of the alert), oldest
    first: each opens when the alert fires, with the reason it fired, and closes when it
    leaves firing."""
    out: list[AlertLine] = []
    open_: dict[str, int] = {}
    for fp, rule, subject, severity, at, to_state, reason, *about in rows:
        if to_state == "firing":
            open_[fp] = len(out)
            alert: dict[str, Any] = {}
            if about:
                value, labels, annotations, explanation = about
                alert = {
                    "fingerprint": fp, "rule_id": rule, "severity": severity, "fired_at": at,
                    "last_value": value, "labels": labels or {},
                    "annotations": annotations or {}, "explanation": explanation or {},
                }  # fmt: skip
            out.append(AlertLine(fp, rule, subject, severity, at, None, reason, alert))
        elif to_state in ("resolved", "inactive") and fp in open_:
            i = open_.pop(fp)
            out[i] = replace(out[i], resolved_at=at)
    return out


def collect(s: Settings, until: datetime) -> Outcome:
    catalogue = load_catalogue(s.catalogue_path)
    plans = load_plans(s.plans_dir, catalogue)
    targets = {t.id: t for t in targets_of(plans)}
    with psycopg.connect(s.dsn) as conn:
        conn.execute("SELECT set_config('TimeZone', %s, false)", [CITY_TZ_NAME])
        status_rows = conn.execute(_STATUS).fetchall()
        alert_rows = conn.execute(_EPISODES).fetchall()
        indicators = sorted({t.indicator for t in targets.values()})
        monthly: dict[str, list[Any]] = defaultdict(list)
        for ind, b, total, mean, last in conn.execute(_MONTHLY, [indicators]).fetchall():
            monthly[ind].append((b, total, mean, last))
        by_region: dict[tuple[str, str], list[Any]] = defaultdict(list)
        for ind, region, *source_row in conn.execute(_REGION_MONTHLY, [indicators]).fetchall():
            by_region[(ind, region)].append(source_row)
        kinds = {str(rule): str(kind) for rule, kind in conn.execute(_RULE_KINDS).fetchall()}
        aqi = [
            (datetime.combine(m, datetime.min.time(), tzinfo=until.tzinfo), g, n, h)
            for m, g, n, h in conn.execute(_AQI_MONTHS).fetchall()
        ]
    alerts = episodes(alert_rows)
    sections: list[TargetSection] = []
    statuses: dict[str, str] = {}
    counts: dict[str, int] = defaultdict(int)
    for row in status_rows:
        tid, status, actual, expected, gap_pct, unit, days, needed, recent, *projected = row
        p_at, p_lo, p_v, p_hi = projected
        target = targets.get(tid)
        if target is None:
            continue
        statuses[tid] = status
        counts[status] += 1
        if target.region is None:
            months = monthly.get(target.indicator, [])
        else:
            ind = catalogue.get(target.indicator)
            rows = by_region.get((target.indicator, target.region), [])
            months = region_months(rows, combine=ind.combine, cumulative=ind.cumulative)
        series = [
            p
            for p in _actual_series(target, months, aqi)
            if p[0] < target.deadline_at  # what happens after the deadline is not its business
        ]
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
            _projection_from(target, series, p_at),
        )
        sections.append(
            TargetSection(
                tid,
                status,
                actual,
                expected,
                gap_pct,
                unit,
                days,
                chart,
                kind=target.kind,
                comparator=target.comparator,
                target_value=target.value,
                deadline=target.deadline,
                pace_needed=needed,
                pace_recent=recent,
                region=target.region,
            )
        )
    fired: dict[str, list[str]] = defaultdict(list)
    resolved: dict[str, list[str]] = defaultdict(list)
    for a in alerts:
        fired[a.subject].append(a.rule)
        if a.resolved_at:
            resolved[a.subject].append(a.rule)
    names = Glossary.of(catalogue, plans)
    report = ReportData(datetime.now(UTC), until, sections, alerts, dict(counts), names)
    return Outcome(report, statuses, dict(fired), dict(resolved), kinds)


def format_table(report: ReportData, lang: Language = Language.EN) -> str:
    """Every target, the regions' with their region (status, actual, expected, gap,
    projection); each target without data by name with why; then one line per firing
    episode; in ``lang`` (English keeps the engine's reason an alert fired, Chinese its
    headline)."""
    cols = ("target", "region", "status", "actual", "expected", "gap", "projection")
    rows = [tuple(tr(lang, f"col.{c}") for c in cols)]
    names = report.names
    for t in report.targets:
        gap = "" if t.gap_pct is None else percent(t.gap_pct, sign=True)
        proj = t.chart.projection
        ptxt = f"{_n(proj[2], lang)} [{_n(proj[1], lang)}–{_n(proj[3], lang)}]" if proj else ""
        region = names.region(t.region, lang) if t.region else ""
        status = tr(lang, f"status.{t.status}") if f"status.{t.status}" in MESSAGES else t.status
        actual, expected = _n(t.actual, lang), _n(t.expected, lang)
        rows.append((_shown(t, names, lang), region, status, actual, expected, gap, ptxt))
    lines = table(rows, right=frozenset({3, 4, 5}))
    without = [t for t in report.targets if t.status == "no_data"]
    if without:
        lines.append(tr(lang, "report.no_data", count=len(without)))
        lines += [f"  {_shown(t, names, lang)} — {_why_no_data(t, lang)}" for t in without]
    lines.append("")
    alert_cols = ("fired", "resolved", "severity", "rule", "subject", "why")
    episodes = [tuple(tr(lang, f"col.{c}") for c in alert_cols)]
    voice = Voice(lang, names)
    for a in report.alerts:
        why = a.summary if lang is Language.EN else a.why(voice)
        severity = (
            tr(lang, f"severity.{a.severity}")
            if f"severity.{a.severity}" in MESSAGES
            else a.severity
        )
        episodes.append((_d(a.fired_at), _d(a.resolved_at), severity, a.rule, a.subject, why))
    lines += table(episodes)
    return "\n".join(lines)


def _shown(t: TargetSection, names: Glossary, lang: Language) -> str:
    return t.target_id if lang is Language.EN else names.target(t.target_id, lang)


def _why_no_data(t: TargetSection, lang: Language) -> str:
    """The script's story when one explains it (English, as the script is written)."""
    told = story_of(t.target_id)
    if told is not None and lang is Language.EN:
        return told.about
    return tr(lang, "report.no_data.why")


def _n(v: float | None, lang: Language = Language.EN) -> str:
    """A value as in the report's table: grouped digits in English, 万/亿 in Chinese."""
    if v is None:
        return "—"
    if lang is Language.ZH:
        return number(v, lang)
    return f"{v:,.1f}" if abs(v) < 1e4 else f"{v:,.0f}"


def _d(v: datetime | None) -> str:
    return v.strftime("%Y-%m-%d") if v else "—"
