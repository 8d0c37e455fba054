from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import orjson

from services.alerts.notify.chart import ChartData
from services.alerts.notify.message import Message
from services.alerts.notify.receivers.alertmanager import alerts_of
from services.alerts.notify.receivers.email import build_mail
from services.alerts.notify.receivers.webhook import body_of
from services.alerts.notify.story import Voice
from services.language import Language
from tests.unit.alerts.notify.builders import NAMES, T0, alert, at, firing, five_g, resolved, stale

FP = "a1b2c3d4e5f60718"
CHART = ChartData(actual=((T0, 40.0), (T0 + timedelta(days=30), 38.0)), trajectory=((T0, 40.0),))
ZH = Voice(Language.ZH, NAMES, ZoneInfo("Asia/Shanghai"), "http://api:8080")
EN = Voice(Language.EN, NAMES, ZoneInfo("Asia/Shanghai"), "http://api:8080")


def test_mail_has_text_html_and_one_chart_per_alert() -> None:
    a, b = alert(FP), alert("b" * 16)
    m = Message.of("mail", "g", [firing(a), firing(b)])
    mail = build_mail(m, ("duty@example.org",), "ontrack@example.org", at(1),
                      charts={firing(a).dedup_key: CHART}, voice=EN)  # fmt: skip
    parsed = message_from_bytes(mail.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["Subject"] == "[FIRING page] 2 alerts: PM2.5 concentration (2025)"
    assert parsed["To"] == "duty@example.org" and parsed["Message-ID"] == f"<{m.id[:32]}@ontrack>"
    assert parsed["X-Ontrack-Dedup-Keys"].split() == list(m.dedup_keys)
    plain = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    assert plain is not None and html is not None
    assert "behind its trajectory" in plain.get_content()
    images = [p for p in parsed.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1
    cid = images[0]["Content-ID"].strip("<>")
    assert f"cid:{cid}" in html.get_content()
    assert images[0].get_content().startswith(b"\x89PNG")


def test_a_chinese_mail() -> None:
    m = Message.of("mail", "g", [firing(five_g())])
    mail = build_mail(m, ("duty@example.org",), "ontrack@example.org", at(1), voice=ZH)
    parsed = message_from_bytes(mail.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["Subject"] == "【告警·工单】2026年5G基站数量推进偏慢：所需进度为近期进度的1.29倍"
    plain = parsed.get_body(("plain",))
    assert plain is not None and "现状：3.7万个" in plain.get_content()


def test_mail_without_charts_is_plain_alternative() -> None:
    m = Message.of("mail", "g", [resolved(alert(FP), 30)])
    mail = build_mail(m, ("a@b.org", "c@d.org"), "x@y.org", at(31))
    assert mail.get_content_type() == "multipart/alternative"
    assert mail["To"] == "a@b.org, c@d.org"
    assert not [p for p in mail.walk() if p.get_content_maintype() == "image"]


def test_alertmanager_body() -> None:
    a = alert(FP, **{"plan.id": "p-1"})
    m = Message.of("am", "g", [firing(a), resolved(a, 90)])
    fire, done = alerts_of(m, at(2), timedelta(hours=1), EN)
    assert fire["labels"] == {
        "target": "air.pm25.2025",
        "family": "air",
        "plan_id": "p-1",  # label names Alertmanager accepts
        "alertname": "off-trajectory-page",
        "severity": "page",
    }
    assert fire["startsAt"] == "2026-03-02T08:00:00Z"
    assert fire["endsAt"] == "2026-03-02T09:02:00Z"  # firing: ttl ahead of now
    assert done["endsAt"] == "2026-03-02T09:30:00Z"  # resolved: when it resolved
    assert fire["annotations"]["summary"] == (
        "PM2.5 concentration (2025) is 17.3% behind its trajectory"
    )
    assert fire["annotations"]["description"].startswith("Now: 38.2 µg/m³ where")
    assert fire["annotations"]["ontrack_dedup_key"] == firing(a).dedup_key
    assert fire["annotations"]["ontrack_value"] == "17.3"
    assert fire["generatorURL"] == f"http://api:8080/v1/alerts/{FP}"


def test_alertmanager_in_chinese_keeps_machine_values_plain() -> None:
    s = stale()
    [fire] = alerts_of(Message.of("am", "g", [firing(s)]), at(2), timedelta(hours=1), ZH)
    assert (
        fire["annotations"]["summary"] == "细颗粒物（PM2.5）浓度数据源qd-pingdu-1已41天1小时无数据"
    )
    assert fire["annotations"]["ontrack_value"] == "3546000"  # never 3.546e+06
    assert (
        fire["annotations"]["runbook_url"] == "https://wiki.example.org/runbooks/air-station-silent"
    )


def test_webhook_body_keeps_machine_fields_and_adds_human_ones() -> None:
    a = alert(FP)
    n = firing(a)
    m = Message.of("hook", "g", [n])
    doc = orjson.loads(body_of(m, at(1), ZH))
    assert doc["message_id"] == m.id and doc["status"] == "firing" and doc["digest"] is False
    assert doc["language"] == "zh-CN"
    assert doc["title"] == "【告警·紧急】2025年细颗粒物（PM2.5）浓度落后进度轨迹17.3%"
    [sent] = doc["notifications"]
    machine = orjson.loads(orjson.dumps(n.payload()))
    assert {k: sent[k] for k in machine} == machine  # every machine field as it was
    assert sent["summary"] == "2025年细颗粒物（PM2.5）浓度落后进度轨迹17.3%"
    assert sent["description"].startswith("现状：38.2微克/立方米")
    assert "主要拖累来源：qd-pingdu-1" in sent["description"]
    assert sent["url"] == f"http://api:8080/v1/alerts/{FP}"
    assert orjson.loads(body_of(m, at(1), EN))["language"] == "en"
