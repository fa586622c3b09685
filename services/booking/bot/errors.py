"""Refusals answered politely, by exception type, with fresh options where there are any.

A refused time shows the day's fresh times (or the month, if the day is now full); a gone
service the service list; someone else's or a finished booking the customer's own list.
Anything not handled here propagates: the consumer retries the update, then dead-letters it.
"""

from __future__ import annotations

import contextlib

from aiogram import Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent

from services.booking.bot.codes import BadButton
from services.booking.bot.replies import notify, show
from services.booking.bot.screens import Screen, Words, booking, esc, manage, menu
from services.booking.domain.errors import BookingNotActive, ReviewRefused
from services.booking.use_cases import calendar, choice, customers
from services.booking.use_cases import manage as managing
from services.booking.use_cases.blocked import CustomerBlocked
from services.booking.use_cases.errors import (
    BadPhone,
    BookingUnknown,
    ChoiceGone,
    LimitReached,
    SlotUnavailable,
    StaleChoice,
    TooLate,
)
from services.booking.use_cases.ports import Scope
from services.booking.use_cases.prepay.holds import HeldForPayment
from shared.errors import RuleViolation


def _user_id(event: ErrorEvent) -> int | None:
    update = event.update
    if update.callback_query is not None:
        return update.callback_query.from_user.id
    if update.message is not None:
        return update.message.chat.id
    return None


async def _reply(event: ErrorEvent, screen: Screen | None, notice: str, *, alert: bool) -> None:
    """A button gets the notice as a toast/alert and the fresh screen in place; a message
    gets the notice and the fresh screen as a new message."""
    update = event.update
    if update.callback_query is not None:
        if screen is None:
            await notify(update.callback_query, notice, alert=alert)
        else:
            await show(update.callback_query, screen, notice=notice, alert=alert)
    elif update.message is not None:
        text = notice if screen is None else f"{notice}\n\n{screen.text}"
        await update.message.answer(text, reply_markup=screen.markup if screen else None)


async def _refuse_with_my_list(
    event: ErrorEvent, scope: Scope, words: Words, notice: str, *, in_screen: bool = False
) -> None:
    """A refusal about the customer's own bookings: the reason as an alert and their fresh
    «Мои записи» (with the reason on top of the list too when `in_screen`)."""
    mine = await managing.my_bookings(scope, telegram_id=_user_id(event) or 0)
    screen = manage.my_list(words, mine, notice=notice if in_screen else "")
    await _reply(event, screen, notice, alert=True)


async def _times_or_month(
    scope: Scope, words: Words, picked: choice.Choice, error: SlotUnavailable, notice: str
) -> Screen:
    flow = booking.Flow.of(picked)
    found = await choice.day_times(scope, picked, error.day)
    if found.times:
        return booking.times(words, found, flow, notice=notice)
    view = await calendar.month_view(scope, picked, wanted=(error.day.year, error.day.month))
    return booking.calendar(words, view, flow, notice=notice)


async def slot_unavailable(event: ErrorEvent, scope: Scope, words: Words) -> None:
    error = event.exception
    assert isinstance(error, SlotUnavailable)  # the filter guarantees it
    notice = words(f"slot.{error.reason}")
    picked = choice.Choice(error.service_id, error.master_id or None, error.booking_id or None)
    try:
        screen: Screen | None = await _times_or_month(scope, words, picked, error, notice)
    except RuleViolation:  # the service or master went away too: start over
        screen = None
    await _reply(event, screen, notice, alert=False)


async def stale_choice(event: ErrorEvent, scope: Scope, words: Words) -> None:
    error = event.exception
    assert isinstance(error, StaleChoice)
    notice = words("stale.choice")
    screen: Screen | None = None
    if error.day is not None:
        picked = choice.Choice(error.service_id, None)
        with contextlib.suppress(RuleViolation):  # its service is gone (or never was)
            found = await choice.day_times(scope, picked, error.day)
            if found.times:
                screen = booking.times(words, found, booking.Flow.of(picked), notice=notice)
    if screen is None:
        screen = booking.services_list(words, await choice.list_services(scope))
    await _reply(event, screen, notice, alert=False)


async def choice_gone(event: ErrorEvent, scope: Scope, words: Words) -> None:
    error = event.exception
    assert isinstance(error, ChoiceGone)
    screen = booking.services_list(words, await choice.list_services(scope))
    await _reply(event, screen, words(f"gone.{error.what}"), alert=False)


async def not_theirs(event: ErrorEvent, scope: Scope, words: Words) -> None:
    """Someone else's booking, a made-up id, or one no longer active: their own list."""
    error = event.exception
    key = "booking.unknown"
    if isinstance(error, BookingNotActive):
        key = f"booking.{error.status}" if error.status in _STATUSES else "booking.not_active"
    await _refuse_with_my_list(event, scope, words, words(key))


_STATUSES = frozenset({"cancelled", "completed", "no_show", "past"})


async def too_late(event: ErrorEvent, words: Words) -> None:
    error = event.exception
    assert isinstance(error, TooLate)
    hours = words.duration(error.cutoff_min)
    key = f"late.{error.action}" + ("_phone" if error.phone else "")
    # An alert is plain text; a message is HTML, where the owner-typed phone is escaped.
    phone = error.phone if event.update.callback_query else esc(error.phone)
    await _reply(event, None, words(key, cutoff=hours, phone=phone), alert=True)


async def limit_reached(event: ErrorEvent, scope: Scope, words: Words) -> None:
    error = event.exception
    assert isinstance(error, LimitReached)
    notice = words("limit.reached", limit=error.limit)
    await _refuse_with_my_list(event, scope, words, notice, in_screen=True)


async def review_refused(event: ErrorEvent, words: Words) -> None:
    error = event.exception
    assert isinstance(error, ReviewRefused)
    await _reply(event, None, words(f"review.{error.reason}"), alert=True)


async def bad_phone(event: ErrorEvent, words: Words) -> None:
    await _reply(event, None, words("contact.bad_phone"), alert=False)


async def bad_button(event: ErrorEvent, scope: Scope, words: Words) -> None:
    business = await customers.greet(
        scope, telegram_id=_user_id(event) or 0, language_code="", payload=None
    )
    await _reply(event, menu.welcome(words, business.name), words("stale.button"), alert=False)


async def customer_blocked(event: ErrorEvent, words: Words) -> None:
    error = event.exception
    assert isinstance(error, CustomerBlocked)
    key = "admin.clients.blocked_customer" + ("_phone" if error.phone else "")
    phone = error.phone if event.update.callback_query else esc(error.phone)
    await _reply(event, None, words(key, phone=phone), alert=True)


async def held_for_payment(event: ErrorEvent, scope: Scope, words: Words) -> None:
    """A move of a booking still waiting for its prepayment: why not, and their list."""
    assert isinstance(event.exception, HeldForPayment)
    await _refuse_with_my_list(event, scope, words, words("prepay.no_move_held"))


async def other_rule(event: ErrorEvent, words: Words) -> None:
    await _reply(event, None, words("error.generic"), alert=True)


def router() -> Router:
    feature = Router(name="customer-errors")
    handlers = (
        (slot_unavailable, SlotUnavailable),
        (stale_choice, StaleChoice),
        (choice_gone, ChoiceGone),
        (too_late, TooLate),
        (limit_reached, LimitReached),
        (review_refused, ReviewRefused),
        (bad_phone, BadPhone),
        (not_theirs, BookingNotActive),
        (bad_button, BadButton),
        (customer_blocked, CustomerBlocked),
        (held_for_payment, HeldForPayment),
    )
    for handler, kind in handlers:
        feature.errors.register(handler, ExceptionTypeFilter(kind))
    feature.errors.register(not_theirs, ExceptionTypeFilter(BookingUnknown))
    feature.errors.register(other_rule, ExceptionTypeFilter(RuleViolation))
    return feature
