"""The chaos run's own logic: which faults it draws, when, and how a check counts."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bench.chaos.booking_checks import Confirmed, no_double_booking
from bench.chaos.checks import Check
from bench.chaos.faults import KINDS, fault_kinds, fault_times

pytestmark = pytest.mark.unit


def test_a_short_run_draws_one_fault_of_each_kind() -> None:
    assert sorted(fault_kinds(4, random.Random(1))) == sorted(KINDS)


@pytest.mark.parametrize("seed", range(5))
def test_the_default_run_draws_fifty_faults_with_every_kind(seed: int) -> None:
    kinds = fault_kinds(50, random.Random(seed))
    assert len(kinds) == 50
    assert set(kinds) == set(KINDS)


def test_fault_moments_are_sorted_inside_the_run() -> None:
    moments = fault_times(50, 600, random.Random(3), warmup=5)
    assert moments == sorted(moments)
    assert all(5 <= m <= 600 for m in moments)


def test_a_check_counts_lost_and_doubled_apart() -> None:
    check = Check("exactly one")
    for seen in (1, 0, 2, 1, 3):
        check.count(seen, "thing")
    assert (check.total, check.lost, check.doubled, check.ok) == (5, 1, 2, False)
    assert "FAIL" in check.line()
    assert "5 checked, 1 lost, 2 doubled" in check.line()


def test_a_skipped_check_says_why_and_breaks_nothing() -> None:
    check = Check("outbox", skipped="no outbox.events table in this version")
    assert check.ok
    assert check.line() == "SKIP  outbox: no outbox.events table in this version"


def _booking(booking_id: int, start: datetime, *, master: int = 1) -> Confirmed:
    return Confirmed(
        tenant_id="salon",
        bot="salon_bot",
        owner_chat_id=1,
        booking_id=booking_id,
        master_id=master,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        created_at=start - timedelta(days=2),
        customer_chat_id=booking_id,
        phone="+7900",
        offsets=(1440, 120),
    )


def test_overlapping_bookings_of_one_master_are_a_slot_booked_twice() -> None:
    noon = datetime(2030, 1, 10, 12, tzinfo=UTC)
    back_to_back = [_booking(1, noon), _booking(2, noon + timedelta(hours=2))]
    other_master = [*back_to_back, _booking(3, noon, master=2)]
    assert no_double_booking(other_master).ok
    overlap = no_double_booking([*back_to_back, _booking(4, noon + timedelta(minutes=30))])
    assert (overlap.total, overlap.doubled) == (3, 1)
