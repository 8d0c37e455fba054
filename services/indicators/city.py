"""The city's calendar: its time zone, the one source of it for Python and SQL.

Days, months and years of the plans are the city's (Qingdao: China Standard Time). Python
uses a fixed UTC+8 offset (China has kept no daylight saving since 1991, and a fixed
offset converts several times faster than a ``ZoneInfo``); SQL gets the zone's name, for
``time_bucket(..., timezone => ...)`` and ``SET TimeZone``.
"""

from __future__ import annotations

from datetime import timedelta, timezone

__all__ = ["CITY_TZ", "CITY_TZ_NAME"]

CITY_TZ_NAME = "Asia/Shanghai"
CITY_TZ = timezone(timedelta(hours=8), CITY_TZ_NAME)
