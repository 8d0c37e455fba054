"""``GET /v1/series/{indicator}/{source}``: read a series back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request

from services.api.contract import docs
from services.api.contract.problems import FastJSON
from services.api.models import Series
from services.api.params import PLAIN_TEXT
from services.api.state import ApiState
from services.indicators.readings import INDICATOR_PATTERN, TS_PATTERN
from services.storage import read_series

__all__ = ["router"]

# RFC 3339 date-time as in a reading, with T (not a space) between date and time, year 1 on
TIME_PATTERN = TS_PATTERN.replace("[Tt ]", "[Tt]").replace(
    "^[0-9]{4}", "^(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
)

router = APIRouter()


@router.get(
    "/v1/series/{indicator}/{source}",
    summary="Read back the observations of a series",
    operation_id="getSeries",
    openapi_extra={"security": docs.KEY_OPTIONAL},
    responses={
        **docs.ok(
            Series,
            "The observations of the series in [from, to), oldest first",
            {
                "indicator": "air.pm25",
                "source": "qd-station-01",
                "unit": "µg/m³",
                "observations": [
                    {
                        "ts": "2026-11-22T00:00:00+00:00",
                        "value": 31.0,
                        "region": "shinan",
                        "labels": {},
                        "id": "st01-2026112208",
                        "raw_value": 31.0,
                        "raw_unit": "µg/m³",
                        "received_at": "2026-11-22T00:00:02.114+00:00",
                        "stored_at": "2026-11-22T00:00:02.391+00:00",
                    }
                ],
            },
        ),
        **docs.problems(
            "unauthenticated",
            "not-found",
            "invalid-request",
            "key-store-unavailable",
            "database-unavailable",
        ),
    },
)
async def get_series(
    request: Request,
    indicator: Annotated[
        str,
        Path(pattern=INDICATOR_PATTERN, max_length=64, examples=["air.pm25"]),
    ],
    source: Annotated[str, Path(pattern=PLAIN_TEXT, examples=["qd-station-01"])],
    start: Annotated[
        str | None,
        Query(
            alias="from",
            pattern=TIME_PATTERN,
            json_schema_extra={"format": "date-time"},
            description="From this time on, RFC 3339 with a UTC offset; default: all",
            examples=["2026-11-01T00:00:00+08:00"],
        ),
    ] = None,
    end: Annotated[
        str | None,
        Query(
            alias="to",
            pattern=TIME_PATTERN,
            json_schema_extra={"format": "date-time"},
            description="Before this time, RFC 3339 with a UTC offset; default: now + 1 day",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100_000, description="At most this many")] = 1000,
) -> FastJSON:
    state: ApiState = request.app.state.ontrack
    try:
        ind = state.catalogue.get(indicator)
    except KeyError as exc:
        raise HTTPException(404, str(exc).strip('"')) from None
    since = _moment("from", start) or datetime(1970, 1, 1, tzinfo=UTC)
    until = _moment("to", end) or state.now() + timedelta(days=1)
    if state.pool is None:
        raise HTTPException(503, "the database pool is not open yet; retry in a moment")
    rows = await read_series(state.pool, indicator, source, since, until, limit)
    return FastJSON(
        {
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
    )


def _moment(name: str, text: str | None) -> datetime | None:
    """A query parameter's time (the pattern has checked its form, not the calendar)."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
    except ValueError as exc:
        raise HTTPException(
            422, f"{name}={text}: {exc}; send a real time, e.g. 2026-01-01T00:00:00+08:00"
        ) from None
