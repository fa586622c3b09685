"""«Мастера»: the list, a card, adding and renaming (typed), on/off, linking a staff member."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from services.booking.bot.admin.callbacks import Mst, MstLink, Nav
from services.booking.bot.admin.reply import ask, done
from services.booking.bot.admin.screens import catalog as screens
from services.booking.bot.admin.screens.parts import question
from services.booking.bot.admin.states import AdminInput
from services.booking.bot.replies import show
from services.booking.bot.screens import Words, esc
from services.booking.use_cases.admin import masters
from services.booking.use_cases.admin.ports import AdminScope, Staff


async def master_list(
    callback: CallbackQuery, staff: Staff, admin: AdminScope, words: Words
) -> None:
    await show(callback, screens.masters(words, await masters.masters(admin, staff)))


async def master_card(
    callback: CallbackQuery, callback_data: Mst, staff: Staff, admin: AdminScope, words: Words
) -> None:
    await show(callback, screens.master(words, await masters.card(admin, staff, callback_data.m)))


async def ask_name(
    callback: CallbackQuery,
    callback_data: Mst,
    state: FSMContext,
    staff: Staff,
    admin: AdminScope,
    words: Words,
) -> None:
    if callback_data.a == "new":
        await masters.masters(admin, staff)  # the role check before the question
        text, back, master_id = words("admin.mst.ask_name"), Nav(to="mst").pack(), 0
    else:
        found = await masters.card(admin, staff, callback_data.m)
        master_id = found.master.id
        text = words("admin.mst.ask_rename", name=esc(found.master.name))
        back = Mst(a="v", m=master_id).pack()
    await ask(callback, state, AdminInput.master_name, question(words, text, back), m=master_id)


async def save_name(
    message: Message, state: FSMContext, staff: Staff, admin: AdminScope, words: Words
) -> None:
    master_id = int((await state.get_data()).get("m", 0))
    text = message.text or ""
    if master_id:
        found = await masters.rename(admin, staff, master_id, text)
        notice = words("admin.saved")
    else:
        found = await masters.add(admin, staff, text)
        notice = words("admin.mst.added")
    await done(message, state, screens.master(words, found, notice=notice))


async def switch(
    callback: CallbackQuery, callback_data: Mst, staff: Staff, admin: AdminScope, words: Words
) -> None:
    on = callback_data.a == "on"
    found = await masters.set_active(admin, staff, callback_data.m, on=on)
    await show(callback, screens.master(words, found), notice=words("admin.saved"))


async def link_choices(
    callback: CallbackQuery, callback_data: Mst, staff: Staff, admin: AdminScope, words: Words
) -> None:
    found = await masters.card(admin, staff, callback_data.m)
    await show(callback, screens.link_choices(words, found))


async def link(
    callback: CallbackQuery,
    callback_data: MstLink,
    staff: Staff,
    admin: AdminScope,
    words: Words,
) -> None:
    found = await masters.link(admin, staff, callback_data.m, callback_data.p)
    await show(callback, screens.master(words, found), notice=words("admin.saved"))


def router() -> Router:
    feature = Router(name="admin-masters")
    feature.callback_query.register(master_list, Nav.filter(F.to == "mst"))
    feature.callback_query.register(master_card, Mst.filter(F.a == "v"))
    feature.callback_query.register(ask_name, Mst.filter(F.a.in_({"new", "name"})))
    feature.callback_query.register(switch, Mst.filter(F.a.in_({"on", "off"})))
    feature.callback_query.register(link_choices, Mst.filter(F.a == "link"))
    feature.callback_query.register(link, MstLink.filter())
    feature.message.register(save_name, AdminInput.master_name, F.text)
    return feature
