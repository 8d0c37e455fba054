"""The plan catalogue: the real files load with every ★ target; broken files say where and why."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from services.indicators.plans.load import (
    DEFAULT_DIR,
    InvalidPlansError,
    Plan,
    Target,
    check_plans,
    load_plans,
)
from services.indicators.plans.yaml_file import SCHEMA_PATH
from services.indicators.units import QUANTITY_PATTERN
from tests.fixtures.paths import DATA


@pytest.fixture(scope="module")
def plans() -> list[Plan]:
    return load_plans()


@pytest.fixture(scope="module")
def targets(plans: list[Plan]) -> dict[str, Target]:
    return {t.id: t for p in plans for t in p.targets}


def test_the_real_plans_have_no_problems() -> None:
    assert check_plans() == []
    assert DEFAULT_DIR == DATA / "plans"


# ★ rows of PLAN_TARGETS.md: id (indicator.year), comparator, value in canonical unit, unit,
# deadline, kind (targets with two deadlines appear twice).
END_2025, END_2026 = date(2025, 12, 31), date(2026, 12, 31)
STARRED = [
    ("air.pm25.2025", "<=", 30, "µg/m³", END_2025, "level-mean"),
    ("air.good_days_ratio.2025", ">=", 88.8, "%", END_2025, "ratio"),
    ("air.heavy_pollution_days.2025", "<=", 0, "days", END_2025, "flow"),
    ("port.cargo_tonnes.2025", ">=", 670_000_000, "t", END_2025, "flow"),
    ("port.container_teu.2025", ">=", 26_000_000, "TEU", END_2025, "flow"),
    ("port.sea_rail_teu.2025", ">=", 2_200_000, "TEU", END_2025, "flow"),
    ("port.transshipment_teu.2025", ">=", 5_000_000, "TEU", END_2025, "flow"),
    ("port.direct_container_routes.2025", ">=", 200, "routes", END_2025, "stock"),
    ("port.intl_container_routes.2026", ">=", 200, "routes", END_2026, "stock"),
    ("power.renewable_capacity.2025", ">=", 5_200_000, "kW", END_2025, "capacity"),
    ("power.grid_supply_capacity.2025", ">=", 11_000_000, "kW", END_2025, "capacity"),
    ("power.new_energy_share.2025", ">=", 60, "%", END_2025, "ratio"),
    ("telecom.5g_base_stations.2025", ">=", 34_000, "stations", END_2025, "stock"),
    ("telecom.5g_base_stations.2026", ">=", 40_000, "stations", END_2026, "stock"),
    ("telecom.5g_village_coverage.2025", ">=", 99, "%", END_2025, "ratio"),
]  # fmt: skip

# The other rows: id → value in canonical unit.
OTHERS = {
    "water.nearshore_good_quality_ratio.2025": 98.8,
    "water.nearshore_good_quality_ratio.2026": 98.8,
    "port.intl_transshipment_ratio.2025": 21.5,
    "port.china_europe_trains.2025": 800,
    "airport.passengers.2025": 30_000_000,
    "airport.cargo_mail_tonnes.2025": 400_000,
    "power.ev_charging_piles.2025": 35_000,
    "power.ev_charging_piles.west-coast.2025": 13_000,
    "energy.lng_receiving_capacity.2025": 11_000_000,
    "economy.gdp_growth.2027": 5,
    "economy.rd_intensity.2025": 3,
    "economy.rd_intensity.2026": 3.2,
    "economy.foreign_trade.2025": 1_300_000_000_000,
    "economy.foreign_trade.2026": 1_300_000_000_000,
    "economy.high_tech_enterprises.2025": 8_000,
    "economy.high_tech_enterprises.2026": 10_000,
    "people.talent_pool.2025": 3_000_000,
    "people.talent_pool.2030": 3_500_000,
    "industry.ai_industry_size.2030": 200_000_000_000,
    "green.green_factories.2030": 100,
    # the other quantitative targets of the plan documents (plans coverage)
    "economy.high_value_patents.2025": 20,
    "economy.tech_smes.2025": 10_000,
    "economy.listed_high_tech_enterprises.2025": 60,
    "economy.tech_contract_turnover.2025": 50_000_000_000,
    "economy.tech_smes.high-tech-zone-north-park.2025": 1_200,
    "society.universities.2025": 32,
    "society.university_students.2025": 470_000,
    "society.vocational_colleges.2025": 13,
    "society.vocational_students.2025": 120_000,
    "economy.digital_core_share.2025": 11,
    "economy.manufacturing_share.2025": 29,
    "economy.new_economy_share.2025": 40,
    "industry.high_tech_output_share.2025": 60,
    "industry.leading_industries_size.2025": 1_100_000_000_000,
    "industry.industrial_profit_margin.2025": 6,
    "industry.emerging_industries_size.2025": 350_000_000_000,
    "economy.services_value_added.2025": 1_100_000_000_000,
    "economy.producer_services_share.2025": 60,
    "economy.financial_institutions.2025": 300,
    "industry.integrated_circuit_size.2025": 50_000_000_000,
    "industry.new_display_size.2025": 100_000_000_000,
    "economy.online_retail_share.2025": 35,
    "economy.logistics_value_added.2025": 160_000_000_000,
    "airport.domestic_destinations.2025": 130,
    "airport.international_destinations.2025": 40,
    "transport.expressway_km.2025": 900,
    "transport.rail_transit_km.2025": 352,
    "water.industrial_water_reuse_ratio.2025": 88,
    "water.irrigation_efficiency.2025": 0.65,
    "green.natural_coastline_ratio.2025": 35,
    "green.forest_coverage.2025": 15,
    "green.parks.2025": 500,
    "energy.clean_vehicle_energy_share.2025": 5.5,
    "water.surface_water_good_ratio.2025": 71.4,
    "agriculture.manure_utilisation.2025": 90,
    "agriculture.straw_utilisation.2025": 96,
    "green.polluted_farmland_safe_use.2025": 95,
    "people.urbanisation_rate.2025": 79,
    "people.resident_population.2025": 11_000_000,
    "green.sponge_city_ratio.2025": 32.5,
    "people.rural_disposable_income.2025": 32_000,
    "agriculture.high_standard_farmland.2025": 4_300_000,
    "agriculture.grain_output.2025": 3_000_000,
    "agriculture.vegetable_output.2025": 6_000_000,
    "agriculture.fruit_output.2025": 1_000_000,
    "agriculture.meat_egg_milk_output.2025": 1_000_000,
    "agriculture.aquatic_output.2025": 900_000,
    "agriculture.grain_oil_processing_output.2025": 60_000_000_000,
    "agriculture.processing_output_ratio.2025": 2.7,
    "agriculture.mechanisation_rate.2025": 92,
    "agriculture.rural_tap_water.2025": 98,
    "agriculture.rural_sanitary_toilets.2025": 95,
    "agriculture.rural_sewage_treatment.2025": 70,
    "agriculture.rural_waste_coverage.2025": 100,
    "agriculture.rural_waste_harmless.2025": 100,
    "economy.foreign_trade.shandong-ftz-qingdao-area.2025": 250_000_000_000,
    "economy.foreign_trade_growth.2025": 7,
    "economy.services_trade.2025": 150_000_000_000,
    "economy.fortune500_projects.2025": 400,
    "society.museums.2025": 130,
    "economy.culture_value_added.2025": 100_000_000_000,
    "people.urban_rural_income_ratio.2025": 2.2,
    "people.life_expectancy.2025": 81.8,
    "people.new_urban_jobs.2023": 350_000,
    "people.new_urban_jobs.2024": 350_000,
    "people.new_urban_jobs.2025": 350_000,
    "society.tertiary_hospitals.2025": 35,
    "society.sports_area_per_capita.2025": 3.5,
    "industry.sports_industry_size.2025": 100_000_000_000,
    "society.childcare_places_per_1000.2025": 4.5,
    "society.nursing_bed_share.2025": 60,
    "society.hardship_centralised_care_ratio.2025": 100,
    "economy.manufacturing_share.2026": 30,
    "economy.marine_gdp_share.2026": 33,
    "economy.tourist_visits.2026": 170_000_000,
    "industry.industrial_output.2026": 2_000_000_000_000,
    "industry.high_tech_output_share.2026": 65,
    "economy.producer_services_share.2026": 62,
    "industry.firms_over_10bn.2026": 20,
    "industry.firms_over_100bn.2026": 3,
    "economy.finance_value_added.2026": 120_000_000_000,
    "economy.marine_gdp.2026": 640_000_000_000,
    "economy.foreign_trade_entities.2026": 25_000,
    "society.lawyers_per_10k.2026": 9,
    "economy.tech_smes.west-coast.2025": 1_200,
    "economy.listed_high_tech_enterprises.west-coast.2025": 13,
    "industry.leading_industries_size.west-coast.2025": 440_000_000_000,
    "industry.emerging_industries_size.west-coast.2025": 138_000_000_000,
    "green.natural_coastline_ratio.west-coast.2025": 35,
    "people.urbanisation_rate.west-coast.2025": 82,
}


@pytest.mark.parametrize(
    ("tid", "comparator", "value", "unit", "deadline", "kind"),
    STARRED,
    ids=[row[0] for row in STARRED],
)
def test_every_starred_target_is_in_the_catalogue(
    targets: dict[str, Target],
    tid: str,
    comparator: str,
    value: float,
    unit: str,
    deadline: date,
    kind: str,
) -> None:
    t = targets[tid]
    indicator = tid.rsplit(".", 1)[0]
    assert (t.indicator, t.comparator, t.unit, t.deadline, t.kind) == (
        indicator,
        comparator,
        unit,
        deadline,
        kind,
    )
    assert t.value == value
    assert t.scope == "city"


@pytest.mark.parametrize(("tid", "value"), sorted(OTHERS.items()))
def test_the_other_rows_are_encoded(targets: dict[str, Target], tid: str, value: float) -> None:
    assert targets[tid].value == value


def test_chinese_quantities_and_baselines_are_in_canonical_units(
    targets: dict[str, Target],
) -> None:
    cargo = targets["port.cargo_tonnes.2025"]
    assert cargo.value == 670_000_000 and cargo.stated == ">= 6.7亿 t"
    assert cargo.baseline.value == 658_000_000 and cargo.baseline.date == date(2022, 12, 31)
    assert targets["port.container_teu.2025"].baseline.value == 25_670_000
    assert targets["telecom.5g_base_stations.2025"].baseline.value == 26_000
    assert targets["power.renewable_capacity.2025"].baseline.value == 2_600_000
    assert targets["air.good_days_ratio.2025"].baseline.from_data


def test_the_new_energy_share_is_marked_as_already_met(targets: dict[str, Target]) -> None:
    met = targets["power.new_energy_share.2025"].reported_met
    assert met is not None and met.value == 60
    assert [t.id for t in targets.values() if t.reported_met] == ["power.new_energy_share.2025"]


def test_port_profiles_dip_for_the_spring_festival(targets: dict[str, Target]) -> None:
    for tid in ("port.container_teu.2025", "port.cargo_tonnes.2025"):
        profile = targets[tid].trajectory.monthly_profile
        assert profile is not None and sum(profile) == pytest.approx(1.0)
        assert profile[1] == min(profile) and profile[0] < sum(profile[2:]) / 10
    pm25 = targets["air.pm25.2025"].trajectory.monthly_profile
    assert pm25 is not None and pm25[0] > 2 * pm25[7]  # winter-heavy


def test_target_ids_are_unique_and_regions_are_scoped(plans: list[Plan]) -> None:
    ids = [t.id for p in plans for t in p.targets]
    assert len(ids) == len(set(ids))
    regional = Counter(t.region for p in plans for t in p.targets if t.region)
    assert regional == {
        "west-coast-new-area": 10,
        "high-tech-zone-north-park": 1,
        "shandong-ftz-qingdao-area": 1,
    }


def test_direct_and_international_routes_are_separate_indicators(
    targets: dict[str, Target],
) -> None:
    direct = targets["port.direct_container_routes.2025"]
    international = targets["port.intl_container_routes.2026"]
    assert direct.indicator != international.indicator
    assert "直达航线" in direct.source_text and "国际集装箱航线" in international.source_text


@pytest.mark.parametrize(
    ("tid", "base"),
    [("economy.gdp_growth.2027", 2025), ("economy.foreign_trade_growth.2025", 2022)],
)
def test_average_yearly_growth_targets_name_their_base_year(
    targets: dict[str, Target], tid: str, base: int
) -> None:
    target = targets[tid]
    assert (target.kind, target.growth_average_from) == ("growth", base)
    assert "年均增长" in target.source_text


def test_every_target_quotes_its_plan_with_the_number_it_states(
    targets: dict[str, Target],
) -> None:
    for t in targets.values():
        assert t.stated_value is not None, t.id
        assert t.source_clause.split(" · ")[0].endswith(".txt"), t.id


def test_the_schema_is_valid_and_shares_the_quantity_pattern() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$defs"]["quantity"]["oneOf"][1]["pattern"] == QUANTITY_PATTERN


GOOD = """\
id: test-plan
title: Test plan
title_zh: 测试
issuer: Test
date: 2022-12-30
source: 001_test.txt
targets:
  - id: port.container_teu.2025
    indicator: port.container_teu
    comparator: ">="
    value: 2600万
    unit: TEU
    deadline: 2025-12-31
    kind: flow
    baseline: {value: 2567万, unit: TEU, date: 2022-12-31}
    trajectory: linear
    scope: city
    source_clause: 001 · 37
    source_text: 集装箱吞吐量达到2600万标准箱
"""
# Line numbers in GOOD: 8 id, 9 indicator, 10 comparator, 11 value, 12 unit,
# 13 deadline, 14 kind, 15 baseline, 16 trajectory, 17 scope.

BROKEN = [
    # name, (old, new) replacement in GOOD, expected line, words in the message
    ("unknown indicator", ("indicator: port.container_teu", "indicator: port.container_tue"), 9,
     ['"port.container_tue" is not in the catalogue', "did you mean port.container_teu"]),
    ("unit of another dimension", ("unit: TEU\n    deadline", "unit: kW\n    deadline"), 12,
     ['unit "kW" cannot be converted', '"TEU"']),
    ("deadline before baseline", ("deadline: 2025-12-31", "deadline: 2021-12-31"), 15,
     ["baseline date 2022-12-31 is not before the deadline 2021-12-31"]),
    ("kind does not fit the indicator", ("kind: flow", "kind: stock"), 14,
     ["kind stock does not fit port.container_teu", "use kind flow"]),
    ("bad comparator", ('comparator: ">="', 'comparator: "=>"'), 10,
     ["`comparator`", "'=>' is not allowed", "fix: use one of: >=, <="]),
    ("missing key", ("    kind: flow\n", ""), 8,
     ["target port.container_teu.2025: `kind` is missing", "fix: add `kind:`", "level-mean"]),
    ("unknown key", ("scope: city", "scope: city\n    colour: red"), 18,
     ["unknown key `colour`", "fix: remove it, or use one of: baseline"]),
    ("not a quantity", ("value: 2600万", "value: 2600w"), 11,
     ["`value`: '2600w' is not valid", "fix: write a number", "2600万"]),
    ("impossible date", ("deadline: 2025-12-31", "deadline: 2025-02-30"), 13,
     ['target port.container_teu.2025 `deadline`: "2025-02-30" is not a calendar date',
      "fix: write YYYY-MM-DD"]),
    ("YAML syntax", ("trajectory: linear", "trajectory: [linear"), 17,
     ["not valid YAML", "flow sequence started on line 16", "fix: fix the YAML syntax"]),
    ("duplicate key", ("scope: city", "scope: city\n    scope: city"), 18,
     ["key `scope` is repeated (first on line 17)", "fix: keep only one"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "change", "line", "words"), BROKEN, ids=[row[0] for row in BROKEN]
)
def test_a_broken_plan_says_where_and_what(
    tmp_path: Path, name: str, change: tuple[str, str], line: int, words: list[str]
) -> None:
    assert change[0] in GOOD
    (tmp_path / "plan.yaml").write_text(GOOD.replace(change[0], change[1], 1), encoding="utf-8")
    errors = check_plans(tmp_path)
    assert errors, name
    first = errors[0]
    assert (first.file, first.line) == (str(tmp_path / "plan.yaml"), line), str(first)
    assert first.column is not None and first.fix, str(first)
    for word in words:
        assert word in str(first), str(first)


def test_a_good_plan_loads(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(GOOD, encoding="utf-8")
    assert check_plans(tmp_path) == []
    (plan,) = load_plans(tmp_path)
    assert plan.targets[0].value == 26_000_000 and plan.date == date(2022, 12, 30)


def test_a_duplicate_target_id_across_files_names_the_first(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(GOOD.replace("id: test-plan", "id: other"), encoding="utf-8")
    (error,) = check_plans(tmp_path)
    assert (error.file, error.line) == (str(tmp_path / "b.yaml"), 8)
    assert 'target id "port.container_teu.2025" is already used at a.yaml:8' in error.message
    assert "give each its own id" in error.fix


def test_a_seasonal_profile_on_a_stock_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("indicator: port.container_teu", "indicator: telecom.5g_base_stations")
    text = text.replace("unit: TEU", "unit: stations").replace("kind: flow", "kind: stock")
    text = text.replace(
        "trajectory: linear",
        "trajectory: {shape: seasonal, monthly_profile: [1,1,1,1,1,1,1,1,1,1,1,1]}",
    )
    (tmp_path / "plan.yaml").write_text(text, encoding="utf-8")
    (error,) = check_plans(tmp_path)
    assert error.line == 16 and "seasonal profile needs a flow" in error.message


def test_load_plans_raises_with_every_problem(tmp_path: Path) -> None:
    bad = GOOD.replace("kind: flow", "kind: stock").replace(
        "unit: TEU\n    dead", "unit: kW\n    dead"
    )
    (tmp_path / "plan.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(InvalidPlansError) as caught:
        load_plans(tmp_path)
    assert len(caught.value.problems) == 2
    assert "plan.yaml:14:" in str(caught.value) and "plan.yaml:12:" in str(caught.value)
    assert str(caught.value).startswith("2 problem(s) in the plan files:\n")


def test_an_empty_or_missing_directory_is_an_error(tmp_path: Path) -> None:
    assert "no plan files" in check_plans(tmp_path)[0].message
    assert "no such directory" in check_plans(tmp_path / "nope")[0].message


GROWTH = """\
id: test-plan
title: Test plan
title_zh: 测试
issuer: Test
date: 2026-01-01
source: 000_test.txt
targets:
  - id: economy.gdp_growth.2027
    indicator: economy.gdp_growth
    comparator: ">="
    value: 5
    unit: "%"
    deadline: 2027-12-31
    kind: growth
    baseline: {from_data: true}
    trajectory: linear
    scope: city
    source_clause: 000 · 2
    source_text: 地区生产总值年均增长5%以上
    growth: {average_from: 2025}
"""


@pytest.mark.parametrize(
    ("growth", "expected"),
    [("{average_from: 2025}", 2025), ("each-year", None)],
)
def test_a_growth_target_is_averaged_from_a_base_year_or_judged_each_year(
    tmp_path: Path, growth: str, expected: int | None
) -> None:
    text = GROWTH.replace("{average_from: 2025}", growth)
    (tmp_path / "plan.yaml").write_text(text, encoding="utf-8")
    (plan,) = load_plans(tmp_path)
    assert plan.targets[0].growth_average_from == expected
    (tmp_path / "plan.yaml").write_text(text.replace(f"    growth: {growth}\n", ""), "utf-8")
    assert load_plans(tmp_path)[0].targets[0].growth_average_from is None


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (
            "{average_from: 2025}",
            "{average_from: 2027}",
            ["average_from 2027 is not before the deadline's year", "fix: write the base year"],
        ),
        ("{average_from: 2025}", "sometimes", ["`growth`", "each-year"]),
        ("{average_from: 2025}", "{average_from: 2025, to: 2027}", ["unknown key `to`"]),
        (
            "kind: growth",
            "kind: ratio",
            ["growth is for kind growth targets, not ratio", "kind ratio does not fit"],
        ),
    ],
)
def test_a_wrong_growth_says_where_and_what(
    tmp_path: Path, old: str, new: str, words: list[str]
) -> None:
    (tmp_path / "plan.yaml").write_text(GROWTH.replace(old, new), encoding="utf-8")
    errors = check_plans(tmp_path)
    text = "\n".join(str(e) for e in errors)
    assert errors and all(e.line in (14, 20) for e in errors), text
    for word in words:
        assert word in text
