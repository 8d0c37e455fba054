"""Readings held as columns: one list per field, no Python object per reading.

The stream decodes a signed batch straight into these lists and hands them to the writer's
COPY; the API builds them from the records it accepts. A reading is a position in the
lists. Values that repeat from reading to reading (names, instants, the time a message was
received) are shared objects, so a column costs a pointer per reading.

``raw_value`` is None where the raw value is the value itself (the common case: the unit
sent is the canonical one), ``labels`` None where a reading has none.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from services.indicators.readings import Reading

__all__ = ["ReadingColumns"]


@dataclass(slots=True)
class ReadingColumns:
    """A batch of readings, a list per field; every list has one entry per reading."""

    indicator: list[str] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    ts: list[datetime] = field(default_factory=list)  # aware
    value: list[float] = field(default_factory=list)  # canonical unit
    region: list[str | None] = field(default_factory=list)
    labels: list[Mapping[str, str] | None] = field(default_factory=list)
    reading_id: list[str | None] = field(default_factory=list)
    raw_value: list[float | None] = field(default_factory=list)  # None: the value itself
    raw_unit: list[str] = field(default_factory=list)
    received_at: list[datetime] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.indicator)

    @classmethod
    def of(cls, readings: Iterable[tuple[Reading, datetime]]) -> ReadingColumns:
        """Columns of readings, each with when it was received."""
        out = cls()
        for r, at in readings:
            out.append(r, at)
        return out

    def append(self, r: Reading, received_at: datetime) -> None:
        self.indicator.append(r.indicator)
        self.source.append(r.source)
        self.ts.append(r.ts)
        self.value.append(r.value)
        self.region.append(r.region)
        self.labels.append(r.labels or None)
        self.reading_id.append(r.id)
        self.raw_value.append(None if _same(r.raw_value, r.value) else r.raw_value)
        self.raw_unit.append(r.raw_unit)
        self.received_at.append(received_at)

    def extend(self, other: ReadingColumns) -> None:
        for name in self.__slots__:
            getattr(self, name).extend(getattr(other, name))

    def pick(self, rows: Sequence[int]) -> ReadingColumns:
        """The readings at positions ``rows``, in that order."""
        out = ReadingColumns()
        for name in self.__slots__:
            column = getattr(self, name)
            setattr(out, name, [column[i] for i in rows])
        return out

    def take(self, start: int, stop: int) -> ReadingColumns:
        """The readings from ``start`` to ``stop`` (a slice of every column)."""
        out = ReadingColumns()
        for name in self.__slots__:
            setattr(out, name, getattr(self, name)[start:stop])
        return out

    def check(self) -> None:
        """Raise ValueError unless every column has one entry per reading."""
        sizes = {name: len(getattr(self, name)) for name in self.__slots__}
        if len(set(sizes.values())) > 1:
            raise ValueError(f"columns of different lengths: {sizes}")

    def describe(self, i: int) -> dict[str, object]:
        """Reading ``i`` as the JSON a person reads (a dead letter)."""
        return {
            "indicator": self.indicator[i],
            "source": self.source[i],
            "ts": self.ts[i].isoformat(),
            "value": self.value[i],
        }


def _same(a: float, b: float) -> bool:
    """The same float, sign of zero included."""
    return a == b and (a != 0.0 or math.copysign(1.0, a) == math.copysign(1.0, b))
