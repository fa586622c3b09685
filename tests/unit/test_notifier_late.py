"""Late reminders: reworded with the visit's day and time in its zone and language, or dropped
once the visit has started."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notifier.ports import Visit
from services.notifier.use_cases import LateReminders, Texts
from services.notifier.use_cases.texts import LOCALES

pytestmark = [pytest.mark.unit]

# 15:00 in Yekaterinburg (UTC+5) on 10 March 2025.
STARTS = datetime(2025, 3, 10, 10, 0, tzinfo=UTC)


def visit(offset_min: int, locale: str = "ru") -> Visit:
    return Visit(
        starts_at=STARTS,
        offset_min=offset_min,
        locale=locale,
        timezone="Asia/Yekaterinburg",
        service="Стрижка",
        master="Анна",
    )


LATE = LateReminders(Texts.load(LOCALES), timedelta(minutes=15))


def test_on_time_or_a_little_late_keeps_its_text() -> None:
    reminder = visit(120)
    for late_by in (0, 15):
        verdict = LATE.review(reminder, reminder.reminder_at + timedelta(minutes=late_by))
        assert (verdict.skip, verdict.text) == (False, None)


def test_late_the_same_day_says_today_at_the_local_time() -> None:
    reminder = visit(120)  # due 13:00 local, sent at 14:20
    verdict = LATE.review(reminder, reminder.reminder_at + timedelta(minutes=80))
    assert not verdict.skip
    assert verdict.text is not None
    assert "ваша запись сегодня в 15:00" in verdict.text
    assert "через" not in verdict.text
    en = LATE.review(visit(120, "en"), reminder.reminder_at + timedelta(minutes=80))
    assert en.text is not None
    assert "your visit is today at 15:00" in en.text


def test_a_day_before_reminder_sent_late_in_the_evening_says_tomorrow() -> None:
    reminder = visit(1440)  # due 9 March 15:00 local, sent 22:00 local
    verdict = LATE.review(reminder, reminder.reminder_at + timedelta(hours=7))
    assert verdict.text is not None
    assert "завтра в 15:00" in verdict.text


def test_once_the_visit_has_started_the_reminder_is_dropped() -> None:
    assert LATE.review(visit(60), STARTS).skip
    assert LATE.review(visit(60), STARTS + timedelta(hours=3)).skip
