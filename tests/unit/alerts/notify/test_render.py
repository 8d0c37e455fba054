"""Messages written for people, in Chinese and English: what is off, by how much, since when,
what it takes, who pulls it off, what to do, how to acknowledge — never a dump of the
engine's explanation, a float in scientific notation, a server path or a millisecond."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from services.alerts.notify.message import AlertSnapshot, Message, Notification, repeat_of
from services.alerts.notify.render import html_body, subject, text
from services.alerts.notify.story import Voice, headline_of, story_of
from services.language import Language
from tests.unit.alerts.notify.builders import (
    NAMES,
    alert,
    at,
    firing,
    five_g,
    resolved,
    stale,
    threshold,
)

ZH, EN = Language.ZH, Language.EN
SHANGHAI = ZoneInfo("Asia/Shanghai")
API = "http://api.example:8080"


def voice(lang: Language) -> Voice:
    return Voice(lang, NAMES, SHANGHAI, API)


def body(n: Notification, lang: Language) -> str:
    return text(Message.of("plan-office-mail", "g", [n]), voice(lang))


E_NOTATION = re.compile(r"\d[eE][+-]\d")
FIELD_DUMP = re.compile(
    r"\b(?:feed|rule|series|signal|gap|target|actual|projection|pace)\.[a-z_]+:"
)
MILLISECONDS = re.compile(r"\d\s*ms\b|\.\d{3}\s*s\b")

ALERTS = {"off-trajectory": alert, "burn-rate": five_g, "stale": stale, "threshold": threshold}


@pytest.mark.parametrize("lang", [EN, ZH])
@pytest.mark.parametrize("make", ALERTS.values(), ids=ALERTS.keys())
def test_no_dump_no_e_notation_no_paths(make: object, lang: Language) -> None:
    a = make()  # type: ignore[operator]
    for n in (firing(a), repeat_of(a, 3, at(3 * 24 * 60), a.explanation["signal"]["value"]),
              resolved(a, 90)):  # fmt: skip
        shown = body(n, lang) + html_body(Message.of("m", "g", [n]), voice(lang))
        assert not E_NOTATION.search(shown), shown
        assert not FIELD_DUMP.search(shown), shown
        assert not MILLISECONDS.search(shown), shown
        for leak in ("/srv/", ".yaml", "defined_at", ".txt", "silent_seconds", "breaching", "e-05"):
            assert leak not in shown, (leak, shown)
        assert len(body(n, lang).splitlines()) < 22  # a page, not 25+ lines per alert


def test_english_off_trajectory_says_what_by_how_much_since_when_and_what_it_takes() -> None:
    a = alert()
    shown = body(firing(a, 0), EN)
    for expected in (
        "[FIRING] PM2.5 concentration (2025) is 17.3% behind its trajectory",
        "Now: 38.2 µg/m³ where the trajectory expects 32.6 µg/m³ (behind by 17.3%); "
        "target: at most 30 µg/m³ by 2025-12-31. Status: off track. 304 days left.",
        "Since: firing since 2026-03-02 16:00 CST",
        "To recover: an average of at most 28.7 µg/m³ for the rest of 2025; "
        "the last 30 days averaged 41.3 µg/m³",
        "Outlook: on the recent trend, 33.1 µg/m³ by 2025-12-31 (between 31 µg/m³ and "
        "35.4 µg/m³); <1% likely to meet the target.",
        "Plan: Qingdao three-year action plan (2023-2025), 五（四）57.持续深入打好蓝天保卫战: "
        "“到2025年，细颗粒物（PM2.5）浓度控制在30微克/立方米以内，基本消除重污染天气。”",
        "What to do: Check with the responsible department",
        "Pulling it off:",
        "- qd-pingdu-1: 47.5 µg/m³ on average, moves the city mean by +0.85 µg/m³",
        f'Acknowledge: ontrack alert ack {a.fingerprint} --note "…"',
        f'or POST {API}/v1/alerts/{a.fingerprint}/ack with {{"note": "…"}}',
        f"Full explanation: {API}/v1/alerts/{a.fingerprint}",
    ):
        assert expected in shown, f"{expected!r} not in\n{shown}"
    assert "qd-shinan-1" not in shown  # it pulls the target on, not off
    assert "qd-jimo-1" not in shown  # the top three only


def test_chinese_off_trajectory() -> None:
    a = alert()
    shown = body(firing(a, 0), ZH)
    for expected in (
        "[告警] 2025年细颗粒物（PM2.5）浓度落后进度轨迹17.3%",
        "现状：38.2微克/立方米，按进度轨迹应为32.6微克/立方米（落后17.3%）；"
        "目标：2025年12月31日前不高于30微克/立方米。状态：落后进度。剩余304天。",
        "时间：自2026年3月2日 16:00起告警",
        "恢复所需：2025年余下时间平均需不高于28.7微克/立方米；近30天平均41.3微克/立方米",
        "达标概率<1%",
        "规划依据：《青岛市深化新旧动能转换推动绿色低碳高质量发展三年行动计划（2023—2025年）》"
        "五（四）57.持续深入打好蓝天保卫战：“到2025年，细颗粒物（PM2.5）浓度控制在30微克/立方米以内",
        "处置建议：请与责任部门核实最新数据是否完整",
        "主要拖累来源：",
        "- qd-pingdu-1：平均47.5微克/立方米，使全市均值变动+0.85微克/立方米",
        f'确认处理：ontrack alert ack {a.fingerprint} --note "……"',
        f"完整说明：{API}/v1/alerts/{a.fingerprint}",
    ):
        assert expected in shown, f"{expected!r} not in\n{shown}"
    english = re.findall(r"[A-Za-z]{4,}", shown.replace("ontrack", "").replace("note", ""))
    names = {"plan", "office", "mail", "pingdu", "laixi", "jiaozhou"}  # receiver, stations
    assert set(english) <= {"alert", "POST", "http", "example", "alerts", *names}, english


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            EN,
            [
                "5G base stations built (2026) needs 1.29× its recent pace to reach its target",
                "Now: 37,011 stations where the trajectory expects 39,415 stations "
                "(behind by 6.1%); target: at least 40,000 stations by 2026-12-31.",
                "To recover: 2,843 stations more a month until 2026-12-31; recently +100 "
                "stations a month",
                "between 37,378 stations and 38,493 stations",
                "- laixi:cmcc: 7% of the total, +13 stations in 90 days",
                "- jiaozhou:cmcc: 6% of the total, +11 stations in 90 days",
            ],
        ),
        (
            ZH,
            [
                "2026年5G基站数量推进偏慢：所需进度为近期进度的1.29倍",
                "现状：3.7万个，按进度轨迹应为3.94万个（落后6.1%）；目标：2026年12月31日前达到4万个。",
                "恢复所需：至2026年12月31日每月需净增2843个；近期每月变动+100个",
                "区间3.74万个至3.85万个",
                "《关于聚力打造“六个城市”的意见》二（五）建设全国数字经济发展高地：“到2026年,全市5G基站数量突破4万个。”",
                "- laixi:cmcc：占7%，近90天+13个",
            ],
        ),
    ],
)
def test_a_stock_and_its_contributors_with_their_share(lang: Language, expected: list[str]) -> None:
    shown = body(firing(five_g()), lang)
    for line in expected:
        assert line in shown, f"{line!r} not in\n{shown}"
    assert "jimo:cmcc" not in shown  # the top three only


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            EN,
            [
                "[FIRING] No data from qd-pingdu-1 (PM2.5 concentration) for 41 days 1 hour",
                "Now: last reading 2026-01-20 15:00 CST; the source reports every 1 hour.",
                "What to do: Call the operator of station qd-pingdu-1.",
                "https://wiki.example.org/runbooks/air-station-silent",
            ],
        ),
        (
            ZH,
            [
                "[告警] 细颗粒物（PM2.5）浓度数据源qd-pingdu-1已41天1小时无数据",
                "现状：最后一条数据于2026年1月20日 15:00，该数据源应每1小时报送一次。",
                "处置建议：请联系qd-pingdu-1站点的运维单位。",
            ],
        ),
    ],
)
def test_a_silent_station_in_days_and_hours_with_its_rules_runbook(
    lang: Language, expected: list[str]
) -> None:
    shown = body(firing(stale()), lang)
    for line in expected:
        assert line in shown, f"{line!r} not in\n{shown}"
    assert "3546000" not in shown and "3.546" not in shown


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            EN,
            [
                "PM2.5 concentration at qd-chengyang-1: 182 µg/m³, above 150 µg/m³",
                "Now: the mean over 1 hour is 182 µg/m³ (limit 150 µg/m³; clears past 115 µg/m³).",
                "What to do: Confirm the reading with the provider",
            ],
        ),
        (
            ZH,
            [
                "qd-chengyang-1细颗粒物（PM2.5）浓度为182微克/立方米，超过150微克/立方米",
                "现状：1小时均值为182微克/立方米（阈值150微克/立方米，回到115微克/立方米以内后解除）。",
            ],
        ),
    ],
)
def test_a_threshold(lang: Language, expected: list[str]) -> None:
    shown = body(firing(threshold()), lang)
    for line in expected:
        assert line in shown, f"{line!r} not in\n{shown}"


@pytest.mark.parametrize(
    ("lang", "headline", "since"),
    [
        (
            EN,
            "[RESOLVED] Resolved: PM2.5 concentration (2025) (behind its trajectory)",
            "fired 2026-03-02 16:00 CST, resolved 2026-03-02 17:30 CST after 1 hour 30 minutes",
        ),
        (
            ZH,
            "[已解除] 已解除：2025年细颗粒物（PM2.5）浓度（落后进度轨迹）",
            "2026年3月2日 16:00告警，2026年3月2日 17:30解除，持续1小时30分钟",
        ),
    ],
)
def test_resolved_says_when_and_asks_nothing(lang: Language, headline: str, since: str) -> None:
    shown = body(resolved(alert(), 90), lang)
    assert headline in shown and since in shown, shown
    assert "ontrack alert ack" not in shown  # nothing left to acknowledge
    assert "/v1/alerts/" in shown  # the explanation is still one link away


def test_a_repeat_says_for_how_long_with_the_latest_numbers() -> None:
    a = alert()
    now = replace(a, explanation={**a.explanation, "expected": 33.0})
    n = repeat_of(now, 6, at(3 * 24 * 60 + 5), 18.0)
    shown = body(n, EN)
    assert "[STILL FIRING] PM2.5 concentration (2025) is 18.0% behind its trajectory" in shown
    assert "firing since 2026-03-02 16:00 CST, for 3 days" in shown
    assert "where the trajectory expects 33 µg/m³" in shown
    assert "已持续3天" in body(n, ZH)


def test_an_alert_without_explanation_still_reads() -> None:
    bare = AlertSnapshot(fingerprint="ab" * 8, rule_id="custom-rule", severity="info",
                         labels={"target": "no.such.target"}, fired_at=at(0))  # fmt: skip
    shown = body(firing(bare, value=3.0), ZH)
    assert "custom-rule：no.such.target" in shown
    assert "处置建议：请查看完整说明" in shown


@pytest.mark.parametrize(
    ("lang", "one", "many", "digest"),
    [
        (
            EN,
            "[FIRING page] PM2.5 concentration (2025) is 17.3% behind its trajectory",
            "[FIRING page] 2 alerts: PM2.5 concentration (2025), 5G base stations built (2026)",
            "[DIGEST] 2 notifications held by the rate limit (1 firing, 1 resolved)",
        ),
        (
            ZH,
            "【告警·紧急】2025年细颗粒物（PM2.5）浓度落后进度轨迹17.3%",
            "【告警·紧急】2条告警：2025年细颗粒物（PM2.5）浓度、2026年5G基站数量",
            "【汇总】限流期间暂存的2条通知（告警中1条、已解除1条）",
        ),
    ],
)
def test_subjects(lang: Language, one: str, many: str, digest: str) -> None:
    a, b = alert(), five_g()
    assert subject(Message.of("m", "g", [firing(a)]), voice(lang)) == one
    assert subject(Message.of("m", "g", [firing(a), firing(b)]), voice(lang)) == many
    both = Message.of("m", "g", [firing(a), resolved(b, 3)], digest=True)
    assert subject(both, voice(lang)) == digest


def test_html_has_the_chart_escapes_and_says_its_language() -> None:
    a = alert()
    n = firing(a)
    page = html_body(Message.of("m", "g", [n]), voice(ZH), {n.dedup_key: "chart-1@ontrack"})
    assert "<html lang='zh-CN'>" in page
    assert "<img src='cid:chart-1@ontrack' alt='2025年细颗粒物（PM2.5）浓度趋势图'>" in page
    assert "<li>qd-pingdu-1：平均47.5微克/立方米" in page
    hostile = replace(a, labels={"target": "<script>x</script>"}, explanation={})
    page = html_body(Message.of("m", "g", [firing(hostile, value=1.0)]), voice(EN))
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_story_description_is_the_facts_in_plain_lines() -> None:
    story = story_of(firing(five_g()), voice(ZH))
    lines = story.description().splitlines()
    assert lines[0].startswith("现状：3.7万个")
    assert any(line.startswith("主要拖累来源：laixi:cmcc：占7%") for line in lines)
    assert lines[-1] == f"完整说明：{API}/v1/alerts/0123456789abcdef"


def test_headline_of_a_stored_alert() -> None:
    row = {
        "fingerprint": "0123456789abcdef", "rule_id": "burn-rate-slow", "severity": "ticket",
        "state": "firing", "labels": {"target": "telecom.5g_base_stations.2026"},
        "annotations": {}, "explanation": five_g().explanation, "last_value": 1.5,
        "fired_at": at(0), "since": at(0), "resolved_at": None,
    }  # fmt: skip
    assert (
        headline_of(row, voice(ZH), at(10)) == "2026年5G基站数量推进偏慢：所需进度为近期进度的1.5倍"
    )
    done = {**row, "state": "resolved", "resolved_at": at(5)}
    assert headline_of(done, voice(EN), at(10)) == (
        "Resolved: 5G base stations built (2026) (progressing too slowly)"
    )


def test_durations_are_days_and_hours() -> None:
    a = stale()
    n = replace(firing(a), at=at(0) + timedelta(days=2, hours=5, minutes=1, seconds=7.25))
    shown = body(n, EN)
    assert "for 2 days 5 hours" in shown and "seconds" not in shown
