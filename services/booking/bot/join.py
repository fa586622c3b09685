"""`/start inv_<code>`: joining the staff by an invite link; refusals are polite lines."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from services.booking.bot.admin.invites import invite_scope
from services.booking.bot.screens import Words, esc
from services.booking.context import BookingDeps, TenantContext
from services.booking.use_cases.admin import invites
from services.booking.use_cases.admin.owner_errors import OwnerRefused


async def join(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    deps: BookingDeps,
    tenant: TenantContext,
    words: Words,
) -> None:
    user = message.from_user
    if user is None:
        return
    await state.clear()
    try:
        joined = await invites.redeem(
            invite_scope(deps, tenant),
            telegram_id=user.id,
            name=user.full_name,
            payload=command.args or "",
        )
    except OwnerRefused as refused:
        await message.answer(words(refused.key, **refused.values))
        return
    role = (
        words("admin.invite.as_master", name=esc(joined.master_name))
        if joined.role == "master"
        else words("admin.role.admin")
    )
    await message.answer(words("admin.invite.joined", role=role))


def router() -> Router:
    feature = Router(name="join")
    feature.message.register(
        join, CommandStart(deep_link=True, magic=F.args.startswith(invites.PREFIX))
    )
    return feature
