"""Sentences about a target that more than one place writes: the pace it takes from now on.

The pace's meaning depends on the target's kind (as the engine computes it): a flow's
amount a month for the rest of the deadline year; a stock's or capacity's net change a
month until the deadline; a level's or day-ratio's average for the rest of the year; a
growth rate. The recent pace is compared in the same terms.
"""

from __future__ import annotations

from datetime import date

from services.language.dates import day
from services.language.messages import tr
from services.language.model import Language
from services.language.numbers import percent, quantity, signed

__all__ = ["pace_sentence"]

_LEVEL_KINDS = ("level-mean", "ratio")


def pace_sentence(
    lang: Language,
    *,
    kind: str,
    comparator: str,
    unit: str,
    deadline: date | None,
    needed: float | None,
    recent: float | None,
) -> str:
    """``+2,843 stations more a month until 2026-12-31; recently +100 stations a month``;
    empty without a pace needed (the deadline has passed, or nothing is known)."""
    if needed is None:
        return ""
    year = deadline.year if deadline else ""

    def q(value: float) -> str:
        return quantity(value, unit, lang)

    if kind == "flow":
        key = "recover.flow_limit" if comparator == "<=" else "recover.flow"
        text = tr(lang, key, needed=q(needed), year=year)
        tail = tr(lang, "recent.flow", recent=q(recent)) if recent is not None else ""
    elif kind in _LEVEL_KINDS:
        key = "recover.level_at_most" if comparator == "<=" else "recover.level_at_least"
        text = tr(lang, key, needed=q(needed), year=year)
        tail = tr(lang, "recent.level", recent=q(recent)) if recent is not None else ""
    elif kind == "growth":
        text = tr(lang, "recover.growth", needed=percent(needed))
        tail = tr(lang, "recent.growth", recent=percent(recent)) if recent is not None else ""
    elif needed == 0:  # a stock or capacity already at its target
        return tr(lang, "recover.reached")
    else:
        key = "recover.change" if needed >= 0 else "recover.change_down"
        when = day(deadline, lang) if deadline else ""
        text = tr(lang, key, needed=q(abs(needed)), deadline=when)
        tail = (
            tr(lang, "recent.change", recent=signed(recent, unit, lang))
            if recent is not None
            else ""
        )
    return text + (tail or tr(lang, "recent.none"))
