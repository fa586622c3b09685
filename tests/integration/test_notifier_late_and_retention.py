"""Late reminders through the real dispatcher and emulator (reworded in the booking's
language, or dropped once the visit has started), and the delivery log's retention purge."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio

from devstack.infra import LocalInfra
from services.notifier.adapters.deliveries_pg import PgDeliveries
from services.notifier.adapters.delivery_log_pg import PgDeliveryLog
from services.notifier.use_cases import BookingNotes, LateReminders, Retention, Texts
from services.notifier.use_cases.texts import LOCALES
from shared.clock import SystemClock
from shared.messages import BookingCreated
from tests.conftest import RUN_ID, unique_tenant_id
from tests.support.notifier_rig import MovableClock, Rig, open_rig, stop

SUFFIX = "notifier_late"

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def rig(infra: LocalInfra, database_server_url: str) -> AsyncIterator[Rig]:
    async with open_rig(infra, database_server_url, f"bookbots_test_{RUN_ID}_{SUFFIX}") as rig:
        yield rig


async def test_a_late_reminder_is_reworded_and_one_after_the_visit_started_is_dropped(
    rig: Rig,
) -> None:
    tenant_id, bot = await rig.tenant()
    ru, en, started = 73_001, 73_002, 73_003
    for chat in (ru, en, started):
        await rig.telegram.send_text(bot, chat, "/start")
    # Tomorrow at 15:00 in Yekaterinburg (UTC+5); the notifier's clock is held by the test.
    base = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    starts = base + timedelta(days=1)
    clock = MovableClock(starts - timedelta(hours=5))
    texts = Texts.load(LOCALES)
    notes = BookingNotes(
        store=PgDeliveries(rig.pool), texts=texts, clock=clock, review_delay=timedelta(days=999)
    )

    def booking(booking_id: int, chat: int, at: datetime, locale: str) -> BookingCreated:
        return BookingCreated(
            tenant_id=tenant_id,
            booking_id=booking_id,
            customer_chat_id=chat,
            customer_name="Клиент",
            customer_phone="+79990000000",
            service_name="Стрижка",
            master_name="Анна",
            starts_at=at,
            ends_at=at + timedelta(hours=1),
            timezone="Asia/Yekaterinburg",
            reminder_offsets_min=(120,),
            locale=locale,
        )

    await notes.on_created(booking(1, ru, starts, "ru"))
    await notes.on_created(booking(2, en, starts, "en"))
    await notes.on_created(booking(3, started, starts - timedelta(hours=1, minutes=30), "ru"))

    # An outage: the notifier comes back at 14:10, 70 minutes after the 13:00 reminders were due
    # and 40 minutes after the third visit began.
    clock.at = starts - timedelta(minutes=50)
    late = LateReminders(texts, timedelta(minutes=15))
    task = asyncio.create_task(rig.dispatcher(clock=clock, late=late).run())
    try:
        await rig.until(
            "SELECT count(*) FROM notifier.deliveries WHERE tenant_id = $1 "
            "AND kind = 'reminder' AND status IN ('pending', 'sending')",
            tenant_id,
        )
    finally:
        await stop(task)

    (ru_message,) = await rig.telegram.wait_for_message(bot, ru, after_message_id=1, timeout=5)
    assert ru_message.text is not None
    assert "ваша запись сегодня в 15:00" in ru_message.text
    assert "через" not in ru_message.text
    assert [b.text for b in ru_message.buttons[0]] == ["Подтвердить", "Перенести", "Отменить"]
    (en_message,) = await rig.telegram.wait_for_message(bot, en, after_message_id=1, timeout=5)
    assert en_message.text is not None
    assert "your visit is today at 15:00" in en_message.text
    assert (await rig.per_chat(bot)).get(started, 0) == 0
    status = await rig.pool.fetchval(
        "SELECT status FROM notifier.deliveries WHERE tenant_id = $1 AND ref = '3' "
        "AND kind = 'reminder'",
        tenant_id,
    )
    assert status == "cancelled"


async def test_retention_purges_old_finished_rows_in_batches_and_keeps_the_rest(rig: Rig) -> None:
    tenant_id = unique_tenant_id("nr")
    now = datetime.now(UTC)
    old, recent = now - timedelta(days=91), now - timedelta(days=89)
    rows = {
        "old_sent": ("sent", old),
        "old_failed": ("failed", old),
        "old_blocked": ("blocked", old),
        "old_pending": ("pending", old),  # never went out: not the log's to purge
        "recent_sent": ("sent", recent),
    }
    for key, (status, due) in rows.items():
        await rig.pool.execute(
            "INSERT INTO notifier.deliveries (dedup_key, tenant_id, via, chat_id, kind, text, "
            "due_at, status) VALUES ($1, $2, 'tenant', 1, 'reminder', "
            "'Клиент Анна, +79990000000', $3, $4)",
            f"{tenant_id}:{key}",
            tenant_id,
            due,
            status,
        )
    retention = Retention(
        log_store=PgDeliveryLog(rig.pool), clock=SystemClock(), keep=timedelta(days=90), batch=2
    )
    assert await retention.purge_once() >= 3
    left = await rig.pool.fetch(
        "SELECT dedup_key FROM notifier.deliveries WHERE tenant_id = $1 ORDER BY dedup_key",
        tenant_id,
    )
    assert [r["dedup_key"] for r in left] == [
        f"{tenant_id}:old_pending",
        f"{tenant_id}:recent_sent",
    ]
