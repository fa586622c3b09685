"""«Сотрудники» (owner only): the list, adding an admin or master by Telegram id (typed, a
shared contact or a forwarded message), removing one after «Да, удалить»."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, MessageOriginUser

from services.booking.bot.admin.callbacks import Member, Nav
from services.booking.bot.admin.reply import ask, done
from services.booking.bot.admin.screens import people as screens
from services.booking.bot.admin.screens.parts import question
from services.booking.bot.admin.states import AdminInput
from services.booking.bot.replies import show
from services.booking.bot.screens import Words, esc
from services.booking.use_cases.admin import staff as team
from services.booking.use_cases.admin.errors import BadInput
from services.booking.use_cases.admin.ports import AdminScope, Staff


async def staff_list(
    callback: CallbackQuery, staff: Staff, admin: AdminScope, words: Words
) -> None:
    await show(callback, screens.staff(words, await team.staff_list(admin, staff)))


async def member(
    callback: CallbackQuery, callback_data: Member, staff: Staff, admin: AdminScope, words: Words
) -> None:
    found = await team.member(admin, staff, callback_data.p)
    await show(callback, screens.member(words, found, sure=callback_data.a == "rm"))


async def ask_id(
    callback: CallbackQuery,
    callback_data: Member,
    state: FSMContext,
    staff: Staff,
    admin: AdminScope,
    words: Words,
) -> None:
    await team.staff_list(admin, staff)  # the role check before the question
    text = words("admin.stf.ask_id", role=words(f"admin.role.{callback_data.a}"))
    screen = question(words, text, Nav(to="stf").pack())
    await ask(callback, state, AdminInput.staff_id, screen, role=callback_data.a)


def _who(message: Message) -> tuple[int | None, str]:
    """The user id and name in a shared contact or a forwarded message, if there is one."""
    if message.contact is not None:
        if message.contact.user_id is None:
            raise BadInput("contact_no_id")
        return message.contact.user_id, message.contact.first_name
    origin = message.forward_origin
    if origin is not None:
        if not isinstance(origin, MessageOriginUser):
            raise BadInput("forward_hidden")
        return origin.sender_user.id, origin.sender_user.full_name
    return None, ""


async def add(
    message: Message, state: FSMContext, staff: Staff, admin: AdminScope, words: Words
) -> None:
    role: team.NewRole = "master" if (await state.get_data()).get("role") == "master" else "admin"
    user_id, name = _who(message)
    await team.add(admin, staff, role=role, text=message.text or "", telegram_id=user_id, name=name)
    members = await team.staff_list(admin, staff)
    notice = words(f"admin.stf.added_{role}")
    await done(message, state, screens.staff(words, members, notice=notice))


async def remove(
    callback: CallbackQuery, callback_data: Member, staff: Staff, admin: AdminScope, words: Words
) -> None:
    gone = await team.remove(admin, staff, callback_data.p)
    notice = words("admin.stf.removed", who=esc(screens.who(words, gone)))
    await show(callback, screens.staff(words, await team.staff_list(admin, staff), notice=notice))


def router() -> Router:
    feature = Router(name="admin-staff")
    feature.callback_query.register(staff_list, Nav.filter(F.to == "stf"))
    feature.callback_query.register(member, Member.filter(F.a.in_({"v", "rm"})))
    feature.callback_query.register(ask_id, Member.filter(F.a.in_({"admin", "master"})))
    feature.callback_query.register(remove, Member.filter(F.a == "sure"))
    feature.message.register(add, AdminInput.staff_id, F.text | F.contact | F.forward_origin)
    return feature
