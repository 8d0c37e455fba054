"""Durations in days and hours, dates and moments, as each language writes them."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo

from services.language.model import Language

__all__ = ["day", "duration", "moment"]

_EN_UNITS = (("day", "days"), ("hour", "hours"), ("minute", "minutes"))
_ZH_UNITS = ("天", "小时", "分钟")


def duration(length: timedelta, lang: Language) -> str:
    """How long, to the hour past a day, to the minute below: 5 days 1 hour / 5天1小时,
    3 hours 20 minutes / 3小时20分钟, under a minute / 不到1分钟."""
    minutes = max(0, round(length.total_seconds() / 60))
    if minutes >= 24 * 60:
        hours = round(minutes / 60)
        parts = [hours // 24, hours % 24, 0]
    else:
        parts = [0, minutes // 60, minutes % 60]
    if not any(parts):
        return "不到1分钟" if lang is Language.ZH else "under a minute"
    if lang is Language.ZH:
        return "".join(f"{n}{unit}" for n, unit in zip(parts, _ZH_UNITS, strict=True) if n)
    return " ".join(
        f"{n} {one if n == 1 else many}"
        for n, (one, many) in zip(parts, _EN_UNITS, strict=True)
        if n
    )


def day(when: date | datetime, lang: Language, tz: tzinfo | None = None) -> str:
    """A date: 2025年12月31日 (zh), 2025-12-31 (en); a datetime in ``tz`` first."""
    if isinstance(when, datetime):
        when = when.astimezone(tz).date() if tz is not None else when.date()
    if lang is Language.ZH:
        return f"{when.year}年{when.month}月{when.day}日"
    return when.isoformat()


def moment(when: datetime, lang: Language, tz: tzinfo) -> str:
    """A time in ``tz``: 2026年3月2日 16:00 (zh, UTC+8 unsaid), 2026-03-02 16:00 CST (en)."""
    local = when.astimezone(tz)
    zone = local.tzname() or local.strftime("%z")
    if lang is Language.ZH:
        offset = local.utcoffset()
        suffix = "" if offset == timedelta(hours=8) else f" ({_utc_offset(offset)})"
        return f"{day(local, lang)} {local:%H:%M}{suffix}"
    return f"{local:%Y-%m-%d %H:%M} {zone}"


def _utc_offset(offset: timedelta | None) -> str:
    minutes = round((offset or timedelta(0)).total_seconds() / 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
