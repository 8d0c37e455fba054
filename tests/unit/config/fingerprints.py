"""Fingerprints of loaded configuration: a short hash per catalogue entry, plan, target,
rule, receiver and route tree, over every field that differs from its default.

Paths are written relative to the repository, so the fingerprints do not depend on where
the checkout lives; fields left at their default are skipped, so adding a field with a
default to a model leaves the fingerprints of existing files unchanged.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Mapping
from datetime import date, timedelta
from enum import Enum
from pathlib import Path

from services.alerts.notify.routing import RouteConfig, load_routes
from services.alerts.rules import load_rules
from services.indicators.catalogue import load_catalogue
from services.indicators.plans import load_plans
from tests.fixtures.paths import DATA

# Paths are written from the data's root as "<repo>/...", as when the files lay at the root of
# the repository: the digests stay those taken before they moved into services/data.
_ROOT = str(DATA)


def canonical(value: object) -> object:
    """``value`` as JSON-able data that any change of a loaded value changes."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, object] = {"": type(value).__name__}
        for f in dataclasses.fields(value):
            if not f.repr:
                continue
            got = getattr(value, f.name)
            if f.default is not dataclasses.MISSING and got == f.default:
                continue
            if f.default_factory is not dataclasses.MISSING and got == f.default_factory():
                continue
            out[f.name] = canonical(got)
        return out
    if isinstance(value, Enum):
        return f"{type(value).__name__}.{value.name}"
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, str):
        return value.replace(_ROOT, "<repo>")
    if isinstance(value, Path):
        return str(value).replace(_ROOT, "<repo>")
    if isinstance(value, timedelta):
        return {"timedelta": value.total_seconds()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Mapping):
        return {"mapping": [[canonical(k), canonical(v)] for k, v in value.items()]}
    if isinstance(value, tuple | list):
        return [canonical(v) for v in value]
    if isinstance(value, re.Pattern):
        return {"regex": value.pattern}
    text = repr(value)
    assert " at 0x" not in text, f"no stable form for {type(value).__name__}"
    return {type(value).__name__: text}


def digest(value: object) -> str:
    text = json.dumps(canonical(value), ensure_ascii=False, sort_keys=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def fingerprints() -> dict[str, str]:
    """``kind:name`` → digest, for everything the repository's configuration loads to."""
    catalogue = load_catalogue()
    plans = load_plans(catalogue=catalogue)
    routes: RouteConfig = load_routes(DATA / "routes")
    found = {"catalogue": digest(catalogue.path)}
    found |= {f"indicator:{i.id}": digest(i) for i in catalogue}
    found |= {f"plan:{p.id}": digest(p) for p in plans}
    found |= {f"target:{t.id}": digest(t) for p in plans for t in p.targets}
    found |= {f"rule:{r.id}": digest(r) for r in load_rules(DATA / "rules")}
    found |= {f"receiver:{n}": digest(r) for n, r in routes.receivers.items()}
    found["route-tree"] = digest(routes.root)
    return found
