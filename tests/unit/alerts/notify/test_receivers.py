from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import orjson

from services.alerts.notify.chart import ChartData
from services.alerts.notify.message import Message
from services.alerts.notify.receivers.alertmanager import alerts_of
from services.alerts.notify.receivers.email import build_mail
from services.alerts.notify.receivers.webhook import body_of
from tests.unit.alerts.notify.builders import T0, alert, at, firing, resolved

FP = "a1b2c3d4e5f60718"
CHART = ChartData(actual=((T0, 40.0), (T0 + timedelta(days=30), 38.0)), trajectory=((T0, 40.0),))


def test_mail_has_text_html_and_one_chart_per_alert() -> None:
    a, b = alert(FP), alert("b" * 16)
    m = Message.of("mail", "g", [firing(a), firing(b)])
    mail = build_mail(m, ("duty@example.org",), "ontrack@example.org", at(1),
                      charts={firing(a).dedup_key: CHART}, base_url=None)  # fmt: skip
    parsed = message_from_bytes(mail.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["Subject"] == "[FIRING page] 2 alerts: off-trajectory-page"
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


def test_mail_without_charts_is_plain_alternative() -> None:
    m = Message.of("mail", "g", [resolved(alert(FP), 30)])
    mail = build_mail(m, ("a@b.org", "c@d.org"), "x@y.org", at(31))
    assert mail.get_content_type() == "multipart/alternative"
    assert mail["To"] == "a@b.org, c@d.org"
    assert not [p for p in mail.walk() if p.get_content_maintype() == "image"]


def test_alertmanager_body() -> None:
    a = alert(FP, **{"plan.id": "p-1"})
    m = Message.of("am", "g", [firing(a), resolved(a, 90)])
    fire, done = alerts_of(m, at(2), timedelta(hours=1), "http://api:8080")
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
    assert fire["annotations"]["summary"].startswith("air.pm25.2025")
    assert fire["annotations"]["ontrack_dedup_key"] == firing(a).dedup_key
    assert fire["generatorURL"] == f"http://api:8080/v1/alerts/{FP}"


def test_webhook_body() -> None:
    a = alert(FP)
    m = Message.of("hook", "g", [firing(a)])
    doc = orjson.loads(body_of(m, at(1)))
    assert doc["message_id"] == m.id and doc["status"] == "firing" and doc["digest"] is False
    assert [n["dedup_key"] for n in doc["notifications"]] == [firing(a).dedup_key]
    assert doc["notifications"][0]["labels"]["target"] == "air.pm25.2025"
