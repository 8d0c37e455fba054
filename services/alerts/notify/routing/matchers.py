"""Label matchers, written as Alertmanager writes them, for routes and silences.

``severity=page``, ``region!=laoshan``, ``family=~"air|water"``, ``plan!~"old-.*"``. A
regex matches the whole value (it is anchored, as in Alertmanager). A label an alert does
not have counts as the empty string, so ``region=""`` matches alerts without a region.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from services.alerts.notify.errors import MatcherError

__all__ = ["Matcher", "Op", "matches_all", "parse_matcher"]

_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_.]*")
_PLAIN = re.compile(r"[A-Za-z0-9_.:/-]+")
_SPLIT = re.compile(r"^\s*([^=!~\s]+)\s*(=~|!~|!=|=)\s*(.*?)\s*$")
_FIX = "write name=value, name!=value, name=~regex or name!~regex, e.g. severity=page"


class Op(StrEnum):
    EQ = "="
    NE = "!="
    RE = "=~"
    NRE = "!~"


@dataclass(frozen=True)
class Matcher:
    """One condition on one label."""

    name: str
    op: Op
    value: str
    _regex: re.Pattern[str] | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise MatcherError(f"{self.name!r} is not a label name; fix: {_FIX}")
        if self.op in (Op.RE, Op.NRE):
            try:
                object.__setattr__(self, "_regex", re.compile(self.value))
            except re.error as exc:
                raise MatcherError(
                    f"{self}: the regex does not compile ({exc}); fix: escape special "
                    "characters, e.g. \\. for a dot"
                ) from exc

    def __str__(self) -> str:
        shown = self.value if _PLAIN.fullmatch(self.value) else f'"{self.value}"'
        return f"{self.name}{self.op}{shown}"

    def matches(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.name, "")
        if self._regex is not None:
            found = self._regex.fullmatch(value) is not None
            return found if self.op is Op.RE else not found
        return (value == self.value) if self.op is Op.EQ else (value != self.value)

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "op": self.op.value, "value": self.value}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Matcher:
        try:
            return cls(str(data["name"]), Op(data["op"]), str(data["value"]))
        except (KeyError, ValueError) as exc:
            raise MatcherError(f"stored matcher {dict(data)!r} is not readable: {exc}") from exc


def parse_matcher(text: str) -> Matcher:
    """Read ``name=value`` (or ``!=``, ``=~``, ``!~``); the value may be in double quotes."""
    found = _SPLIT.match(text)
    if not found:
        raise MatcherError(f"{text!r} is not a matcher; fix: {_FIX}")
    name, op, value = found.groups()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1].replace('\\"', '"')
    return Matcher(name, Op(op), value)


def matches_all(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    """Whether every matcher matches ``labels`` (no matchers: always)."""
    return all(m.matches(labels) for m in matchers)
