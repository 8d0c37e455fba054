"""Buckets by source as columns: the small interface the engine reads sources through.

A target's sources (stations, terminals, operators) hold hundreds of buckets each. Held as
``Bucket`` objects they cost about 1 KiB per series and a Python object per bucket; held as
columns (the instants in a list, each aggregate in an ``array('d')``, each source a run of
row numbers) they cost about 200 bytes per series, and the contributors' ranking reads
them by row without making a single ``Bucket`` (docs/performance.md, memory per series).

:class:`Columns` is the interface (``at``, ``column(name)``, ``span(source)``, and a
read-only mapping of source to its buckets); :class:`SourceBuckets` the store the snapshot
fills and :func:`as_columns` makes of a plain mapping (tests, small inputs).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

from services.alerts.engine.inputs import Bucket

__all__ = ["Columns", "Runs", "SourceBuckets", "as_columns"]


class Runs:
    """Rows grouped by key, the rows of each key one after the other (as queries order them)."""

    __slots__ = ("keys", "n", "position", "starts")

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.starts = array("q")
        self.position: dict[str, int] = {}
        self.n = 0

    def add(self, key: str) -> int:
        """Count one more row of ``key``; its row number."""
        if not self.keys or self.keys[-1] != key:
            self.start(key)
        self.n += 1
        return self.n - 1

    def start(self, key: str) -> None:
        """Begin the run of ``key`` (empty until rows are added)."""
        if key in self.position:
            raise ValueError(f"the rows of {key!r} do not follow one another")
        self.position[key] = len(self.keys)
        self.keys.append(key)
        self.starts.append(self.n)

    def span(self, key: str) -> range:
        p = self.position[key]
        end = self.starts[p + 1] if p + 1 < len(self.starts) else self.n
        return range(self.starts[p], end)


class Columns(Mapping[str, Sequence[Bucket]]):
    """Buckets by source, also readable without making them: each source's rows are a
    run of row numbers (``span``) into the columns ``at`` and ``column(name)``."""

    @property
    def at(self) -> Sequence[datetime]:
        raise NotImplementedError

    def column(self, name: str) -> Sequence[float]:
        """One aggregate (``sum``, ``mean``, ``last``...) of every row."""
        raise NotImplementedError

    def span(self, source: str) -> range:
        raise NotImplementedError


class SourceBuckets(Columns):
    """Buckets of one indicator and width by source, in the order the sources were added."""

    def __init__(self) -> None:
        self._runs = Runs()
        self._at: list[datetime] = []
        self._last_ts: list[datetime] = []
        self._count = array("q")
        self._columns = {name: array("d") for name in _AGGREGATES}

    @classmethod
    def of(cls, buckets: Mapping[str, Sequence[Bucket]]) -> SourceBuckets:
        made = cls()
        for source, rows in buckets.items():
            made._runs.start(source)  # a source without buckets is still one of them
            for b in rows:
                made.append(source, b)
        return made

    def append(self, source: str, b: Bucket) -> None:
        """The next bucket of ``source`` (a source's buckets are added one after the other)."""
        self._runs.add(source)
        self._at.append(b.at)
        self._last_ts.append(b.last_ts)
        self._count.append(b.count)
        c = self._columns
        c["sum"].append(b.sum)
        c["min"].append(b.min)
        c["max"].append(b.max)
        c["mean"].append(b.mean)
        c["last"].append(b.last)

    @property
    def at(self) -> Sequence[datetime]:
        return self._at

    def column(self, name: str) -> Sequence[float]:
        return self._columns[name]

    def span(self, source: str) -> range:
        return self._runs.span(source)

    def __getitem__(self, source: str) -> Sequence[Bucket]:
        c = self._columns
        total, low, high, mean, last = c["sum"], c["min"], c["max"], c["mean"], c["last"]
        at, last_ts, count = self._at, self._last_ts, self._count
        return tuple(
            Bucket(at[i], count[i], total[i], low[i], high[i], mean[i], last[i], last_ts[i])
            for i in self._runs.span(source)
        )

    def __iter__(self) -> Iterator[str]:
        return iter(self._runs.keys)

    def __len__(self) -> int:
        return len(self._runs.keys)

    def __contains__(self, source: object) -> bool:
        return source in self._runs.position


_AGGREGATES = ("sum", "min", "max", "mean", "last")


def as_columns(buckets: Mapping[str, Sequence[Bucket]]) -> Columns:
    """``buckets`` as :class:`Columns` (copied into them unless they already are)."""
    return buckets if isinstance(buckets, Columns) else SourceBuckets.of(buckets)
