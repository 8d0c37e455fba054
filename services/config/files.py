"""The YAML files of a configuration directory (rules/, routes/), wherever it is mounted.

Hidden entries are skipped: a Kubernetes ConfigMap volume keeps each version of its files
in a ``..<timestamp>/`` directory beside them (and links ``..data`` to it), so reading
every ``*.yaml`` under the mount would read each file twice.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["yaml_files"]

_SUFFIXES = frozenset({".yaml", ".yml"})


def yaml_files(root: Path) -> list[Path]:
    """``root`` itself if it is a file, else every non-hidden ``*.yaml``/``*.yml`` under it."""
    if not root.is_dir():
        return [root]
    return sorted(
        p
        for p in root.rglob("*")
        if p.suffix in _SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )
