"""The buttons under the list and the card: page, open, extend, suspend, resume, delete.

Callback data is untrusted: each press goes through the console, which looks the tenant up
again and refuses an action its current status does not allow.
"""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message

from services.provisioner.bot.callbacks import OpsPage, OpsTenant
from services.provisioner.bot.context import OpsDeps
from services.provisioner.bot.views import Views
from shared.errors import RuleViolation

log = logging.getLogger(__name__)


class ChatExportSink:
    """Sends a tenant's export to the operator's chat as a JSON document.

    The same bytes are sent again a few times when the Bot API fails (the export is not built
    again); if they still cannot be sent, the delete is refused with a `RuleViolation` the
    operator is told about, and nothing has been destroyed.
    """

    def __init__(
        self,
        bot: Bot,
        chat_id: int,
        caption: str,
        *,
        delays: tuple[float, ...] = (1.0, 3.0),
    ) -> None:
        self._bot = bot
        self._chat_id = chat_id
        self._caption = caption
        self._delays = delays

    async def keep(self, tenant_id: str, document: bytes) -> None:
        upload = BufferedInputFile(document, filename=f"{tenant_id}-export.json")
        for delay in (*self._delays, None):
            try:
                await self._bot.send_document(self._chat_id, upload, caption=self._caption)
            except (TelegramNetworkError, TelegramServerError, TelegramRetryAfter) as error:
                if delay is None:
                    log.warning("the export of %s could not be sent: %r", tenant_id, error)
                    raise RuleViolation("export_not_sent", tenant_id=tenant_id) from None
                await asyncio.sleep(delay)
            else:
                return


async def _show(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Replace the pressed message with `text` (an unchanged message is not an error)."""
    if not isinstance(query.message, Message):
        return
    try:
        await query.message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as error:
        if "not modified" not in error.message:
            raise


async def page(
    query: CallbackQuery, callback_data: OpsPage, ops: OpsDeps, locale: str, actor: str
) -> None:
    listing = await ops.console.list_tenants(
        actor, status=callback_data.status, page=callback_data.page
    )
    text, markup = Views(ops.texts, locale).page(listing)
    await _show(query, text, markup)
    await query.answer()


async def card(
    query: CallbackQuery, callback_data: OpsTenant, ops: OpsDeps, locale: str, actor: str
) -> None:
    text, markup = Views(ops.texts, locale).card(
        await ops.console.card(actor, callback_data.tenant_id)
    )
    await _show(query, text, markup)
    await query.answer()


async def extend(
    query: CallbackQuery, callback_data: OpsTenant, ops: OpsDeps, locale: str, actor: str
) -> None:
    views = Views(ops.texts, locale)
    tenant = await ops.console.extend(
        actor, callback_data.tenant_id, days=ops.extend_days, request_id=f"tg-callback:{query.id}"
    )
    text, markup = views.card(await ops.console.card(actor, tenant.tenant_id))
    await _show(query, text, markup)
    await query.answer(views.text("done.extended", paid_until=views.paid_until(tenant.paid_until)))


async def suspend(
    query: CallbackQuery, callback_data: OpsTenant, ops: OpsDeps, locale: str, actor: str
) -> None:
    views = Views(ops.texts, locale)
    tenant = await ops.console.suspend(actor, callback_data.tenant_id, reason="operator")
    text, markup = views.card(await ops.console.card(actor, tenant.tenant_id))
    await _show(query, text, markup)
    await query.answer(views.text("done.suspended"))


async def resume(
    query: CallbackQuery, callback_data: OpsTenant, ops: OpsDeps, locale: str, actor: str
) -> None:
    views = Views(ops.texts, locale)
    tenant = await ops.console.resume(actor, callback_data.tenant_id)
    text, markup = views.card(await ops.console.card(actor, tenant.tenant_id))
    await _show(query, text, markup)
    await query.answer(views.text("done.resumed"))


async def ask_delete(
    query: CallbackQuery, callback_data: OpsTenant, ops: OpsDeps, locale: str, actor: str
) -> None:
    text, markup = Views(ops.texts, locale).confirm_delete(
        await ops.console.card(actor, callback_data.tenant_id)
    )
    await _show(query, text, markup)
    await query.answer()


async def delete(
    query: CallbackQuery, callback_data: OpsTenant, bot: Bot, ops: OpsDeps, locale: str, actor: str
) -> None:
    views = Views(ops.texts, locale)
    tenant_id = callback_data.tenant_id
    sink = ChatExportSink(
        bot, query.from_user.id, views.text("export.caption", tenant_id=tenant_id)
    )
    deletion = await ops.console.delete(actor, tenant_id, sink=sink)
    done = (
        views.text("done.deleted", tenant_id=deletion.tenant.tenant_id, size=deletion.export_bytes)
        if deletion.export_bytes is not None
        else views.text("done.deleted_again", tenant_id=deletion.tenant.tenant_id)
    )
    await _show(query, done, None)
    await query.answer(views.text("done.deleted_short"))


def router() -> Router:
    feature = Router(name="ops-actions")
    feature.callback_query.register(page, OpsPage.filter())
    feature.callback_query.register(card, OpsTenant.filter(F.action == "card"))
    feature.callback_query.register(extend, OpsTenant.filter(F.action == "ext"))
    feature.callback_query.register(suspend, OpsTenant.filter(F.action == "sus"))
    feature.callback_query.register(resume, OpsTenant.filter(F.action == "res"))
    feature.callback_query.register(ask_delete, OpsTenant.filter(F.action == "del"))
    feature.callback_query.register(delete, OpsTenant.filter(F.action == "delok"))
    return feature
