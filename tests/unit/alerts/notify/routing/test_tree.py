from __future__ import annotations

import asyncio
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from services.alerts.notify.errors import DeliveryError, NotifyError, RouteFileError
from services.alerts.notify.message import Message
from services.alerts.notify.receivers import HeldSender, build_senders
from services.alerts.notify.receivers.email import SmtpServer
from services.alerts.notify.routing.file import load_routes
from services.alerts.notify.routing.matchers import parse_matcher
from services.alerts.notify.routing.tree import (
    AlertmanagerTarget,
    EmailTarget,
    RateLimit,
    Receiver,
    Route,
    RouteConfig,
    WebhookTarget,
    group_key,
    missing_env,
    route,
)
from tests.fixtures.paths import DATA


def _email(name: str) -> Receiver:
    return Receiver(name=name, target=EmailTarget(to=(f"{name}@example.org",)))


def _tree() -> RouteConfig:
    """root → mail; page → pager (continue); air → env; region=west → west (its own timing)."""
    m = parse_matcher
    root = Route(
        receiver="mail",
        group_by=("alertname",),
        group_wait=timedelta(seconds=30),
        repeat_interval=timedelta(hours=4),
        routes=(
            Route(
                receiver="pager",
                matchers=(m("severity=page"),),
                continue_=True,
                group_by=("...",),
                repeat_interval=timedelta(minutes=15),
            ),  # fmt: skip
            Route(
                receiver="env",
                matchers=(m('family=~"air|water"'),),
                routes=(
                    Route(receiver="west", matchers=(m("region=west"),), group_wait=timedelta(0)),
                ),  # fmt: skip
            ),
            Route(receiver="port", matchers=(m("family=port"),)),
        ),
    )
    names = ("mail", "pager", "env", "west", "port")
    return RouteConfig(root, {n: _email(n) for n in names})


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({"severity": "ticket", "family": "economy"}, [("mail", "0")]),
        ({"severity": "ticket", "family": "air"}, [("env", "0.1")]),
        ({"severity": "page", "family": "air"}, [("pager", "0.0"), ("env", "0.1")]),
        # a child took it (continue or not): the node's own receiver is not used
        ({"severity": "page", "family": "economy"}, [("pager", "0.0")]),
        ({"severity": "ticket", "family": "water", "region": "west"}, [("west", "0.1.0")]),
        ({"severity": "ticket", "family": "port"}, [("port", "0.2")]),
        ({"severity": "page", "family": "port"}, [("pager", "0.0"), ("port", "0.2")]),
    ],
)
def test_route_tree(labels: dict[str, str], expected: list[tuple[str, str]]) -> None:
    assert [(m.receiver, m.path) for m in route(_tree(), labels)] == expected


def test_children_inherit_and_override() -> None:
    got = {
        m.receiver: m
        for m in route(_tree(), {"severity": "page", "family": "water", "region": "west"})
    }
    assert got["pager"].timing.repeat_interval == timedelta(minutes=15)
    assert got["pager"].timing.group_wait == timedelta(seconds=30)  # inherited
    assert got["west"].timing.group_wait == timedelta(0)
    assert got["west"].timing.repeat_interval == timedelta(hours=4)  # inherited from the root
    assert got["west"].group_by == ("alertname",)
    assert got["pager"].group_by == ("...",)


def test_group_key() -> None:
    [m] = route(_tree(), {"severity": "ticket", "family": "economy", "alertname": "a"})
    same = group_key(m, {"alertname": "a", "target": "x"})
    assert same == group_key(m, {"alertname": "a", "target": "y"})  # grouped by alertname only
    assert same != group_key(m, {"alertname": "b"})
    assert same.startswith("0/{alertname=a}#")
    [pager, _] = route(_tree(), {"severity": "page", "family": "air"})
    assert group_key(pager, {"a": "1", "b": "2"}) != group_key(pager, {"a": "1", "b": "3"})


def test_default_routes_load_and_route() -> None:
    config = load_routes(DATA / "routes")
    assert {r.kind for r in config.receivers.values()} == {"email", "webhook", "alertmanager"}
    page_air = [m.receiver for m in route(config, {"severity": "page", "family": "air"})]
    assert page_air == ["alertmanager", "environment-oncall", "plan-office-mail"]
    ticket = [m.receiver for m in route(config, {"severity": "ticket", "family": "air"})]
    assert ticket == ["plan-office-mail"]
    hook = config.receivers["environment-oncall"]
    assert isinstance(hook.target, WebhookTarget)
    assert missing_env(config, {}) == ["environment-oncall: ONTRACK_WEBHOOK_SECRET"]
    assert missing_env(config, {"ONTRACK_WEBHOOK_SECRET": "s"}) == []


GOOD = """\
version: 1
receivers:
  - name: mail
    email: {to: [a@example.org], password_env: SMTP_PASSWORD}
    rate_limit: {burst: 3, every: 1m}
  - name: hook
    webhook: {url: "https://hooks.example.org/x", secrets_env: [HOOK_NEW, HOOK_OLD]}
    send_resolved: false
  - name: am
    alertmanager: {ttl: 2h}
route:
  receiver: mail
  group_by: [alertname]
  routes:
    - matchers: [severity=page]
      receiver: am
      repeat_interval: 30m
"""


def test_load_good(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(GOOD)
    config = load_routes(tmp_path / "r.yaml")
    assert config.receivers["mail"].rate_limit == RateLimit(burst=3, every=timedelta(minutes=1))
    assert config.receivers["hook"].send_resolved is False
    hook = config.receivers["hook"].target
    assert isinstance(hook, WebhookTarget) and hook.secrets_env == ("HOOK_NEW", "HOOK_OLD")
    am = config.receivers["am"].target
    assert isinstance(am, AlertmanagerTarget) and am.ttl == timedelta(hours=2) and am.url is None


def test_receivers_and_tree_in_separate_files(tmp_path: Path) -> None:
    head, _, tree = GOOD.partition("route:\n")
    (tmp_path / "a-receivers.yaml").write_text(head)
    (tmp_path / "b-tree.yml").write_text("route:\n" + tree)
    assert set(load_routes(tmp_path).receivers) == {"mail", "hook", "am"}


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        # a secret written in the file is refused, pointing at its key
        (
            GOOD.replace("password_env: SMTP_PASSWORD", "password: hunter2"),
            4,
            "`password` would put a secret",
        ),
        # a typo in a key, with a suggestion
        (
            GOOD.replace("repeat_interval: 30m", "repeat_intervall: 30m"),
            17,
            "unknown key `repeat_intervall`",
        ),
        # an undeclared receiver
        (GOOD.replace("receiver: am", "receiver: pager"), 16, "receiver 'pager' is not declared"),
        # a bad matcher
        (GOOD.replace("[severity=page]", "[severity]"), 15, "'severity' is not a matcher"),
        # a bad duration
        (GOOD.replace("30m", "30 minutes"), 17, "is not a duration"),
        # an env var name that is not one (looks like the secret itself)
        (GOOD.replace("HOOK_OLD", "s3cr3t-value"), 7, "not the name of an environment variable"),
        # a URL with credentials
        (GOOD.replace("https://hooks", "https://user:pw@hooks"), 7, "URL carries credentials"),
        # two delivery kinds in one receiver
        (
            GOOD.replace(
                "  - name: am\n    alertmanager",
                "  - name: am\n    webhook: {url: 'http://x/'}\n    alertmanager",
            ),
            9,
            "exactly one of email",
        ),
        # the same receiver twice
        (GOOD.replace("name: hook", "name: mail"), 6, "declared twice"),
        # repeats slower than Alertmanager keeps an alert
        (GOOD.replace("repeat_interval: 30m", "repeat_interval: 3h"), 15, "expires an alert"),
        # not YAML
        (GOOD.replace("route:", "route: [", 1), 13, "not valid YAML"),
        # the root has no receiver
        (
            GOOD.replace("  receiver: mail\n  group_by", "  group_by"),
            12,
            "root `route` has no `receiver`",
        ),
        # a webhook that could not be signed
        (GOOD.replace("[HOOK_NEW, HOOK_OLD]", "[]"), 7, "secrets_env is empty"),
        # a rate limit that is not a number
        (GOOD.replace("burst: 3", "burst: many"), 5, "rate_limit.burst 'many'"),
    ],
)
def test_load_problems(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = tmp_path / "routes.yaml"
    path.write_text(text)
    with pytest.raises(RouteFileError) as caught:
        load_routes(path)
    found = [p for p in caught.value.problems if message in p.message]
    assert found, f"no problem saying {message!r} in:\n{caught.value}"
    assert found[0].file == str(path)
    assert found[0].line == line, str(found[0])
    assert found[0].fix


def test_all_problems_at_once(tmp_path: Path) -> None:
    text = GOOD.replace("password_env: SMTP_PASSWORD", "password: x").replace("30m", "soon")
    (tmp_path / "r.yaml").write_text(text)
    with pytest.raises(RouteFileError) as caught:
        load_routes(tmp_path / "r.yaml")
    assert len(caught.value.problems) == 2
    head, *lines = str(caught.value).splitlines()
    assert head == "2 problem(s) in the routes:"
    assert all(line.startswith(f"{tmp_path / 'r.yaml'}:") for line in lines)


def test_no_tree_and_two_trees(tmp_path: Path) -> None:
    head, _, tree = GOOD.partition("route:\n")
    (tmp_path / "only.yaml").write_text(head)
    with pytest.raises(RouteFileError, match="no `route:` tree"):
        load_routes(tmp_path / "only.yaml")
    (tmp_path / "one.yaml").write_text(GOOD)
    (tmp_path / "two.yaml").write_text(textwrap.dedent("route:\n  receiver: mail\n"))
    with pytest.raises(RouteFileError, match="a second `route:` tree"):
        load_routes(tmp_path)


def test_a_receiver_without_its_secret_stops_the_notifier_or_is_held() -> None:
    config = load_routes(DATA / "routes")
    smtp = SmtpServer("127.0.0.1", 25, "ontrack@localhost")
    client = httpx.AsyncClient()
    with pytest.raises(NotifyError, match="environment-oncall: ONTRACK_WEBHOOK_SECRET"):
        build_senders(config, {}, client, smtp=smtp, alertmanager_url="http://am")
    senders = build_senders(
        config, {}, client, smtp=smtp, alertmanager_url="http://am", hold_unconfigured=True
    )
    held = senders["environment-oncall"]
    assert isinstance(held, HeldSender)
    assert not isinstance(senders["plan-office-mail"], HeldSender)
    with pytest.raises(DeliveryError, match="ONTRACK_WEBHOOK_SECRET not set") as caught:
        asyncio.run(held.send(Message.of("environment-oncall", "g", []), datetime.now(UTC)))
    assert caught.value.retriable  # kept in the outbox, retried with backoff
