"""The city's statistics, office by office: what each sends, in which unit, how often,
and the levels and totals of each year (simulated, in the ballpark of Qingdao's own).

Every one of them is comfortably on track toward the targets it rests on — the totals of
a year above the year's target, the levels ahead of the path from their first report —
except the script's stories: the metro's feed, connected late, and the population, which
grows too slowly for the plan's 1100万.
"""

from __future__ import annotations

from datetime import date, timedelta

from services.demo.simulate.script import story
from services.demo.simulate.statistics import Flow, Growth, Level, Office, year_ends

__all__ = ["OFFICES"]

WEST_COAST = "west-coast-new-area"
FTZ = "shandong-ftz-qingdao-area"
NORTH_PARK = "high-tech-zone-north-park"

# Shares of a year by month: quarters weigh alike, December's rush of contracts and
# registrations, the Spring Festival's quiet February, Qingdao's summer of visitors.
TRADE = (0.079, 0.065, 0.083, 0.082, 0.084, 0.084, 0.086, 0.086, 0.085, 0.087, 0.088, 0.091)
CONTRACTS = (0.06, 0.055, 0.08, 0.08, 0.08, 0.085, 0.08, 0.08, 0.085, 0.08, 0.09, 0.125)
OUTPUT = (0.07, 0.06, 0.085, 0.083, 0.085, 0.088, 0.082, 0.083, 0.088, 0.085, 0.09, 0.101)
JOBS = (0.06, 0.055, 0.095, 0.09, 0.09, 0.095, 0.085, 0.08, 0.09, 0.085, 0.09, 0.085)
VISITS = (0.055, 0.065, 0.06, 0.075, 0.085, 0.09, 0.13, 0.14, 0.09, 0.095, 0.06, 0.055)
INCOME = (0.1, 0.1, 0.1, 0.067, 0.067, 0.066, 0.09, 0.09, 0.09, 0.077, 0.077, 0.076)
SERVICES = (0.078, 0.078, 0.079, 0.081, 0.082, 0.082, 0.083, 0.083, 0.084, 0.088, 0.09, 0.092)
RAIN = (1.5, 1.5, 1.0, 0.5, 0.0, -1.0, -2.5, -2.5, -1.0, 0.5, 1.0, 1.5)  # pp: summer runoff
SEA = (0.1, 0.1, 0.1, 0.1, 0.1, -0.1, -0.1, -0.2, -0.1, 0.1, 0.1, 0.1)

# Goods trade (亿元), the city's and its free-trade area's; 2022 only for the rates.
FOREIGN_TRADE = {2022: 12_580, 2023: 13_650, 2024: 14_810, 2025: 16_070, 2026: 17_435}
GDP = {2022: 100.0, 2023: 105.9, 2024: 111.9, 2025: 118.1, 2026: 124.7}  # a volume index

_METRO_FROM = story("transport.rail_transit_km.2025").until
assert _METRO_FROM is not None

OFFICES: tuple[Office, ...] = (
    Office("agriculture-bureau", "qd-agriculture", (
        Flow("agriculture.grain_output", "万吨", {2023: 318, 2024: 322, 2025: 320, 2026: 324}),
        Flow("agriculture.vegetable_output", "万吨",
             {2023: 640, 2024: 648, 2025: 652, 2026: 655}),
        Flow("agriculture.fruit_output", "万吨", {2023: 107, 2024: 108, 2025: 109, 2026: 110}),
        Flow("agriculture.meat_egg_milk_output", "万吨",
             {2023: 105, 2024: 106, 2025: 107, 2026: 107.5}),
        Flow("agriculture.aquatic_output", "万吨", {2023: 96, 2024: 97, 2025: 97.5, 2026: 98}),
        Flow("agriculture.grain_oil_processing_output", "亿元",
             {2023: 625, 2024: 640, 2025: 660, 2026: 675}),
        Level("agriculture.high_standard_farmland", "万亩",
              year_ends({2022: 380, 2023: 410, 2024: 432, 2025: 446, 2026: 455})),
        Level("agriculture.processing_output_ratio", "times",
              year_ends({2022: 2.55, 2023: 2.70, 2024: 2.82, 2025: 2.90, 2026: 2.95})),
        Level("agriculture.mechanisation_rate", "%",
              year_ends({2022: 92.3, 2023: 93.0, 2024: 93.6, 2025: 94.0, 2026: 94.3})),
        Level("agriculture.manure_utilisation", "%",
              year_ends({2022: 92.8, 2023: 93.4, 2024: 93.8, 2025: 94.1, 2026: 94.3})),
        Level("agriculture.straw_utilisation", "%",
              year_ends({2022: 96.4, 2023: 96.8, 2024: 97.1, 2025: 97.3, 2026: 97.5})),
        Level("agriculture.rural_tap_water", "%",
              year_ends({2022: 98.3, 2023: 98.6, 2024: 98.8, 2025: 99.0, 2026: 99.1})),
        Level("agriculture.rural_sanitary_toilets", "%",
              year_ends({2022: 95.5, 2023: 96.3, 2024: 96.8, 2025: 97.2, 2026: 97.4})),
        Level("agriculture.rural_sewage_treatment", "%",
              year_ends({2022: 60.0, 2023: 66.0, 2024: 71.0, 2025: 74.0, 2026: 76.0})),
        Level("agriculture.rural_waste_coverage", "%", year_ends(dict.fromkeys(range(2022, 2027), 100.0))),
        Level("agriculture.rural_waste_harmless", "%", year_ends(dict.fromkeys(range(2022, 2027), 100.0))),
    )),
    Office("environment-centre", "qd-environment", (
        Level("water.surface_water_good_ratio", "%",
              year_ends({2022: 74.5, 2023: 75.5, 2024: 76.5, 2025: 78.0, 2026: 79.0}),
              every="month", noise=0.4, wobble=RAIN, of_year=True),
        Level("water.nearshore_good_quality_ratio", "%",
              year_ends({2022: 99.1, 2023: 99.2, 2024: 99.3, 2025: 99.4, 2026: 99.4}),
              every="quarter", noise=0.05, wobble=SEA, of_year=True),
    )),
    Office("water-bureau", "qd-water", (
        Level("water.industrial_water_reuse_ratio", "%",
              year_ends({2022: 88.6, 2023: 89.2, 2024: 89.6, 2025: 90.0, 2026: 90.2})),
        Level("water.irrigation_efficiency", "coefficient",
              year_ends({2022: 0.652, 2023: 0.658, 2024: 0.664, 2025: 0.670, 2026: 0.674})),
    )),
    Office("energy-bureau", "qd-energy", (
        Level("energy.clean_vehicle_energy_share", "%",
              year_ends({2022: 3.6, 2023: 4.4, 2024: 5.2, 2025: 6.0, 2026: 6.6})),
    )),
    # Both LNG terminals lie in the West Coast New Area: the city's capacity is theirs.
    Office("energy-bureau", "sinopec-qingdao-lng", (
        Level("energy.lng_receiving_capacity", "万吨/年",
              year_ends({2022: 700, 2023: 900, 2024: 1000, 2025: 1000, 2026: 1000})),
    ), region=WEST_COAST),
    Office("energy-bureau", "dongjiakou-lng", (
        Level("energy.lng_receiving_capacity", "万吨/年", year_ends({2025: 200, 2026: 300})),
    ), region=WEST_COAST, since=date(2025, 1, 1)),
    Office("qingdao-customs", "qd-customs", (
        Flow("economy.foreign_trade", "亿元", FOREIGN_TRADE, every="month", season=TRADE,
             noise=0.02),
        Growth("economy.foreign_trade_growth", FOREIGN_TRADE, every="month", noise=1.5),
    )),
    Office("qingdao-customs", "qd-customs-ftz", (
        Flow("economy.foreign_trade", "亿元", {2023: 2_650, 2024: 2_760, 2025: 2_880, 2026: 2_990},
             every="month", season=TRADE, noise=0.03),
    ), region=FTZ),
    Office("statistics-bureau", "qd-statistics", (
        Growth("economy.gdp_growth", GDP, every="quarter", noise=0.3),
        Flow("economy.services_value_added", "亿元",
             {2023: 11_400, 2024: 11_900, 2025: 12_400, 2026: 12_900},
             every="quarter", season=SERVICES, noise=0.01),
        Flow("economy.finance_value_added", "亿元",
             {2023: 1_250, 2024: 1_290, 2025: 1_330, 2026: 1_370},
             every="quarter", season=SERVICES, noise=0.015),
        Flow("economy.services_trade", "亿元", {2023: 1_570, 2024: 1_620, 2025: 1_680, 2026: 1_720},
             every="quarter", season=SERVICES, noise=0.02),
        Flow("economy.tech_contract_turnover", "亿元",
             {2023: 540, 2024: 580, 2025: 620, 2026: 650}, every="month", season=CONTRACTS,
             noise=0.04),
        Flow("economy.tourist_visits", "万人次",
             {2023: 17_800, 2024: 18_600, 2025: 19_300, 2026: 19_900}, every="month",
             season=VISITS, noise=0.03),
        Flow("economy.logistics_value_added", "亿元",
             {2023: 1_660, 2024: 1_700, 2025: 1_745, 2026: 1_780}),
        Flow("economy.culture_value_added", "亿元",
             {2023: 1_040, 2024: 1_065, 2025: 1_090, 2026: 1_110}),
        Flow("economy.marine_gdp", "亿元", {2023: 6_620, 2024: 6_800, 2025: 6_980, 2026: 7_150}),
        Level("economy.manufacturing_share", "%",
              year_ends({2022: 29.0, 2023: 30.3, 2024: 30.7, 2025: 31.0, 2026: 31.3}),
              every="quarter", noise=0.2, of_year=True, settles=True),
        Level("economy.online_retail_share", "%",
              year_ends({2022: 31.0, 2023: 34.0, 2024: 35.8, 2025: 37.0, 2026: 38.0}),
              every="month", noise=0.3, of_year=True, settles=True),
        Level("economy.rd_intensity", "%",
              year_ends({2022: 2.85, 2023: 3.05, 2024: 3.18, 2025: 3.30, 2026: 3.42})),
        Level("economy.digital_core_share", "%",
              year_ends({2022: 10.4, 2023: 11.0, 2024: 11.6, 2025: 12.0, 2026: 12.4})),
        Level("economy.new_economy_share", "%",
              year_ends({2022: 38.0, 2023: 40.0, 2024: 40.8, 2025: 41.5, 2026: 42.2})),
        Level("economy.producer_services_share", "%",
              year_ends({2022: 58.0, 2023: 61.0, 2024: 62.0, 2025: 63.0, 2026: 64.0})),
        Level("economy.marine_gdp_share", "%",
              year_ends({2022: 31.2, 2023: 32.6, 2024: 33.3, 2025: 33.9, 2026: 34.5})),
        Level("economy.high_value_patents", "件/万人",
              year_ends({2022: 15.5, 2023: 17.6, 2024: 19.4, 2025: 21.0, 2026: 22.6})),
        Level("economy.high_tech_enterprises", "enterprises",
              year_ends({2022: 6_600, 2023: 7_700, 2024: 8_600, 2025: 9_500, 2026: 10_400}),
              whole=True),
        Level("economy.tech_smes", "enterprises",
              year_ends({2022: 7_600, 2023: 8_700, 2024: 9_700, 2025: 10_600, 2026: 11_300}),
              whole=True),
        Level("economy.listed_high_tech_enterprises", "enterprises",
              year_ends({2022: 46, 2023: 53, 2024: 58, 2025: 62, 2026: 65}), whole=True),
        Level("economy.financial_institutions", "institutions",
              year_ends({2022: 288, 2023: 302, 2024: 308, 2025: 312, 2026: 315}), whole=True),
        Level("economy.fortune500_projects", "projects",
              year_ends({2022: 330, 2023: 365, 2024: 392, 2025: 412, 2026: 425}), whole=True),
        Level("economy.foreign_trade_entities", "万家",
              year_ends({2022: 1.85, 2023: 2.08, 2024: 2.28, 2025: 2.45, 2026: 2.62})),
        Flow("people.new_urban_jobs", "万人", {2023: 37.5, 2024: 38.0, 2025: 38.4, 2026: 38.6},
             every="month", season=JOBS, noise=0.05),
        Flow("people.rural_disposable_income", "CNY",
             {2023: 33_400, 2024: 35_200, 2025: 37_000, 2026: 38_700}, every="quarter",
             season=INCOME),
        Level("people.resident_population", "万人",
              year_ends({2022: 1_034.2, 2023: 1_037.2, 2024: 1_044.9, 2025: 1_051.0,
                         2026: 1_056.0})),  # short of the plan (the script's story)
        Level("people.talent_pool", "万人",
              year_ends({2022: 268, 2023: 288, 2024: 301, 2025: 312, 2026: 322})),
        Level("people.urbanisation_rate", "%",
              year_ends({2022: 77.3, 2023: 78.3, 2024: 79.2, 2025: 80.0, 2026: 80.6})),
        Level("people.urban_rural_income_ratio", "times",
              year_ends({2022: 2.26, 2023: 2.18, 2024: 2.15, 2025: 2.12, 2026: 2.10})),
        Level("people.life_expectancy", "years",
              year_ends({2022: 81.5, 2023: 82.1, 2024: 82.4, 2025: 82.6, 2026: 82.8})),
        Flow("industry.industrial_output", "亿元",
             {2023: 20_800, 2024: 21_600, 2025: 22_500, 2026: 23_400}, every="month",
             season=OUTPUT, noise=0.02),
        Level("industry.high_tech_output_share", "%",
              year_ends({2022: 57.0, 2023: 61.0, 2024: 63.5, 2025: 65.5, 2026: 67.5}),
              every="month", noise=0.4, of_year=True, settles=True),
        Level("industry.industrial_profit_margin", "%",
              year_ends({2022: 5.6, 2023: 6.1, 2024: 6.4, 2025: 6.6, 2026: 6.7}),
              every="month", noise=0.15, of_year=True, settles=True),
        Flow("industry.leading_industries_size", "亿元",
             {2023: 11_400, 2024: 11_750, 2025: 12_100, 2026: 12_400}),
        Flow("industry.emerging_industries_size", "亿元",
             {2023: 3_620, 2024: 3_760, 2025: 3_900, 2026: 4_020}),
        Flow("industry.integrated_circuit_size", "亿元",
             {2023: 520, 2024: 545, 2025: 575, 2026: 600}),
        Flow("industry.new_display_size", "亿元", {2023: 1_040, 2024: 1_080, 2025: 1_120, 2026: 1_150}),
        Flow("industry.sports_industry_size", "亿元",
             {2023: 1_035, 2024: 1_070, 2025: 1_100, 2026: 1_130}),
        Flow("industry.ai_industry_size", "亿元", {2023: 420, 2024: 560, 2025: 740, 2026: 960}),
        Level("industry.firms_over_10bn", "enterprises",
              year_ends({2022: 14, 2023: 16, 2024: 18, 2025: 20, 2026: 22}), whole=True),
        Level("industry.firms_over_100bn", "enterprises",
              year_ends({2022: 2, 2023: 3, 2024: 3, 2025: 4, 2026: 4}), whole=True),
        Level("society.universities", "institutions",
              year_ends({2022: 29, 2023: 31, 2024: 32, 2025: 33, 2026: 33}), whole=True),
        Level("society.university_students", "万人",
              year_ends({2022: 44.0, 2023: 46.5, 2024: 47.5, 2025: 48.5, 2026: 49.2})),
        Level("society.vocational_colleges", "institutions",
              year_ends({2022: 11, 2023: 13, 2024: 13, 2025: 14, 2026: 14}), whole=True),
        Level("society.vocational_students", "万人",
              year_ends({2022: 10.2, 2023: 11.2, 2024: 11.9, 2025: 12.5, 2026: 12.9})),
        Level("society.museums", "institutions",
              year_ends({2022: 116, 2023: 125, 2024: 131, 2025: 135, 2026: 138}), whole=True),
        Level("society.tertiary_hospitals", "institutions",
              year_ends({2022: 28, 2023: 32, 2024: 34, 2025: 36, 2026: 37}), whole=True),
        Level("society.sports_area_per_capita", "m²/person",
              year_ends({2022: 3.0, 2023: 3.27, 2024: 3.45, 2025: 3.62, 2026: 3.75})),
        Level("society.childcare_places_per_1000", "per 1000 people",
              year_ends({2022: 3.2, 2023: 3.8, 2024: 4.3, 2025: 4.7, 2026: 5.0})),
        Level("society.nursing_bed_share", "%",
              year_ends({2022: 50.0, 2023: 55.5, 2024: 59.0, 2025: 62.5, 2026: 64.0})),
        Level("society.hardship_centralised_care_ratio", "%",
              year_ends(dict.fromkeys(range(2022, 2027), 100.0))),
        Level("society.lawyers_per_10k", "人/万人",
              year_ends({2022: 6.8, 2023: 7.6, 2024: 8.2, 2025: 8.8, 2026: 9.4})),
    )),
    Office("west-coast-statistics", "wc-statistics", (
        Level("economy.high_tech_enterprises", "enterprises",
              year_ends({2022: 1_150, 2023: 1_310, 2024: 1_440, 2025: 1_560, 2026: 1_650}),
              whole=True),
        Level("economy.tech_smes", "enterprises",
              year_ends({2022: 880, 2023: 1_020, 2024: 1_135, 2025: 1_260, 2026: 1_330}),
              whole=True),
        Level("economy.listed_high_tech_enterprises", "enterprises",
              year_ends({2022: 9, 2023: 11, 2024: 13, 2025: 14, 2026: 15}), whole=True),
        Flow("industry.leading_industries_size", "亿元",
             {2023: 4_560, 2024: 4_700, 2025: 4_850, 2026: 4_980}),
        Flow("industry.emerging_industries_size", "亿元",
             {2023: 1_430, 2024: 1_490, 2025: 1_550, 2026: 1_600}),
        Level("people.talent_pool", "万人",
              year_ends({2022: 82, 2023: 89.5, 2024: 94.5, 2025: 98.5, 2026: 101.5})),
        Level("people.urbanisation_rate", "%",
              year_ends({2022: 80.0, 2023: 80.9, 2024: 81.8, 2025: 82.6, 2026: 83.2})),
        Level("green.natural_coastline_ratio", "%",
              year_ends({2022: 36.2, 2023: 36.4, 2024: 36.6, 2025: 36.8, 2026: 37.0})),
    ), region=WEST_COAST),
    Office("high-tech-zone", "htz-north-park", (
        Level("economy.tech_smes", "enterprises",
              year_ends({2022: 820, 2023: 985, 2024: 1_110, 2025: 1_235, 2026: 1_320}),
              whole=True),
    ), region=NORTH_PARK),
    Office("natural-resources-bureau", "qd-natural-resources", (
        Level("green.forest_coverage", "%",
              year_ends({2022: 14.6, 2023: 15.2, 2024: 15.5, 2025: 15.8, 2026: 16.0})),
        Level("green.natural_coastline_ratio", "%",
              year_ends({2022: 35.6, 2023: 36.1, 2024: 36.4, 2025: 36.6, 2026: 36.8})),
        Level("green.parks", "parks",
              year_ends({2022: 420, 2023: 462, 2024: 495, 2025: 530, 2026: 550}), whole=True),
        Level("green.sponge_city_ratio", "%",
              year_ends({2022: 27.0, 2023: 30.0, 2024: 32.5, 2025: 34.5, 2026: 36.0})),
        Level("green.polluted_farmland_safe_use", "%",
              year_ends({2022: 95.5, 2023: 96.0, 2024: 96.5, 2025: 97.0, 2026: 97.2})),
        # Green factories certified since 2026 (the 2026–2030 plan's count), as the
        # provincial lists name them during the year.
        Level("green.green_factories", "firms",
              [(date(2026, 3, 31), 12), (date(2026, 6, 30), 22), (date(2026, 9, 30), 32)],
              every="list", step=True, whole=True),
    )),
    Office("transport-bureau", "qd-transport", (
        Level("transport.expressway_km", "km",
              year_ends({2022: 860, 2023: 900, 2024: 912, 2025: 925, 2026: 930})),
    )),
    Office("qingdao-metro", "qingdao-metro", (
        Level("transport.rail_transit_km", "km", [
            (date(2022, 12, 31), 315), (date(2023, 9, 28), 323), (date(2023, 12, 26), 343),
            (date(2024, 6, 28), 351), (date(2024, 12, 26), 361), (date(2025, 12, 28), 368),
        ], every="month", step=True),
    ), since=_METRO_FROM.replace(day=1) - timedelta(days=1)),  # its last month, sent then
)  # fmt: skip
