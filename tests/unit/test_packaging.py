"""The package as it is distributed: its licence, the data files the wheel carries, and lock
files that pin what pyproject.toml asks for (runtime without the development extras)."""

from __future__ import annotations

import re
import tomllib
from functools import cache

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.fixtures.paths import DATA, ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]
_PIN = re.compile(r"^([A-Za-z0-9._-]+)==(\S+) \\$", re.MULTILINE)


@cache
def pins(name: str) -> dict[str, str]:
    """Package (canonical name) → pinned version, of a lock file."""
    text = (ROOT / name).read_text(encoding="utf-8")
    return {canonicalize_name(n): v for n, v in _PIN.findall(text)}


def test_the_licence_is_apache_2_as_an_spdx_expression() -> None:
    assert PROJECT["license"] == "Apache-2.0"
    assert PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text


def test_every_data_file_goes_into_the_wheel() -> None:
    """setuptools globs package-data (``*`` stops at a ``/``): every file of services/data is
    matched, except the promtool tests of the rules, which stay in the repository."""
    setuptools = PYPROJECT["tool"]["setuptools"]

    def matched(key: str) -> set[str]:
        return {
            p.relative_to(DATA).as_posix()
            for pattern in setuptools[key]["services.data"]
            for p in DATA.glob(pattern)
        }

    files = {
        p.relative_to(DATA).as_posix()
        for p in DATA.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc")
    }
    kept, dropped = matched("package-data"), matched("exclude-package-data")
    assert files and not kept & dropped
    assert files - kept == dropped, "add the file to package-data, or leave it out on purpose"
    assert all(name.startswith("prometheus/tests/") for name in dropped)


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_each_lock_pins_everything_with_hashes(lock: str) -> None:
    text = (ROOT / lock).read_text(encoding="utf-8")
    blocks = [b for b in re.split(r"\n(?=\S)", text) if b and not b.startswith("#")]
    assert blocks
    for block in blocks:
        assert _PIN.match(block), block.splitlines()[0]
        assert "--hash=sha256:" in block, block.splitlines()[0]
    assert "ontrack" not in pins(lock) and "file://" not in text


def test_the_runtime_lock_satisfies_the_runtime_dependencies_and_leaves_the_extras_out() -> None:
    runtime = pins("requirements.lock")
    for spec in PROJECT["dependencies"]:
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        assert name in runtime, f"{req.name} is not in requirements.lock: run `make lock`"
        assert req.specifier.contains(runtime[name], prereleases=True), (req, runtime[name])
    for extra in ("stack", "dashboards"):
        for spec in PROJECT["optional-dependencies"][extra]:
            assert canonicalize_name(Requirement(spec).name) not in runtime, spec


def test_the_dev_lock_has_the_runtime_versions_and_every_extra() -> None:
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {n: dev.get(n) for n in runtime} == runtime
    extras = PROJECT["optional-dependencies"]
    (itself,) = [Requirement(s) for s in extras["dev"] if Requirement(s).name == "ontrack"]
    assert itself.extras == set(extras) - {"dev"}, "dev pulls in every other extra"
    for spec in [s for name in itself.extras for s in extras[name]] + extras["dev"]:
        req = Requirement(spec)
        if req.name == "ontrack":
            continue
        name = canonicalize_name(req.name)
        assert name in dev, f"{req.name} is not in requirements-dev.lock: run `make lock`"
        assert req.specifier.contains(dev[name], prereleases=True), (req, dev[name])
