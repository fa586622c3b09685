"""The booking card with its customer (visits, no-shows, note) and editing the note. Included
before the day screens, so it opens every card (`ab:v`)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from services.booking.bot.admin.callbacks import Act
from services.booking.bot.admin.desk_callbacks import Note
from services.booking.bot.admin.desk_scope import with_desk
from services.booking.bot.admin.reply import ask, done
from services.booking.bot.admin.screens import full_card as screens
from services.booking.bot.admin.states import AdminInput
from services.booking.bot.replies import show
from services.booking.bot.screens import Words
from services.booking.use_cases.admin import card
from services.booking.use_cases.admin.desk_ports import DeskScope
from services.booking.use_cases.admin.ports import Staff


async def open_card(
    callback: CallbackQuery, callback_data: Act, staff: Staff, desk: DeskScope, words: Words
) -> None:
    await show(callback, screens.card(words, await card.open_card(desk, staff, callback_data.b)))


async def ask_note(
    callback: CallbackQuery,
    callback_data: Note,
    state: FSMContext,
    staff: Staff,
    desk: DeskScope,
    words: Words,
) -> None:
    full = await card.open_card(desk, staff, callback_data.b)
    await ask(
        callback, state, AdminInput.customer_note, screens.ask_note(words, full), b=callback_data.b
    )


async def save_note(
    message: Message, state: FSMContext, staff: Staff, desk: DeskScope, words: Words
) -> None:
    booking_id = int((await state.get_data()).get("b", 0))
    full = await card.set_note(desk, staff, booking_id, message.text or "")
    await done(message, state, screens.card(words, full, notice=words("admin.card.note_saved")))


def router() -> Router:
    feature = Router(name="admin-customer-card")
    feature.callback_query.register(open_card, Act.filter(F.a == "v"))
    feature.callback_query.register(ask_note, Note.filter())
    feature.message.register(save_note, AdminInput.customer_note, F.text)
    return with_desk(feature)
