"""The indicator catalogue: frozen values loaded and checked from ``catalogue/indicators.yaml``."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Literal, TypeVar

import yaml

from services.errors import OntrackError
from services.indicators.units import UnitError, converter, normalise_unit, parse_quantity
from services.settings import REPO_ROOT

__all__ = [
    "ARRIVES_AS",
    "COMBINES",
    "DEFAULT_PATH",
    "FAMILIES",
    "FLOW_ARRIVES_AS",
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

DEFAULT_PATH = REPO_ROOT / "catalogue" / "indicators.yaml"

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
_T = TypeVar("_T", bound=str)
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


class CatalogueError(OntrackError):
    """The catalogue file is unreadable or wrong; the message says where and what to fix."""


class UnknownIndicatorError(CatalogueError, KeyError):
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
            raise CatalogueError(f"indicator ids listed twice: {', '.join(twice)}")
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
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"{path}: cannot read the indicator catalogue: {exc}") from exc
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise CatalogueError(f"{path}:{line}: {exc.problem}; fix the YAML syntax") from exc
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path}: not valid YAML: {exc}") from exc
    try:
        reader = _Reader(path, loader)
        indicators = reader.document(root)
    finally:
        loader.dispose()
    if reader.errors:
        listed = "\n  ".join(reader.errors)
        raise CatalogueError(f"{path}: {len(reader.errors)} problem(s):\n  {listed}")
    return Catalogue(indicators, path)


_REQUIRED = ("id", "name", "name_zh", "family", "unit", "kind", "cadence", "range", "combine")
_OPTIONAL = (
    "accepted_units", "description", "arrives_as", "derived", "derived_from", "required_labels",
)  # fmt: skip
_ID_RE = re.compile(r"[a-z0-9_]+(?:\.[a-z0-9_]+)+")


class _Reader:
    """Turns the YAML node tree into indicators, collecting every problem with its line."""

    def __init__(self, path: Path, loader: yaml.SafeLoader) -> None:
        self.path, self.loader = path, loader
        self.errors: list[str] = []
        self.seen: dict[str, yaml.Node] = {}  # id → its node, for duplicate ids
        self.sources: dict[str, yaml.Node] = {}  # derived id → its derived_from node

    def error(self, node: yaml.Node, where: str, problem: str) -> None:
        self.errors.append(f"{self.path}:{node.start_mark.line + 1}: {where}: {problem}")

    def document(self, root: yaml.Node | None) -> tuple[Indicator, ...]:
        if not isinstance(root, yaml.MappingNode):
            self.errors.append(f"{self.path}:1: expected a mapping with keys version, indicators")
            return ()
        top = self.mapping(root, "catalogue", ("version", "indicators"), ())
        version = top.get("version")
        if version is not None and self.value(version) != 1:
            self.error(version, "version", "must be 1 (the only format this code reads)")
        entries = top.get("indicators")
        if not isinstance(entries, yaml.SequenceNode):
            self.error(entries or root, "indicators", "must be a list of indicator entries")
            return ()
        found = [self.indicator(n, i) for i, n in enumerate(entries.value)]
        indicators = tuple(i for i in found if i is not None)
        self.cross_check()
        return indicators

    def value(self, node: yaml.Node) -> object:
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            self.error(node, "value", f"{exc}; write a plain text, number, list or mapping")
            return None

    def mapping(
        self,
        node: yaml.MappingNode,
        where: str,
        required: tuple[str, ...],
        optional: tuple[str, ...],
    ) -> dict[str, yaml.Node]:
        out: dict[str, yaml.Node] = {}
        allowed = (*required, *optional)
        for key_node, value_node in node.value:
            key = str(self.value(key_node))
            if key in out:
                self.error(key_node, where, f"{key} is given twice; keep one")
            elif key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean {close[0]}?" if close else f"allowed: {', '.join(allowed)}"
                self.error(key_node, where, f"unknown key {key} ({hint})")
            out[key] = value_node
        for key in required:
            if key not in out:
                self.error(node, where, f"{key} is missing; add it")
        return out

    def text(self, fields: dict[str, yaml.Node], key: str, where: str) -> str:
        node = fields.get(key)
        value = None if node is None else self.value(node)
        if node is not None and (not isinstance(value, str) or not value.strip()):
            self.error(node, where, f"{key} must be a non-empty text")
        return value if isinstance(value, str) else ""

    def choice(
        self, fields: dict[str, yaml.Node], key: str, where: str, allowed: tuple[_T, ...]
    ) -> _T:
        node = fields.get(key)
        if node is None:
            return allowed[0]
        value = self.value(node)
        for option in allowed:
            if value == option:
                return option
        self.error(node, where, f"{key} is {value!r}; use one of {', '.join(allowed)}")
        return allowed[0]

    def texts(self, fields: dict[str, yaml.Node], key: str, where: str) -> tuple[str, ...]:
        node = fields.get(key)
        value = [] if node is None else self.value(node)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.error(node or fields["id"], where, f"{key} must be a list of texts")
            return ()
        return tuple(value)

    def indicator(self, node: yaml.Node, position: int) -> Indicator | None:
        where = f"indicators[{position}]"
        if not isinstance(node, yaml.MappingNode):
            self.error(node, where, "must be a mapping with keys id, name, unit, ...")
            return None
        before = len(self.errors)
        fields = self.mapping(node, where, _REQUIRED, _OPTIONAL)
        ind_id = self.identity(fields, where)
        where = ind_id or where
        family = self.choice(fields, "family", where, FAMILIES)
        if ind_id and not ind_id.startswith(family + "."):
            self.error(fields["id"], where, f'the id must start with its family "{family}."')
        unit, accepted = self.units(fields, where)
        kind = self.choice(fields, "kind", where, KINDS)
        derived = self.derived(fields, where)
        derived_from = self.texts(fields, "derived_from", where)
        if derived != bool(derived_from):
            self.error(node, where, "derived: true and derived_from go together; give both")
        name, name_zh, description = (
            self.text(fields, key, where) for key in ("name", "name_zh", "description")
        )
        cadence, value_range = self.cadence(fields, where), self.range(fields, where)
        combine = self.choice(fields, "combine", where, COMBINES)
        arrives_as = self.arrives_as(fields, where, kind)
        required_labels = self.texts(fields, "required_labels", where)
        if len(self.errors) > before:
            return None
        return Indicator(
            id=ind_id,
            name=name,
            name_zh=name_zh,
            family=family,
            unit=unit,
            accepted_units=accepted,
            kind=kind,
            cadence=cadence,
            range=value_range,
            combine=combine,
            description=description,
            arrives_as=arrives_as,
            derived=derived,
            derived_from=derived_from,
            required_labels=required_labels,
        )

    def identity(self, fields: dict[str, yaml.Node], where: str) -> str:
        ind_id = self.text(fields, "id", where)
        if not ind_id:
            return ""
        if not _ID_RE.fullmatch(ind_id):
            self.error(fields["id"], where, f'id "{ind_id}" must be family.name in a-z, 0-9, _')
        elif ind_id in self.seen:
            line = self.seen[ind_id].start_mark.line + 1
            self.error(fields["id"], where, f"id {ind_id} is also used on line {line}; rename one")
        else:
            self.seen[ind_id] = fields["id"]
        if "derived_from" in fields:
            self.sources[ind_id] = fields["derived_from"]
        return ind_id

    def units(self, fields: dict[str, yaml.Node], where: str) -> tuple[str, tuple[str, ...]]:
        node = fields.get("unit")
        unit = "" if node is None else self.value(node)
        try:
            canonical = normalise_unit(str(unit))
        except UnitError as exc:
            if node is not None:
                self.error(node, where, str(exc))
            return "", ()
        if canonical != unit and node is not None:
            self.error(node, where, f'write the unit "{unit}" in its canonical form "{canonical}"')
        listed = fields.get("accepted_units")
        items = listed.value if isinstance(listed, yaml.SequenceNode) else []
        for item in items:
            try:
                converter(str(self.value(item)), canonical)
            except UnitError as exc:
                self.error(item, where, f"accepted_units: {exc}")
        return canonical, self.texts(fields, "accepted_units", where)

    def cadence(self, fields: dict[str, yaml.Node], where: str) -> str:
        text = self.text(fields, "cadence", where)
        try:
            parse_cadence(text)
        except ValueError as exc:
            if text:
                self.error(fields["cadence"], where, f"cadence: {exc}")
            return "P1D"
        return text

    def range(self, fields: dict[str, yaml.Node], where: str) -> ValueRange:
        node = fields.get("range")
        if not isinstance(node, yaml.MappingNode):
            if node is not None:
                self.error(node, where, "range must be a mapping {min: ..., max: ...}")
            return ValueRange(0.0, 0.0)
        parts = self.mapping(node, f"{where}: range", ("min", "max"), ())
        low, high = (self.bound(parts.get(k), where, k) for k in ("min", "max"))
        if low is None or high is None:
            return ValueRange(0.0, 0.0)
        if low >= high:
            self.error(node, where, f"range min {low:g} must be below max {high:g}")
        return ValueRange(low, high)

    def bound(self, node: yaml.Node | None, where: str, key: str) -> float | None:
        if node is None:
            return None
        value = self.value(node)
        try:
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise UnitError(f"{value!r} is not a number")
            return parse_quantity(value)
        except UnitError as exc:
            self.error(node, where, f"range {key}: {exc}")
            return None

    def arrives_as(self, fields: dict[str, yaml.Node], where: str, kind: str) -> ArrivesAs | None:
        if kind == "flow":
            found = self.choice(fields, "arrives_as", where, FLOW_ARRIVES_AS)
            return "ytd" if found == "ytd" else None
        if kind not in ("stock", "capacity"):
            if "arrives_as" in fields:
                self.error(
                    fields["arrives_as"],
                    where,
                    "arrives_as is for stocks and capacities (total, increment) and flows "
                    f"(period, ytd), not a {kind}",
                )
            return None
        return (
            "increment"
            if self.choice(fields, "arrives_as", where, ARRIVES_AS) == "increment"
            else "total"
        )

    def derived(self, fields: dict[str, yaml.Node], where: str) -> bool:
        node = fields.get("derived")
        value = False if node is None else self.value(node)
        if not isinstance(value, bool):
            self.error(fields["derived"], where, "derived must be true or false")
            return False
        return value

    def cross_check(self) -> None:
        for ind_id, node in self.sources.items():
            items = node.value if isinstance(node, yaml.SequenceNode) else []
            for item in items:
                source = self.value(item)
                if source == ind_id or source not in self.seen:
                    self.error(
                        item, ind_id, f"derived_from names {source!r}, not another indicator"
                    )
