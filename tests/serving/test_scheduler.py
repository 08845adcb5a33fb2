"""The fair scheduler's rules on plain numbers (no model): shares, counters, grants, parks."""

import pytest

from playground.serving.scheduler import FairScheduler


def test_one_participant_alone_gets_every_slot_it_asks_for():
    s = FairScheduler(max_rows=16)
    plan = s.plan(running={}, waiting={"a": 48}, free=16)
    assert plan.grants == ["a"] * 16 and plan.parks == {}


def test_slots_are_shared_max_min_and_nobody_gets_more_than_asked():
    s = FairScheduler(max_rows=16)
    assert s.shares({"a": 48, "b": 48, "c": 2}) == {"a": 7, "b": 7, "c": 2}
    assert sum(s.shares({"a": 16, "b": 16, "c": 16}).values()) == 16


def test_a_newcomer_gets_a_slot_at_once_by_parking_a_row_of_the_heaviest():
    s = FairScheduler(max_rows=16)
    for p, n in (("a", 6), ("b", 5), ("c", 5)):
        s.served(p, n * 100)
    plan = s.plan(running={"a": 6, "b": 5, "c": 5}, waiting={"a": 10, "b": 11, "c": 11, "d": 1},
                  free=0)
    assert plan.grants == ["d"]
    assert plan.parks == {"a": 1}  # the only one above its share of 5


def test_free_slots_go_first_to_whoever_was_served_least():
    s = FairScheduler(max_rows=4)
    s.plan(running={"a": 2, "b": 2}, waiting={"a": 5, "b": 5}, free=0)  # both active
    s.served("a", 50)
    s.served("b", 10)
    plan = s.plan(running={"a": 1, "b": 1}, waiting={"a": 5, "b": 5}, free=2)
    assert plan.grants == ["b", "a"]  # equal shares; b (10 tokens) before a (50)


def test_idling_earns_no_credit_a_returning_participant_starts_at_the_smallest_active_counter():
    s = FairScheduler(max_rows=4)
    s.plan(running={}, waiting={"a": 1, "b": 1}, free=4)
    s.served("a", 1000)
    s.served("b", 1000)
    s.plan(running={"a": 1}, waiting={}, free=3)  # b has nothing now
    s.served("a", 500)
    s.plan(running={"a": 1}, waiting={"b": 1}, free=3)  # b is back
    assert s.counters["b"] == 1500  # lifted to a's counter, not left at 1000


def test_a_brand_new_participant_is_lifted_too_and_ties_stay_stable():
    s = FairScheduler(max_rows=2)
    s.plan(running={}, waiting={"a": 3}, free=2)
    s.served("a", 40)
    s.plan(running={"a": 2}, waiting={"a": 1, "z": 1}, free=0)
    assert s.counters["z"] == 40
    # the same situation twice gives the same shares: no flapping between steps
    first = s.plan(running={"a": 1, "z": 1}, waiting={"a": 1}, free=0)
    s.served("z", 1)
    again = s.plan(running={"a": 1, "z": 1}, waiting={"a": 1}, free=0)
    assert first.shares == again.shares and first.parks == again.parks == {}


def test_parking_is_bounded_per_step():
    s = FairScheduler(max_rows=16, park_per_step=2)
    waiting = {p: 1 for p in "bcdefgh"}
    plan = s.plan(running={"a": 16}, waiting={**waiting, "a": 10}, free=0)
    assert sum(plan.parks.values()) == 2 and len(plan.grants) == 2
    assert FairScheduler(16, park_per_step=0).plan({"a": 16}, {"b": 1}, 0).grants == []


@pytest.mark.parametrize("rows, step", [(0, 1), (1, -1)])
def test_nonsense_sizes_are_refused(rows, step):
    with pytest.raises(ValueError):
        FairScheduler(rows, step)


def test_with_more_participants_than_slots_the_slots_rotate_to_the_least_served():
    s = FairScheduler(max_rows=2, quantum=8)
    waiting = {p: 1 for p in "abcd"}
    first = s.plan(running={}, waiting=waiting, free=2)
    assert sorted(first.grants) == ["a", "b"]
    for p in first.grants:
        s.served(p, 40)  # a and b were served; c and d waited
    later = s.plan(running={"a": 1, "b": 1}, waiting={"a": 1, "b": 1, "c": 1, "d": 1}, free=0)
    assert later.parks == {"a": 1, "b": 1} and sorted(later.grants) == ["c", "d"]
