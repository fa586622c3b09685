"""Reminders that go out late (an outage, a long retry): reworded, or dropped once too late.

A reminder sent more than `late_after` after its moment no longer says "in 1 h"; it names the
visit's day and time in the visit's zone and language ("your visit is today at 15:00"). The
owner's own reminder already names the day and time and goes out as it is. Once the visit has
started, the reminder is not sent at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.notifier.ports import Visit
from services.notifier.use_cases.texts import Safe, Texts, zone


@dataclass(frozen=True, slots=True)
class Verdict:
    skip: bool = False  # the visit has started: do not send
    text: str | None = None  # send this instead of the stored text


ON_TIME = Verdict()


class LateReminders:
    def __init__(self, texts: Texts, late_after: timedelta) -> None:
        self._texts = texts
        self._late_after = late_after

    def review(self, visit: Visit, now: datetime) -> Verdict:
        if now >= visit.starts_at:
            return Verdict(skip=True)
        if now - visit.reminder_at <= self._late_after or visit.template:
            return ON_TIME  # the owner's own reminder names the day and time: still true
        return Verdict(text=self.reworded(visit, now))

    def reworded(self, visit: Visit, now: datetime) -> str:
        texts = self._texts(visit.locale)
        tz = zone(visit.timezone)
        local = visit.starts_at.astimezone(tz)
        days = (local.date() - now.astimezone(tz).date()).days
        time = local.strftime("%H:%M")
        if days == 0:
            when = texts.text("at_today", time=time)
        elif days == 1:
            when = texts.text("at_tomorrow", time=time)
        else:
            when = texts.text("at_date", when=texts.when(visit.starts_at, visit.timezone))
        return texts.text(
            "reminder_late", when=Safe(when), service=visit.service, master=visit.master
        )
