"""Debian packages the embedded stack needs, installed on demand with apt-get."""

from __future__ import annotations

import os
import shutil

from services.stack.base import Report
from services.stack.errors import StackError
from services.stack.process import run_checked

__all__ = ["ensure_commands"]


def ensure_commands(commands: dict[str, str], report: Report) -> None:
    """Install the Debian package of every command in ``{command: package}`` that is missing."""
    missing = sorted({pkg for cmd, pkg in commands.items() if shutil.which(cmd) is None})
    if not missing:
        return
    if os.geteuid() != 0:
        raise StackError(
            f"the embedded stack needs the Debian packages {', '.join(missing)}; "
            f"install them (sudo apt-get install {' '.join(missing)}) or run as root"
        )
    report(f"installing Debian packages: {', '.join(missing)} (apt-get, once)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run_checked(["apt-get", "update", "-qq"], "apt-get update", env=env)
    run_checked(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
        f"apt-get install {' '.join(missing)}",
        env=env,
    )
