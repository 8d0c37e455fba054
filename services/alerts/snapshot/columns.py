"""What a snapshot holds per series, as columns: the objects are made when read.

A full evaluation reads every series (its last reading time and newest buckets, and for
the targets each station's buckets and daily air-quality flags) but looks at each one
briefly and keeps almost nothing of a quiet one. Held as objects, a series costs about
1 KiB (a ``SeriesInput``, dicts and lists of buckets, each bucket's floats); held as
columns (references to the shared names and instants, the numbers in arrays) it costs
the source's name and about 200 bytes.

- :class:`SeriesColumns`: the series a snapshot judges, as a sequence of ``SeriesInput``;
- :class:`~services.alerts.engine.source_columns.SourceBuckets` (the engine's, through
  which it reads sources): one indicator's buckets of one width per source;
- :class:`FlagDays`: each station's daily air-quality flags, seen through
  :meth:`FlagDays.buckets` as a mapping of station to its daily 1/0 buckets.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, NamedTuple, overload

from services.alerts.engine import Bucket, Columns, Runs, SeriesInput

__all__ = ["FlagDays", "SeriesColumns", "SeriesKind"]


class SeriesKind(NamedTuple):
    """What every series of one indicator shares."""

    indicator: str
    family: str
    unit: str
    cadence: timedelta | None


class _Newest:
    """The newest bucket of one width for each series (``None`` instants where there is none)."""

    __slots__ = ("at", "count", "last_ts", "values")

    def __init__(self) -> None:
        self.at: list[datetime | None] = []
        self.last_ts: list[datetime | None] = []
        self.count = array("q")
        self.values = array("d")  # sum, min, max, mean, last

    def grow(self, n: int) -> None:
        missing = n - len(self.at)
        if missing > 0:
            self.at += [None] * missing
            self.last_ts += [None] * missing
            self.count.extend([0] * missing)
            self.values.extend([0.0] * (5 * missing))

    def put(self, i: int, b: Bucket) -> None:
        self.at[i], self.last_ts[i], self.count[i] = b.at, b.last_ts, b.count
        self.values[5 * i : 5 * i + 5] = array("d", (b.sum, b.min, b.max, b.mean, b.last))

    def get(self, i: int) -> Bucket | None:
        at, last_ts = self.at[i], self.last_ts[i]
        if at is None or last_ts is None:
            return None
        v = self.values
        k = 5 * i
        return Bucket(at, self.count[i], v[k], v[k + 1], v[k + 2], v[k + 3], v[k + 4], last_ts)


class SeriesColumns(Sequence[SeriesInput]):
    """Series in the order they were added, with the newest buckets added by key."""

    def __init__(self) -> None:
        self._kind: list[SeriesKind] = []
        self._source: list[str] = []
        self._scope: list[str] = []
        self._seen: list[datetime | None] = []
        self._newest: dict[str, _Newest] = {}  # by width, in the order widths were added
        self._index: dict[str, dict[str, int]] | None = {}  # indicator → source → row

    def add(self, kind: SeriesKind, source: str, scope: str, last_seen: datetime | None) -> None:
        assert self._index is not None, "add() after done()"
        self._index.setdefault(kind.indicator, {})[source] = len(self._source)
        self._kind.append(kind)
        self._source.append(source)
        self._scope.append(scope)
        self._seen.append(last_seen)

    def add_newest(self, indicator: str, source: str, width: str, bucket: Bucket) -> None:
        """The newest bucket of ``width`` of a series already added (others are ignored)."""
        assert self._index is not None, "add_newest() after done()"
        i = self._index.get(indicator, {}).get(source)
        if i is None:
            return
        newest = self._newest.get(width)
        if newest is None:
            newest = self._newest[width] = _Newest()
        newest.grow(len(self._source))
        newest.put(i, bucket)

    def done(self) -> None:
        """Everything is added: drop the index by key."""
        self._index = None
        for newest in self._newest.values():
            newest.grow(len(self._source))

    def __len__(self) -> int:
        return len(self._source)

    @overload
    def __getitem__(self, i: int) -> SeriesInput: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[SeriesInput]: ...

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self._make(k) for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._make(i)

    def __iter__(self) -> Iterator[SeriesInput]:
        return (self._make(i) for i in range(len(self._source)))

    def _make(self, i: int) -> SeriesInput:
        kind = self._kind[i]
        latest = {}
        for width, newest in self._newest.items():
            b = newest.get(i)
            if b is not None:
                latest[width] = b
        return SeriesInput(
            kind.indicator,
            self._source[i],
            kind.family,
            kind.unit,
            self._scope[i],
            self._seen[i],
            kind.cadence,
            latest,
        )


class FlagDays:
    """Each station's (local day, good, heavy) flags, in the order the stations were added."""

    def __init__(self) -> None:
        self._runs = Runs()
        self._day = array("l")  # proleptic ordinals
        self._flags = bytearray()  # bit 0: good air, bit 1: heavy pollution

    def append(self, station: str, day: date, good: bool, heavy: bool) -> None:
        self._runs.add(station)
        self._day.append(day.toordinal())
        self._flags.append(int(good) | int(heavy) << 1)

    def buckets(self, flag: str, zone: tzinfo) -> Mapping[str, Sequence[Bucket]]:
        """Per station, a bucket a day starting at local midnight, 1.0 where ``flag``
        (``good`` or ``heavy``) is set, else 0.0."""
        return _FlagBuckets(self, 1 if flag == "good" else 2, zone)


class _FlagBuckets(Columns):
    def __init__(self, days: FlagDays, bit: int, zone: tzinfo) -> None:
        self._days = days
        self._bit = bit
        self._zone = zone
        self._made: dict[tuple[int, bool], Bucket] = {}  # a day's flag is the same everywhere
        self._midnights: dict[int, datetime] = {}
        self._at: list[datetime] | None = None
        self._values: array[float] | None = None

    def __getitem__(self, station: str) -> Sequence[Bucket]:
        d = self._days
        return tuple(
            self._bucket(d._day[i], bool(d._flags[i] & self._bit)) for i in d._runs.span(station)
        )

    def _bucket(self, ordinal: int, flag: bool) -> Bucket:
        found = self._made.get((ordinal, flag))
        if found is None:
            at = self._midnight(ordinal)
            v = 1.0 if flag else 0.0
            found = self._made[(ordinal, flag)] = Bucket(at, 1, v, v, v, v, v, at)
        return found

    def _midnight(self, ordinal: int) -> datetime:
        found = self._midnights.get(ordinal)
        if found is None:
            found = datetime.combine(date.fromordinal(ordinal), time(), self._zone)
            self._midnights[ordinal] = found
        return found

    @property
    def at(self) -> Sequence[datetime]:
        if self._at is None:
            self._at = [self._midnight(o) for o in self._days._day]
        return self._at

    def column(self, name: str) -> Sequence[float]:
        if self._values is None:  # every aggregate of a day's flag is the flag
            self._values = array("d", (1.0 if f & self._bit else 0.0 for f in self._days._flags))
        return self._values

    def span(self, station: str) -> range:
        return self._days._runs.span(station)

    def __iter__(self) -> Iterator[str]:
        return iter(self._days._runs.keys)

    def __len__(self) -> int:
        return len(self._days._runs.keys)

    def __contains__(self, station: object) -> bool:
        return station in self._days._runs.position
