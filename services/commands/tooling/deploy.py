"""``ontrack deploy configmaps``: the Kubernetes ConfigMaps made from the repository's files."""

from __future__ import annotations

from pathlib import Path

import click

from services.commands.tooling.repository import checkout

__all__ = ["COMMANDS"]


@click.group("deploy")
def deploy_group() -> None:
    """The production deployment (deploy/compose, deploy/k8s)."""


@deploy_group.command("configmaps")
@click.option("--check", is_flag=True, help="Exit 1 if a generated ConfigMap is out of date")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the ConfigMaps go  [default: deploy/k8s/generated of the repository]",
)
def configmaps(check: bool, out: Path | None) -> None:
    """Write the ConfigMaps of plans, rules, routes, catalogue, Prometheus rules, Alertmanager
    and Grafana config, dashboards and TimescaleDB init scripts into deploy/k8s/generated."""
    from services.deploy import stale, write_all

    root = checkout("the ConfigMaps are made from the files")
    out = out or root / "deploy" / "k8s" / "generated"
    if check:
        behind = stale(root, out)
        for name in behind:
            click.echo(f"{out / name}: out of date; run `ontrack deploy configmaps`")
        if behind:
            raise SystemExit(1)
        click.echo(f"{out}: every ConfigMap matches the repository", err=True)
        return
    changed = write_all(root, out)
    for path in changed:
        click.echo(f"wrote {path}")
    click.echo(f"{len(changed)} ConfigMap(s) changed in {out}", err=True)


COMMANDS = [deploy_group]
