"""The repository's catalogue, plans, rules and routes load to the values they loaded to
before the configuration files shared one reader (fingerprints taken then)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from services.indicators.catalogue import load_catalogue
from tests.unit.config.fingerprints import canonical, digest, fingerprints

# Taken with the readers of each room, before services.config read the files for them.
BEFORE = {
    "catalogue": "b6abc130cfb58eb6",
    "indicator:air.pm25": "b400d9b9aa152bd5",
    "indicator:air.pm10": "1b5c7c4babb4c4c8",
    "indicator:air.o3": "b9d8c893b61945bb",
    "indicator:air.no2": "f9f3e59ce808263e",
    "indicator:air.so2": "7fedf87d2836d43f",
    "indicator:air.co": "770a4d19ad4ef29a",
    "indicator:air.aqi_daily": "dbace3aa0bbbee9a",
    "indicator:air.good_days_ratio": "9dddf546e6b9d224",
    "indicator:air.heavy_pollution_days": "8842faf8958ca498",
    "indicator:water.nearshore_good_quality_ratio": "cfcc881b643582f3",
    "indicator:port.cargo_tonnes": "174a2f92fe4aa590",
    "indicator:port.container_teu": "60fd15043bff6c34",
    "indicator:port.sea_rail_teu": "c295bea2f3a68f20",
    "indicator:port.transshipment_teu": "eb2a1b811b01fe92",
    "indicator:port.intl_transshipment_ratio": "d573bc1d7c4d0f9a",
    "indicator:port.container_routes": "d648534f4fb0fe6c",
    "indicator:port.china_europe_trains": "e7a6480f4bdde250",
    "indicator:airport.passengers": "04a369db1a02b800",
    "indicator:airport.cargo_mail_tonnes": "0398c96160f2ea69",
    "indicator:power.renewable_capacity": "db614e472d2acb77",
    "indicator:power.total_capacity": "47190201d075eff9",
    "indicator:power.grid_supply_capacity": "278bc1545576dd19",
    "indicator:power.new_energy_share": "4b35ef4867753728",
    "indicator:power.generation": "793ebcca72244d1a",
    "indicator:power.ev_charging_piles": "1db68711fb501d41",
    "indicator:energy.lng_receiving_capacity": "b7d762ad5df8d0bb",
    "indicator:telecom.5g_base_stations": "d960542cefe77105",
    "indicator:telecom.5g_village_coverage": "59db1f66bf3dc350",
    "indicator:economy.gdp_growth": "e089c6b32bdf2036",
    "indicator:economy.rd_intensity": "b97ef536a602740a",
    "indicator:economy.foreign_trade": "444a880c4573c56b",
    "indicator:economy.high_tech_enterprises": "dd49d6acdaad1c01",
    "indicator:people.talent_pool": "07d3d78be185d88c",
    "indicator:industry.ai_industry_size": "2e7e058d3f91fbdd",
    "indicator:green.green_factories": "76bfffe4d996b0b3",
    "plan:qingdao-2023-2025-action-plan": "0a061618f252f631",
    "plan:qingdao-green-low-carbon-2026-2030": "e1db888ad10a7742",
    "plan:qingdao-six-cities-2026": "e95109b2b09c3d2e",
    "plan:west-coast-new-area-2023-2025-action-plan": "e277057606476968",
    "target:air.pm25.2025": "2a0621447ff2cd1e",
    "target:air.good_days_ratio.2025": "4a2b4b4b72556e58",
    "target:air.heavy_pollution_days.2025": "732c42e2c43e2af2",
    "target:water.nearshore_good_quality_ratio.2025": "d3fb353e9d44d7be",
    "target:port.cargo_tonnes.2025": "635212afa182d764",
    "target:port.container_teu.2025": "9acf22ec875259c5",
    "target:port.sea_rail_teu.2025": "786b21b6de8b03fd",
    "target:port.transshipment_teu.2025": "aa70869aca908efa",
    "target:port.intl_transshipment_ratio.2025": "db528a7a7d3ee944",
    "target:port.container_routes.2025": "cef3609c7d26355b",
    "target:port.china_europe_trains.2025": "80c9d5b3eabd4950",
    "target:airport.passengers.2025": "6c330487682c1886",
    "target:airport.cargo_mail_tonnes.2025": "94bc78d7834cf2a9",
    "target:power.renewable_capacity.2025": "66e73e9fdf889d19",
    "target:power.grid_supply_capacity.2025": "e2bae098fedc5c9e",
    "target:power.ev_charging_piles.2025": "e876d0080ba4d887",
    "target:energy.lng_receiving_capacity.2025": "835c8d2d2c9e62bb",
    "target:telecom.5g_base_stations.2025": "4ac91b58ce6ed548",
    "target:telecom.5g_village_coverage.2025": "efc8b01b104dc11e",
    "target:economy.rd_intensity.2025": "3c0f7c31d24c5d86",
    "target:economy.foreign_trade.2025": "ced04f99acc5041a",
    "target:economy.high_tech_enterprises.2025": "0ba8e51be56e660c",
    "target:people.talent_pool.2025": "515ca2ee65bb4421",
    "target:power.new_energy_share.2025": "3da02436f602a306",
    "target:economy.gdp_growth.2027": "aecac30fb9f1dedb",
    "target:people.talent_pool.2030": "423952da46bd1110",
    "target:industry.ai_industry_size.2030": "784c34313d89055b",
    "target:green.green_factories.2030": "f67f4eb44922dc1e",
    "target:telecom.5g_base_stations.2026": "b17a3493cea2cddb",
    "target:port.container_routes.2026": "4d1b9bc46c86d397",
    "target:water.nearshore_good_quality_ratio.2026": "56184a06d397e2cc",
    "target:economy.rd_intensity.2026": "b7654984332ee056",
    "target:economy.high_tech_enterprises.2026": "0c180c93b8611922",
    "target:economy.foreign_trade.2026": "c1d2bbc906f908fa",
    "target:people.talent_pool.2026": "69b2cdfe3b8129f9",
    "target:power.ev_charging_piles.west-coast.2025": "725ab05025348186",
    "target:energy.lng_receiving_capacity.west-coast.2025": "6d39cfe912c9fc16",
    "target:economy.high_tech_enterprises.west-coast.2025": "4ceafc102afafe0c",
    "target:people.talent_pool.west-coast.2025": "5be69c174da26402",
    "rule:off-trajectory-ticket": "0f14c2769f2f5343",
    "rule:off-trajectory-page": "2973a0150e0e7545",
    "rule:projected-miss-ticket": "22c420e888694f20",
    "rule:projected-miss-page": "629b401e02df54e0",
    "rule:burn-rate-fast": "ad0812835ccf7df6",
    "rule:burn-rate-slow": "027c95a48204a73a",
    "rule:burn-rate-fast-hourly": "f11fc8e075287c33",
    "rule:burn-rate-slow-hourly": "581c196898271657",
    "rule:no-data": "98f82a8d0b23bd2d",
    "rule:stale-feed": "0b86f2d273946f8c",
    "rule:stale-feed-air-stations": "7426cea11ce66d9e",
    "rule:pm25-heavy-pollution": "a800b30177f25456",
    "rule:pm25-severe-pollution": "f397e46e5606caec",
    "receiver:plan-office-mail": "e6a0686dcc407509",
    "receiver:environment-oncall": "00b6cf77af2803aa",
    "receiver:alertmanager": "7ea146b682c1c67d",
    "route-tree": "2888d56bb62cf7e1",
}


def test_every_loaded_value_is_what_it_was() -> None:
    now = fingerprints()
    changed = {k: now.get(k, "gone") for k, v in BEFORE.items() if now.get(k) != v}
    assert not changed, (
        f"these loaded values differ from before: {changed}; if the files changed on "
        "purpose, put the new fingerprints in BEFORE"
    )


def test_a_fingerprint_sees_a_changed_field_and_ignores_defaults() -> None:
    pm25 = load_catalogue().get("air.pm25")
    assert digest(pm25) != digest(dataclasses.replace(pm25, combine="sum"))
    assert digest(pm25) != digest(dataclasses.replace(pm25, description=pm25.description + " "))
    assert digest(1) != digest(1.0) and canonical(timedelta(hours=1)) == {"timedelta": 3600}
    assert "arrives_as" not in canonical(pm25)  # left at its default
