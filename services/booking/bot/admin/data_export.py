"""«📦 Выгрузить мои данные» in the admin settings: the owner gets the bot's data as a file
(a document in this chat). Anyone else gets the usual polite refusal (`NotAllowed`)."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import BufferedInputFile, CallbackQuery

from services.booking.adapters.data_export_pg import PgDataExporter
from services.booking.bot.admin.callbacks import ExportData
from services.booking.bot.screens import Words
from services.booking.context import BookingDeps, TenantContext
from services.booking.use_cases.admin.data_export import owner_export
from services.booking.use_cases.admin.ports import AdminScope, Staff


async def send_export(
    callback: CallbackQuery,
    bot: Bot,
    staff: Staff,
    admin: AdminScope,
    words: Words,
    deps: BookingDeps,
    tenant: TenantContext,
) -> None:
    data, now = await owner_export(admin, staff, PgDataExporter(deps.pool_of(tenant)))
    await callback.answer(words("admin.data_export.sent"))
    await bot.send_document(
        chat_id=callback.from_user.id,
        document=BufferedInputFile(data, filename=f"{admin.tenant_id}-{now:%Y-%m-%d}.json"),
        caption=words("admin.data_export.caption", date=f"{now:%d.%m.%Y}"),
    )


def router() -> Router:
    feature = Router(name="admin-data-export")
    feature.callback_query.register(send_export, ExportData.filter())
    return feature
