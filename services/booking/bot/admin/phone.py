"""«📞 Записать клиента»: staff book for someone who phoned or walked in (from the admin home
or a day of bookings): find or enter the customer, then service, master, day, time, confirm."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from services.booking.bot.admin.callbacks import day_of
from services.booking.bot.admin.desk_callbacks import Desk, instant_of
from services.booking.bot.admin.desk_scope import with_desk
from services.booking.bot.admin.reply import answer, ask, done
from services.booking.bot.admin.screens import desk as screens
from services.booking.bot.admin.screens import full_card
from services.booking.bot.admin.states import AdminInput
from services.booking.bot.replies import show
from services.booking.bot.screens import Words
from services.booking.context import TenantContext
from services.booking.use_cases.admin import callers, card, desk_rules, phone_booking
from services.booking.use_cases.admin.desk_ports import DeskScope
from services.booking.use_cases.admin.errors import BadInput
from services.booking.use_cases.admin.phone_booking import Booked, Pick
from services.booking.use_cases.admin.ports import Staff


def _pick(data: Desk) -> Pick:
    return Pick(customer_id=data.c, service_id=data.s, master_id=data.m)


async def ask_query(
    callback: CallbackQuery, callback_data: Desk, state: FSMContext, words: Words
) -> None:
    if callback_data.t:
        day_of(callback_data.t)  # a made-up day is refused here, not at the end
    await ask(
        callback,
        state,
        AdminInput.phone_query,
        screens.ask(words, callback_data.t),
        d=callback_data.t,
    )


async def query(
    message: Message, state: FSMContext, staff: Staff, desk: DeskScope, words: Words
) -> None:
    day = int((await state.get_data()).get("d", 0))
    result = await callers.find(desk, message.text or "")
    if result.customers:
        await done(message, state, screens.found(words, result, day))
        return
    if result.name and result.phone:  # a new customer typed in full: make them at once
        customer = await callers.add_customer(desk, name=result.name, phone=result.phone)
        step, items = await phone_booking.services(desk, staff, Pick(customer.id))
        await done(message, state, screens.services(words, step, items, day))
        return
    await state.set_state(AdminInput.phone_new)
    await state.set_data({"d": day, "n": result.name, "p": result.phone})
    await answer(message, screens.ask_new(words, day, name=result.name, phone=result.phone))


async def ask_new(
    callback: CallbackQuery, callback_data: Desk, state: FSMContext, words: Words
) -> None:
    screen = screens.ask_new(words, callback_data.t)
    await ask(callback, state, AdminInput.phone_new, screen, d=callback_data.t, n="", p="")


async def new_customer(
    message: Message, state: FSMContext, staff: Staff, desk: DeskScope, words: Words
) -> None:
    data = await state.get_data()
    day = int(data.get("d", 0))
    name, phone = callers.split_contact(message.text or "")
    name = name or str(data.get("n", ""))
    phone = desk_rules.parse_phone(phone) if phone else str(data.get("p", ""))
    if not name or not phone:
        if name:
            callers.clean_name(name)
        await state.update_data(n=name, p=phone)
        await answer(message, screens.ask_new(words, day, name=name, phone=phone))
        return
    customer = await callers.add_customer(desk, name=name, phone=phone)
    step, items = await phone_booking.services(desk, staff, Pick(customer.id))
    await done(message, state, screens.services(words, step, items, day))


async def pick_service(
    callback: CallbackQuery, callback_data: Desk, staff: Staff, desk: DeskScope, words: Words
) -> None:
    step, items = await phone_booking.services(desk, staff, _pick(callback_data))
    await show(callback, screens.services(words, step, items, callback_data.t))


async def pick_master(
    callback: CallbackQuery, callback_data: Desk, staff: Staff, desk: DeskScope, words: Words
) -> None:
    step, items = await phone_booking.masters(desk, staff, _pick(callback_data))
    await show(callback, screens.masters(words, step, items, callback_data.t))


async def pick_day(
    callback: CallbackQuery, callback_data: Desk, staff: Staff, desk: DeskScope, words: Words
) -> None:
    step, items = await phone_booking.days(desk, staff, _pick(callback_data))
    await show(callback, screens.days(words, step, items))


async def pick_time(
    callback: CallbackQuery, callback_data: Desk, staff: Staff, desk: DeskScope, words: Words
) -> None:
    if not callback_data.t:
        raise BadInput("bad_button")
    day = day_of(callback_data.t)
    found = await phone_booking.times(desk, staff, _pick(callback_data), day)
    await show(callback, screens.times(words, found))


async def summary(
    callback: CallbackQuery, callback_data: Desk, staff: Staff, desk: DeskScope, words: Words
) -> None:
    starts_at = instant_of(callback_data.t)
    result = await phone_booking.summary(desk, staff, _pick(callback_data), starts_at)
    if isinstance(result, phone_booking.Lost):
        await show(callback, screens.times(words, result.times, notice=words("admin.phone.gone")))
        return
    await show(callback, screens.summary(words, result, starts_at))


async def book(
    callback: CallbackQuery,
    callback_data: Desk,
    staff: Staff,
    desk: DeskScope,
    tenant: TenantContext,
    words: Words,
) -> None:
    starts_at = instant_of(callback_data.t)
    result = await phone_booking.book(
        desk,
        staff,
        _pick(callback_data),
        starts_at,
        return_url=f"https://t.me/{tenant.config.bot_username}",
    )
    if not isinstance(result, Booked):
        await show(callback, screens.times(words, result.times, notice=words("admin.phone.lost")))
        return
    full = await card.open_card(desk, staff, result.booking.id)
    await show(callback, full_card.card(words, full, notice=_booked_notice(words, result)))


def _booked_notice(words: Words, result: Booked) -> str:
    if result.prepayment is not None:
        zone = result.business.timezone
        return words(
            "deb.phone.booked_held",
            amount=words.money(result.prepayment.amount_kopecks),
            until=words.time(result.prepayment.hold_until, zone),
        )
    if result.on_site_kopecks:
        return words("deb.phone.booked_on_site", amount=words.money(result.on_site_kopecks))
    key = "admin.phone.booked_chat" if result.customer.telegram_id else "admin.phone.booked_no_chat"
    return words(key)


def router() -> Router:
    feature = Router(name="admin-phone")
    feature.callback_query.register(ask_query, Desk.filter(F.a == "q"))
    feature.callback_query.register(ask_new, Desk.filter(F.a == "new"))
    feature.callback_query.register(pick_service, Desk.filter(F.a == "s"))
    feature.callback_query.register(pick_master, Desk.filter(F.a == "m"))
    feature.callback_query.register(pick_day, Desk.filter(F.a == "d"))
    feature.callback_query.register(pick_time, Desk.filter(F.a == "t"))
    feature.callback_query.register(summary, Desk.filter(F.a == "ok"))
    feature.callback_query.register(book, Desk.filter(F.a == "go"))
    feature.message.register(query, AdminInput.phone_query, F.text)
    feature.message.register(new_customer, AdminInput.phone_new, F.text)
    return with_desk(feature)
