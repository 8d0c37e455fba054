"""Publish the plan targets and their trajectories to TimescaleDB, where panels (and the API)
read them: ``plan_targets`` and ``target_trajectory`` (migration 0005), and how each
language names and shows every target, ``target_texts`` (0012).

The trajectory is computed here by services.indicators.trajectory, the one definition the
alert engine also judges with, as one point per local day from the baseline to the
deadline. A baseline the plan leaves to the data (``from_data: true``) is resolved from
the city data already stored (services.indicators.baseline); until there is enough of it
the trajectory is flat at the target value.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from pathlib import Path

from psycopg import AsyncConnection

from services.dashboards.language.words import LANGS, target_text
from services.dashboards.queries.stored import load_target_data
from services.indicators.baseline import resolve_baseline
from services.indicators.catalogue import Catalogue
from services.indicators.plans import CITY_TZ, Plan, Target
from services.indicators.target_data import Point
from services.indicators.trajectory import expected_at

__all__ = ["publish_plans", "publish_targets", "trajectory_points"]

_PUBLISH_LOCK = 0x6F6E747261636B03  # "ontrack" + 3: publishing plan targets
_DAY = timedelta(days=1)

_UPSERT = """
INSERT INTO plan_targets (id, plan_id, indicator, family, name, comparator, value, unit,
                          deadline, deadline_at, kind, scope, baseline_value, baseline_date,
                          baseline_from_data, reported_met, source_clause, growth_average_from)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (id) DO UPDATE SET
    plan_id = EXCLUDED.plan_id, indicator = EXCLUDED.indicator, family = EXCLUDED.family,
    name = EXCLUDED.name, comparator = EXCLUDED.comparator, value = EXCLUDED.value,
    unit = EXCLUDED.unit, deadline = EXCLUDED.deadline, deadline_at = EXCLUDED.deadline_at,
    kind = EXCLUDED.kind, scope = EXCLUDED.scope, baseline_value = EXCLUDED.baseline_value,
    baseline_date = EXCLUDED.baseline_date, baseline_from_data = EXCLUDED.baseline_from_data,
    reported_met = EXCLUDED.reported_met, source_clause = EXCLUDED.source_clause,
    growth_average_from = EXCLUDED.growth_average_from, published_at = now()
"""

_TEXT = """
INSERT INTO target_texts (target_id, lang, label, unit, scale, goal, plan_title, clause,
                          citation, quote)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (target_id, lang) DO UPDATE SET
    label = EXCLUDED.label, unit = EXCLUDED.unit, scale = EXCLUDED.scale,
    goal = EXCLUDED.goal, plan_title = EXCLUDED.plan_title, clause = EXCLUDED.clause,
    citation = EXCLUDED.citation, quote = EXCLUDED.quote
"""

_COPY = "COPY target_trajectory (target_id, ts, expected) FROM STDIN"


def trajectory_points(target: Target, start: datetime) -> list[Point]:
    """The expected value at every local midnight from ``start``'s day to the deadline."""
    day = datetime.combine(start.astimezone(CITY_TZ).date(), time(), CITY_TZ)
    end = target.deadline_at
    points: list[Point] = []
    while day <= end:
        points.append((day, expected_at(target, day)))
        day += _DAY
    return points


async def publish_targets(
    conn: AsyncConnection[tuple[object, ...]], plans: Sequence[Plan], catalogue: Catalogue
) -> int:
    """Replace the published targets and trajectories with those of ``plans``, in one
    transaction; the judgements of targets no longer in ``plans`` go with them."""
    rows = 0
    async with conn.transaction():
        # replicas of the alert engine publish as they start: one at a time
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", [_PUBLISH_LOCK])
        ids = [t.id for p in plans for t in p.targets]
        await conn.execute("DELETE FROM plan_targets WHERE NOT (id = ANY(%s))", [ids])
        # a target the files no longer hold (removed, renamed) has no judgement to show
        await conn.execute("DELETE FROM target_status WHERE NOT (target_id = ANY(%s))", [ids])
        for plan in plans:
            plan_start = datetime.combine(plan.date, time(), CITY_TZ)
            for target in plan.targets:
                if target.baseline.from_data and target.scope == "city":
                    indicator = catalogue.get(target.indicator)
                    data = await load_target_data(conn, target, indicator)
                    target = resolve_baseline(target, data)
                rows += await _publish_one(conn, target, catalogue, plan, plan_start)
    return rows


async def _publish_one(
    conn: AsyncConnection[tuple[object, ...]],
    target: Target,
    catalogue: Catalogue,
    plan: Plan,
    plan_start: datetime,
) -> int:
    indicator = catalogue.get(target.indicator)
    base = target.baseline
    await conn.execute(
        _UPSERT,
        [
            target.id,
            target.plan_id,
            target.indicator,
            indicator.family,
            indicator.name,
            target.comparator,
            target.value,
            target.unit,
            target.deadline,
            target.deadline_at,
            target.kind,
            target.scope,
            base.value,
            base.date,
            base.from_data,
            target.reported_met is not None,
            target.source_clause,
            target.growth_average_from,
        ],
    )
    texts = [target_text(target, indicator, plan, lang) for lang in LANGS]
    async with conn.cursor() as cur:
        await cur.executemany(
            _TEXT,
            [
                (
                    target.id,
                    x.lang,
                    x.label,
                    x.unit,
                    x.scale,
                    x.goal,
                    x.plan_title,
                    x.clause,
                    x.citation,
                    x.quote,
                )  # fmt: skip
                for x in texts
            ],
        )
    await conn.execute("DELETE FROM target_trajectory WHERE target_id = %s", [target.id])
    start = min(base.at, plan_start) if base.at is not None else plan_start
    points = trajectory_points(target, start)
    async with conn.cursor() as cur, cur.copy(_COPY) as copy:
        for ts, value in points:
            await copy.write_row((target.id, ts, value))
    return len(points)


async def publish_plans(dsn: str, plans_dir: Path, catalogue_path: Path) -> tuple[int, int]:
    """Load the plans and publish them; (targets, trajectory points)."""
    from services.indicators.catalogue import load_catalogue
    from services.indicators.plans import load_plans

    catalogue = load_catalogue(catalogue_path)
    plans = load_plans(plans_dir, catalogue)
    async with await AsyncConnection.connect(dsn) as conn:
        points = await publish_targets(conn, plans, catalogue)
    return sum(len(p.targets) for p in plans), points
