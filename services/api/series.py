"""``GET /v1/series/{indicator}/{source}``: read a series back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request

from services.api.state import ApiState
from services.storage import read_series

__all__ = ["router"]

router = APIRouter()


@router.get("/v1/series/{indicator}/{source}", summary="Read back the observations of a series")
async def get_series(
    request: Request,
    indicator: str,
    source: str,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
) -> dict[str, Any]:
    state: ApiState = request.app.state.ontrack
    try:
        ind = state.catalogue.get(indicator)
    except KeyError as exc:
        raise HTTPException(404, str(exc).strip('"')) from None
    for name, value in (("from", start), ("to", end)):
        if value is not None and value.tzinfo is None:
            raise HTTPException(
                422,
                f"{name}={value.isoformat()} has no UTC offset; add one, "
                "e.g. 2026-01-01T00:00:00+08:00",
            )
    end = end or state.now() + timedelta(days=1)
    start = start or datetime(1970, 1, 1, tzinfo=UTC)
    if state.pool is None:
        raise HTTPException(503, "the database pool is not open yet; retry in a moment")
    rows = await read_series(state.pool, indicator, source, start, end, limit)
    return {
        "indicator": indicator,
        "source": source,
        "unit": ind.unit,
        "observations": [
            {
                "ts": o.ts.isoformat(),
                "value": o.value,
                "region": o.region,
                "labels": o.labels,
                "id": o.id,
                "raw_value": o.raw_value,
                "raw_unit": o.raw_unit,
                "received_at": o.received_at.isoformat(),
                "stored_at": o.stored_at.isoformat(),
            }
            for o in rows
        ],
    }
