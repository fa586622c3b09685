"""The client base (`axl`, `axc`): the list with segments, search and pages, a customer's card,
block/unblock, and editing the note and tags. Owner and admins (the use cases refuse a master).
The last search's text stays in the FSM data (`cq`) so its pages can be turned."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from services.booking.bot.admin.client_callbacks import Client, Clients
from services.booking.bot.admin.client_scope import with_clients
from services.booking.bot.admin.reply import ask, done
from services.booking.bot.admin.screens import clients as screens
from services.booking.bot.admin.states import AdminInput
from services.booking.bot.replies import show
from services.booking.bot.screens import Words
from services.booking.use_cases.admin import clients as use
from services.booking.use_cases.admin.access import require_manager
from services.booking.use_cases.admin.clients_ports import ClientsScope
from services.booking.use_cases.admin.ports import Staff

QUERY = "cq"


async def open_list(
    callback: CallbackQuery,
    callback_data: Clients,
    state: FSMContext,
    staff: Staff,
    clients: ClientsScope,
    words: Words,
) -> None:
    query = ""
    if callback_data.f == "q":
        query = str((await state.get_data()).get(QUERY, ""))
    segment = "all" if callback_data.f == "q" else callback_data.f
    found = await use.client_list(
        clients, staff, segment=segment, query=query, page=callback_data.p
    )
    await show(callback, screens.client_list(words, found))


async def ask_search(
    callback: CallbackQuery, state: FSMContext, staff: Staff, words: Words
) -> None:
    require_manager(staff, "clients")
    await ask(callback, state, AdminInput.client_search, screens.ask_search(words))


async def search(
    message: Message, state: FSMContext, staff: Staff, clients: ClientsScope, words: Words
) -> None:
    found = await use.client_list(clients, staff, query=message.text or "")
    await done(message, state, screens.client_list(words, found))
    await state.update_data({QUERY: found.query})


async def open_client(
    callback: CallbackQuery,
    callback_data: Client,
    staff: Staff,
    clients: ClientsScope,
    words: Words,
) -> None:
    card = await use.open_client(clients, staff, callback_data.c)
    await show(callback, screens.client_card(words, card))


async def block(
    callback: CallbackQuery,
    callback_data: Client,
    staff: Staff,
    clients: ClientsScope,
    words: Words,
) -> None:
    blocked = callback_data.a == "block"
    card = await use.set_blocked(clients, staff, callback_data.c, blocked=blocked)
    notice = words("admin.clients.blocked_done" if blocked else "admin.clients.unblocked_done")
    await show(callback, screens.client_card(words, card, notice=notice))


async def ask_edit(
    callback: CallbackQuery,
    callback_data: Client,
    state: FSMContext,
    staff: Staff,
    clients: ClientsScope,
    words: Words,
) -> None:
    card = await use.open_client(clients, staff, callback_data.c)
    if callback_data.a == "note":
        wait_for, key = AdminInput.client_note, "admin.card.note_ask"
    else:
        wait_for, key = AdminInput.client_tags, "admin.clients.tags_ask"
    await ask(callback, state, wait_for, screens.ask(words, key, card), c=card.customer.id)


async def save_note(
    message: Message, state: FSMContext, staff: Staff, clients: ClientsScope, words: Words
) -> None:
    customer_id = int((await state.get_data()).get("c", 0))
    card = await use.set_note(clients, staff, customer_id, message.text or "")
    notice = words("admin.card.note_saved")
    await done(message, state, screens.client_card(words, card, notice=notice))


async def save_tags(
    message: Message, state: FSMContext, staff: Staff, clients: ClientsScope, words: Words
) -> None:
    customer_id = int((await state.get_data()).get("c", 0))
    card = await use.set_tags(clients, staff, customer_id, message.text or "")
    notice = words("admin.clients.tags_saved")
    await done(message, state, screens.client_card(words, card, notice=notice))


def router() -> Router:
    feature = Router(name="admin-clients")
    feature.callback_query.register(open_list, Clients.filter())
    feature.callback_query.register(ask_search, Client.filter(F.a == "find"))
    feature.callback_query.register(open_client, Client.filter(F.a == "v"))
    feature.callback_query.register(block, Client.filter(F.a.in_({"block", "unblock"})))
    feature.callback_query.register(ask_edit, Client.filter(F.a.in_({"note", "tags"})))
    feature.message.register(search, AdminInput.client_search, F.text)
    feature.message.register(save_note, AdminInput.client_note, F.text)
    feature.message.register(save_tags, AdminInput.client_tags, F.text)
    return with_clients(feature)
