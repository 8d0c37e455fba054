"""The data files ontrack reads at run time, shipped inside the package and found wherever it
is installed (a checkout, an editable install, a wheel, a zip).

    catalogue/       the indicators (indicators.yaml)
    plans/           the plan targets, one file per plan document; coverage/ the clause decisions
    rules/           the alert rules
    routes/          the on-call receivers and the route tree
    schemas/         JSON Schemas of readings, batches, plans, rules, coverage; the OpenAPI document
    prometheus/      the embedded stack's Prometheus config and the pipeline's alerting rules
                     (deploy/compose and deploy/k8s load the same rules)
    alertmanager/    the embedded stack's Alertmanager config

Settings default to these (``catalogue_path``, ``plans_dir``, ``rules_dir``, ``routes_dir``);
operators point the settings at their own files instead of editing the package.

:func:`packaged` gives a file or directory as a filesystem path; :func:`source_tree` the
checkout the package runs from, if any (the development commands that write into the
repository need it).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

__all__ = ["extract", "packaged", "source_tree"]


def packaged(*parts: str) -> Path:
    """The packaged file or directory ``parts`` (e.g. ``"plans"``, ``"schemas",
    "plan.schema.json"``) as a filesystem path.

    Where the package lies on disk (a checkout, an editable install, an installed wheel) that is
    the file itself; from a zip, a copy extracted once per process into a temporary directory
    (removed at exit), since the loaders walk directories with :mod:`pathlib`."""
    return _root().joinpath(*parts)


@cache
def _root() -> Path:
    root = files(__name__)
    if isinstance(root, Path):
        return root
    where = Path(tempfile.mkdtemp(prefix="ontrack-data-"))
    atexit.register(shutil.rmtree, where, True)
    extract(root, where)
    return where


def extract(source: Traversable, target: Path) -> None:
    """Copy the tree ``source`` (e.g. a directory inside a zip) under ``target``."""
    for entry in source.iterdir():
        if entry.name == "__pycache__" or entry.name.endswith(".py"):
            continue
        if entry.is_dir():
            (target / entry.name).mkdir(exist_ok=True)
            extract(entry, target / entry.name)
        else:
            (target / entry.name).write_bytes(entry.read_bytes())


def source_tree() -> Path | None:
    """The repository this package runs from (a checkout, or an editable install of one), or
    None when it is installed from a wheel."""
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "services" / "data").is_dir():
        return root
    return None
