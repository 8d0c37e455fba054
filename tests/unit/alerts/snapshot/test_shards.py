from __future__ import annotations

import hashlib

import pytest

from services.alerts.rules import DEFAULT_RULES_PATH, load_rules
from services.alerts.runtime.leader import LEADER_KEY
from services.alerts.snapshot.alert_state import LOCK_KEY
from services.alerts.snapshot.shards import WHOLE, Shard, ShardError, check_rules
from services.alerts.snapshot.universe import load_universe
from services.settings import Settings
from tests.unit.alerts.factories import off_rule, stale_rule


@pytest.mark.parametrize(
    ("text", "index", "count"), [("0/1", 0, 1), ("1/2", 1, 2), (" 3 / 4 ", 3, 4)]
)
def test_a_shard_is_written_index_slash_count(text: str, index: int, count: int) -> None:
    assert Shard.parse(text) == Shard(index, count)
    assert str(Shard(index, count)) == f"{index}/{count}"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2", "write it as index/count"),
        ("a/b", "write it as index/count"),
        ("-1/2", "write it as index/count"),
        ("2/2", "must be below the number of shards (0/2 to 1/2)"),
        ("1/0", "must be below the number of shards"),
    ],
)
def test_a_shard_that_cannot_be_says_how_to_write_one(text: str, says: str) -> None:
    with pytest.raises(ShardError, match=r"alert engine shard") as e:
        Shard.parse(text)
    assert says in str(e.value)


def test_every_subject_is_in_exactly_one_shard_of_each_count() -> None:
    subjects = [f"air.pm25/station-{i}" for i in range(2000)] + ["", "运营商-甲", "🚢"]
    for count in (1, 2, 3, 8):
        shards = [Shard(i, count) for i in range(count)]
        for s in subjects:
            assert sum(sh.owns(s) for sh in shards) == 1
        sizes = [sum(sh.owns(s) for s in subjects) for sh in shards]
        assert min(sizes) > 0.8 * len(subjects) / count  # about even


def test_a_subject_s_shard_is_its_md5_not_its_hash() -> None:
    # hash() of a str differs between processes; the first 32 bits of MD5 do not
    for subject in ("telecom.5g_base_stations/op-a", "air.pm25/db-c", "港口/吞吐量"):
        first = int(hashlib.md5(subject.encode()).hexdigest()[:8], 16)
        assert [Shard.of(subject, n) for n in (2, 3, 5)] == [first % n for n in (2, 3, 5)]


def test_each_shard_has_its_own_locks_and_consumer_group() -> None:
    assert WHOLE.key(LEADER_KEY) == LEADER_KEY and WHOLE.key(LOCK_KEY) == LOCK_KEY
    assert WHOLE.group("ontrack-alerts") == "ontrack-alerts"
    layouts = [Shard(i, n) for n in (2, 3) for i in range(n)]
    keys = {s.key(k) for s in layouts for k in (LEADER_KEY, LOCK_KEY)}
    assert len(keys) == 2 * len(layouts) and not keys & {LEADER_KEY, LOCK_KEY}
    assert all(0 < k < 2**63 for k in keys)  # a PostgreSQL bigint
    groups = {s.group("ontrack-alerts") for s in layouts}
    assert len(groups) == len(layouts) and "ontrack-alerts-shard-1-of-2" in groups


def test_the_shards_of_a_universe_split_its_targets() -> None:
    s = Settings()
    u = load_universe(s.plans_dir, s.rules_dir, s.catalogue_path)
    assert WHOLE.universe(u) is u
    halves = [Shard(i, 2).universe(u).targets for i in (0, 1)]
    assert sorted(t.id for h in halves for t in h) == sorted(t.id for t in u.targets)
    assert halves[0] and halves[1]


def test_the_default_rules_can_be_sharded() -> None:
    check_rules(load_rules(DEFAULT_RULES_PATH), Shard(0, 2))


def test_a_rule_giving_several_subjects_one_alert_cannot_be_sharded() -> None:
    grouped = [off_rule(id="by-plan", identify_by=("plan",)), stale_rule(identify_by=None)]
    check_rules(grouped, WHOLE)  # a single engine steps every alert
    with pytest.raises(ShardError) as e:
        check_rules(grouped, Shard(1, 2))
    text = str(e.value)
    assert "rule by-plan: its alerts are not one per target" in text
    assert "add 'target' to identify_by" in text and "ONTRACK_ALERTS_SHARD=0/1" in text
    assert "stale" not in text  # no identify_by: every label, the series among them
    labelled = stale_rule(labels={"series": "all"})
    with pytest.raises(ShardError, match="rule stale: its alerts are not one per series"):
        check_rules([labelled], Shard(0, 3))
