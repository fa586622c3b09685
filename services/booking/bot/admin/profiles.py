"""A master's profile (from the master's card): description and photo (asked for), and the
master's own price and duration of each service they perform (typed)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from services.booking.adapters.master_services import PgProfileStore
from services.booking.bot.admin.closure_callbacks import MasterPrice, Profile
from services.booking.bot.admin.reply import ask, done
from services.booking.bot.admin.scoped import with_scope
from services.booking.bot.admin.screens import profiles as screens
from services.booking.bot.admin.screens.parts import question
from services.booking.bot.admin.states import AdminInput
from services.booking.bot.replies import show
from services.booking.bot.screens import Words, esc
from services.booking.context import BookingDeps, TenantContext
from services.booking.use_cases.admin import master_profiles
from services.booking.use_cases.admin.access import require_manager, require_master
from services.booking.use_cases.admin.ports import Staff
from services.booking.use_cases.admin.profile_ports import ProfileScope


def profile_scope(deps: BookingDeps, tenant: TenantContext) -> ProfileScope:
    return ProfileScope(
        tenant_id=tenant.tenant_id,
        store=PgProfileStore(deps.pool_of(tenant), tenant.tenant_id),
        clock=deps.clock,
    )


async def open_profile(
    callback: CallbackQuery,
    callback_data: Profile,
    state: FSMContext,
    staff: Staff,
    profiles: ProfileScope,
    words: Words,
) -> None:
    m = callback_data.m
    view = await master_profiles.view(profiles, staff, m)
    back = Profile(a="v", m=m).pack()
    if callback_data.a == "bio":
        screen = question(words, words("admin.profile.ask_bio", name=esc(view.name)), back)
        await ask(callback, state, AdminInput.master_bio, screen, m=m)
    elif callback_data.a == "photo":
        screen = question(words, words("admin.profile.ask_photo", name=esc(view.name)), back)
        await ask(callback, state, AdminInput.master_photo, screen, m=m)
    else:
        await show(callback, screens.profile(words, view))


async def ask_own(
    callback: CallbackQuery,
    callback_data: MasterPrice,
    state: FSMContext,
    staff: Staff,
    words: Words,
) -> None:
    require_manager(staff, "catalog")
    m, s = callback_data.m, callback_data.s
    screen = question(words, words("admin.profile.ask_own"), Profile(a="v", m=m).pack())
    await ask(callback, state, AdminInput.master_price, screen, m=m, s=s)


async def save_bio(
    message: Message,
    state: FSMContext,
    staff: Staff,
    profiles: ProfileScope,
    words: Words,
) -> None:
    m = int((await state.get_data()).get("m", 0))
    view = await master_profiles.set_bio(profiles, staff, m, message.text or "")
    await done(message, state, screens.profile(words, view, notice=words("admin.saved")))


async def save_photo(
    message: Message,
    state: FSMContext,
    staff: Staff,
    profiles: ProfileScope,
    words: Words,
) -> None:
    m = int((await state.get_data()).get("m", 0))
    require_master(staff, m)
    if message.photo:
        file_id = message.photo[-1].file_id  # the largest size
    elif (message.text or "").strip() == "-":
        file_id = ""
    else:
        await message.answer(words("admin.profile.bad_photo"))
        return
    view = await master_profiles.set_photo(profiles, staff, m, file_id)
    await done(message, state, screens.profile(words, view, notice=words("admin.saved")))


async def save_own(
    message: Message,
    state: FSMContext,
    staff: Staff,
    profiles: ProfileScope,
    words: Words,
) -> None:
    data = await state.get_data()
    m, s = int(data.get("m", 0)), int(data.get("s", 0))
    view = await master_profiles.set_own(profiles, staff, m, s, message.text or "")
    await done(message, state, screens.profile(words, view, notice=words("admin.saved")))


def router() -> Router:
    feature = Router(name="admin-profiles")
    feature.callback_query.register(open_profile, Profile.filter(F.a.in_({"v", "bio", "photo"})))
    feature.callback_query.register(ask_own, MasterPrice.filter(F.a == "ask"))
    feature.message.register(save_bio, AdminInput.master_bio, F.text)
    feature.message.register(save_photo, AdminInput.master_photo)
    feature.message.register(save_own, AdminInput.master_price, F.text)
    return with_scope(feature, "profiles", profile_scope)
