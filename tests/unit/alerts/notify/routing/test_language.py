"""A receiver's language in the routes files: its own, the files' default, else the process's."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from services.alerts.notify.errors import RouteFileError
from services.alerts.notify.receivers import build_senders
from services.alerts.notify.receivers.email import EmailSender, SmtpServer
from services.alerts.notify.routing.file import load_routes
from services.language import Glossary, Language
from tests.fixtures.paths import DATA

ROUTES = """\
version: 1
{top}receivers:
  - name: office
    email: {{to: [duty@example.org]}}
{office}  - name: hook
    webhook: {{url: "https://hooks.example.org/x", secrets_env: [HOOK]}}
{hook}  - name: am
    alertmanager: {{ttl: 2h}}
route:
  receiver: office
"""


def routes(tmp_path: Path, top: str = "", office: str = "", hook: str = "") -> Path:
    path = tmp_path / "routes.yaml"
    path.write_text(ROUTES.format(top=top, office=office, hook=hook), encoding="utf-8")
    return path


def languages(path: Path, fallback: Language) -> dict[str, Language]:
    config = load_routes(path)
    return {name: config.language_of(name, fallback) for name in config.receivers}


def test_each_receiver_reads_its_own_language_else_the_default_else_the_process(
    tmp_path: Path,
) -> None:
    en, zh = Language.EN, Language.ZH
    plain = routes(tmp_path)
    assert languages(plain, zh) == {"office": zh, "hook": zh, "am": zh}
    assert languages(plain, en) == {"office": en, "hook": en, "am": en}
    own = routes(tmp_path, office="    language: zh-CN\n", hook="    language: en\n")
    assert languages(own, en) == {"office": zh, "hook": en, "am": en}
    default = routes(tmp_path, top="language: zh-CN\n", hook="    language: en\n")
    assert languages(default, en) == {"office": zh, "hook": en, "am": zh}


def test_the_shipped_routes_write_to_the_plan_office_in_chinese() -> None:
    config = load_routes(DATA / "routes")
    assert config.language is Language.ZH
    assert config.language_of("plan-office-mail", Language.EN) is Language.ZH
    assert config.language_of("alertmanager", Language.ZH) is Language.EN


@pytest.mark.parametrize(
    ("changes", "line", "message"),
    [
        ({"office": "    language: fr\n"}, 5, "receiver 'office': language 'fr' is not one"),
        ({"top": "language: chinese\n"}, 2, "the file: language 'chinese' is not one"),
        ({"hook": "    language: [en, zh-CN]\n"}, 7, "a single value is expected here"),
        ({"office": "    lang: en\n"}, 5, "unknown key `lang`"),
    ],
)
def test_a_language_we_do_not_write_is_refused_with_its_line_and_the_fix(
    tmp_path: Path, changes: dict[str, str], line: int, message: str
) -> None:
    path = routes(tmp_path, **changes)
    with pytest.raises(RouteFileError) as caught:
        load_routes(path)
    found = [p for p in caught.value.problems if message in p.message]
    assert found, str(caught.value)
    assert found[0].line == line, str(found[0])
    if "language" in message:
        assert found[0].fix == "write language: zh-CN (Chinese) or language: en (English)"
    if "lang`" in message:
        assert "did you mean `language`?" in found[0].fix


def test_two_files_must_agree_on_the_default(tmp_path: Path) -> None:
    head, _, tree = ROUTES.format(top="language: zh-CN\n", office="", hook="").partition("route:\n")
    (tmp_path / "a.yaml").write_text(head)
    (tmp_path / "b.yaml").write_text("language: en\nroute:\n" + tree)
    with pytest.raises(RouteFileError, match="the default language is en here but zh-CN at"):
        load_routes(tmp_path)
    (tmp_path / "b.yaml").write_text("language: zh\nroute:\n" + tree)
    assert load_routes(tmp_path).language is Language.ZH


def test_each_sender_speaks_its_receivers_language(tmp_path: Path) -> None:
    config = load_routes(routes(tmp_path, office="    language: zh-CN\n"))
    names = Glossary(indicators={"air.pm25": ("PM2.5", "细颗粒物")})
    senders = build_senders(
        config, {"HOOK": "s"}, httpx.AsyncClient(), smtp=SmtpServer("127.0.0.1", 25, "o@x"),
        alertmanager_url="http://am", language=Language.EN, names=names,
    )  # fmt: skip
    office = senders["office"]
    assert isinstance(office, EmailSender)
    assert office.voice.lang is Language.ZH and office.voice.names is names
    assert {n: s.voice.lang for n, s in senders.items() if n != "office"} == {  # type: ignore[attr-defined]
        "hook": Language.EN,
        "am": Language.EN,
    }
