"""The wheel works anywhere: built as the image's build stage builds it, installed in a fresh
virtualenv with the locked runtime dependencies only (no extras), and run from a directory
outside the checkout, with nothing of the checkout on the path.

It needs no server (PyPI, through pip's cache, for the dependencies); the commands that need
one are pointed at closed ports, to show that they load without the extras.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from services.indicators.catalogue import load_catalogue
from services.indicators.plans import load_plans, targets_of
from tests.fixtures.paths import DATA, ROOT
from tests.fixtures.services import free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    elsewhere: Path  # a working directory outside the checkout
    seconds: float  # to build the wheel and install it

    def ontrack(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.venv / "bin" / "ontrack"), *args],
            capture_output=True,
            text=True,
            cwd=self.elsewhere,
            env=_clean() | {"ONTRACK_STACK_DIR": str(self.elsewhere / "stack"), **env},
            timeout=60,
            check=False,
        )


def _clean() -> dict[str, str]:
    """This environment without ontrack's settings and without the checkout on the path (the
    tests run with it on PYTHONPATH: pip would take its ontrack.egg-info for an install)."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ONTRACK_", "PYTHON", "VIRTUAL_ENV"))
    }


def _run(*argv: str | Path, cwd: Path | None = None) -> None:
    done = subprocess.run(
        [str(a) for a in argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_clean(),
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    started = time.monotonic()
    work = tmp_path_factory.mktemp("wheel")
    # what the Dockerfile's build stage copies, and nothing else of the checkout
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "services", source / "services", ignore=shutil.ignore_patterns("__pycache__")
    )
    dist = work / "dist"
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", dist, source)
    (wheel,) = dist.glob("ontrack-*.whl")
    venv = work / "venv"
    _run(sys.executable, "-m", "venv", venv)
    pip = venv / "bin" / "pip"
    lock = ROOT / "requirements.lock"
    _run(pip, "install", "--quiet", "--require-hashes", "--only-binary", ":all:", "-r", lock)
    _run(pip, "install", "--quiet", "--no-deps", wheel)
    _run(pip, "check")  # the lock satisfies what the wheel requires
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    return Installed(wheel, venv, elsewhere, time.monotonic() - started)


def test_the_wheel_carries_the_data_and_the_licence(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    packaged = {
        "services/data/" + p.relative_to(DATA).as_posix()
        for p in DATA.rglob("*")
        if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts
    }
    tests = {n for n in packaged if n.startswith("services/data/prometheus/tests/")}
    assert tests and packaged - tests <= names and not tests & names
    assert f"ontrack-{VERSION}.dist-info/licenses/LICENSE" in names
    assert not any(n.startswith(("tests/", "docs/", "deploy/", "dashboards/")) for n in names)


def test_version_plans_check_and_demo_help_outside_the_checkout(installed: Installed) -> None:
    print(f"built and installed in {installed.seconds:.1f} s")
    version = installed.ontrack("--version")
    assert (version.returncode, version.stdout) == (0, f"ontrack {VERSION}\n"), version.stderr

    check = installed.ontrack("plans", "check")
    plans = load_plans(DATA / "plans", load_catalogue(DATA / "catalogue" / "indicators.yaml"))
    site = next((installed.venv / "lib").glob("python3.*/site-packages"))
    said = f"{site / 'services' / 'data' / 'plans'}: {len(plans)} plans, "
    assert check.returncode == 0, check.stderr
    assert check.stderr == f"{said}{len(targets_of(plans))} targets, ok\n"

    demo = installed.ontrack("demo", "--help")
    assert demo.returncode == 0 and "Replay SIMULATED Qingdao feeds" in demo.stdout, demo.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["stack", "up"], "Tansu) is not installed: pip install 'ontrack[stack]'"),
        (["dashboards", "build", "--out", "boards"], "pip install 'ontrack[dashboards]'"),
        (["dashboards", "check"], "installed from a wheel, without one: run it from a checkout"),
        (["deploy", "configmaps"], "installed from a wheel, without one: run it from a checkout"),
    ],
)
def test_what_the_wheel_leaves_out_is_said_in_one_line(
    installed: Installed, args: list[str], says: str
) -> None:
    done = installed.ontrack(*args)
    lines = done.stderr.splitlines()
    assert done.returncode == 2, done.stderr
    assert lines[-1].startswith("Error: ") and says in lines[-1], done.stderr
    assert "Traceback" not in done.stderr and len(lines) <= 2  # `stack up` says it starts
    assert not (installed.elsewhere / "stack" / "run").exists()  # nothing was started


@pytest.mark.parametrize(
    ("args", "server"),
    [(["alerts"], "Kafka"), (["worker"], "Kafka"), (["targets"], "the database")],
)
def test_the_services_load_without_the_extras(
    installed: Installed, args: list[str], server: str
) -> None:
    closed = f"127.0.0.1:{free_port()}"
    done = installed.ontrack(
        *args,
        ONTRACK_KAFKA_BOOTSTRAP=closed,
        ONTRACK_DATABASE_URL=f"postgresql://ontrack:ontrack@{closed}/ontrack",
        ONTRACK_BATCH_KEYS="k1:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=",
    )
    assert done.returncode == 3, done.stderr
    assert done.stderr.startswith(f"Error: cannot reach {server} at {closed} ("), done.stderr
