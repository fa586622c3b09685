"""«Услуги»: the list, a card, the new-service questions (name -> duration -> price), edits,
on/off and who performs it."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from services.booking.bot.admin.callbacks import Nav, Svc, SvcMaster
from services.booking.bot.admin.reply import ask, done
from services.booking.bot.admin.screens import catalog as screens
from services.booking.bot.admin.screens.parts import question
from services.booking.bot.admin.states import AdminInput
from services.booking.bot.replies import show
from services.booking.bot.screens import Words, esc
from services.booking.use_cases.admin import catalog
from services.booking.use_cases.admin.parsing import parse_price
from services.booking.use_cases.admin.ports import AdminScope, Staff


async def service_list(
    callback: CallbackQuery, staff: Staff, admin: AdminScope, words: Words
) -> None:
    await show(callback, screens.services(words, await catalog.services(admin, staff)))


async def service_card(
    callback: CallbackQuery, callback_data: Svc, staff: Staff, admin: AdminScope, words: Words
) -> None:
    await show(callback, screens.service(words, await catalog.card(admin, staff, callback_data.s)))


async def new_service(
    callback: CallbackQuery, state: FSMContext, staff: Staff, admin: AdminScope, words: Words
) -> None:
    await catalog.services(admin, staff)  # the role check before the first question
    screen = question(words, words("admin.svc.ask_new_name"), Nav(to="svc").pack())
    await ask(callback, state, AdminInput.service_name, screen)


async def new_name(message: Message, state: FSMContext, words: Words) -> None:
    name = catalog.check_name(message.text or "")
    await state.set_state(AdminInput.service_duration)
    await state.set_data({"name": name})
    await message.answer(words("admin.svc.ask_dur"))


async def new_duration(message: Message, state: FSMContext, words: Words) -> None:
    duration = catalog.check_duration(message.text or "")
    await state.set_state(AdminInput.service_price)
    await state.update_data(dur=duration)
    await message.answer(words("admin.svc.ask_price"))


async def new_price(
    message: Message, state: FSMContext, staff: Staff, admin: AdminScope, words: Words
) -> None:
    price = parse_price(message.text or "")
    data = await state.get_data()
    found = await catalog.add(
        admin,
        staff,
        name=str(data.get("name", "")),
        duration_min=int(data.get("dur", 0)),
        price_kopecks=price,
    )
    await done(message, state, screens.service(words, found, notice=words("admin.svc.added")))


async def ask_field(
    callback: CallbackQuery,
    callback_data: Svc,
    state: FSMContext,
    staff: Staff,
    admin: AdminScope,
    words: Words,
) -> None:
    found = await catalog.card(admin, staff, callback_data.s)
    text = words(f"admin.svc.ask_{callback_data.a}", name=esc(found.service.name))
    screen = question(words, text, Svc(a="v", s=found.service.id).pack())
    await ask(
        callback, state, AdminInput.service_field, screen, s=found.service.id, f=callback_data.a
    )


async def edit_field(
    message: Message, state: FSMContext, staff: Staff, admin: AdminScope, words: Words
) -> None:
    data = await state.get_data()
    field = data.get("f")
    if field not in ("name", "dur", "price", "buf"):
        await state.clear()
        return
    found = await catalog.edit(admin, staff, int(data.get("s", 0)), field, message.text or "")
    await done(message, state, screens.service(words, found, notice=words("admin.saved")))


async def switch(
    callback: CallbackQuery, callback_data: Svc, staff: Staff, admin: AdminScope, words: Words
) -> None:
    on = callback_data.a == "on"
    found = await catalog.set_active(admin, staff, callback_data.s, on=on)
    await show(callback, screens.service(words, found), notice=words("admin.saved"))


async def performer(
    callback: CallbackQuery,
    callback_data: SvcMaster,
    staff: Staff,
    admin: AdminScope,
    words: Words,
) -> None:
    found = await catalog.toggle_master(admin, staff, callback_data.s, callback_data.m)
    await show(callback, screens.service(words, found), notice=words("admin.saved"))


def router() -> Router:
    feature = Router(name="admin-services")
    feature.callback_query.register(service_list, Nav.filter(F.to == "svc"))
    feature.callback_query.register(service_card, Svc.filter(F.a == "v"))
    feature.callback_query.register(new_service, Svc.filter(F.a == "new"))
    feature.callback_query.register(switch, Svc.filter(F.a.in_({"on", "off"})))
    feature.callback_query.register(ask_field, Svc.filter(F.a.in_({"name", "dur", "price", "buf"})))
    feature.callback_query.register(performer, SvcMaster.filter())
    feature.message.register(new_name, AdminInput.service_name, F.text)
    feature.message.register(new_duration, AdminInput.service_duration, F.text)
    feature.message.register(new_price, AdminInput.service_price, F.text)
    feature.message.register(edit_field, AdminInput.service_field, F.text)
    return feature
