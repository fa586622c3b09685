"""CSV exports (`axe`): the menu, then the file sent as a document (sendDocument) under it; a
period of one's own is asked as two typed dates."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from services.booking.bot.admin.client_callbacks import Export
from services.booking.bot.admin.client_scope import with_clients
from services.booking.bot.admin.reply import ask
from services.booking.bot.admin.screens import clients as screens
from services.booking.bot.admin.states import AdminInput
from services.booking.bot.replies import show
from services.booking.bot.screens import Words
from services.booking.use_cases.admin import exports
from services.booking.use_cases.admin.access import require_manager
from services.booking.use_cases.admin.clients_ports import ClientsScope
from services.booking.use_cases.admin.ports import Staff


async def send(bot: Bot | None, chat_id: int, made: exports.Export, words: Words) -> None:
    if bot is not None:
        await bot.send_document(
            chat_id,
            BufferedInputFile(made.data, filename=made.filename),
            caption=words("admin.export.sent", n=made.rows),
        )


async def export(
    callback: CallbackQuery,
    callback_data: Export,
    state: FSMContext,
    staff: Staff,
    clients: ClientsScope,
    words: Words,
) -> None:
    require_manager(staff, "export")
    kind = callback_data.k
    if kind == "menu":
        await show(callback, screens.export_menu(words))
        return
    if kind == "range":
        await ask(callback, state, AdminInput.client_period, screens.ask_period(words))
        return
    if kind == "cust":
        made = await exports.customers_csv(clients, staff)
    else:
        made = await exports.bookings_csv(clients, staff, kind)
    await callback.answer()
    await send(callback.bot, callback.from_user.id, made, words)


async def export_period(
    message: Message, state: FSMContext, staff: Staff, clients: ClientsScope, words: Words
) -> None:
    period = exports.parse_period(message.text or "")
    made = await exports.bookings_csv(clients, staff, period)
    await state.clear()
    await send(message.bot, message.chat.id, made, words)


def router() -> Router:
    feature = Router(name="admin-exports")
    feature.callback_query.register(export, Export.filter())
    feature.message.register(export_period, AdminInput.client_period, F.text)
    return with_clients(feature)
