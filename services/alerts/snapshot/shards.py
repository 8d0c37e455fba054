"""Which share of the targets and series one alert engine judges: ``ONTRACK_ALERTS_SHARD=i/n``.

One engine judges everything (``0/1``, the default). Past what one core evaluates in an
interval, ``n`` engines each judge the subjects (targets by id, series by key) whose hash
falls in their shard, and each shard elects its own leader among its replicas: shard ``i``
of ``n`` takes its own leader and evaluation locks and its own ``aggregates`` consumer
group, reads only its own stored alerts, and resolves only its own open ones. The hash
is the first 32 bits of the subject's MD5, computed alike here and in SQL (the function
``alert_shard``, migration 0011: ``(%(shard_count)s = 1 OR alert_shard(subject,
%(shard_count)s) = %(shard_index)s)`` with :meth:`Shard.params`, so that a single engine
hashes nothing).

An alert belongs to the shard of its subject, so every rule must give each subject its
own alerts (a rule whose ``identify_by`` leaves the subject out would have two shards step
one alert): :func:`check_rules` refuses such rules when there is more than one shard.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from services.alerts.engine import SERIES_KINDS
from services.alerts.rules import Rule, tells_apart
from services.alerts.snapshot.universe import Universe
from services.errors import OntrackError

__all__ = ["WHOLE", "Shard", "ShardError", "check_rules"]

_FORM = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


class ShardError(OntrackError):
    """A shard setting that cannot be used, or rules that cannot be sharded."""


@dataclass(frozen=True, slots=True)
class Shard:
    """Shard ``index`` (from 0) of ``count``."""

    index: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise ShardError(
                f"alert engine shard {self.index}/{self.count}: the index counts from 0 and "
                f"must be below the number of shards (0/{max(self.count, 1)} to "
                f"{max(self.count, 1) - 1}/{max(self.count, 1)})"
            )

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"i/n"``: shard ``i`` (from 0) of ``n``."""
        m = _FORM.match(text)
        if m is None:
            raise ShardError(
                f"alert engine shard {text!r}: write it as index/count, the index counting "
                "from 0 (0/1 for a single engine; 0/2 and 1/2 for two shards)"
            )
        return cls(int(m[1]), int(m[2]))

    @property
    def whole(self) -> bool:
        return self.count == 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @staticmethod
    def of(subject: str, count: int) -> int:
        """The shard of ``subject`` among ``count``."""
        digest = hashlib.md5(subject.encode(), usedforsecurity=False).digest()
        return int.from_bytes(digest[:4], "big") % count

    def owns(self, subject: str) -> bool:
        return self.whole or Shard.of(subject, self.count) == self.index

    def params(self) -> dict[str, int]:
        """The parameters of the SQL condition on ``alert_shard`` (module docstring)."""
        return {"shard_count": self.count, "shard_index": self.index}

    def key(self, base: int) -> int:
        """An advisory lock key of this shard: ``base`` itself for a single engine."""
        if self.whole:
            return base
        return (base ^ (self.count << 24 | self.index << 8)) & 0x7FFFFFFFFFFFFFFF

    def group(self, base: str) -> str:
        """The ``aggregates`` consumer group of this shard (every shard reads every event)."""
        return base if self.whole else f"{base}-shard-{self.index}-of-{self.count}"

    def universe(self, u: Universe) -> Universe:
        """``u`` with only this shard's targets."""
        if self.whole:
            return u
        return replace(u, targets=[t for t in u.targets if self.owns(t.id)])


WHOLE = Shard()


def check_rules(rules: Sequence[Rule], shard: Shard) -> None:
    """Refuse, with more than one shard, a rule that would give two subjects one alert."""
    if shard.whole:
        return
    problems = []
    for r in rules:
        subject = "series" if r.kind in SERIES_KINDS else "target"
        if not tells_apart(r, subject):
            problems.append(
                f"rule {r.id}: its alerts are not one per {subject} (identify_by "
                f"{list(r.identify_by or ())}, labels {sorted(r.labels)}), so two shards could "
                f"step the same alert; add {subject!r} to identify_by (and no label named "
                f"{subject!r}), or run a single engine shard (ONTRACK_ALERTS_SHARD=0/1)"
            )
    if problems:
        raise ShardError("\n".join(problems))
