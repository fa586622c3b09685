"""The customer's name and phone, asked once: typed, or Telegram's «share contact» button.

A returning customer (both known) goes straight from the time to the summary.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from services.booking.bot.replies import show
from services.booking.bot.screens import Screen, Words, booking
from services.booking.bot.screens.common import esc
from services.booking.bot.states import Booking, pack_held, unpack_held
from services.booking.domain.entities import Customer
from services.booking.use_cases import choice, customers
from services.booking.use_cases.booking import Held
from services.booking.use_cases.choice import Picked
from services.booking.use_cases.ports import Scope


def _keyboard(words: Words, first_name: str | None) -> ReplyKeyboardMarkup:
    rows = [[KeyboardButton(text=first_name)]] if first_name else []
    rows.append([KeyboardButton(text=words("contact.share"), request_contact=True)])
    return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True, one_time_keyboard=True)


async def _ask(message: Message, state: FSMContext, name: str, words: Words) -> None:
    """Ask for what is missing: the name (then the phone), or only the phone."""
    if name:
        await state.set_state(Booking.phone)
        text = words("contact.ask_phone", name=esc(name))
        await message.answer(text, reply_markup=_keyboard(words, None))
    else:
        await state.set_state(Booking.name)
        first = message.chat.first_name
        await message.answer(words("contact.ask_name"), reply_markup=_keyboard(words, first))


async def continue_after_time(
    callback: CallbackQuery,
    held: Held,
    picked: Picked,
    state: FSMContext,
    scope: Scope,
    words: Words,
) -> None:
    """After a time is chosen: the summary, or first the questions for a new customer."""
    customer = await customers.contact_of(scope, telegram_id=callback.from_user.id)
    await state.update_data(held=pack_held(held))
    if customer is not None and customers.has_contact(customer):
        await state.set_state(Booking.confirm)
        await show(callback, booking.summary(words, picked, customer))
        return
    when = words.when(picked.starts_at, picked.timezone)
    intro = words("contact.intro", service=esc(picked.service.name), when=when)
    await show(callback, Screen(intro))
    if isinstance(callback.message, Message):
        await _ask(callback.message, state, customer.name if customer else "", words)


async def _summary(
    message: Message, state: FSMContext, scope: Scope, words: Words, customer: Customer
) -> None:
    """The booking to confirm, for `customer` as just saved (name and phone)."""
    held = unpack_held(await state.get_data())
    await message.answer(words("contact.thanks"), reply_markup=ReplyKeyboardRemove())
    if held is None:
        await state.clear()
        await message.answer(words("stale.button"))
        return
    picked = await choice.choose_time(
        scope, choice.Choice(held.service_id, held.master_id), held.starts_at
    )
    fresh = Held(held.service_id, held.master_id, picked.master.id, held.starts_at)
    await state.update_data(held=pack_held(fresh))
    await state.set_state(Booking.confirm)
    screen = booking.summary(words, picked, customer)
    await message.answer(screen.text, reply_markup=screen.markup)


async def got_name(message: Message, state: FSMContext, scope: Scope, words: Words) -> None:
    customer = await customers.save_name(
        scope, telegram_id=message.chat.id, name=message.text or ""
    )
    if not customer.name:
        await message.answer(words("contact.ask_name"))
        return
    if customer.phone:
        await _summary(message, state, scope, words, customer)
        return
    await _ask(message, state, customer.name, words)


async def got_contact(message: Message, state: FSMContext, scope: Scope, words: Words) -> None:
    shared = message.contact
    assert shared is not None  # the filter guarantees it
    customer = await customers.save_phone(
        scope,
        telegram_id=message.chat.id,
        phone=shared.phone_number,
        name=" ".join(filter(None, (shared.first_name, shared.last_name))),
    )
    await _summary(message, state, scope, words, customer)


async def got_phone(message: Message, state: FSMContext, scope: Scope, words: Words) -> None:
    customer = await customers.save_phone(
        scope, telegram_id=message.chat.id, phone=message.text or ""
    )
    await _summary(message, state, scope, words, customer)


def router() -> Router:
    feature = Router(name="contact")
    typing = StateFilter(Booking.name, Booking.phone)
    feature.message.register(got_contact, typing, F.contact)
    not_command = F.text & ~F.text.startswith("/")
    feature.message.register(got_name, StateFilter(Booking.name), not_command)
    feature.message.register(got_phone, StateFilter(Booking.phone), not_command)
    return feature
