"""The operator's commands: /start, /tenants [status], /find <text>, /tenant <id>, /stats."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message

from services.provisioner.bot.context import OpsDeps
from services.provisioner.bot.views import Views


async def help_text(message: Message, ops: OpsDeps, locale: str) -> None:
    await message.answer(Views(ops.texts, locale).text("help"))


async def tenants(
    message: Message, command: CommandObject, ops: OpsDeps, locale: str, actor: str
) -> None:
    page = await ops.console.list_tenants(actor, status=(command.args or "").strip() or None)
    text, markup = Views(ops.texts, locale).page(page)
    await message.answer(text, reply_markup=markup)


async def find(
    message: Message, command: CommandObject, ops: OpsDeps, locale: str, actor: str
) -> None:
    views = Views(ops.texts, locale)
    query = (command.args or "").strip()
    if not query:
        await message.answer(views.text("find.usage"))
        return
    found = await ops.console.search(actor, query)
    text, markup = views.found(query, found)
    await message.answer(text, reply_markup=markup)


async def tenant(
    message: Message, command: CommandObject, ops: OpsDeps, locale: str, actor: str
) -> None:
    views = Views(ops.texts, locale)
    tenant_id = (command.args or "").strip()
    if not tenant_id:
        await message.answer(views.text("tenant.usage"))
        return
    text, markup = views.card(await ops.console.card(actor, tenant_id))
    await message.answer(text, reply_markup=markup)


async def stats(message: Message, ops: OpsDeps, locale: str, actor: str) -> None:
    await message.answer(Views(ops.texts, locale).stats(await ops.console.stats(actor)))


def router() -> Router:
    feature = Router(name="ops-commands")
    feature.message.register(help_text, CommandStart())
    feature.message.register(help_text, Command("help"))
    feature.message.register(tenants, Command("tenants"))
    feature.message.register(find, Command("find"))
    feature.message.register(tenant, Command("tenant"))
    feature.message.register(stats, Command("stats"))
    feature.message.register(help_text, F.text)
    return feature
