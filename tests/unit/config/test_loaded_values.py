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
    "plan:qingdao-2023-2025-action-plan": "aeb081ad2d28ad69",
    "plan:qingdao-green-low-carbon-2026-2030": "11f3b091cef40795",
    "plan:qingdao-six-cities-2026": "eef10ea2b9a4999f",
    "plan:west-coast-new-area-2023-2025-action-plan": "0cd3ff89cfb57db8",
    "target:air.pm25.2025": "b0cb14463d9d146f",
    "target:air.good_days_ratio.2025": "b01ac30ab269f2e7",
    "target:air.heavy_pollution_days.2025": "9bf21f8e23d9ae4c",
    "target:water.nearshore_good_quality_ratio.2025": "0fc1eff81e7064fe",
    "target:port.cargo_tonnes.2025": "2a95683c1b67854a",
    "target:port.container_teu.2025": "0306a90810c3ff69",
    "target:port.sea_rail_teu.2025": "49cdeb2f03266e7d",
    "target:port.transshipment_teu.2025": "0f87bbd071cf8c45",
    "target:port.intl_transshipment_ratio.2025": "056ad1f33c6b9e7b",
    "target:port.container_routes.2025": "3ed54fcb5d666247",
    "target:port.china_europe_trains.2025": "e07626ee8daad1b0",
    "target:airport.passengers.2025": "3ac6e212dfa603d6",
    "target:airport.cargo_mail_tonnes.2025": "e44e536fe2bfc278",
    "target:power.renewable_capacity.2025": "5c2b739ec72be389",
    "target:power.grid_supply_capacity.2025": "eb2e8def12de6418",
    "target:power.ev_charging_piles.2025": "21a344e4d5d1873d",
    "target:energy.lng_receiving_capacity.2025": "fef89a1719ab9cff",
    "target:telecom.5g_base_stations.2025": "2b136463d0ba215a",
    "target:telecom.5g_village_coverage.2025": "ddfef68b660f17e7",
    "target:economy.rd_intensity.2025": "fd730654493e9b15",
    "target:economy.foreign_trade.2025": "7d8edc9c1f006b25",
    "target:economy.high_tech_enterprises.2025": "fddffe596dfa8a3e",
    "target:people.talent_pool.2025": "064db57a6507725f",
    "target:power.new_energy_share.2025": "baf5bf1b947e55a4",
    "target:economy.gdp_growth.2027": "5ebd56112607e1da",
    "target:people.talent_pool.2030": "2a809bdaec4fb6de",
    "target:industry.ai_industry_size.2030": "0433c0db45dfcd98",
    "target:green.green_factories.2030": "c97e3bf2999b1085",
    "target:telecom.5g_base_stations.2026": "8d4428125e82a357",
    "target:port.container_routes.2026": "977626ce07c744ab",
    "target:water.nearshore_good_quality_ratio.2026": "a319020fae8b42fe",
    "target:economy.rd_intensity.2026": "4bf6fa649239a54c",
    "target:economy.high_tech_enterprises.2026": "f61dd3f2ae14338d",
    "target:economy.foreign_trade.2026": "5bc3dc05cbd84dc3",
    "target:people.talent_pool.2026": "6d73722f7633bfe9",
    "target:power.ev_charging_piles.west-coast.2025": "09bafedc9c9f41d2",
    "target:energy.lng_receiving_capacity.west-coast.2025": "65bb098c741dc131",
    "target:economy.high_tech_enterprises.west-coast.2025": "bdd3f7682368c5d4",
    "target:people.talent_pool.west-coast.2025": "adbe4344e4023165",
    "rule:off-trajectory-ticket": "dfbab211d04622d9",
    "rule:off-trajectory-page": "24eed82a1145a1a8",
    "rule:projected-miss-ticket": "ef5175ea0d74e876",
    "rule:projected-miss-page": "199f43a9d8e6f991",
    "rule:burn-rate-fast": "9a7c799a75a7ba03",
    "rule:burn-rate-slow": "24b11c3f12bfcc77",
    "rule:burn-rate-fast-hourly": "a384c90ff309b4c2",
    "rule:burn-rate-slow-hourly": "c608ea467b69f8a3",
    "rule:stale-feed": "c2c105e5bca057fc",
    "rule:stale-feed-air-stations": "b88dfc36081049a4",
    "rule:pm25-heavy-pollution": "01be5ea12883b64a",
    "rule:pm25-severe-pollution": "596d7837aaba0be1",
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
