"""A read-only mapping built on first use, for what an evaluation rarely reads."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

__all__ = ["Lazy"]


class Lazy(Mapping[str, Any]):
    """The mapping ``make(*args)`` returns, called once, when first read.

    A series check carries the placeholders and explanation of an alert, which only the
    few checks that become alerts read: building them lazily saves the work (and the
    memory) for every other series.
    """

    __slots__ = ("_args", "_make", "_made")

    def __init__(self, make: Callable[..., Mapping[str, Any]], *args: object) -> None:
        self._make = make
        self._args = args
        self._made: Mapping[str, Any] | None = None

    def _mapping(self) -> Mapping[str, Any]:
        if self._made is None:
            self._made = self._make(*self._args)
            self._args = ()
        return self._made

    def __getitem__(self, key: str) -> Any:
        return self._mapping()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._mapping())

    def __len__(self) -> int:
        return len(self._mapping())
