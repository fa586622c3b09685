"""The owner's setup wizard (`use_cases.owner.wizard`): shown on /start and /admin while the
business is neither set up nor open, resumed from «Настройка» in the admin home. The address
and phone steps take typed text at once; the other typed answers follow a button."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import BaseFilter, Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, User

from services.booking.bot.admin.owner_callbacks import WizAct, WizHours, WizStep, WizSvc, WizType
from services.booking.bot.admin.owner_scope import owner_scope, with_owner
from services.booking.bot.admin.owner_states import OwnerInput
from services.booking.bot.admin.reply import answer
from services.booking.bot.admin.screens import wizard as screens
from services.booking.bot.replies import show
from services.booking.bot.screens import Screen, Words
from services.booking.context import BookingDeps, TenantContext
from services.booking.use_cases.admin.ports import Staff
from services.booking.use_cases.owner import opening, wizard
from services.booking.use_cases.owner.ports import OwnerScope
from services.booking.use_cases.owner.wizard import WizardView

TYPED_STEPS = {"address": OwnerInput.address, "phone": OwnerInput.phone}


async def present(state: FSMContext, view: WizardView) -> None:
    """Steps answered by typing wait for the text as soon as they are shown."""
    waiting = TYPED_STEPS.get(view.opening.step)
    if waiting is not None:
        await state.set_state(waiting)
    else:
        await state.clear()


async def pending(scope: OwnerScope, user: User | None) -> bool:
    """The user is the owner and the business is neither set up nor open yet."""
    if user is None:
        return False
    found = await opening.status(scope, user.id)
    return found.is_owner and not found.set_up and not found.ready


class SetupPending(BaseFilter):
    async def __call__(self, message: Message, deps: BookingDeps, tenant: TenantContext) -> bool:
        return await pending(owner_scope(deps, tenant), message.from_user)


async def greet(
    message: Message,
    state: FSMContext,
    staff: Staff,
    owner: OwnerScope,
    words: Words,
) -> None:
    """/admin of an owner who has not finished the setup: the wizard where they left it."""
    view = await wizard.view(owner, staff)
    await present(state, view)
    await answer(message, screens.greeting(words, view))


async def greeting_for(scope: OwnerScope, staff: Staff, words: Words) -> Screen:
    return screens.greeting(words, await wizard.view(scope, staff))


async def _shown(
    callback: CallbackQuery, state: FSMContext, words: Words, view: WizardView, notice: str = ""
) -> None:
    await present(state, view)
    await show(callback, screens.screen(words, view, notice=notice))


async def go(
    callback: CallbackQuery,
    callback_data: WizStep,
    state: FSMContext,
    staff: Staff,
    owner: OwnerScope,
    words: Words,
) -> None:
    if callback_data.to == "now":
        view = await wizard.view(owner, staff)
    else:
        view = await wizard.go(owner, staff, callback_data.to)
    await _shown(callback, state, words, view)


async def choose_type(
    callback: CallbackQuery,
    callback_data: WizType,
    state: FSMContext,
    staff: Staff,
    owner: OwnerScope,
    words: Words,
) -> None:
    def name_of(key: str) -> str:
        return words(f"admin.wizard.svc.{key}")

    view = await wizard.choose_type(owner, staff, callback_data.k, name_of)
    await _shown(callback, state, words, view)


async def toggle(
    callback: CallbackQuery,
    callback_data: WizSvc,
    state: FSMContext,
    staff: Staff,
    owner: OwnerScope,
    words: Words,
) -> None:
    view = await wizard.toggle_service(owner, staff, callback_data.s)
    await _shown(callback, state, words, view)


async def act(
    callback: CallbackQuery,
    callback_data: WizAct,
    state: FSMContext,
    staff: Staff,
    owner: OwnerScope,
    words: Words,
) -> None:
    action = callback_data.a
    if action == "own":
        await state.set_state(OwnerInput.own_service)
        await show(callback, screens.asked(words, "admin.wizard.ask_own", "services"))
    elif action == "other":
        wizard.require_owner(staff)
        await state.set_state(OwnerInput.master_name)
        await show(callback, screens.asked(words, "admin.wizard.ask_master", "master"))
    elif action == "hours":
        wizard.require_owner(staff)
        await state.set_state(OwnerInput.hours)
        await show(callback, screens.asked(words, "admin.wizard.ask_hours", "hours"))
    elif action == "me":
        name = staff.name or callback.from_user.full_name or words("admin.wizard.me_default")
        view = await wizard.add_master(owner, staff, name, is_owner=True)
        await _shown(callback, state, words, view, words("admin.wizard.master_added"))
    elif action == "skip":
        view = await wizard.view(owner, staff)
        if view.opening.step == "address":
            view = await wizard.set_address(owner, staff, None)
        elif view.opening.step == "phone":
            view = await wizard.set_phone(owner, staff, None)
        await _shown(callback, state, words, view)
    else:
        view = await wizard.restart(owner, staff)
        await _shown(callback, state, words, view)


async def hours_preset(
    callback: CallbackQuery,
    callback_data: WizHours,
    state: FSMContext,
    staff: Staff,
    owner: OwnerScope,
    words: Words,
) -> None:
    view, _ = await wizard.set_hours(owner, staff, preset=callback_data.p)
    await _shown(callback, state, words, view, _opened_notice(words, view))


def _opened_notice(words: Words, view: WizardView) -> str:
    return words("admin.wizard.open_now") if view.opening.ready else ""


async def typed(
    message: Message,
    state: FSMContext,
    raw_state: str | None,
    staff: Staff,
    owner: OwnerScope,
    words: Words,
) -> None:
    """A typed answer of the wizard: the step it belongs to follows from the FSM state."""
    text = message.text or ""
    notice = ""
    if raw_state == OwnerInput.own_service.state:
        view = await wizard.add_own_service(owner, staff, text)
    elif raw_state == OwnerInput.master_name.state:
        view = await wizard.add_master(owner, staff, text, is_owner=False)
        notice = words("admin.wizard.master_added")
    elif raw_state == OwnerInput.hours.state:
        view, _ = await wizard.set_hours(owner, staff, typed=text)
        notice = _opened_notice(words, view)
    elif raw_state == OwnerInput.address.state:
        view = await wizard.set_address(owner, staff, text)
    else:
        view = await wizard.set_phone(owner, staff, text)
    await present(state, view)
    await answer(message, screens.screen(words, view, notice=notice))


WIZARD_STATES = (
    OwnerInput.own_service,
    OwnerInput.master_name,
    OwnerInput.hours,
    OwnerInput.address,
    OwnerInput.phone,
)


def first_router() -> Router:
    """Before the admin home: /admin of an owner with an unfinished setup opens the wizard."""
    feature = Router(name="owner-wizard-first")
    feature.message.register(greet, Command("admin"), SetupPending())
    return with_owner(feature)


def router() -> Router:
    feature = Router(name="owner-wizard")
    feature.callback_query.register(go, WizStep.filter())
    feature.callback_query.register(choose_type, WizType.filter())
    feature.callback_query.register(toggle, WizSvc.filter())
    feature.callback_query.register(act, WizAct.filter())
    feature.callback_query.register(hours_preset, WizHours.filter())
    feature.message.register(typed, StateFilter(*WIZARD_STATES), F.text)
    return with_owner(feature)
