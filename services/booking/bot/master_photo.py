"""«📷 <master>» on the master choice: the master's photo with the description, and a button
to book with them. The master is re-read: a tampered or stale button gets a polite reply."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery

from services.booking.bot.offer_callbacks import MasterPhoto
from services.booking.bot.screens import Words
from services.booking.bot.screens.master_profiles import photo_caption
from services.booking.use_cases import choice
from services.booking.use_cases.ports import Scope


async def master_photo(
    callback: CallbackQuery, callback_data: MasterPhoto, scope: Scope, words: Words
) -> None:
    _, masters = await choice.masters_of(scope, callback_data.s)
    master = next((m for m in masters if m.id == callback_data.m and m.photo_file_id), None)
    if master is None or callback.bot is None:
        await callback.answer(words("stale.button"), show_alert=True)
        return
    await callback.answer()
    screen = photo_caption(words, master, callback_data.s)
    await callback.bot.send_photo(
        callback.from_user.id, master.photo_file_id, caption=screen.text, reply_markup=screen.markup
    )


def router() -> Router:
    feature = Router(name="master-photo")
    feature.callback_query.register(master_photo, MasterPhoto.filter())
    return feature
