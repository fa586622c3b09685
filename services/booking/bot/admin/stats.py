"""«📊 Аналитика»: a period (today, this week, this month, or typed), its summary, the chart as
a photo and the figures as a CSV document. The chart is drawn in a worker thread and its
drawing time logged."""

from __future__ import annotations

import asyncio
import logging
import time

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from services.booking.adapters.analytics_sql import PgAnalytics
from services.booking.bot.admin.callbacks import day_of
from services.booking.bot.admin.charts import render
from services.booking.bot.admin.reply import answer, ask
from services.booking.bot.admin.scoped import with_scope
from services.booking.bot.admin.screens import stats as screens
from services.booking.bot.admin.states import AdminInput
from services.booking.bot.admin.stats_callbacks import Stats
from services.booking.bot.replies import show
from services.booking.bot.screens import Words
from services.booking.context import BookingDeps, TenantContext
from services.booking.use_cases.admin import analytics
from services.booking.use_cases.admin.analytics import AnalyticsScope, RangeError
from services.booking.use_cases.admin.ports import Staff

logger = logging.getLogger(__name__)


def _scope(deps: BookingDeps, tenant: TenantContext) -> AnalyticsScope:
    return AnalyticsScope(
        reader=PgAnalytics(deps.pool_of(tenant), tenant.tenant_id), clock=deps.clock
    )


async def stats_button(
    callback: CallbackQuery,
    callback_data: Stats,
    state: FSMContext,
    staff: Staff,
    reports: AnalyticsScope,
    words: Words,
) -> None:
    action = callback_data.a
    if action == "m":
        await show(callback, screens.menu(words, analytics.presets(await analytics.today(reports))))
        return
    if action == "ask":
        await ask(callback, state, AdminInput.stats_range, screens.ask_range(words))
        return
    first, last = day_of(callback_data.f), day_of(callback_data.t)
    if action == "v":
        report = await analytics.report(reports, staff, first, last)
        await show(callback, screens.summary(words, report))
        return
    report = await analytics.full_report(reports, staff, first, last)
    await callback.answer()
    bot, chat = callback.bot, callback.from_user.id
    if bot is None:
        return
    if action == "png":
        started = time.perf_counter()
        png = await asyncio.to_thread(render, report, screens.chart_words(words, report))
        logger.info(
            "analytics chart drawn",
            extra={"ms": round(1000 * (time.perf_counter() - started)), "bytes": len(png)},
        )
        picture = BufferedInputFile(png, filename=screens.file_name(report, "png"))
        await bot.send_photo(chat, picture, caption=words("admin.stats.chart_caption"))
    else:
        document = BufferedInputFile(
            screens.csv_bytes(words, report), filename=screens.file_name(report, "csv")
        )
        await bot.send_document(chat, document, caption=words("admin.stats.csv_caption"))


async def typed_range(
    message: Message,
    state: FSMContext,
    staff: Staff,
    reports: AnalyticsScope,
    words: Words,
) -> None:
    try:
        first, last = analytics.parse_range(
            message.text or "", today=await analytics.today(reports)
        )
    except RangeError as error:
        await message.answer(words(f"admin.stats.bad_{error.reason}", max=analytics.MAX_DAYS))
        return
    report = await analytics.report(reports, staff, first, last)
    await state.clear()
    await answer(message, screens.summary(words, report))


def router() -> Router:
    feature = Router(name="admin-stats")
    feature.callback_query.register(stats_button, Stats.filter())
    feature.message.register(typed_range, AdminInput.stats_range, F.text)
    return with_scope(feature, "reports", _scope)
