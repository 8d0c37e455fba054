"""Choosing the language, the catalogue's two languages, durations, dates and tables."""

from __future__ import annotations

import string
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from services.language import (
    MESSAGES,
    Language,
    LanguageError,
    day,
    duration,
    from_locale,
    moment,
    parse_language,
    table,
    tr,
    width,
)

ZH, EN = Language.ZH, Language.EN


@pytest.mark.parametrize(
    ("text", "lang"),
    [("zh-CN", ZH), ("zh", ZH), ("zh_CN.UTF-8", ZH), ("ZH-cn", ZH), ("zh-Hans", ZH),
     ("en", EN), ("en-GB", EN), ("en_US.UTF-8", EN), ("C", EN), ("POSIX", EN)],
)  # fmt: skip
def test_parse_language(text: str, lang: Language) -> None:
    assert parse_language(text) is lang


@pytest.mark.parametrize("text", ["fr", "zh-TW", "", "chinese", "de_DE.UTF-8"])
def test_a_language_we_do_not_write_is_refused_saying_which_we_do(text: str) -> None:
    with pytest.raises(LanguageError, match="use zh-CN .Chinese. or en .English."):
        parse_language(text)


@pytest.mark.parametrize(
    ("env", "lang"),
    [
        ({}, EN),
        ({"LANG": "zh_CN.UTF-8"}, ZH),
        ({"LANG": "en_US.UTF-8"}, EN),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, ZH),
        ({"LC_ALL": "C.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8", "LANG": "zh_CN"}, EN),
        ({"LC_ALL": "", "LANG": "zh_SG"}, ZH),  # an empty variable does not count
    ],
)
def test_language_from_the_locale(env: dict[str, str], lang: Language) -> None:
    assert from_locale(env) is lang


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_both_languages_with_the_same_placeholders(key: str) -> None:
    english, chinese = MESSAGES[key]
    assert key.endswith(".sep") or (english.strip() and chinese.strip()), key
    assert _fields(english) == _fields(chinese), key


def test_tr() -> None:
    assert tr(ZH, "status.off_track") == "落后进度" and tr(EN, "status.off_track") == "off track"
    assert tr(ZH, "gap.behind", pct="6.1%") == "落后6.1%"
    with pytest.raises(KeyError):
        tr(EN, "no.such.message")


@pytest.mark.parametrize(
    ("length", "zh", "en"),
    [
        (timedelta(days=41, hours=1, minutes=2, seconds=3.5), "41天1小时", "41 days 1 hour"),
        (timedelta(days=1, minutes=20), "1天", "1 day"),
        (timedelta(days=2, hours=23, minutes=40), "3天", "3 days"),
        (timedelta(hours=3, minutes=20, milliseconds=7), "3小时20分钟", "3 hours 20 minutes"),
        (timedelta(minutes=1), "1分钟", "1 minute"),
        (timedelta(seconds=29), "不到1分钟", "under a minute"),
        (timedelta(seconds=-5), "不到1分钟", "under a minute"),
    ],
)
def test_durations_in_days_and_hours(length: timedelta, zh: str, en: str) -> None:
    assert duration(length, ZH) == zh and duration(length, EN) == en


def test_dates_and_moments() -> None:
    assert (
        day(date(2025, 12, 31), ZH) == "2025年12月31日"
        and day(date(2025, 12, 31), EN) == "2025-12-31"
    )
    t = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    shanghai = ZoneInfo("Asia/Shanghai")
    assert moment(t, ZH, shanghai) == "2026年3月2日 16:00"
    assert moment(t, EN, shanghai) == "2026-03-02 16:00 CST"
    assert (
        moment(t, ZH, timezone(timedelta(hours=-5, minutes=-30))) == "2026年3月2日 02:30 (UTC-5:30)"
    )
    assert day(t, ZH, shanghai) == "2026年3月2日"


def test_tables_line_up_with_chinese_in_them() -> None:
    assert width("目标") == 4 and width("abc") == 3 and width("（PM2.5）") == 9
    lines = table(
        [("目标", "实际"), ("2025年重污染天数", "1天"), ("x", "3,243万")], right=frozenset({1})
    )
    assert [width(line) for line in lines] == [width(lines[1])] * 3
    assert lines[2].endswith("3,243万") and lines[0].startswith("目标  ")
