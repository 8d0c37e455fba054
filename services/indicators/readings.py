"""A reading, and the validation of one raw record (decoded JSON) into a Reading.

validate_record returns a Reading, or every problem of the record as RecordErrors whose
messages name the field, the problem and the fix. Structure (required fields, types,
lengths, patterns, extra fields) is exactly what ``services/data/schemas/reading.schema.json`` says; the
catalogue adds the rest (known indicator, accepted unit, plausible range).

Stocks and capacities may arrive as running totals or as increments since the previous
reading: the label ``arrives_as`` (``total`` or ``increment``) says which, defaulting to
the indicator's ``arrives_as``. A validated reading of a stock or capacity always carries
that label, so later stages need not look the default up. A flow may arrive year to date
(``arrives_as=ytd``: the total since the start of the city's calendar year, as statistics
bureaus publish "1–N月累计"); such a reading carries the label, its value is that total, and
the stream stores the flow since the series' previous total of the year (services.indicators
.ytd). A flow of the reporting period (``period``, the default) carries no label.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Final

from services.indicators.catalogue import Catalogue, Indicator, UnknownIndicatorError
from services.indicators.units import QUANTITY_PATTERN, UnitError, normalise_unit
from services.indicators.units import quantity_from_match as _quantity

__all__ = [
    "ARRIVES_AS_LABEL",
    "FIELDS",
    "FORBIDDEN_PATTERN",
    "INDICATOR_PATTERN",
    "MAX_BATCH_ITEMS",
    "REQUIRED_FIELDS",
    "STRUCTURAL_CODES",
    "TS_PATTERN",
    "Reading",
    "RecordError",
    "csv_row_to_record",
    "validate_record",
]

FIELDS: Final = ("indicator", "ts", "value", "unit", "source", "region", "labels", "id")
REQUIRED_FIELDS: Final = ("indicator", "ts", "value", "unit", "source")
MAX_BATCH_ITEMS: Final = 10_000
ARRIVES_AS_LABEL: Final = "arrives_as"
# Codes of errors the JSON Schema also finds; the others need the catalogue or the clock.
STRUCTURAL_CODES: Final = frozenset({"object", "missing", "type", "length", "format", "extra"})

# The same texts are in services/data/schemas/reading.schema.json (a test checks they agree).
INDICATOR_PATTERN: Final = r"^[a-z0-9_]+(\.[a-z0-9_]+)+$"
TS_PATTERN: Final = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt ]([01][0-9]|2[0-3]):[0-5][0-9]"
    r":([0-5][0-9]|60)(\.[0-9]{1,9})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
# Control characters, invisible format characters, line/paragraph separators, surrogates.
FORBIDDEN_PATTERN: Final = (
    r"[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ud800-\udfff]"
)
_INDICATOR_RE = re.compile(INDICATOR_PATTERN)
_TS_RE = re.compile(TS_PATTERN)
_NAIVE_TS_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9:.]+$")
_FORBIDDEN_RE = re.compile(FORBIDDEN_PATTERN)
_QUANTITY_RE = re.compile(QUANTITY_PATTERN)
_ALLOWED: Final = frozenset(FIELDS)
_NO_LABELS: Mapping[str, str] = MappingProxyType({})
_MISSING: Final = object()
_TS_EXAMPLE = "e.g. 2026-11-22T08:00:00+08:00"


@dataclass(frozen=True, slots=True)
class Reading:
    """One validated observation; ``value`` is in the indicator's canonical ``unit``."""

    indicator: str
    source: str
    ts: datetime  # aware, UTC
    value: float
    unit: str
    region: str | None
    labels: Mapping[str, str]
    id: str | None
    raw_value: float  # as sent (万/亿 expanded), in raw_unit
    raw_unit: str  # as sent

    @property
    def series(self) -> str:
        return f"{self.indicator}/{self.source}"

    @property
    def arrives_as(self) -> str | None:
        """Stocks and capacities: "total" or "increment"; flows: "ytd" when the value is the
        year's total so far; otherwise None."""
        return self.labels.get(ARRIVES_AS_LABEL)


@dataclass(frozen=True, slots=True)
class RecordError:
    """A problem with one record: which record (index, and line for line formats), which field."""

    index: int
    field: str | None
    message: str
    line: int | None = None
    code: str = "invalid"

    def __str__(self) -> str:
        where = f"reading {self.index}" if self.line is None else f"line {self.line}"
        return f"{where}: {self.message}"


Problems = list[tuple[str | None, str, str]]  # (field, code, message)


def validate_record(
    raw: object,
    index: int,
    catalogue: Catalogue,
    now: datetime,
    *,
    max_skew: timedelta = timedelta(minutes=5),
    line: int | None = None,
) -> Reading | list[RecordError]:
    """Check one decoded JSON record; a Reading, or every problem found in it."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not isinstance(raw, dict):
        message = f"a reading must be a JSON object with {', '.join(REQUIRED_FIELDS)}"
        return [RecordError(index, None, f"{message}, not {_json_type(raw)}", line, "object")]
    problems: Problems = []
    if not _ALLOWED.issuperset(raw):
        _extra_fields(raw, problems)
    indicator = _indicator(raw.get("indicator", _MISSING), catalogue, problems)
    ts = _ts(raw.get("ts", _MISSING), now, max_skew, problems)
    raw_value = _value(raw.get("value", _MISSING), problems)
    raw_unit, convert = _unit(raw.get("unit", _MISSING), indicator, problems)
    source = _name(raw.get("source", _MISSING), "source", 128, problems, required=True)
    region = _name(raw.get("region"), "region", 64, problems)
    record_id = _name(raw.get("id"), "id", 128, problems)
    labels = _labels(raw.get("labels"), indicator, problems)
    value = None
    if indicator is not None and raw_value is not None and convert is not None:
        value = _canonical(indicator, raw_value, raw_unit, convert, labels, problems)
    if problems:
        return [RecordError(index, f, message, line, code) for f, code, message in problems]
    assert indicator is not None and ts is not None and source is not None
    assert value is not None and raw_value is not None and labels is not None
    return Reading(
        indicator=indicator.id,
        source=source,
        ts=ts,
        value=value,
        unit=indicator.unit,
        region=region,
        labels=labels,
        id=record_id,
        raw_value=raw_value,
        raw_unit=raw_unit,
    )


def _extra_fields(raw: dict[object, object], problems: Problems) -> None:
    extra = sorted(str(k) for k in raw if k not in _ALLOWED)
    names = ", ".join(f'"{k}"' for k in extra)
    problems.append(
        (extra[0], "extra", f"unknown field(s) {names}; the fields are {', '.join(FIELDS)}")
    )


def _indicator(value: object, catalogue: Catalogue, problems: Problems) -> Indicator | None:
    if value is _MISSING:
        problems.append(("indicator", "missing", "indicator is missing; add e.g. air.pm25"))
        return None
    if not isinstance(value, str):
        problems.append(("indicator", "type", f"indicator must be a text, not {_show(value)}"))
        return None
    found = catalogue.find(value)
    if found is None:
        if len(value) > 64 or not _INDICATOR_RE.search(value):
            close = catalogue.suggest(value)
            hint = f"did you mean {' or '.join(close)}?" if close else "e.g. air.pm25"
            problems.append(
                ("indicator", "format", f"indicator {_show(value)} is not an indicator id ({hint})")
            )
            return None
        try:
            catalogue.get(value)
        except UnknownIndicatorError as exc:
            problems.append(("indicator", "unknown", str(exc)))
        return None
    if found.derived:
        problems.append(
            (
                "indicator",
                "derived",
                f"indicator {found.id} is computed by the stream from "
                f"{', '.join(found.derived_from)}; push those readings instead",
            )
        )
    return found


def _ts(value: object, now: datetime, skew: timedelta, problems: Problems) -> datetime | None:
    if value is _MISSING:
        problems.append(
            ("ts", "missing", f"ts is missing; add the time of the reading, {_TS_EXAMPLE}")
        )
        return None
    if not isinstance(value, str):
        problems.append(
            ("ts", "type", f"ts must be an RFC 3339 text, {_TS_EXAMPLE}, not {_show(value)}")
        )
        return None
    if not _TS_RE.search(value):
        if _NAIVE_TS_RE.match(value):
            message = f"ts {_show(value)} has no UTC offset; add one, {_TS_EXAMPLE}"
        else:
            message = f"ts {_show(value)} is not an RFC 3339 timestamp with offset, {_TS_EXAMPLE}"
        problems.append(("ts", "format", message))
        return None
    try:
        ts = datetime.fromisoformat(value.upper()).astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        problems.append(("ts", "date", f"ts {_show(value)} is not a valid date and time ({exc})"))
        return None
    ahead = ts - now
    if ahead > skew:
        message = (
            f"ts {ts.isoformat()} is {_span(ahead)} in the future (allowed skew {_span(skew)})"
        )
        problems.append(("ts", "future", f"{message}; check the sender's clock and offset"))
    return ts


def _value(value: object, problems: Problems) -> float | None:
    if value is _MISSING:
        problems.append(("value", "missing", "value is missing; add the measured number"))
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        message = f'value must be a number or a numeric text such as "2600万", not {_show(value)}'
        problems.append(("value", "type", message))
        return None
    if isinstance(value, str):
        if len(value) > 64 or not _QUANTITY_RE.search(value):
            message = f"value {_show(value)} is not a number; send e.g. 2600, 2600万 or 6.7亿"
            problems.append(("value", "format", message))
            return None
        try:
            return _quantity(value)
        except UnitError:
            pass
    else:
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if math.isfinite(number):
            return number
    problems.append(("value", "not_finite", f"value {_show(value)} is not a finite number"))
    return None


def _unit(
    value: object, indicator: Indicator | None, problems: Problems
) -> tuple[str, Callable[[float], float] | None]:
    if value is _MISSING:
        problems.append(("unit", "missing", "unit is missing; add the unit of value, e.g. µg/m³"))
        return "", None
    if not isinstance(value, str):
        problems.append(("unit", "type", f"unit must be a text such as µg/m³, not {_show(value)}"))
        return "", None
    if not 0 < len(value) <= 32:
        message = f"unit must be 1 to 32 characters long, not {len(value)}; e.g. µg/m³"
        problems.append(("unit", "length", message))
        return "", None
    if _has_forbidden(value):
        problems.append(("unit", "format", f"unit {_show(value)} has control characters"))
        return "", None
    if indicator is None:
        try:
            normalise_unit(value)
        except UnitError as exc:
            problems.append(("unit", "unit", str(exc)))
        return value, None
    convert = indicator.converter_for(value)
    if convert is None:
        accepted = ", ".join(indicator.accepted_units)
        message = f"unit {_show(value)} is not accepted for {indicator.id} (accepted: {accepted})"
        problems.append(("unit", "unit", message))
    return value, convert


def _has_forbidden(text: str) -> bool:
    return not text.isprintable() and _FORBIDDEN_RE.search(text) is not None


def _name(
    value: object, field: str, limit: int, problems: Problems, *, required: bool = False
) -> str | None:
    """A source, region or id: 1..limit characters, no control characters, no edge spaces."""
    if value is _MISSING or (value is None and not required):
        if required:
            problems.append((field, "missing", f"{field} is missing; add who measured it"))
        return None
    if not isinstance(value, str):
        problems.append((field, "type", f"{field} must be a text, not {_show(value)}"))
        return None
    if not 0 < len(value) <= limit:
        problems.append(
            (field, "length", f"{field} must be 1 to {limit} characters long, not {len(value)}")
        )
        return None
    if _has_forbidden(value) or value[0].isspace() or value[-1].isspace():
        message = f"{field} {_show(value)} has control characters or leading/trailing spaces"
        problems.append((field, "format", f"{message}; remove them"))
        return None
    return value


def _labels(
    value: object, indicator: Indicator | None, problems: Problems
) -> Mapping[str, str] | None:
    if value is None or value is _MISSING:
        labels: Mapping[str, str] = _NO_LABELS
    elif not isinstance(value, dict):
        problems.append(
            ("labels", "type", f"labels must be an object of texts, not {_show(value)}")
        )
        return None
    elif len(value) > 32:
        problems.append(
            ("labels", "length", f"labels has {len(value)} entries; at most 32 are allowed")
        )
        return None
    else:
        if not all([_label_ok(k, v, problems) for k, v in value.items()]):
            return None
        labels = value
    if indicator is None:
        return labels
    return _labels_for(indicator, labels, problems)


def _label_ok(key: object, value: object, problems: Problems) -> bool:
    field = f"labels.{key}"
    if not isinstance(key, str) or not 0 < len(key) <= 64 or _has_forbidden(key):
        problems.append(
            (field, "format", "label names must be texts of 1 to 64 printable characters")
        )
        return False
    if not isinstance(value, str):
        problems.append((field, "type", f"label {key} must be a text, not {_show(value)}"))
        return False
    if len(value) > 256 or _has_forbidden(value):
        problems.append((field, "format", f"label {key} must be at most 256 printable characters"))
        return False
    return True


def _labels_for(
    indicator: Indicator, labels: Mapping[str, str], problems: Problems
) -> Mapping[str, str] | None:
    missing = [k for k in indicator.required_labels if k not in labels]
    for key in missing:
        message = (
            f"labels.{key} is required for {indicator.id}; add it, e.g. " + '{"source": "wind"}'
        )
        problems.append((f"labels.{key}", "labels", message))
    arrives = labels.get(ARRIVES_AS_LABEL)
    if indicator.kind == "flow":
        return _flow_labels(indicator, labels, arrives, problems)
    if not indicator.cumulative:
        if arrives is not None:
            message = (
                f"label arrives_as applies to stocks and capacities (total, increment) and "
                f"flows (period, ytd); {indicator.id} is a {indicator.kind}: remove it"
            )
            problems.append(("labels.arrives_as", "labels", message))
            return None
        return MappingProxyType(dict(labels)) if labels else _NO_LABELS
    if arrives is None:
        return MappingProxyType({**labels, ARRIVES_AS_LABEL: indicator.arrives_as or "total"})
    if arrives not in ("total", "increment"):
        message = f'label arrives_as is "{arrives}"; use total or increment'
        problems.append(("labels.arrives_as", "labels", message))
        return None
    return None if missing else MappingProxyType(dict(labels))


def _flow_labels(
    indicator: Indicator, labels: Mapping[str, str], arrives: str | None, problems: Problems
) -> Mapping[str, str] | None:
    """A flow's labels: ``arrives_as=ytd`` kept (the value is the year's total so far), the
    period's amount (``period``, or the indicator's default) carrying no label."""
    if arrives is not None and arrives not in ("period", "ytd"):
        message = (
            f'label arrives_as is "{arrives}"; for a flow use ytd (the year\'s total so far) '
            "or period (the amount of the reporting period)"
        )
        problems.append(("labels.arrives_as", "labels", message))
        return None
    rest = {k: v for k, v in labels.items() if k != ARRIVES_AS_LABEL}
    if (arrives or indicator.arrives_as) == "ytd":
        rest[ARRIVES_AS_LABEL] = "ytd"
    return MappingProxyType(rest) if rest else _NO_LABELS


def _canonical(
    indicator: Indicator,
    raw_value: float,
    raw_unit: str,
    convert: Callable[[float], float],
    labels: Mapping[str, str] | None,
    problems: Problems,
) -> float | None:
    value = convert(raw_value)
    low, high = indicator.range.min, indicator.range.max
    arrives = labels.get(ARRIVES_AS_LABEL) if labels is not None else None
    if arrives == "increment":
        low, high = -high, high  # an increment may be negative (stations taken down)
    elif arrives == "ytd":
        high = math.inf  # a total so far: the stream checks the range on the period's flow
    if low <= value <= high:
        return value
    shown = f"{_num(value)} {indicator.unit}"
    if normalise_unit(raw_unit) != indicator.unit:
        shown = f"{_num(raw_value)} {raw_unit} ({shown})"
    if math.isinf(high):
        message = (
            f"value {shown} is a year's total so far below {_num(low)} {indicator.unit}, the "
            f"least {indicator.id} can be; check the sign and the unit"
        )
    else:
        message = (
            f"value {shown} is outside the plausible range {_num(low)}–{_num(high)} "
            f"{indicator.unit} for {indicator.id}; check the unit or the sensor"
        )
    problems.append(("value", "range", message))
    return None


def csv_row_to_record(row: Mapping[str, str | None]) -> dict[str, object]:
    """A CSV row (indicator,ts,value,unit,source[,region][,id][,label.X]) as a raw record.

    Empty cells of optional columns are left out; ``label.X`` columns become labels;
    other columns are kept so that validation reports them. Values stay texts (the
    validator reads numbers and 万/亿 forms from text).
    """
    record: dict[str, object] = {}
    labels: dict[str, str] = {}
    for column, cell in row.items():
        if column is None:  # csv.DictReader puts surplus cells under None
            record["(cells beyond the header)"] = cell
        elif column.startswith("label."):
            if cell:
                labels[column[len("label.") :]] = cell
        elif cell is not None and (cell != "" or column in REQUIRED_FIELDS):
            record[column] = cell
    if labels:
        record["labels"] = labels
    return record


def _span(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    for size, unit in ((86400, "day"), (3600, "h"), (60, "min")):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}s" if unit == "day" and n != 1 else f"{n} {unit}"
    return f"{int(seconds)} s"


def _num(x: float) -> str:
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6g}"


def _show(value: object) -> str:
    """A value as the sender wrote it in JSON, shortened."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    except RecursionError:  # repr would recurse as deep
        text = f"{'an array' if isinstance(value, list) else 'an object'} nested too deeply"
    return text if len(text) <= 60 else text[:57] + "…"


def _json_type(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a text"
    if value is None:
        return "null"
    return "a boolean" if isinstance(value, bool) else f"{_show(value)}"
