"""The Dockerfile: what it copies exists and reaches the build context, the ports it exposes
are the services' own, and its settings are ontrack's."""

from __future__ import annotations

import fnmatch

from tests.fixtures.paths import ROOT
from tests.unit.deploy.project import DEFAULTS, PORTS, dockerfile, dockerfile_env, setting_vars


def sources() -> list[str]:
    found = []
    for word, rest in dockerfile():
        if word == "COPY" and not rest.startswith("--from"):
            *srcs, _dest = rest.split()
            found += srcs
    return found


def test_every_copied_path_exists_and_is_in_the_build_context() -> None:
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [p for p in ignore if p and not p.startswith("#")]
    assert patterns[0] == "*", "the context is an allow-list"
    allowed = [p[1:].rstrip("/") for p in patterns if p.startswith("!")]
    for src in sources():
        assert (ROOT / src).exists(), src
        assert any(
            src == a or src.startswith(a + "/") or fnmatch.fnmatch(src, a) for a in allowed
        ), f"{src} is copied but .dockerignore keeps it out of the context"


def stages() -> list[list[tuple[str, str]]]:
    """The instructions of each stage, FROM first."""
    out: list[list[tuple[str, str]]] = []
    for word, rest in dockerfile():
        if word == "FROM":
            out.append([])
        out[-1].append((word, rest))
    return out


def test_a_build_stage_makes_the_wheel_with_the_data_inside() -> None:
    build, _runtime = stages()
    assert build[0][1].endswith(" AS build")
    copied = {src for word, rest in build if word == "COPY" for src in rest.split()[:-1]}
    assert {"pyproject.toml", "README.md", "LICENSE", "services"} <= copied  # services/data too
    assert ("RUN", "pip wheel --no-deps --wheel-dir /wheels .") in build


def test_the_runtime_stage_installs_the_locked_dependencies_and_the_wheel_only() -> None:
    _build, runtime = stages()
    runs = [rest for word, rest in runtime if word == "RUN"]
    copies = [rest for word, rest in runtime if word == "COPY"]
    assert copies == [
        "requirements.lock /tmp/requirements.lock",
        "--from=build /wheels /tmp/wheels",
    ]
    assert any(
        "pip install --require-hashes --only-binary :all: -r /tmp/requirements.lock" in r
        for r in runs
    )
    assert any("pip install --no-deps /tmp/wheels/*.whl" in r for r in runs)
    assert not any(" -e " in r or "--editable" in r for r in runs), "no source tree in the image"
    for tool in ("gcc", "g++", "build-essential", "make ", "clang"):
        assert not any(tool in r for r in runs), f"{tool}: the runtime stage compiles nothing"


def test_exposed_ports_are_the_services_defaults_and_hosts_every_interface() -> None:
    (exposed,) = [rest for word, rest in dockerfile() if word == "EXPOSE"]
    assert {int(p) for p in exposed.split()} == {getattr(DEFAULTS, f) for f, _ in PORTS.values()}
    env = dockerfile_env()
    assert {k for k in env if k.startswith("ONTRACK_")} <= setting_vars()
    for var in ("ONTRACK_API_HOST", "ONTRACK_WORKER_WEB_HOST", "ONTRACK_ALERTS_WEB_HOST"):
        assert env[var] == "0.0.0.0"
    assert env["ONTRACK_NOTIFY_WEB_HOST"] == "0.0.0.0"


def test_it_runs_the_ontrack_command_as_a_non_root_user() -> None:
    words = dict(dockerfile())
    assert words["ENTRYPOINT"] == '["ontrack"]'
    assert words["USER"].split(":")[0] != "0"
