"""The dispatcher's /healthz: healthy while passes end, and during its first pass."""

from datetime import UTC, datetime, timedelta

from services.commands.oncall import _health

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_a_dispatcher_in_its_first_pass_is_healthy_for_the_grace() -> None:
    ok, details = _health(None, T0, poll=5, now=T0 + timedelta(seconds=2))
    assert ok and details == {"last_pass": None, "started": T0.isoformat()}
    ok, _ = _health(None, T0, poll=5, now=T0 + timedelta(seconds=46))
    assert not ok  # a first pass that never ends is a stuck dispatcher


def test_health_follows_the_last_pass_once_there_is_one() -> None:
    last = T0 + timedelta(minutes=10)
    assert _health(last, T0, poll=5, now=last + timedelta(seconds=44)) == (
        True,
        {"last_pass": last.isoformat()},
    )
    ok, _ = _health(last, T0, poll=5, now=last + timedelta(seconds=45))
    assert not ok  # passes stopped ending (the database is down): degraded
