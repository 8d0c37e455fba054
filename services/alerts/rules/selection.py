"""Which rules apply to a target or series, decided once per distinct set of the labels
the rules' selectors read.

A selector reads ``indicator``, ``family``, ``target``, ``kind``, ``scope`` and the keys
of its ``labels``, and only those it names patterns for. Thousands of series of one
indicator, family and scope share the answer, so :class:`Chooser` keeps it per distinct
tuple of the labels read (a rule that selects on ``station`` or ``target`` is decided
per series or target, as before).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.alerts.rules.model import Rule, Selector, matches

__all__ = ["Chooser", "selector_keys"]

_NAMED = (
    ("indicators", "indicator"),
    ("families", "family"),
    ("targets", "target"),
    ("kinds", "kind"),
    ("scope", "scope"),
)


def selector_keys(rule: Rule) -> set[str]:
    """The labels ``matches(rule, labels)`` reads."""
    keys: set[str] = set()
    for sel in (rule.applies_to, rule.except_):
        if sel is not None:
            keys |= _keys(sel)
    return keys


def _keys(sel: Selector) -> set[str]:
    keys = {label for name, label in _NAMED if getattr(sel, name)}
    keys |= set(sel.labels)
    if "family" in keys:
        keys.add("indicator")  # family falls back to the indicator's first part
    return keys


class Chooser:
    """The rules of ``rules`` (in order) that apply to ``labels``, memoised."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)
        keys: set[str] = set()
        for rule in self.rules:
            keys |= selector_keys(rule)
        self._keys = tuple(sorted(keys))
        self._chosen: dict[tuple[str | None, ...], tuple[Rule, ...]] = {}

    def choose(self, labels: Mapping[str, str]) -> tuple[Rule, ...]:
        if not self.rules:
            return ()
        key = tuple([labels.get(k) for k in self._keys])
        chosen = self._chosen.get(key)
        if chosen is None:
            chosen = tuple(r for r in self.rules if matches(r, labels))
            self._chosen[key] = chosen
        return chosen
