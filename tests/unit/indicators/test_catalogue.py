"""The indicator catalogue: the shipped file, lookups, and errors in broken files."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from services.indicators.catalogue import (
    ARRIVES_AS,
    COMBINES,
    DEFAULT_PATH,
    FAMILIES,
    FLOW_ARRIVES_AS,
    KINDS,
    SCHEMA_PATH,
    Catalogue,
    CatalogueError,
    Indicator,
    UnknownIndicatorError,
    ValueRange,
    load_catalogue,
    parse_cadence,
)
from services.indicators.units import UnitError, normalise_unit
from tests.fixtures.paths import DATA

CATALOGUE = load_catalogue()

# id → (unit, kind, combine); the ids other parts of ontrack rely on.
EXPECTED = {
    "air.pm25": ("µg/m³", "level", "mean"),
    "air.pm10": ("µg/m³", "level", "mean"),
    "air.o3": ("µg/m³", "level", "mean"),
    "air.no2": ("µg/m³", "level", "mean"),
    "air.so2": ("µg/m³", "level", "mean"),
    "air.co": ("mg/m³", "level", "mean"),
    "air.aqi_daily": ("AQI", "level", "single"),
    "air.good_days_ratio": ("%", "ratio", "single"),
    "air.heavy_pollution_days": ("days", "flow", "single"),
    "water.nearshore_good_quality_ratio": ("%", "ratio", "single"),
    "port.cargo_tonnes": ("t", "flow", "sum"),
    "port.container_teu": ("TEU", "flow", "sum"),
    "port.sea_rail_teu": ("TEU", "flow", "sum"),
    "port.transshipment_teu": ("TEU", "flow", "sum"),
    "port.intl_transshipment_ratio": ("%", "ratio", "single"),
    "port.direct_container_routes": ("routes", "stock", "single"),
    "port.intl_container_routes": ("routes", "stock", "single"),
    "port.china_europe_trains": ("trains", "flow", "single"),
    "airport.passengers": ("passengers", "flow", "single"),
    "airport.cargo_mail_tonnes": ("t", "flow", "single"),
    "power.renewable_capacity": ("kW", "capacity", "sum"),
    "power.total_capacity": ("kW", "capacity", "sum"),
    "power.grid_supply_capacity": ("kW", "capacity", "single"),
    "power.new_energy_share": ("%", "ratio", "single"),
    "power.generation": ("kWh", "flow", "sum"),
    "power.ev_charging_piles": ("piles", "stock", "sum"),
    "energy.lng_receiving_capacity": ("t/yr", "capacity", "sum"),
    "telecom.5g_base_stations": ("stations", "stock", "sum"),
    "telecom.5g_village_coverage": ("%", "ratio", "single"),
    "economy.gdp_growth": ("%", "growth", "single"),
    "economy.rd_intensity": ("%", "ratio", "single"),
    "economy.foreign_trade": ("CNY", "flow", "single"),
    "economy.high_tech_enterprises": ("enterprises", "stock", "single"),
    "people.talent_pool": ("people", "stock", "single"),
    "industry.ai_industry_size": ("CNY", "flow", "single"),
    "green.green_factories": ("firms", "stock", "single"),
    # the other quantitative targets of the plan documents
    "economy.high_value_patents": ("per 10k people", "ratio", "single"),
    "economy.tech_smes": ("enterprises", "stock", "single"),
    "economy.listed_high_tech_enterprises": ("enterprises", "stock", "single"),
    "economy.tech_contract_turnover": ("CNY", "flow", "single"),
    "economy.digital_core_share": ("%", "ratio", "single"),
    "economy.manufacturing_share": ("%", "ratio", "single"),
    "economy.new_economy_share": ("%", "ratio", "single"),
    "economy.services_value_added": ("CNY", "flow", "single"),
    "economy.producer_services_share": ("%", "ratio", "single"),
    "economy.financial_institutions": ("institutions", "stock", "single"),
    "economy.logistics_value_added": ("CNY", "flow", "single"),
    "economy.online_retail_share": ("%", "ratio", "single"),
    "economy.foreign_trade_growth": ("%", "growth", "single"),
    "economy.services_trade": ("CNY", "flow", "single"),
    "economy.fortune500_projects": ("projects", "stock", "single"),
    "economy.culture_value_added": ("CNY", "flow", "single"),
    "economy.tourist_visits": ("visits", "flow", "single"),
    "economy.finance_value_added": ("CNY", "flow", "single"),
    "economy.marine_gdp": ("CNY", "flow", "single"),
    "economy.marine_gdp_share": ("%", "ratio", "single"),
    "economy.foreign_trade_entities": ("enterprises", "stock", "single"),
    "industry.high_tech_output_share": ("%", "ratio", "single"),
    "industry.leading_industries_size": ("CNY", "flow", "single"),
    "industry.industrial_profit_margin": ("%", "ratio", "single"),
    "industry.emerging_industries_size": ("CNY", "flow", "single"),
    "industry.integrated_circuit_size": ("CNY", "flow", "single"),
    "industry.new_display_size": ("CNY", "flow", "single"),
    "industry.industrial_output": ("CNY", "flow", "single"),
    "industry.firms_over_10bn": ("enterprises", "stock", "single"),
    "industry.firms_over_100bn": ("enterprises", "stock", "single"),
    "industry.sports_industry_size": ("CNY", "flow", "single"),
    "people.urbanisation_rate": ("%", "ratio", "single"),
    "people.resident_population": ("people", "stock", "single"),
    "people.rural_disposable_income": ("CNY", "flow", "single"),
    "people.urban_rural_income_ratio": ("times", "ratio", "single"),
    "people.life_expectancy": ("years", "level", "single"),
    "people.new_urban_jobs": ("people", "flow", "single"),
    "society.universities": ("institutions", "stock", "single"),
    "society.university_students": ("people", "stock", "single"),
    "society.vocational_colleges": ("institutions", "stock", "single"),
    "society.vocational_students": ("people", "stock", "single"),
    "society.museums": ("institutions", "stock", "single"),
    "society.tertiary_hospitals": ("institutions", "stock", "single"),
    "society.sports_area_per_capita": ("m²/person", "ratio", "single"),
    "society.childcare_places_per_1000": ("per 1000 people", "ratio", "single"),
    "society.nursing_bed_share": ("%", "ratio", "single"),
    "society.hardship_centralised_care_ratio": ("%", "ratio", "single"),
    "society.lawyers_per_10k": ("per 10k people", "ratio", "single"),
    "transport.expressway_km": ("km", "stock", "single"),
    "transport.rail_transit_km": ("km", "stock", "single"),
    "airport.domestic_destinations": ("cities", "stock", "single"),
    "airport.international_destinations": ("cities", "stock", "single"),
    "water.industrial_water_reuse_ratio": ("%", "ratio", "single"),
    "water.irrigation_efficiency": ("coefficient", "ratio", "single"),
    "water.surface_water_good_ratio": ("%", "ratio", "single"),
    "green.natural_coastline_ratio": ("%", "ratio", "single"),
    "green.forest_coverage": ("%", "ratio", "single"),
    "green.parks": ("parks", "stock", "single"),
    "green.sponge_city_ratio": ("%", "ratio", "single"),
    "green.polluted_farmland_safe_use": ("%", "ratio", "single"),
    "energy.clean_vehicle_energy_share": ("%", "ratio", "single"),
    "agriculture.high_standard_farmland": ("mu", "stock", "single"),
    "agriculture.grain_output": ("t", "flow", "single"),
    "agriculture.vegetable_output": ("t", "flow", "single"),
    "agriculture.fruit_output": ("t", "flow", "single"),
    "agriculture.meat_egg_milk_output": ("t", "flow", "single"),
    "agriculture.aquatic_output": ("t", "flow", "single"),
    "agriculture.grain_oil_processing_output": ("CNY", "flow", "single"),
    "agriculture.processing_output_ratio": ("times", "ratio", "single"),
    "agriculture.mechanisation_rate": ("%", "ratio", "single"),
    "agriculture.manure_utilisation": ("%", "ratio", "single"),
    "agriculture.straw_utilisation": ("%", "ratio", "single"),
    "agriculture.rural_tap_water": ("%", "ratio", "single"),
    "agriculture.rural_sanitary_toilets": ("%", "ratio", "single"),
    "agriculture.rural_sewage_treatment": ("%", "ratio", "single"),
    "agriculture.rural_waste_coverage": ("%", "ratio", "single"),
    "agriculture.rural_waste_harmless": ("%", "ratio", "single"),
}
DERIVED = {"air.aqi_daily", "air.good_days_ratio", "air.heavy_pollution_days"}


def test_the_catalogue_has_exactly_the_agreed_ids() -> None:
    assert set(CATALOGUE.ids) == set(EXPECTED)
    assert len(CATALOGUE) == len(EXPECTED)


def test_the_schema_is_valid_and_offers_what_the_model_takes() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    entry = schema["$defs"]["indicator"]["properties"]
    assert set(entry) == {f.name for f in dataclasses.fields(Indicator) if f.init}
    choices = {key: tuple(entry[key]["enum"]) for key in ("family", "kind", "combine")}
    assert choices == {"family": FAMILIES, "kind": KINDS, "combine": COMBINES}
    assert tuple(entry["arrives_as"]["enum"]) == ARRIVES_AS + FLOW_ARRIVES_AS


def test_default_path_is_the_repository_catalogue() -> None:
    assert DEFAULT_PATH == DATA / "catalogue" / "indicators.yaml"
    assert CATALOGUE.path == DEFAULT_PATH


@pytest.mark.parametrize(("ind_id", "expected"), sorted(EXPECTED.items()))
def test_unit_kind_combine(ind_id: str, expected: tuple[str, str, str]) -> None:
    ind = CATALOGUE.get(ind_id)
    assert (ind.unit, ind.kind, ind.combine) == expected
    assert ind.family == ind_id.split(".")[0]
    assert ind.unit == normalise_unit(ind.unit) == ind.accepted_units[0]
    assert ind.range.min < ind.range.max
    assert ind.derived == (ind_id in DERIVED)
    assert (ind.arrives_as is not None) == (ind.kind in ("stock", "capacity"))
    assert ind.name and ind.name_zh and ind.description


@pytest.mark.parametrize(
    ("ind_id", "value", "plausible"),
    [
        ("air.pm25", 0, True),
        ("air.pm25", 1000, True),
        ("air.pm25", 1000.1, False),
        ("air.pm25", -1, False),
        ("port.container_teu", 300_000, True),  # a terminal's busy day
        ("port.container_teu", 3_000_000, True),  # the city's month
        ("port.container_teu", 26_000_000, False),  # a year in one reading
        ("economy.gdp_growth", -6.8, True),
        ("power.renewable_capacity", 5_200_000, True),
        ("telecom.5g_base_stations", 40_000, True),
        ("air.good_days_ratio", 100.5, False),
    ],
)
def test_plausible_ranges(ind_id: str, value: float, plausible: bool) -> None:
    assert (value in CATALOGUE.get(ind_id).range) is plausible


@pytest.mark.parametrize(
    ("ind_id", "value", "unit", "expected"),
    [
        ("air.pm25", 0.035, "mg/m3", 35.0),
        ("air.co", 500, "ug/m3", 0.5),
        ("power.renewable_capacity", 520, "万千瓦", 5_200_000.0),
        ("port.container_teu", 2600, "万标准箱", 26_000_000.0),
        ("economy.foreign_trade", 1.3, "万亿元", 1.3e12),
        ("energy.lng_receiving_capacity", 1100, "万吨/年", 11_000_000.0),
    ],
)
def test_to_canonical(ind_id: str, value: float, unit: str, expected: float) -> None:
    assert CATALOGUE.get(ind_id).to_canonical(value, unit) == pytest.approx(expected)


def test_to_canonical_refuses_units_not_accepted() -> None:
    with pytest.raises(
        UnitError, match=r'unit "kW" is not accepted for air.pm25 \(accepted: µg/m³'
    ):
        CATALOGUE.get("air.pm25").to_canonical(1, "kW")


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ("air.pm2.5", 'indicator "air.pm2.5" is unknown (did you mean air.pm25?)'),
        ("AIR.PM25", "did you mean air.pm25?"),
        ("port.container_tue", "did you mean port.container_teu"),
        ("nothing", "known indicators start with air., water., port."),
    ],
)
def test_get_unknown_names_close_matches(asked: str, message: str) -> None:
    with pytest.raises(UnknownIndicatorError) as caught:
        CATALOGUE.get(asked)
    assert message in str(caught.value)
    assert isinstance(caught.value, KeyError)  # callers may catch KeyError
    assert caught.value.indicator == asked


def test_find_and_contains() -> None:
    assert CATALOGUE.find("air.pm25") is CATALOGUE.get("air.pm25")
    assert CATALOGUE.find("air.pm2.5") is None
    assert "air.pm25" in CATALOGUE and "air.pm2.5" not in CATALOGUE
    assert {i.id for i in CATALOGUE.of_family("air")} >= {"air.pm25", "air.co"}


def test_indicators_are_frozen() -> None:
    with pytest.raises(AttributeError):
        CATALOGUE.get("air.pm25").unit = "mg/m³"  # type: ignore[misc]


def test_duplicate_ids_are_refused_in_code_too() -> None:
    ind = CATALOGUE.get("air.pm25")
    with pytest.raises(CatalogueError, match="air.pm25"):
        Catalogue((ind, ind))


def test_indicator_normalises_accepted_units() -> None:
    ind = Indicator(
        id="air.x", name="x", name_zh="x", family="air", unit="µg/m³",
        accepted_units=("ug/m3", "mg/m3"), kind="level", cadence="PT1H",
        range=ValueRange(0, 1), combine="mean",
    )  # fmt: skip
    assert ind.accepted_units == ("µg/m³", "mg/m³")
    assert ind.cadence_max == timedelta(hours=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT1H", timedelta(hours=1)),
        ("PT15M", timedelta(minutes=15)),
        ("PT30S", timedelta(seconds=30)),
        ("P1D", timedelta(days=1)),
        ("P1W", timedelta(weeks=1)),
        ("P1M", timedelta(days=31)),
        ("P3M", timedelta(days=93)),
        ("P1Y", timedelta(days=366)),
        ("P1DT12H", timedelta(days=1, hours=12)),
    ],
)
def test_parse_cadence(text: str, expected: timedelta) -> None:
    assert parse_cadence(text) == expected


@pytest.mark.parametrize("text", ["", "P", "PT", "1H", "PT1D", "P1H", "hourly", "P1.5D", "pt1h"])
def test_parse_cadence_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="ISO 8601 duration"):
        parse_cadence(text)


GOOD_ENTRY = """\
version: 1
indicators:
  - id: air.pm25
    name: PM2.5
    name_zh: 细颗粒物
    family: air
    unit: µg/m³
    accepted_units: [µg/m³, mg/m³]
    kind: level
    cadence: PT1H
    range: {min: 0, max: 1000}
    combine: mean
    description: hourly
"""


def _broken(old: str, new: str) -> str:
    assert old in GOOD_ENTRY
    return GOOD_ENTRY.replace(old, new)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (_broken("    name: PM2.5\n", ""), 3, ["`name` is missing", "fix: add `name:`"]),
        (
            _broken("    combine: mean", "    combyne: mean"),
            12,
            ["unknown key `combyne`", "fix: did you mean `combine`?"],
        ),
        (_broken("unit: µg/m³", "unit: ug/m3"), 7, ['fix: write it in its canonical form "µg/m³"']),
        (_broken("unit: µg/m³", "unit: bananas"), 7, ['unit "bananas" is unknown']),
        (_broken("[µg/m³, mg/m³]", "[µg/m³, kW]"), 8, ["accepted_units", "power"]),
        (_broken("cadence: PT1H", "cadence: hourly"), 10, ["cadence", "ISO 8601 duration"]),
        (
            _broken("{min: 0, max: 1000}", "{min: 10, max: 5}"),
            11,
            ["`range`: min 10 must be below"],
        ),
        (
            _broken("{min: 0, max: 1000}", "{min: 0, max: lots}"),
            11,
            ["`range.max`", "not a number"],
        ),
        (
            _broken("kind: level", "kind: average"),
            9,
            ["`kind`: 'average' is not allowed", "use one of: level"],
        ),
        (_broken("family: air", "family: sky"), 6, ["`family`: 'sky' is not allowed"]),
        (_broken("id: air.pm25", "id: water.pm25"), 3, ['must start with its family "air."']),
        (
            _broken("id: air.pm25", "id: Air PM25"),
            3,
            ["`id`: 'Air PM25' is not valid", "family.name"],
        ),
        (
            _broken("combine: mean", "combine: mean\n    arrives_as: total"),
            13,
            [
                "arrives_as is for stocks and capacities (total, increment) and flows (period, ytd)",
                "'total' does not fit a level",
                "remove arrives_as",
            ],
        ),
        (
            _broken("kind: level", "kind: flow").replace(
                "combine: mean", "combine: sum\n    arrives_as: increment"
            ),
            13,
            ["'increment' does not fit a flow", "write arrives_as: period or ytd for a flow"],
        ),
        (_broken("combine: mean", "combine: mean\n    derived: true"), 3, ["derived_from"]),
        (_broken("version: 1", "version: 2"), 1, ["`version`", "only 1", "fix: write version: 1"]),
        (
            _broken("  - id: air.pm25", "  - id: air.pm25\n    id: air.x"),
            4,
            ["key `id` is repeated"],
        ),
        (
            _broken("range: {min: 0, max: 1000}", "range: [0, 1000]"),
            11,
            ["`range`", "not a mapping"],
        ),
        ("version: 1\nindicators: 3\n", 2, ["`indicators`: 3 is not a list"]),
        (_broken("    name: PM2.5", "    name: [PM2.5"), 5, ["fix the YAML syntax"]),
        ("- 1\n", 1, ["the catalogue: [1] is not a mapping"]),
        (_broken("name: PM2.5", "name: !!python/name:os.system"), 4, ["write a plain text"]),
        (
            GOOD_ENTRY + GOOD_ENTRY.split("indicators:\n")[1],
            14,
            ["id air.pm25 is also used on line 3; fix: rename one"],
        ),
        (
            _broken("combine: mean", "combine: mean\n    derived: true\n    derived_from: [air.x]"),
            14,
            ["derived_from names 'air.x'"],
        ),
    ],
)
def test_broken_files_are_reported_with_file_line_and_fix(
    tmp_path: Path, text: str, line: int, words: list[str]
) -> None:
    path = tmp_path / "indicators.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    message = str(caught.value)
    assert f"{path}:{line}:" in message
    for word in words:
        assert word in message


def test_every_problem_of_a_file_is_listed(tmp_path: Path) -> None:
    path = tmp_path / "indicators.yaml"
    path.write_text(_broken("kind: level", "kind: x").replace("PT1H", "often"), encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert "2 problem(s)" in str(caught.value)


def test_a_good_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "indicators.yaml"
    path.write_text(_broken("max: 1000", 'max: "1万"'), encoding="utf-8")
    catalogue = load_catalogue(path)
    assert catalogue.ids == ("air.pm25",)
    assert catalogue.get("air.pm25").range == ValueRange(0, 10_000)


@pytest.mark.parametrize(("declared", "expected"), [("", None), ("period", None), ("ytd", "ytd")])
def test_a_flow_may_arrive_year_to_date(
    tmp_path: Path, declared: str, expected: str | None
) -> None:
    text = _broken("kind: level", "kind: flow").replace("combine: mean", "combine: sum")
    if declared:
        text = text.replace("combine: sum", f"combine: sum\n    arrives_as: {declared}")
    path = tmp_path / "indicators.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_catalogue(path).get("air.pm25").arrives_as == expected


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="cannot read the file"):
        load_catalogue(tmp_path / "nowhere.yaml")
