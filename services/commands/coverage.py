"""``ontrack plans coverage``: every numeric clause of plan documents, and what encodes it."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import click

from services.commands.options import plans_option
from services.errors import OntrackError
from services.settings import Settings

__all__ = ["coverage", "coverage_table", "read_text"]

_ENCODINGS = ("utf-8-sig", "gb18030")
_CLAUSE_WIDTH = 44


@click.command("coverage")
@click.argument(
    "documents", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="Print the rows and counts as JSON.")
@plans_option
@click.option(
    "--decisions",
    "decisions_path",
    envvar="ONTRACK_COVERAGE_DECISIONS",
    show_envvar=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Why clauses have no target  [default: the decisions ontrack ships]",
)
@click.option(
    "--status",
    "only",
    multiple=True,
    type=click.Choice(["encoded", "not measurable", "context", "duplicate", "missing"]),
    help="Only rows of this status (repeatable); the counts still cover every row.",
)
@click.pass_obj
def coverage(
    settings: Settings,
    documents: tuple[Path, ...],
    as_json: bool,
    plans_dir: Path | None,
    decisions_path: Path | None,
    only: tuple[str, ...],
) -> None:
    """List every numeric clause of the plan DOCUMENTS (plain text) with the target that
    encodes it, or why none does; exit 1 when a clause is missing (neither encoded nor
    decided)."""
    from services.indicators.catalogue import load_catalogue
    from services.indicators.clauses import check_decisions, cover, read_decisions
    from services.indicators.plans import check_plans, load_plans

    texts = [(path.name, read_text(path)) for path in documents]
    directory = plans_dir or settings.plans_dir
    try:
        catalogue = load_catalogue(settings.catalogue_path)
    except OntrackError as exc:
        raise click.ClickException(str(exc)) from None
    problems = check_plans(directory, catalogue)
    decisions, errors = read_decisions(decisions_path)
    plans = load_plans(directory, catalogue) if not problems else []
    if not problems:
        ids = {t.id for p in plans for t in p.targets}
        errors += check_decisions(decisions, ids, decisions_path)
    if problems or errors:
        listed = "\n  ".join(str(e) for e in [*problems, *errors])
        raise click.ClickException(f"fix these first:\n  {listed}")
    result = cover(texts, plans, decisions)
    rows = [r for r in result.rows if not only or r.status in only]
    if as_json:
        click.echo(json.dumps(_as_json(result, rows), ensure_ascii=False, indent=2))
    else:
        for line in coverage_table(rows):
            click.echo(line)
    counts = ", ".join(f"{n} {status}" for status, n in result.counts.items())
    click.echo(
        f"{len(texts)} document(s), {result.clauses} numeric clauses, "
        f"{len(result.rows)} quantities: {counts}",
        err=True,
    )
    for d in result.unused:
        click.echo(
            f'note: the decision at line {d.line} ("{d.clause}") matched no clause', err=True
        )
    if result.missing:
        click.echo(
            f"{len(result.missing)} quantities are missing: encode them in a plan file "
            "(source_text quoting the clause) or explain them in the decisions file",
            err=True,
        )
        raise SystemExit(1)


def read_text(path: Path) -> str:
    """The text of a plan document: UTF-8 (with or without BOM), else GB18030."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"{path}: cannot read the document ({exc.strerror})") from None
    for encoding in _ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise click.ClickException(
        f"{path}: not UTF-8 or GB18030 text; save the plan document as plain UTF-8 text"
    )


_HEADER = ("document:line", "quantity", "status", "target / why", "clause")


def coverage_table(rows: list[Any]) -> list[str]:
    """The lines of the coverage table: a header, then one line per quantity."""
    cells = [_HEADER]
    for r in rows:
        said = ", ".join(r.targets) if r.status == "encoded" else r.why
        cells.append((f"{r.document}:{r.line}", r.quantity.text, r.status, said, _cut(r.clause)))
    widths = [max(_width(row[i]) for row in cells) for i in range(len(_HEADER) - 1)]
    return [
        "  ".join(
            [*(c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=False)), row[-1]]
        )
        for row in cells
    ]


def _as_json(result: Any, rows: list[Any]) -> dict[str, Any]:
    return {
        "clauses": result.clauses,
        "quantities": len(result.rows),
        "counts": result.counts,
        "rows": [
            {
                "document": r.document,
                "line": r.line,
                "clause": r.clause,
                "quantity": r.quantity.text,
                "value": r.quantity.value,
                "status": r.status,
                "targets": list(r.targets),
                "why": r.why,
            }
            for r in rows
        ],
        "unused_decisions": [{"line": d.line, "clause": d.clause} for d in result.unused],
    }


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cut(text: str) -> str:
    out, used = "", 0
    for ch in text:
        used += _width(ch)
        if used > _CLAUSE_WIDTH:
            return out + "…"
        out += ch
    return out
