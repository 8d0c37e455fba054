"""The indicator catalogue: frozen values loaded and checked from ``catalogue/indicators.yaml``."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from jsonschema import ValidationError

from services.config import (
    ConfigFileError,
    Document,
    Key,
    Names,
    Problem,
    SchemaExplainer,
    by_place,
    read_document,
)
from services.data import packaged
from services.errors import OntrackError
from services.indicators.units import UnitError, converter, normalise_unit, parse_quantity

__all__ = [
    "ARRIVES_AS",
    "FLOW_ARRIVES_AS",
    "COMBINES",
    "DEFAULT_PATH",
    "FAMILIES",
    "SCHEMA_PATH",
    "KINDS",
    "ArrivesAs",
    "Catalogue",
    "CatalogueError",
    "Combine",
    "Family",
    "Indicator",
    "IndicatorKind",
    "UnknownIndicatorError",
    "ValueRange",
    "load_catalogue",
    "parse_cadence",
]

DEFAULT_PATH = packaged("catalogue", "indicators.yaml")

Family = Literal[
    "air",
    "water",
    "port",
    "airport",
    "power",
    "energy",
    "telecom",
    "economy",
    "people",
    "industry",
    "green",
    "society",
    "transport",
    "agriculture",
]
IndicatorKind = Literal["level", "flow", "stock", "capacity", "ratio", "growth"]
Combine = Literal["mean", "sum", "single"]
ArrivesAs = Literal["total", "increment", "period", "ytd"]
FAMILIES: tuple[Family, ...] = (
    "air",
    "water",
    "port",
    "airport",
    "power",
    "energy",
    "telecom",
    "economy",
    "people",
    "industry",
    "green",
    "society",
    "transport",
    "agriculture",
)
KINDS: tuple[IndicatorKind, ...] = ("level", "flow", "stock", "capacity", "ratio", "growth")
COMBINES: tuple[Combine, ...] = ("mean", "sum", "single")
ARRIVES_AS: tuple[ArrivesAs, ...] = ("total", "increment")  # stocks and capacities
FLOW_ARRIVES_AS: tuple[ArrivesAs, ...] = ("period", "ytd")  # flows: the period's, or year to date


class CatalogueError(ConfigFileError):
    """The catalogue file is unreadable or wrong; ``problems`` says where and what to fix."""

    what = "the indicator catalogue"


class UnknownIndicatorError(OntrackError, KeyError):
    """An indicator id that is not in the catalogue."""

    def __init__(self, indicator: str, suggestions: tuple[str, ...], families: tuple[str, ...]):
        if suggestions:
            hint = f"did you mean {' or '.join(suggestions)}?"
        else:
            hint = f"known indicators start with {', '.join(f + '.' for f in families)}"
        super().__init__(f'indicator "{indicator}" is unknown ({hint})')
        self.indicator = indicator
        self.suggestions = suggestions

    def __str__(self) -> str:
        return str(self.args[0])


_DURATION_RE = re.compile(
    r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?"
)
# The longest a calendar unit can last, so that "late" is never said too early.
_LONGEST = (
    timedelta(days=366),
    timedelta(days=31),
    timedelta(weeks=1),
    timedelta(days=1),
    timedelta(hours=1),
    timedelta(minutes=1),
    timedelta(seconds=1),
)


def parse_cadence(text: str) -> timedelta:
    """The longest time an ISO 8601 duration can span (P1M → 31 days, P1Y → 366 days)."""
    match = _DURATION_RE.fullmatch(text)
    if match is None or text in ("P", "PT") or not any(match.groups()):
        raise ValueError(f'"{text}" is not an ISO 8601 duration such as PT1H, P1D, P1M or P1Y')
    return sum(
        (unit * int(n) for unit, n in zip(_LONGEST, match.groups(), strict=True) if n),
        timedelta(),
    )


@dataclass(frozen=True, slots=True)
class ValueRange:
    """Plausible values of one reading, bounds included, in the indicator's unit."""

    min: float
    max: float

    def __contains__(self, value: float) -> bool:
        return self.min <= value <= self.max


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator: what it measures, in which unit, how often, and how sources combine."""

    id: str
    name: str
    name_zh: str
    family: Family
    unit: str
    accepted_units: tuple[str, ...]
    kind: IndicatorKind
    cadence: str
    range: ValueRange
    combine: Combine
    description: str = ""
    arrives_as: ArrivesAs | None = None
    derived: bool = False
    derived_from: tuple[str, ...] = ()
    required_labels: tuple[str, ...] = ()
    cadence_max: timedelta = field(init=False, compare=False)
    _converters: dict[str, Callable[[float], float]] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        units = dict.fromkeys(normalise_unit(u) for u in (self.unit, *self.accepted_units))
        object.__setattr__(self, "accepted_units", tuple(units))
        object.__setattr__(self, "cadence_max", parse_cadence(self.cadence))
        convs = {u: converter(u, self.unit) for u in units}
        object.__setattr__(self, "_converters", convs)

    @property
    def cumulative(self) -> bool:
        """Stocks and capacities: a reading may be a running total or an increment."""
        return self.kind in ("stock", "capacity")

    def converter_for(self, unit: str) -> Callable[[float], float] | None:
        """The conversion from ``unit`` (any spelling) to the canonical unit, None if refused."""
        try:
            return self._converters.get(normalise_unit(unit))
        except UnitError:
            return None

    def to_canonical(self, value: float, unit: str) -> float:
        """``value`` in ``unit`` converted to the canonical unit; UnitError if not accepted."""
        conv = self.converter_for(unit)
        if conv is None:
            raise UnitError(
                f'unit "{unit}" is not accepted for {self.id} '
                f"(accepted: {', '.join(self.accepted_units)})"
            )
        return conv(value)


@dataclass(frozen=True, slots=True)
class Catalogue:
    """All indicators, looked up by id."""

    indicators: tuple[Indicator, ...]
    path: Path | None = None
    _by_id: dict[str, Indicator] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        by_id = {i.id: i for i in self.indicators}
        if len(by_id) != len(self.indicators):
            seen = [i.id for i in self.indicators]
            twice = sorted({i for i in seen if seen.count(i) > 1})
            message = f"indicator ids listed twice: {', '.join(twice)}"
            where = str(self.path or "the catalogue")
            raise CatalogueError([Problem(where, None, None, message, "give each its own id")])
        object.__setattr__(self, "_by_id", by_id)

    def __contains__(self, indicator: object) -> bool:
        return indicator in self._by_id

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self.indicators)

    def __len__(self) -> int:
        return len(self.indicators)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)

    def find(self, indicator: str) -> Indicator | None:
        """The indicator, or None: the lookup for hot paths."""
        return self._by_id.get(indicator)

    def get(self, indicator: str) -> Indicator:
        """The indicator; UnknownIndicatorError (a KeyError) naming close matches if unknown."""
        found = self._by_id.get(indicator)
        if found is None:
            families = tuple(dict.fromkeys(i.family for i in self.indicators))
            raise UnknownIndicatorError(indicator, self.suggest(indicator), families)
        return found

    def suggest(self, indicator: str) -> tuple[str, ...]:
        """Known ids close to ``indicator`` (a typo, a different case), best first."""
        folded = {i.lower(): i for i in self._by_id}
        if str(indicator).lower() in folded:
            return (folded[str(indicator).lower()],)
        matches = difflib.get_close_matches(str(indicator).lower(), folded, n=3, cutoff=0.75)
        return tuple(folded[m] for m in matches)

    def of_family(self, family: str) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.family == family)


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Load and check the catalogue; CatalogueError lists every problem with file and line."""
    path = DEFAULT_PATH if path is None else Path(path)
    doc, problems = read_document(path, empty_fix=_WRITE)
    indicators: tuple[Indicator, ...] = ()
    if doc is not None:
        explainer = _explainer()
        errors = explainer.errors(doc.data)
        problems += [p for error in errors for p in explainer.explain(doc, error)]
        entries = {_entry(error) for error in errors}
        if None not in entries:  # the file has its shape: check each entry that has its own
            indicators, found = _Builder(doc).indicators(skip=entries)
            problems += found
    if problems:
        raise CatalogueError(sorted(problems, key=by_place))
    return Catalogue(indicators, path)


SCHEMA_PATH = packaged("schemas", "catalogue.schema.json")
_WRITE = "write version: 1 and indicators: (see services/data/catalogue/indicators.yaml)"
_NAMES = Names("the catalogue", items="indicators", noun="indicator")
_ID_RE = re.compile(r"[a-z0-9_]+(?:\.[a-z0-9_]+)+")


@lru_cache(maxsize=1)
def _explainer() -> SchemaExplainer:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return SchemaExplainer(
        schema, names=_NAMES, source="services/data/schemas/catalogue.schema.json"
    )


def _entry(error: ValidationError) -> int | None:
    """The index of the entry a schema error is in; None if it is outside every entry."""
    path = list(error.absolute_path)
    return path[1] if len(path) >= 2 and isinstance(path[1], int) else None


class _Builder:
    """Turns the schema-valid entries of the catalogue into indicators, with the checks a
    schema cannot make (units, cadences, ranges, ids against families and each other)."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.entries: list[dict[str, Any]] = doc.data["indicators"]
        self.problems: list[Problem] = []
        self.seen: dict[str, int] = {}  # id → the entry using it first

    def fail(self, path: Sequence[Key], message: str, fix: str) -> None:
        where = _NAMES(self.doc.data, path)
        self.problems.append(self.doc.problem(path, f"{where}: {message}", fix))

    def indicators(
        self, skip: Collection[int | None]
    ) -> tuple[tuple[Indicator, ...], list[Problem]]:
        for i, entry in enumerate(self.entries):
            self.identity(i, entry)
        built = [self.indicator(i, e) for i, e in enumerate(self.entries) if i not in skip]
        for i, entry in enumerate(self.entries):
            self.sources(i, entry)
        return tuple(ind for ind in built if ind is not None), self.problems

    def identity(self, i: int, entry: dict[str, Any]) -> None:
        ind_id = entry.get("id")
        if not isinstance(ind_id, str) or not _ID_RE.fullmatch(ind_id):
            return  # the schema or indicator() says what is wrong with it
        if ind_id in self.seen:
            line = self.doc.line(["indicators", self.seen[ind_id], "id"])
            self.fail(
                ["indicators", i, "id"], f"id {ind_id} is also used on line {line}", "rename one"
            )
        else:
            self.seen[ind_id] = i

    def indicator(self, i: int, entry: dict[str, Any]) -> Indicator | None:
        at: list[Key] = ["indicators", i]
        before = len(self.problems)
        ind_id, family, kind = entry["id"], entry["family"], entry["kind"]
        if not _ID_RE.fullmatch(ind_id):
            self.fail(
                [*at, "id"], f'id "{ind_id}" must be family.name', "write a-z, 0-9 and _ only"
            )
        elif not ind_id.startswith(family + "."):
            fix = f"write the id as {family}.<name>, or give the indicator its own family"
            self.fail([*at, "id"], f'the id must start with its family "{family}."', fix)
        unit = self.unit(at, entry["unit"], entry.get("accepted_units", []))
        derived, derived_from = entry.get("derived", False), entry.get("derived_from", [])
        if derived != bool(derived_from):
            fix = "give both (derived: true and the indicators it is computed from), or neither"
            self.fail(at, "derived: true and derived_from go together", fix)
        cadence = self.cadence([*at, "cadence"], entry["cadence"])
        value_range = self.range([*at, "range"], entry["range"])
        arrives_as = self.arrives_as(at, entry, kind)
        if len(self.problems) > before:
            return None
        return Indicator(
            id=ind_id,
            name=entry["name"],
            name_zh=entry["name_zh"],
            family=family,
            unit=unit,
            accepted_units=tuple(entry.get("accepted_units", ())),
            kind=kind,
            cadence=cadence,
            range=value_range,
            combine=entry["combine"],
            description=entry.get("description", ""),
            arrives_as=arrives_as,
            derived=derived,
            derived_from=tuple(derived_from),
            required_labels=tuple(entry.get("required_labels", ())),
        )

    def unit(self, at: list[Key], unit: str, accepted: list[str]) -> str:
        try:
            canonical = normalise_unit(unit)
        except UnitError as exc:
            self.fail([*at, "unit"], str(exc), "write one of the accepted units")
            return ""
        if canonical != unit:
            fix = f'write it in its canonical form "{canonical}"'
            self.fail([*at, "unit"], f'the unit "{unit}" is not written canonically', fix)
        for j, item in enumerate(accepted):
            try:
                converter(item, canonical)
            except UnitError as exc:
                fix = f"list only units that convert to {canonical}"
                self.fail([*at, "accepted_units", j], str(exc), fix)
        return canonical

    def cadence(self, path: list[Key], text: str) -> str:
        try:
            parse_cadence(text)
        except ValueError as exc:
            self.fail(path, str(exc), "write e.g. PT1H for hourly or P1D for daily readings")
            return "P1D"
        return text

    def range(self, path: list[Key], spec: dict[str, Any]) -> ValueRange:
        low, high = (self.bound([*path, key], spec[key]) for key in ("min", "max"))
        if low is None or high is None:
            return ValueRange(0.0, 0.0)
        if low >= high:
            fix = "give the lowest and the highest plausible value of one reading"
            self.fail(path, f"min {low:g} must be below max {high:g}", fix)
        return ValueRange(low, high)

    def bound(self, path: list[Key], value: str | float) -> float | None:
        try:
            return parse_quantity(value)
        except UnitError:
            fix = 'write a number, or digits with 万 or 亿, e.g. 1000 or "1万"'
            self.fail(path, f"{value!r} is not a number", fix)
            return None

    def arrives_as(self, at: list[Key], entry: dict[str, Any], kind: str) -> ArrivesAs | None:
        given = entry.get("arrives_as")
        allowed = {"flow": FLOW_ARRIVES_AS, "stock": ARRIVES_AS, "capacity": ARRIVES_AS}
        if given is not None and given not in allowed.get(kind, ()):
            if kind in allowed:
                fix = f"write arrives_as: {' or '.join(allowed[kind])} for a {kind}"
            else:
                fix = f"remove arrives_as: this indicator is a {kind}"
            what = (
                "arrives_as is for stocks and capacities (total, increment) and flows (period, ytd)"
            )
            self.fail([*at, "arrives_as"], f"{what}; {given!r} does not fit a {kind}", fix)
            return None
        if kind == "flow":
            return "ytd" if given == "ytd" else None
        if kind not in ("stock", "capacity"):
            return None
        return "increment" if given == "increment" else "total"

    def sources(self, i: int, entry: dict[str, Any]) -> None:
        """Each derived_from names another indicator of the catalogue."""
        ind_id, sources = entry.get("id"), entry.get("derived_from")
        if not isinstance(sources, list):
            return
        for j, source in enumerate(sources):
            if source == ind_id or source not in self.seen:
                path: list[Key] = ["indicators", i, "derived_from", j]
                fix = "name the indicators of this catalogue it is computed from"
                self.fail(path, f"derived_from names {source!r}, not another indicator", fix)
