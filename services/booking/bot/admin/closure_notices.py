"""Telling customers that a closure cancelled their booking, in their language, with the
nearest free times as one-tap buttons (`OfferTime`) and a way to pick another time.

Sent straight from the owner's tap (an interactive answer to it); notifier, which also gets
the `booking.cancelled` event, drops the booking's reminders. A customer who blocked the bot
is skipped and counted, never an error for the owner.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError

from services.booking.bot import codes
from services.booking.bot.callbacks import PickMaster
from services.booking.bot.offer_callbacks import OfferTime
from services.booking.bot.screens.common import Screen, Words, button, esc
from services.booking.context import BookingDeps
from services.booking.use_cases.admin.closures import Notice

log = logging.getLogger(__name__)


def notice_screen(w: Words, notice: Notice, business: str) -> Screen:
    b = notice.booking
    lines = [
        w(
            "notice.closure.cancelled",
            business=esc(business),
            service=esc(b.service_name),
            when=w.when(b.starts_at, notice.timezone),
        )
    ]
    rows = [
        [
            button(
                w.when(t, notice.timezone),
                OfferTime(s=b.service_id, m=b.master_id, t=codes.minutes(t)).pack(),
            )
        ]
        for t in notice.offers
    ]
    lines.append(w("notice.closure.offer" if notice.offers else "notice.closure.no_offer"))
    rows.append([button(w("notice.closure.other"), PickMaster(s=b.service_id, m=0).pack())])
    return Screen("\n\n".join(lines), rows)


async def send_notices(bot: Bot, deps: BookingDeps, notices: list[Notice], business: str) -> int:
    """Send every notice; how many reached their customer."""
    sent = 0
    for notice in notices:
        chat = notice.booking.customer_chat_id
        if chat is None:
            continue
        words = Words(deps.texts, deps.texts.locale_for(notice.booking.language_code or None))
        screen = notice_screen(words, notice, business)
        try:
            await bot.send_message(chat, screen.text, reply_markup=screen.markup)
        except TelegramAPIError as error:
            log.warning("closure notice not delivered: %s", type(error).__name__)
            continue
        sent += 1
    return sent
