"""Broadcasts, win-back and the bulk opt-out through the running pieces: the tenant's bot (booking's
dispatcher fed from the Telegram emulator, its outbox relayed to real NATS), the notifier app
(real Postgres, Redis, NATS, controllable clock) and the emulator with its flood limits ON.

The emulator's per-bot limit is raised from Telegram's 30/s to `RATE` for this module, and the
notifier is configured under it (`RATE - HEADROOM`: the same bot's interactive replies to the
owner, sent straight to the Bot API while a broadcast runs, need room in the same window, and
on a machine at load 30 one event loop running emulator, notifier and booking delivers sends
granted a window apart late and together: at 190 of 200 one run in four saw 20 × 429):
a 2,000-message broadcast then takes seconds, not 67 s, and still has to stay under the limit
the emulator enforces (0 × 429 is asserted, and that no 1-second window holds more than `RATE`
of the bot's messages). A chat may take a
burst of 6 instead of 3: the test's owner taps faster than a person, and the bot's interactive
replies to them share the owner's chat with the notifier's progress and notices.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import nats
import pytest
import pytest_asyncio
from test_booking_conversation import (  # the shared harness (pytest's rootdir import)
    LOCALES,
    NOW,
    OWNER,
    Shared,
    Talk,
    only,
    talk,
)
from test_owner_phone_support import Catalog as Places
from test_owner_phone_support import admin_home, as_user, booking, customer, make_catalog

from devstack.infra import LocalInfra
from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.models import ChatMessage
from sandbox.telegram.testing import running_sandbox, serve_asgi
from services.booking.subscribers import outcomes_router
from services.notifier.config import NotifierSettings
from services.notifier.main import create_app
from shared.bus import (
    MSG_ID_HEADER,
    Publisher,
    RetryPolicy,
    clock_bucket,
    ensure_consumers,
    make_broker,
    open_bus,
    tenants_bucket,
)
from shared.callbacks import BroadcastStop
from shared.clock import CLOCK_OFFSET_KEY
from shared.crypto import Sealer
from shared.db import tenant_tx
from shared.i18n import Catalog
from shared.messages import (
    BookingCancelled,
    BookingCreated,
    TenantConfig,
    WinbackRuleSet,
    encode,
)
from shared.metrics import Metrics
from shared.outbox import Relay
from shared.settings import Env, Secret
from shared.subjects import BOOKING_OUTCOMES, STREAM_BOOKING, booking_event
from shared.tenants import TenantDirectory
from tests.support.waiting import until

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
__all__ = ["talk"]  # the fixture, re-exported for pytest

RATE = 200.0  # messages per second per bot, as the emulator enforces it
HEADROOM = 40.0  # of it left to the bot's interactive replies (they do not ask the notifier)
# and to the jitter of one event loop running emulator, notifier and booking on a busy machine
PLATFORM_SECRET = secrets.token_urlsafe(48)
CROWD = 2000
ADMIN = 700_000_077


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def shared_infra(infra: LocalInfra, pg_pool: asyncpg.Pool) -> AsyncIterator[Shared]:
    """The booking harness of `test_booking_conversation`, on an emulator with flood limits."""
    async with (
        running_sandbox(flood_limits=True, per_bot_rate=RATE, per_chat_burst=6) as base_url,
        TelegramSandboxClient(base_url) as client,
    ):
        broker = make_broker(infra.nats_settings("booking"), "booking-test")
        js = await open_bus(broker)
        # booking's consumer of the notifier's delivery outcomes, as booking's app runs it
        lasting = RetryPolicy.lasting()
        await ensure_consumers(js, [(BOOKING_OUTCOMES, lasting)])

        async def pool_of(tenant_id: str) -> asyncpg.Pool | None:
            return pg_pool if tenant_id in NOTIFIER_DB else None

        broker.include_router(
            outcomes_router(
                pool_of=pool_of,
                publisher=Publisher(broker),
                metrics=Metrics("booking"),
                policy=lasting,
            )
        )
        await broker.start()
        nc = await nats.connect(infra.nats_url)
        from redis.asyncio import Redis

        redis = Redis.from_url(infra.redis_url)
        relay = asyncio.create_task(Relay(pg_pool, Publisher(broker), stream=STREAM_BOOKING).run())
        try:
            yield Shared(
                base_url=base_url,
                client=client,
                redis=redis,
                publisher=Publisher(broker),
                nc=nc,
                texts=Catalog.load(LOCALES),
            )
        finally:
            relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await relay
            await redis.aclose()
            await nc.close()
            await broker.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def notifier(
    shared_infra: Shared, infra: LocalInfra, login_urls: dict[str, str]
) -> AsyncIterator[nats.js.JetStreamContext]:
    """The notifier app itself, sending through the same emulator."""
    settings = NotifierSettings.load(
        Env(
            {
                **infra.nats_env("notifier"),
                "DATABASE_URL": login_urls["notifier"],
                "REDIS_URL": infra.redis_url,
                "TELEGRAM_API_BASE": shared_infra.base_url,
                "PLATFORM_SECRET": PLATFORM_SECRET,
                "CLOCK": "controllable",
                "NOTIFIER_POLL_SECONDS": "0.1",
                "NOTIFIER_PER_BOT_RATE": str(RATE - HEADROOM),
                "NOTIFIER_BROADCAST_PROGRESS_SECONDS": "1",
                # longer than any test here: only the broadcast's event wakes the progress loop
                "NOTIFIER_BROADCAST_IDLE_SECONDS": "3600",
                "REVIEW_DELAY_MINUTES": "100000",
                "LOG_FORMAT": "text",
            }
        )
    )
    nc = await nats.connect(infra.nats_url)
    js = nc.jetstream()
    async with serve_asgi(lambda _: create_app(settings)):
        await set_clock(js, 0)
        try:
            yield js
        finally:
            await set_clock(js, 0)
    await nc.close()


NOTIFIER_DB: dict[str, asyncpg.Pool] = {}


def notifier_db(talk: Talk) -> asyncpg.Pool:
    """A pool that may read the notifier's schema (booking's own login may not)."""
    return NOTIFIER_DB[talk.tenant_id]


async def set_clock(js: nats.js.JetStreamContext, offset_seconds: float) -> None:
    bucket = await clock_bucket(js)
    await bucket.put(CLOCK_OFFSET_KEY, str(offset_seconds).encode())


async def live(talk: Talk, js: nats.js.JetStreamContext, pool: asyncpg.Pool) -> None:
    """Publish the tenant in the directory, as the provisioner does, so notifier can send."""
    NOTIFIER_DB[talk.tenant_id] = pool
    sealed = Sealer(Secret(PLATFORM_SECRET)).seal(talk.sandbox_bot.token)
    config = TenantConfig(**{**_fields(talk.tenant.config), "bot_token_sealed": sealed})
    await TenantDirectory(await tenants_bucket(js)).put(config)
    await talk.send("/start")  # the customer of the harness talks to the bot
    with as_user(talk, OWNER):
        await talk.send("/start")


def _fields(config: TenantConfig) -> dict[str, object]:
    return {name: getattr(config, name) for name in config.__struct_fields__}


async def crowd(talk: Talk, count: int, first_chat: int) -> list[int]:
    """`count` customers who started the bot some time ago (the emulator lets it write to them)."""
    chats = list(range(first_chat, first_chat + count))
    async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
        await conn.execute(
            "INSERT INTO customers (telegram_id, name)"
            " SELECT c, 'Клиент ' || c FROM unnest($1::bigint[]) AS c",
            chats,
        )
    await talk.shared.client.mark_started(talk.sandbox_bot, chats)
    return chats


async def chat(talk: Talk, chat_id: int) -> list[ChatMessage]:
    view = await talk.shared.client.chat(talk.sandbox_bot, chat_id)
    return [m for m in view.messages if m.from_bot]


async def owner_sees(talk: Talk, fragment: str, timeout: float = 60) -> ChatMessage:
    found: list[ChatMessage] = []

    async def check() -> bool:
        found[:] = [m for m in await chat(talk, OWNER) if fragment in (m.text or "")]
        return bool(found)

    await until(check, timeout, f"the owner to see {fragment!r}")
    return found[-1]


async def start_broadcast(
    talk: Talk, text: str, *, expect: int, after: ChatMessage | None = None
) -> ChatMessage:
    """From the admin home (or the last «started» screen, edited in place) to «Отправить»."""
    with as_user(talk, OWNER):
        if after is None:
            menu = only(await talk.tap(await admin_home(talk), "Рассылки"))
        else:
            menu = only(await talk.tap(after, "Назад"))
        mine(await talk.tap(menu, "Новая рассылка"))
        asked = mine(await talk.send(text))
        audiences = mine(await talk.tap(asked, "Да, с кнопкой"))
        preview = mine(await talk.tap(audiences, "Всем клиентам"))
        assert f"Получателей: {expect}" in (preview.text or "")
        assert text in (preview.text or "")
        return mine(await talk.tap(preview, f"Отправить ({expect})"))


def mine(messages: list[ChatMessage]) -> ChatMessage:
    """The bot's reply among the messages that changed (the notifier may have edited the
    progress of a running broadcast, or delivered the broadcast to the owner, meanwhile)."""
    return only(
        [
            m
            for m in messages
            if "Рассылка идёт" not in (m.text or "")
            and "Отписаться от рассылок" not in m.button_texts  # the owner's own copy of it
        ]
    )


async def test_a_2000_customer_broadcast_at_the_limit_with_opt_outs_stop_and_one_at_a_time(
    talk: Talk, notifier: nats.js.JetStreamContext, pg_pool: asyncpg.Pool
) -> None:
    await live(talk, notifier, pg_pool)
    # 2,000 customers: the crowd, the harness's own customer and the owner (who started the bot)
    chats = await crowd(talk, CROWD - 2, 5_000_000)
    await booking_customer(talk)
    opted = chats[:3]
    for chat_id in opted:  # three customers tap «Отписаться» under an earlier message
        with as_user(talk, chat_id):
            note = await talk.notify("Новости салона", optout_markup())
            reply = only(await talk.tap(note, "Отписаться от рассылок"))
            assert "Вы отписались от рассылок" in (reply.text or "")
            assert reply.button_texts == ["🔔 Подписаться снова"]
    before = await talk.shared.client.stats()
    started_at, cpu_at = asyncio.get_running_loop().time(), time.process_time()
    started = await start_broadcast(talk, "Скидка 20% в декабре!", expect=CROWD - 3)
    assert "получателей — 1997" in (started.text or "")

    report = await owner_sees(talk, "Отчёт о рассылке", timeout=90)
    elapsed = asyncio.get_running_loop().time() - started_at
    cpu_ms = (time.process_time() - cpu_at) * 1000 / (CROWD - 3)
    assert "Доставлено: 1997" in (report.text or "")
    after = await talk.shared.client.stats()
    assert after.too_many_requests_total == before.too_many_requests_total == 0

    owner_messages = await chat(talk, OWNER)
    progress = [m for m in owner_messages if "Рассылка" in (m.text or "") and "%" in (m.text or "")]
    assert len(progress) == 1, [m.text for m in progress]  # one message, edited in place
    assert progress[0].edited
    assert "100 %" in (progress[0].text or "")
    assert "Отправлено: 1997 из 1997" in (progress[0].text or "")
    assert progress[0].buttons == []  # «Остановить» is gone

    sent = await talk.shared.client.sent(talk.sandbox_bot)
    broadcast = [
        s for s in sent if s.method == "sendMessage" and "Скидка 20%" in s.params.get("text", "")
    ]
    assert sorted(s.chat_id for s in broadcast) == sorted([talk.user, OWNER, *chats[3:]])
    assert not {s.chat_id for s in broadcast} & set(opted)  # the three opted out got nothing
    stamps = sorted(s.time for s in sent)
    assert all(b - a >= 0.999 for a, b in zip(stamps, stamps[int(RATE) :], strict=False))
    rate = len(broadcast) / elapsed
    print(  # noqa: T201 - the figure the report quotes
        f"broadcast: {len(broadcast)} messages in {elapsed:.1f} s = {rate:.0f} msg/s;"
        f" {cpu_ms:.2f} CPU ms per message (this process: notifier, emulator, booking)"
    )
    rows = await talk.sql("SELECT action, target FROM audit_log WHERE action LIKE 'broadcast.%'")
    assert [r["action"] for r in rows] == ["broadcast.send"]
    await until(lambda: _finished(talk), 20, "booking to learn the broadcast ended")

    # A second broadcast, held back (Telegram answers 502 to every send) so that it surely runs
    # while an admin asks for a third one (refused) and the owner presses «Остановить».
    with as_user(talk, ADMIN):
        await talk.send("/start")
    await talk.sql(
        "INSERT INTO staff_members (telegram_id, name, role) VALUES ($1, 'Админ', 'admin')", ADMIN
    )
    total = CROWD - 2  # the admin started the bot too: one customer more
    second_preview = await prepare(talk, OWNER, "Вторая рассылка", expect=total)
    third_preview = await prepare(talk, ADMIN, "Третья рассылка", expect=total)
    await talk.shared.client.inject_fault(talk.sandbox_bot, "sendMessage", status=502)
    try:
        with as_user(talk, OWNER):
            second = mine(await talk.tap(second_preview, "Отправить"))
        (second_id,) = [r["id"] for r in await talk.sql("SELECT max(id) AS id FROM broadcasts")]
        await until(lambda: _running(talk, second_id), 20, "the second broadcast running")
        with as_user(talk, ADMIN):  # refused on the spot: no «Рассылка запущена» first
            refused = mine(await talk.tap(third_preview, "Отправить"))
        assert "Рассылка уже идёт" in (refused.text or "")
        assert "запущена" not in (refused.text or "")
        with as_user(talk, OWNER):  # «Остановить» (its message is held back too)
            await talk.press(second, BroadcastStop(b=second_id).pack(), force=True)
        await until(lambda: _stopped(talk, second_id), 20, "the second broadcast stopped")
    finally:
        await talk.shared.client.clear_fault(talk.sandbox_bot, "sendMessage")
    stopped = await owner_sees(talk, "Рассылка остановлена")

    async def two_reports() -> bool:
        return len([m for m in await chat(talk, OWNER) if "Отчёт" in (m.text or "")]) == 2

    await until(two_reports, 60, "the second broadcast's report")
    sent = await talk.shared.client.sent(talk.sandbox_bot)
    sends = [s for s in sent if s.method == "sendMessage"]
    second_sent = {s.chat_id for s in sends if "Вторая рассылка" in s.params.get("text", "")}
    assert len(second_sent) < total
    assert not [s for s in sends if "Третья рассылка" in s.params.get("text", "")]
    assert f"Отправлено: {len(second_sent)} из {total}" in (stopped.text or "")
    assert f"Отменено: {total - len(second_sent)}" in (stopped.text or "")
    admin_saw = [m.text or "" for m in await chat(talk, ADMIN)]
    assert not [t for t in admin_saw if "предыдущая ещё идёт" in t or "запущена" in t]
    assert not await _refused(talk)  # booking refused it: the notifier never heard of it
    assert [r["n"] for r in await talk.sql("SELECT count(*) AS n FROM broadcasts")] == [2]
    rows = await talk.sql(
        "SELECT action FROM audit_log WHERE action LIKE 'broadcast.%' ORDER BY id"
    )
    assert [r["action"] for r in rows] == ["broadcast.send", "broadcast.send", "broadcast.cancel"]


async def prepare(talk: Talk, who: int, text: str, *, expect: int) -> ChatMessage:
    """A staff member's broadcast up to its preview."""
    with as_user(talk, who):
        menu = only(await talk.tap(await admin_home(talk), "Рассылки"))
        mine(await talk.tap(menu, "Новая рассылка"))
        asked = mine(await talk.send(text))
        audiences = mine(await talk.tap(asked, "Да, с кнопкой"))
        preview = mine(await talk.tap(audiences, "Всем клиентам"))
        assert f"Получателей: {expect}" in (preview.text or "")
        return preview


async def _running(talk: Talk, broadcast_id: int) -> bool:
    status = await notifier_db(talk).fetchval(
        "SELECT status FROM notifier.broadcasts WHERE tenant_id = $1 AND broadcast_id = $2",
        talk.tenant_id,
        broadcast_id,
    )
    return bool(status == "running")


async def _refused(talk: Talk) -> bool:
    return bool(
        await notifier_db(talk).fetchval(
            "SELECT count(*) FROM notifier.broadcasts WHERE tenant_id = $1 AND status = 'refused'",
            talk.tenant_id,
        )
    )


async def _finished(talk: Talk) -> bool:
    """Booking heard the notifier's report go out (a new broadcast may be sent)."""
    rows = await talk.sql("SELECT finished_at IS NOT NULL AS done FROM broadcasts")
    return bool(rows) and all(r["done"] for r in rows)


async def _stopped(talk: Talk, broadcast_id: int) -> bool:
    return bool(
        await notifier_db(talk).fetchval(
            "SELECT stopped FROM notifier.broadcasts WHERE tenant_id = $1 AND broadcast_id = $2",
            talk.tenant_id,
            broadcast_id,
        )
    )


def optout_markup():
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

    from shared.callbacks import BulkOptOut

    button = InlineKeyboardButton(
        text="Отписаться от рассылок", callback_data=BulkOptOut(on=0).pack()
    )
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


async def booking_customer(talk: Talk) -> None:
    async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
        await conn.execute(
            "INSERT INTO customers (telegram_id, name) VALUES ($1, 'Ольга')"
            " ON CONFLICT (telegram_id) DO NOTHING",
            talk.user,
        )


async def test_audience_filters_count_who_the_owner_reaches(talk: Talk) -> None:
    cat = await make_catalog(talk)
    h, anna, irina = cat.haircut, cat.anna, cat.irina
    recent = NOW - timedelta(days=10)
    long_ago = NOW - timedelta(days=100)
    a = await customer(talk, telegram_id=9_100_001, name="Алла", phone="+79000000001")
    b = await customer(talk, telegram_id=9_100_002, name="Белла", phone="+79000000002")
    c = await customer(talk, telegram_id=9_100_003, name="Вика", phone="+79000000003")
    await customer(talk, telegram_id=9_100_004, name="Гоша", phone="+79000000004")
    e = await customer(talk, telegram_id=9_100_005, name="Ева", phone="+79000000005")
    f = await customer(talk, telegram_id=9_100_006, name="Фёдор", phone="+79000000006")
    g = await customer(talk, telegram_id=None, name="Галя", phone="+79000000007")
    await booking(talk, a, h, anna, recent, "completed")
    await booking(talk, b, h, irina, long_ago, "completed")
    await booking(talk, c, h, anna, long_ago, "completed")
    await booking(talk, c, h, anna, NOW + timedelta(days=3))  # booked ahead: not lapsed
    for who in (e, f, g):
        await booking(talk, who, h, anna, recent, "completed")
    async with tenant_tx(talk.deps.pool, talk.tenant_id) as conn:
        await conn.execute("UPDATE customers SET bulk_optout_at = now() WHERE id = $1", e)
        await conn.execute("UPDATE customers SET blocked_at = now() WHERE id = $1", f)

    expected = [
        (("Всем клиентам",), 4),  # Алла, Белла, Вика, Гоша (not Ева, Фёдор, Галя)
        (("Были недавно", "30 дн."), 1),  # Алла
        (("Были недавно", "180 дн."), 3),  # Алла, Белла, Вика
        (("Давно не были", "30 дн."), 1),  # Белла (Вика is booked ahead)
        (("Давно не были", "180 дн."), 0),
        (("Клиентам мастера", "Анна"), 2),  # Алла, Вика
        (("Клиентам мастера", "Ирина"), 1),  # Белла
        (("Клиентам услуги", "Стрижка"), 3),
    ]
    with as_user(talk, OWNER):
        menu = only(await talk.tap(await admin_home(talk), "Рассылки"))
        only(await talk.tap(menu, "Новая рассылка"))
        asked = only(await talk.send("Привет!"))
        screen = only(await talk.tap(asked, "Без кнопки"))
        for taps, count in expected:
            for label in taps:
                screen = only(await talk.tap(screen, label))
            assert f"Получателей: {count}" in (screen.text or ""), taps
            assert ("Отправить" in " ".join(screen.button_texts)) == bool(count)
            screen = only(await talk.tap(screen, "Другая аудитория"))


async def test_opt_out_and_back_in_with_one_tap(talk: Talk) -> None:
    await booking_customer(talk)
    note = await talk.notify("Новости салона", optout_markup())
    reply = only(await talk.tap(note, "Отписаться от рассылок"))
    assert "Вы отписались от рассылок" in (reply.text or "")
    (row,) = await talk.sql(
        "SELECT bulk_optout_at FROM customers WHERE telegram_id = $1", talk.user
    )
    assert row["bulk_optout_at"] is not None
    event = await talk.event("optout")
    assert b'"opted_out":true' in event.data
    back = only(await talk.tap(reply, "Подписаться снова"))
    assert "снова подписаны" in (back.text or "")
    assert back.button_texts == ["Отписаться от рассылок"]
    (row,) = await talk.sql(
        "SELECT bulk_optout_at FROM customers WHERE telegram_id = $1", talk.user
    )
    assert row["bulk_optout_at"] is None
    assert b'"opted_out":false' in (await talk.event("optout")).data


async def test_a_master_cannot_open_broadcasts(talk: Talk) -> None:
    await make_catalog(talk)  # links MASTER_USER to «Ирина»
    from test_owner_phone_support import MASTER_USER

    with as_user(talk, MASTER_USER):
        home = await admin_home(talk)
        assert "📣 Рассылки" not in home.button_texts
        await talk.press(home, "mkb:menu::0", force=True)
        assert "недоступно для вашей роли" in (await talk.last_answer() or "")


async def test_win_back_after_n_days_books_the_same_service_and_master(
    talk: Talk, notifier: nats.js.JetStreamContext, pg_pool: asyncpg.Pool
) -> None:
    await live(talk, notifier, pg_pool)
    cat = await make_catalog(talk)
    with as_user(talk, OWNER):
        menu = only(await talk.tap(await admin_home(talk), "Рассылки"))
        listed = only(await talk.tap(menu, "Повторный визит"))
        assert "Стрижка — выкл." in listed.button_texts
        choices = only(await talk.tap(listed, "Стрижка — выкл."))
        listed = only(await talk.tap(choices, "30 дн."))
        assert "Стрижка — через 30 дн." in listed.button_texts
    (audit_row,) = await talk.sql(
        "SELECT action, after FROM audit_log WHERE action = 'service.winback'"
    )
    assert '"days": 30' in audit_row["after"]

    async def rule() -> bool:
        found = await notifier_db(talk).fetchval(
            "SELECT days FROM notifier.winback_rules WHERE tenant_id = $1", talk.tenant_id
        )
        return found == 30

    await until(rule, 15, "the win-back rule in the notifier")
    rebooker, opted = 9_200_001, 9_200_002
    for chat_id in (rebooker, opted):
        await talk.shared.client.send_text(talk.sandbox_bot, chat_id, "/start")
    while updates := await talk.bot.get_updates(offset=talk.offset, timeout=0, limit=100):
        talk.offset = updates[-1].update_id + 1

    now = datetime.now(UTC)
    visit = now + timedelta(hours=1)
    js = notifier
    ids = iter(range(1, 100))

    async def created(chat_id: int, starts: datetime, master: int) -> int:
        booking_id = next(ids) + 10_000
        event = haircut(talk, cat, booking_id, chat_id, starts, master)
        await published(js, "created", event)
        return booking_id

    async def winbacks(status: str) -> list[int]:
        rows = await notifier_db(talk).fetch(
            "SELECT chat_id FROM notifier.deliveries WHERE tenant_id = $1 AND kind = 'winback'"
            " AND status = $2 ORDER BY chat_id",
            talk.tenant_id,
            status,
        )
        return [r["chat_id"] for r in rows]

    await created(talk.user, visit, cat.irina)
    await created(rebooker, visit, cat.anna)
    await created(opted, visit, cat.anna)
    await until(lambda: _is(winbacks("pending"), 3), 15, "three pending win-backs")
    await created(rebooker, visit + timedelta(days=7), cat.anna)  # booked again
    with as_user(talk, opted):
        note = await talk.notify("Новости", optout_markup())
        await talk.tap(note, "Отписаться от рассылок")
    await until(lambda: _is(winbacks("cancelled"), 2), 15, "two cancelled win-backs")
    assert sorted(await winbacks("cancelled")) == sorted([rebooker, opted])

    await set_clock(js, timedelta(days=30, hours=3).total_seconds())
    try:
        await until(lambda: _is(winbacks("sent"), 1), 20, "the win-back sent")
        note = next(
            m for m in await chat(talk, talk.user) if "Пора записаться снова" in (m.text or "")
        )
        assert "Стрижка" in (note.text or "")
        assert "Ирина" in (note.text or "")
        assert note.button_texts == ["Записаться", "Отписаться от рассылок"]
        assert note.button("Записаться").callback_data == f"mkbk:{cat.haircut}:{cat.irina}"
        calendar = await talk.tap(note, "Записаться")
        assert "Выберите день" in (calendar[-1].text or "")
        days = [b.callback_data or "" for row in calendar[-1].buttons for b in row]
        picks = [d for d in days if d.startswith("bd:")]
        assert picks  # the month's days, each for the same service and master
        assert all(d.startswith(f"bd:{cat.haircut}:{cat.irina}:0:") for d in picks)
        assert await winbacks("pending") == [rebooker]  # the rebooking's own, 30 days after it
    finally:
        await set_clock(js, 0)


async def test_a_cancelled_rebooking_gives_the_customer_their_win_back_again(
    talk: Talk, notifier: nats.js.JetStreamContext, pg_pool: asyncpg.Pool
) -> None:
    """A visit's win-back stops when the customer books again; it comes back once every newer
    booking is cancelled (one of two is not enough), and reaches them on its day. The newer
    bookings' own win-backs go with them."""
    await live(talk, notifier, pg_pool)
    cat = await make_catalog(talk)
    js = notifier
    rule = WinbackRuleSet(tenant_id=talk.tenant_id, service_id=cat.haircut, days=30)
    await js.publish(
        booking_event("winback", talk.tenant_id),
        encode(rule),
        headers={MSG_ID_HEADER: f"winback-rule:{talk.tenant_id}"},
    )
    visit = datetime.now(UTC) + timedelta(hours=1)
    chat_id = talk.user

    def event_of(booking_id: int, starts: datetime) -> BookingCreated:
        return haircut(talk, cat, booking_id, chat_id, starts, cat.irina)

    async def created(booking_id: int, starts: datetime) -> None:
        await published(js, "created", event_of(booking_id, starts))

    async def cancelled(booking_id: int, starts: datetime) -> None:
        made = event_of(booking_id, starts)
        event = BookingCancelled(
            tenant_id=talk.tenant_id,
            booking_id=booking_id,
            customer_chat_id=chat_id,
            customer_name=made.customer_name,
            service_name=made.service_name,
            master_name=made.master_name,
            starts_at=starts,
            timezone=made.timezone,
            cancelled_by="customer",
        )
        await published(js, "cancelled", event)

    async def winbacks() -> dict[str, str]:
        rows = await notifier_db(talk).fetch(
            "SELECT ref, status FROM notifier.deliveries WHERE tenant_id = $1 AND kind = 'winback'",
            talk.tenant_id,
        )
        return {r["ref"]: r["status"] for r in rows}

    async def are(expected: dict[str, str]) -> bool:
        return await winbacks() == expected

    async def rule_known() -> bool:
        found = await notifier_db(talk).fetchval(
            "SELECT days FROM notifier.winback_rules WHERE tenant_id = $1", talk.tenant_id
        )
        return found == 30

    await until(rule_known, 15, "the win-back rule in the notifier")
    first, second, third = 20_001, 20_002, 20_003
    await created(first, visit)
    await until(lambda: are({"20001": "pending"}), 15, "the visit's win-back")
    await created(second, visit + timedelta(days=7))
    await created(third, visit + timedelta(days=9))
    stopped = {"20001": "cancelled", "20002": "cancelled", "20003": "pending"}
    await until(lambda: are(stopped), 15, "the earlier win-backs stopped by the new bookings")
    await cancelled(second, visit + timedelta(days=7))

    async def stopped_by_third_only() -> bool:
        found = await notifier_db(talk).fetchval(
            "SELECT suppressed_by FROM notifier.deliveries WHERE tenant_id = $1"
            " AND ref = '20001' AND kind = 'winback'",
            talk.tenant_id,
        )
        return found == ["20003"]

    await until(stopped_by_third_only, 15, "the second booking's cancel handled")
    assert await winbacks() == stopped  # nothing back while the third booking stands
    await cancelled(third, visit + timedelta(days=9))
    back = {"20001": "pending", "20002": "cancelled", "20003": "cancelled"}
    await until(lambda: are(back), 15, "the visit's win-back pending again")

    await set_clock(js, timedelta(days=30, hours=3).total_seconds())
    try:
        await until(lambda: are({**back, "20001": "sent"}), 20, "the win-back sent")
        notes = [m for m in await chat(talk, chat_id) if "Пора записаться снова" in (m.text or "")]
        assert len(notes) == 1
        assert notes[0].button("Записаться").callback_data == f"mkbk:{cat.haircut}:{cat.irina}"
    finally:
        await set_clock(js, 0)


def haircut(
    talk: Talk, cat: Places, booking_id: int, chat_id: int, starts: datetime, master: int
) -> BookingCreated:
    """A «Стрижка» of an hour at `starts` with `master`, as booking announces it."""
    return BookingCreated(
        tenant_id=talk.tenant_id,
        booking_id=booking_id,
        customer_chat_id=chat_id,
        customer_name="Клиент",
        customer_phone="+79990000000",
        service_name="Стрижка",
        master_name="Ирина" if master == cat.irina else "Анна",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        timezone="Europe/Moscow",
        reminder_offsets_min=(),
        service_id=cat.haircut,
        master_id=master,
    )


async def published(
    js: nats.js.JetStreamContext, kind: str, event: BookingCreated | BookingCancelled
) -> None:
    """The event on `booking.<kind>.<tenant>` with booking's message id, as the relay sends it."""
    key = f"booking:{event.tenant_id}:{event.booking_id}:{kind}"
    await js.publish(
        booking_event(kind, event.tenant_id), encode(event), headers={MSG_ID_HEADER: key}
    )


async def _is(found: object, count: int) -> bool:
    return len(await found) == count  # type: ignore[misc]


def picture() -> bytes:
    """A small PNG, as a phone's gallery would send one."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 90)).save(out, format="PNG")
    return out.getvalue()


async def _bot_blocked(talk: Talk, chat_id: int) -> bool:
    rows = await talk.sql(
        "SELECT bot_blocked_at IS NOT NULL AS gone FROM customers WHERE telegram_id = $1", chat_id
    )
    return bool(rows and rows[0]["gone"])


async def test_a_photo_broadcast_and_a_chat_that_blocked_the_bot(
    talk: Talk, notifier: nats.js.JetStreamContext, pg_pool: asyncpg.Pool
) -> None:
    from test_owner_clients import clients_home, names

    await live(talk, notifier, pg_pool)
    chats = await crowd(talk, 3, 6_000_000)
    gone = chats[0]
    await talk.shared.client.block(talk.sandbox_bot, gone)  # this customer blocked the bot
    caption = "Новый зал открыт!"
    with as_user(talk, OWNER):
        menu = only(await talk.tap(await admin_home(talk), "Рассылки"))
        mine(await talk.tap(menu, "Новая рассылка"))
        sent_photo = talk.shared.client.send_photo(
            talk.sandbox_bot, OWNER, picture(), caption=caption, first_name="Ольга"
        )
        asked = mine(await talk._changes(sent_photo))
        assert "кнопку «Записаться»" in (asked.text or "")
        audiences = mine(await talk.tap(asked, "Да, с кнопкой"))
        preview = mine(await talk.tap(audiences, "Всем клиентам"))
        assert "Получателей: 5" in (preview.text or "")  # the harness's customer, owner, crowd
        mine(await talk.tap(preview, "Отправить (5)"))
    report = await owner_sees(talk, "Отчёт о рассылке")
    assert "Доставлено: 4" in (report.text or "")
    assert "Заблокировали бота: 1" in (report.text or "")

    for chat_id in (talk.user, *chats[1:]):  # each customer got the picture, caption, buttons
        got = [m for m in await chat(talk, chat_id) if m.photo]
        assert len(got) == 1, chat_id
        assert got[0].caption == caption
        assert got[0].button_texts == ["Записаться", "Отписаться от рассылок"]
    sent = await talk.shared.client.sent(talk.sandbox_bot)
    photos = [s for s in sent if s.method == "sendPhoto"]
    assert sorted(s.chat_id for s in photos) == sorted([talk.user, OWNER, *chats[1:]])
    assert len({s.params.get("photo") for s in photos}) == 1  # the owner's file_id, reused

    # booking learned it: the card, the client base's filter, the broadcast's count
    await until(lambda: _bot_blocked(talk, gone), 20, "booking to record the blocked chat")
    await until(lambda: _finished(talk), 20, "booking to learn the broadcast ended")
    # an admin looks (the owner's chat has just had the broadcast, its progress and report)
    with as_user(talk, ADMIN):
        await talk.send("/start")  # a customer of the bot too from now on: one more recipient
    await talk.sql(
        "INSERT INTO staff_members (telegram_id, name, role) VALUES ($1, 'Админ', 'admin')", ADMIN
    )
    with as_user(talk, ADMIN):
        listed = only(await talk.tap(await clients_home(talk), "Заблокировали бота"))
        assert names(listed) == [f"⛔ Клиент {gone}"]
        card = only(await talk.tap(listed, f"Клиент {gone}"))
        assert "Заблокировал бота" in (card.text or "")
    await prepare(talk, ADMIN, "Ещё новость", expect=5)  # not the one who blocked the bot

    # the customer writes to the bot again: booking clears the mark, the notifier its block
    await talk.shared.client.unblock(talk.sandbox_bot, gone)
    with as_user(talk, gone):
        await talk.send("/start")
    assert not await _bot_blocked(talk, gone)

    async def notifier_forgot() -> bool:
        count = await notifier_db(talk).fetchval(
            "SELECT count(*) FROM notifier.blocked_chats WHERE tenant_id = $1 AND chat_id = $2",
            talk.tenant_id,
            gone,
        )
        return count == 0

    await until(notifier_forgot, 20, "the notifier to forget the block")
    await prepare(talk, OWNER, "И ещё одна", expect=6)
