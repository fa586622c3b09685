"""CSV exports (`axe`): the menu, then the file sent as a document (sendDocument) under it."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import BufferedInputFile, CallbackQuery

from services.booking.bot.admin.client_callbacks import Export
from services.booking.bot.admin.client_scope import with_clients
from services.booking.bot.admin.screens import clients as screens
from services.booking.bot.replies import show
from services.booking.bot.screens import Words
from services.booking.use_cases.admin import exports
from services.booking.use_cases.admin.access import require_manager
from services.booking.use_cases.admin.clients_ports import ClientsScope
from services.booking.use_cases.admin.ports import Staff


async def export(
    callback: CallbackQuery,
    callback_data: Export,
    staff: Staff,
    clients: ClientsScope,
    words: Words,
) -> None:
    require_manager(staff, "export")
    kind = callback_data.k
    if kind == "menu":
        await show(callback, screens.export_menu(words))
        return
    if kind == "cust":
        made = await exports.customers_csv(clients, staff)
    else:
        made = await exports.bookings_csv(clients, staff, kind)
    await callback.answer()
    if callback.bot is not None:
        await callback.bot.send_document(
            callback.from_user.id,
            BufferedInputFile(made.data, filename=made.filename),
            caption=words("admin.export.sent", n=made.rows),
        )


def router() -> Router:
    feature = Router(name="admin-exports")
    feature.callback_query.register(export, Export.filter())
    return with_clients(feature)
