"""Check the records of a request as a batch: what they share is checked once, the rest in a
few comparisons per record, and the readings come out as columns.

A request of 1 000 readings names a handful of indicators and units, a few instants and as
many sources as stations: ``check_records`` validates each distinct indicator and unit, each
distinct ``ts`` and each distinct source, region and id once (as ``check_record`` does, by
the same rules), and then per record only looks up those answers, checks the value's type
and range, and appends to the columns. A record that is not of the plain shape (labels,
a value written as text, a field of another type, a value out of range, anything that is
not plainly valid) goes through ``check_record`` itself, so every error is found and worded
exactly as it would be record by record; so does an indicator whose readings need labels.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Final

from services.indicators.catalogue import Catalogue, Indicator
from services.indicators.columns import ReadingColumns
from services.indicators.readings import (
    ARRIVES_AS_LABEL,
    FIELDS,
    REQUIRED_FIELDS,
    TS_PATTERN,
    Reading,
    RecordError,
)
from services.ingest.bodies import RawRecord
from services.ingest.checks import check_record, formula_errors

__all__ = ["Checked", "check_records"]

_ALLOWED: Final = frozenset(FIELDS) - {"labels"}
_REQUIRED: Final = frozenset(REQUIRED_FIELDS)
_NO_LABELS: Final[Mapping[str, str]] = MappingProxyType({})
_SKEW: Final = timedelta(minutes=5)  # validate_record's default
_TS_RE: Final = re.compile(TS_PATTERN)


class Checked:
    """The readings accepted (columns, in the order of the records) and every error."""

    __slots__ = ("errors", "readings")

    def __init__(self) -> None:
        self.readings = ReadingColumns()
        self.errors: list[RecordError] = []

    @property
    def rejected(self) -> int:
        return len({e.index for e in self.errors})


class _Plain:
    """What a batch's records share, checked once each (None: not plainly valid)."""

    def __init__(self, catalogue: Catalogue, now: datetime) -> None:
        self.catalogue = catalogue
        self.now = now
        self.indicators: dict[str, Indicator | None] = {}
        self.units: dict[tuple[str, str], Callable[[float], float] | None] = {}
        self.instants: dict[str, datetime | None] = {}
        self.names: dict[str, bool] = {}
        self.labels: dict[str, Mapping[str, str]] = {}

    def indicator(self, name: str) -> Indicator | None:
        try:
            return self.indicators[name]
        except KeyError:
            found = self.catalogue.find(name)
            if found is not None and (
                found.derived or found.required_labels or found.arrives_as == "ytd"
            ):
                found = None
            self.indicators[name] = found
            return found

    def converter(self, ind: Indicator, unit: str) -> Callable[[float], float] | None:
        key = (ind.id, unit)
        try:
            return self.units[key]
        except KeyError:
            ok = 0 < len(unit) <= 32 and unit.isprintable()
            conv = ind.converter_for(unit) if ok else None
            self.units[key] = conv
            return conv

    def instant(self, text: str) -> datetime | None:
        try:
            return self.instants[text]
        except KeyError:
            at = self.instants[text] = _instant(text, self.now)
            return at

    def name(self, text: str) -> bool:
        """A source, region or id that ``check_record`` takes as it is (up to 64 characters:
        the shortest limit, a region's)."""
        try:
            return self.names[text]
        except KeyError:
            ok = (
                0 < len(text) <= 64
                and text.isprintable()
                and not text[0].isspace()
                and not text[-1].isspace()
                and not formula_errors({"source": text}, 0)
            )
            self.names[text] = ok
            return ok

    def default_labels(self, ind: Indicator) -> Mapping[str, str]:
        if not ind.cumulative:
            return _NO_LABELS
        try:
            return self.labels[ind.id]
        except KeyError:
            made = MappingProxyType({ARRIVES_AS_LABEL: ind.arrives_as or "total"})
            return self.labels.setdefault(ind.id, made)


def _instant(text: str, now: datetime) -> datetime | None:
    if not _TS_RE.search(text):
        return None
    try:
        ts = datetime.fromisoformat(text.upper()).astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return None if ts - now > _SKEW else ts


def check_records(records: Sequence[RawRecord], catalogue: Catalogue, now: datetime) -> Checked:
    """Check every record of a request; the readings accepted, as columns, each received
    ``now``, and the errors of the others, in the order of the records."""
    out = Checked()
    plain = _Plain(catalogue, now)
    c = out.readings
    for rec in records:
        raw = rec.value
        if rec.problem is not None:
            out.errors.append(RecordError(rec.index, None, rec.problem, rec.line, "json"))
            continue
        if type(raw) is dict and _plain(raw, plain, c, now):
            continue
        result = check_record(raw, rec.index, catalogue, now, line=rec.line)
        if isinstance(result, Reading):
            c.append(result, now)
        else:
            out.errors.extend(result)
    return out


def _plain(raw: dict[str, object], p: _Plain, c: ReadingColumns, now: datetime) -> bool:
    """Append ``raw`` to the columns if it is plainly valid; False (nothing appended) if it
    needs the record-by-record check."""
    if not (raw.keys() <= _ALLOWED and raw.keys() >= _REQUIRED):
        return False
    name, unit, ts, value, source = (
        raw["indicator"], raw["unit"], raw["ts"], raw["value"], raw["source"],
    )  # fmt: skip
    region, rid = raw.get("region"), raw.get("id")
    if not (type(name) is str and type(unit) is str and type(ts) is str and type(source) is str):
        return False
    ind = p.indicator(name)
    if ind is None:
        return False
    convert = p.converter(ind, unit)
    at = p.instant(ts)
    if convert is None or at is None or not (len(source) <= 128 and p.name(source)):
        return False
    if region is not None and not (type(region) is str and p.name(region)):
        return False
    if rid is not None and not (type(rid) is str and p.name(rid)):
        return False
    kind = type(value)
    if kind is float:
        number: float = value  # type: ignore[assignment]
    elif kind is int:
        if not -(2**1023) < value < 2**1023:  # type: ignore[operator]
            return False
        number = float(value)  # type: ignore[arg-type]
    else:
        return False
    converted = convert(number)
    if not (math.isfinite(number) and ind.range.min <= converted <= ind.range.max):
        return False
    c.indicator.append(ind.id)
    c.source.append(source)
    c.ts.append(at)
    c.value.append(converted)
    c.region.append(region)
    labels = p.default_labels(ind)
    c.labels.append(labels or None)
    c.reading_id.append(rid)
    c.raw_value.append(None if converted == number and _same_sign(converted, number) else number)
    c.raw_unit.append(unit)
    c.received_at.append(now)
    return True


def _same_sign(a: float, b: float) -> bool:
    return a != 0.0 or math.copysign(1.0, a) == math.copysign(1.0, b)
