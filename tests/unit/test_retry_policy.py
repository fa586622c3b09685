"""The retry budgets: payments and lifecycle outlast days of outage, a person's update is
bounded by its age, and the heartbeat keeps a slow handler's message from being redelivered."""

from __future__ import annotations

from shared.apology import Asker, who_asked
from shared.bus import RetryPolicy, subscriber_options
from shared.subjects import BOOKING_UPDATES, PROVISIONER_PAYMENTS

DAY = 86_400.0


def test_payments_and_lifecycle_are_retried_for_weeks_at_most_five_minutes_apart() -> None:
    policy = RetryPolicy.lasting()
    delays = [policy.delay(n) for n in range(1, policy.max_deliver)]
    assert sum(delays) > 30 * DAY  # longer than the streams keep a message
    assert max(delays) == 300.0
    assert delays[:3] == [0.5, 1.0, 2.0]  # a blip is retried at once
    assert policy.max_age_seconds is None


def test_a_persons_update_is_retried_for_its_age_then_given_up() -> None:
    policy = RetryPolicy.interactive(600)
    assert policy.max_age_seconds == 600
    assert policy.max_deliver > 600 / max(policy.backoff_seconds)  # the age ends it, not a count


def test_the_heartbeat_comes_well_inside_ack_wait() -> None:
    for policy in (RetryPolicy.lasting(), RetryPolicy.interactive(600)):
        assert policy.heartbeat_seconds * 2 < policy.ack_wait_seconds
    config = subscriber_options(PROVISIONER_PAYMENTS, RetryPolicy.lasting())["config"]
    assert config.max_deliver == RetryPolicy.lasting().max_deliver
    assert config.ack_wait == 60.0
    assert subscriber_options(BOOKING_UPDATES, RetryPolicy.interactive(600))["durable"] == (
        "booking-updates"
    )


def test_the_apology_finds_who_pressed_or_wrote() -> None:
    pressed = (
        b'{"update_id": 1, "callback_query": {"id": "q1", "from": {"id": 5,'
        b' "language_code": "en"}, "message": {"message_id": 3, "chat": {"id": 5}}}}'
    )
    wrote = b'{"update_id": 2, "message": {"message_id": 4, "chat": {"id": 6}, "from": {"id": 6}}}'
    assert who_asked(pressed) == Asker(chat_id=5, language_code="en", callback_query_id="q1")
    assert who_asked(wrote) == Asker(chat_id=6)
    assert who_asked(b'{"update_id": 3, "my_chat_member": {}}') is None
    assert who_asked(b"not json") is None
