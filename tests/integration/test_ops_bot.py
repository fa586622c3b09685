"""The operator's bot end to end: the Telegram emulator in-process under uvicorn as Telegram,
updates forwarded to NATS `tg.platform.ops` the way the gateway does, the provisioner's real
ops consumer, dispatcher and console over real Postgres (a database of this module's own),
NATS KV and JetStream.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import msgspec
import pytest
import pytest_asyncio
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from devstack.infra import LocalInfra
from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.models import BotInfo, ChatMessage, ChatView, SandboxBot
from sandbox.telegram.testing import running_sandbox
from services.provisioner.adapters.registry_pg import PgTenantRegistry
from services.provisioner.bot import OpsDeps, build_ops_dispatcher
from services.provisioner.config import ProvisionerSettings
from services.provisioner.main import LOCALES, MIGRATIONS, compose
from services.provisioner.ports import Payment
from services.provisioner.subscribers import SERVICE, ops_router
from shared.bus import RetryPolicy, tenants_bucket
from shared.crypto import Sealer
from shared.i18n import Catalog
from shared.messages import Signup, TenantConfig, TenantDeleted, decode
from shared.metrics import Metrics
from shared.migrate import ensure_extensions, load_migrations, migrate_schema, shared_migrations
from shared.outbox import migrate_outbox
from shared.runtime import Runtime, open_runtime
from shared.settings import Env
from shared.subjects import TG_OPS_UPDATE
from shared.telegram import Bots, make_session
from tests.conftest import RUN_ID, create_database, drop_database, unique_tenant_id
from tests.support.catalog import give_catalog

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

OPERATOR = 910_001
STRANGER = 910_002
PLATFORM_SECRET = secrets.token_urlsafe(48)  # a fresh random key per run
TEXTS = Catalog.load(LOCALES)
WAIT = 15.0
MOSCOW = ZoneInfo("Europe/Moscow")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def ops_database(database_server_url: str) -> AsyncIterator[str]:
    """A database of this module's own, so counts and the sweeper touch nobody else's rows."""
    name = f"bookbots_test_{RUN_ID}_opsbot"
    yield await create_database(database_server_url, name)
    await drop_database(database_server_url, name)


@dataclass
class Stack:
    client: TelegramSandboxClient
    http: httpx.AsyncClient
    sandbox_url: str
    ops_bot: SandboxBot
    runtime: Runtime
    registry: PgTenantRegistry
    kv: KeyValue
    sealer: Sealer
    offset: int = 0
    tenant_bots: dict[str, SandboxBot] = field(default_factory=dict)

    @property
    def pool(self) -> asyncpg.Pool:
        return self.runtime.require_pool()

    # --- acting as a Telegram user, and as the gateway

    async def forward(self) -> None:
        """What the gateway does: the ops bot's pending updates, raw, onto `tg.platform.ops`."""
        response = await self.http.post(
            f"{self.sandbox_url}/bot{self.ops_bot.token}/getUpdates",
            json={"offset": self.offset, "timeout": 0},
        )
        for update in response.json()["result"]:
            await self.runtime.publisher.publish_raw(
                TG_OPS_UPDATE,
                json.dumps(update).encode(),
                msg_id=f"ops-test:{self.ops_bot.id}:{update['update_id']}",
            )
            self.offset = update["update_id"] + 1

    async def say(self, user: int, text: str) -> None:
        await self.client.send_text(
            self.ops_bot, user, text, first_name="Ольга", language_code="ru"
        )
        await self.forward()

    async def press(self, user: int, message_id: int, data: str, *, force: bool = False) -> None:
        await self.client.press(self.ops_bot, user, message_id, data, force=force)
        await self.forward()

    async def last_id(self, user: int) -> int:
        view = await self.client.chat(self.ops_bot, user)
        return max((m.message_id for m in view.messages), default=0)

    async def ask(self, user: int, text: str) -> ChatMessage:
        """Send `text` and return the bot's first answer to it."""
        after = await self.last_id(user)
        await self.say(user, text)
        found = await self.client.wait_for_message(self.ops_bot, user, after, timeout=WAIT)
        return found[0]

    async def tap(self, user: int, message: ChatMessage, label: str) -> ChatMessage:
        """Press the button labelled `label` and return the message once the bot changed it."""
        data = message.button(label).callback_data
        assert data is not None
        await self.press(user, message.message_id, data)
        return await self.wait_chat(
            user, lambda view: _message(view, message.message_id).version > message.version
        )

    async def wait_chat(
        self, user: int, ready: Callable[[ChatView], bool], *, message_id: int | None = None
    ) -> ChatMessage:
        """Long-poll the chat until `ready(view)`; returns the watched message as it is then."""
        view = await self.client.chat(self.ops_bot, user)
        deadline = datetime.now(UTC) + timedelta(seconds=WAIT)
        while not ready(view):
            remaining = (deadline - datetime.now(UTC)).total_seconds()
            if remaining <= 0:
                raise TimeoutError(f"the chat never got there: {view}")
            response = await self.http.get(
                f"{self.sandbox_url}/sandbox/bots/{self.ops_bot.username}/chats/{user}/messages",
                params={"changed_since": view.version, "timeout": remaining},
            )
            view = msgspec.json.decode(response.content, type=ChatView)
        changed = [m for m in view.messages if m.from_bot]
        if message_id is not None:
            return _message(view, message_id)
        return max(changed, key=lambda m: m.version)

    # --- the world

    async def make_tenant(self, name: str, *, amount_kopecks: int = 290_000) -> str:
        username = f"{unique_tenant_id()}_bot"
        bot = await self.client.create_bot(username, name)
        signup = Signup(
            signup_id=uuid.uuid4().hex,
            business_name=name,
            timezone="Europe/Moscow",
            buyer_chat_id=OPERATOR + 100,
            owner_chat_id=OPERATOR + 100,
            bot_id=bot.id,
            bot_username=bot.username,
            bot_token_sealed=self.sealer.seal(bot.token),
        )
        applied = await self.registry.create_tenant(
            signup=signup,
            payment=Payment(
                payment_id=f"test:{uuid.uuid4().hex}",
                kind="new",
                plan_code="month",
                period_days=30,
                amount_kopecks=amount_kopecks,
            ),
            delivery="polling",
            now=datetime.now(UTC),
        )
        await self.kv.put(applied.tenant.tenant_id, msgspec.json.encode(applied.tenant.config()))
        self.tenant_bots[applied.tenant.tenant_id] = bot
        return applied.tenant.tenant_id

    async def directory_entry(self, tenant_id: str) -> TenantConfig | None:
        try:
            entry = await self.kv.get(tenant_id)
        except KeyNotFoundError:
            return None
        return decode(TenantConfig, entry.value) if entry.value else None

    async def audit(self, tenant_id: str | None = None) -> list[tuple[str, str]]:
        rows = await self.pool.fetch(
            "SELECT actor, action FROM platform.audit_log"
            " WHERE ($1::text IS NULL OR tenant_id = $1) ORDER BY id",
            tenant_id,
        )
        return [(row["actor"], row["action"]) for row in rows]


def _message(view: ChatView, message_id: int) -> ChatMessage:
    return next(m for m in view.messages if m.message_id == message_id)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def stack(infra: LocalInfra, ops_database: str) -> AsyncIterator[Stack]:
    async with (
        running_sandbox(flood_limits=False) as sandbox_url,
        TelegramSandboxClient(sandbox_url) as client,
        httpx.AsyncClient(timeout=httpx.Timeout(30.0, read=60.0)) as http,
    ):
        ops_bot = await client.create_bot(f"ops_{RUN_ID}_bot", "Платформа: операторы")
        settings = ProvisionerSettings.load(
            Env(
                {
                    "NATS_URL": infra.nats_url,
                    "DATABASE_URL": ops_database,
                    "DATABASE_POOL_MAX": "4",
                    "TELEGRAM_API_BASE": sandbox_url,
                    "PLATFORM_SECRET": PLATFORM_SECRET,
                    "OPS_BOT_TOKEN": ops_bot.token,
                    "OPERATOR_IDS": f"{OPERATOR}, 1",
                }
            )
        )
        async with open_runtime(SERVICE, nats=settings.nats, postgres=settings.postgres) as runtime:
            pool = runtime.require_pool()
            await ensure_extensions(pool)
            await migrate_schema(pool, "platform", load_migrations(MIGRATIONS))
            await migrate_outbox(pool)
            sealer = Sealer(settings.secrets.key)
            bots = Bots(make_session(settings.telegram))
            use = await compose(settings, runtime, bots, sealer)
            runtime.broker.include_router(
                ops_router(
                    dispatcher=build_ops_dispatcher(),
                    bot=bots.get(settings.ops_bot_token),
                    deps=OpsDeps(
                        console=use.console,
                        texts=TEXTS,
                        operator_ids=frozenset(settings.operator_ids),
                    ),
                    publisher=runtime.publisher,
                    metrics=Metrics(SERVICE),
                    policy=RetryPolicy(max_deliver=2, backoff_seconds=(0.2,)),
                )
            )
            await runtime.broker.start()
            try:
                yield Stack(
                    client=client,
                    http=http,
                    sandbox_url=sandbox_url,
                    ops_bot=ops_bot,
                    runtime=runtime,
                    registry=PgTenantRegistry(pool, shared_migrations("tenant")),
                    kv=await tenants_bucket(runtime.js),
                    sealer=sealer,
                )
            finally:
                await bots.close()


async def add_bookings(stack: Stack, tenant_id: str) -> None:
    """One past and one upcoming booking (and a cancelled one, upcoming but not counted)."""
    schema = f'"t_{tenant_id}"'
    now = datetime.now(UTC)
    async with stack.pool.acquire() as conn, conn.transaction():
        if not await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {schema}.services)"):
            await give_catalog(conn, tenant_id)  # a new business starts with no services
        customer = await conn.fetchval(
            f"INSERT INTO {schema}.customers (telegram_id, name, phone)"
            " VALUES (555001, 'Иван', '+79990000000') RETURNING id"
        )
        for starts, status in (
            (now - timedelta(days=3), "completed"),
            (now + timedelta(days=2), "confirmed"),
            (now + timedelta(days=4), "cancelled"),
        ):
            await conn.execute(
                f"INSERT INTO {schema}.bookings (customer_id, service_id, master_id, starts_at,"
                " ends_at, blocked, status, cancelled_by) VALUES ($1,"
                f" (SELECT min(id) FROM {schema}.services), (SELECT min(id) FROM {schema}.masters),"
                " $2, $3, tstzrange($2, $3, '[)'), $4, $5)",
                customer,
                starts,
                starts + timedelta(hours=1),
                status,
                "customer" if status == "cancelled" else None,
            )


async def test_a_stranger_is_refused_and_nothing_else_happens(stack: Stack) -> None:
    tenant_id = await stack.make_tenant("Салон Чужой")
    refusal = TEXTS.text("ru", "refused")
    audit_before = await stack.audit()

    first = await stack.ask(STRANGER, f"/tenant {tenant_id}")
    assert first.text == refusal
    assert first.buttons == []
    # A forged button press (the stranger never saw this button), then one more command: the
    # consumer handles updates in order, so once the last refusal is here the others are done.
    await stack.press(STRANGER, first.message_id, f"ot:delok:{tenant_id}", force=True)
    last = await stack.ask(STRANGER, "/stats")
    assert last.text == refusal

    view = await stack.client.chat(stack.ops_bot, STRANGER)
    assert [m.text for m in view.messages if m.from_bot] == [refusal, refusal]
    answers = await stack.client.callback_answers(stack.ops_bot, STRANGER)
    assert [(a.text, a.show_alert) for a in answers] == [(refusal, True)]
    sent = await stack.client.sent(stack.ops_bot, STRANGER)
    assert {item.method.lower() for item in sent} == {"sendmessage", "answercallbackquery"}
    assert await stack.audit() == audit_before
    tenant = await stack.registry.get(tenant_id)
    assert tenant is not None
    assert tenant.status == "active"
    assert await stack.pool.fetchval("SELECT to_regnamespace($1)", f"t_{tenant_id}") is not None


async def test_operator_lists_finds_and_opens_a_card(stack: Stack) -> None:
    tenant_id = await stack.make_tenant("Барбершоп Северный")
    await add_bookings(stack, tenant_id)
    username = stack.tenant_bots[tenant_id].username

    help_text = await stack.ask(OPERATOR, "/start")
    assert help_text.text is not None
    assert "/tenants" in help_text.text

    listing = await stack.ask(OPERATOR, "/tenants active")
    assert listing.text is not None
    assert listing.text.startswith("Арендаторы (активен):")
    assert tenant_id in listing.text
    button = listing.button("Барбершоп Северный")
    assert button.callback_data == f"ot:card:{tenant_id}"

    found = await stack.ask(OPERATOR, "/find СЕВЕРНЫЙ")
    assert found.text is not None
    assert "найдено 1" in found.text
    assert found.button("Барбершоп Северный").callback_data == f"ot:card:{tenant_id}"
    by_bot = await stack.ask(OPERATOR, f"/find @{username.upper()}")
    assert by_bot.button("Барбершоп Северный").callback_data == f"ot:card:{tenant_id}"

    card = await stack.tap(OPERATOR, listing, "Барбершоп Северный")
    assert card.text is not None
    for part in (
        "Барбершоп Северный",
        f"id: {tenant_id}",
        "Статус: активен",
        "Тариф: month, пробный период: нет",
        f"Бот: @{username}",
        f"Владелец: {OPERATOR + 100}",
        "Записей: 3, предстоящих: 1",
        "(МСК)",
    ):
        assert part in card.text
    tenant = await stack.registry.get(tenant_id)
    assert tenant is not None
    moscow = tenant.paid_until.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M")
    assert f"Оплачен до: {moscow} (МСК)" in card.text
    assert card.button_texts == ["Продлить на 30 дн.", "Приостановить", "Удалить", "🔄 Обновить"]

    by_command = await stack.ask(OPERATOR, f"/tenant {tenant_id}")
    assert by_command.text == card.text
    missing = await stack.ask(OPERATOR, "/tenant nobody_here_at_all")
    assert missing.text == "Арендатор nobody_here_at_all не найден."
    actor = f"tg:{OPERATOR}"
    assert (actor, "console:show") in await stack.audit(tenant_id)
    assert (actor, "console:list") in await stack.audit()
    assert (actor, "console:search") in await stack.audit()


async def test_operator_extends_suspends_and_resumes(stack: Stack) -> None:
    tenant_id = await stack.make_tenant("Студия Луч")
    before = await stack.registry.get(tenant_id)
    assert before is not None
    card = await stack.ask(OPERATOR, f"/tenant {tenant_id}")

    extended = await stack.tap(OPERATOR, card, "Продлить на 30 дн.")
    after = await stack.registry.get(tenant_id)
    assert after is not None
    assert after.paid_until == before.paid_until + timedelta(days=30)
    moscow = after.paid_until.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M")
    assert extended.text is not None
    assert f"Оплачен до: {moscow} (МСК)" in extended.text
    payment = await stack.pool.fetchrow(
        "SELECT payment_id, kind, period_days, amount_kopecks FROM platform.applied_payments"
        " WHERE tenant_id = $1 AND kind = 'manual'",
        tenant_id,
    )
    assert payment is not None
    assert payment["payment_id"].startswith("manual:")
    assert (payment["period_days"], payment["amount_kopecks"]) == (30, 0)
    audit = await stack.pool.fetchrow(
        "SELECT actor, details FROM platform.audit_log"
        " WHERE tenant_id = $1 AND action = 'console:extend'",
        tenant_id,
    )
    assert audit is not None
    assert audit["actor"] == f"tg:{OPERATOR}"
    assert json.loads(audit["details"])["payment_id"] == payment["payment_id"]
    entry = await stack.directory_entry(tenant_id)
    assert entry is not None
    assert entry.paid_until == after.paid_until
    answers = await stack.client.callback_answers(stack.ops_bot, OPERATOR)
    assert answers[-1].text == f"Продлено до {moscow} (МСК)"

    suspended = await stack.tap(OPERATOR, extended, "Приостановить")
    assert suspended.text is not None
    assert "Статус: приостановлен" in suspended.text
    assert suspended.button_texts == ["Продлить на 30 дн.", "Возобновить", "Удалить", "🔄 Обновить"]
    entry = await stack.directory_entry(tenant_id)
    assert entry is not None
    assert entry.status == "suspended"

    # The old card's "Приостановить" pressed again: the server re-checks and refuses.
    await stack.press(OPERATOR, suspended.message_id, f"ot:sus:{tenant_id}", force=True)
    resumed = await stack.tap(OPERATOR, suspended, "Возобновить")
    answers = await stack.client.callback_answers(stack.ops_bot, OPERATOR)
    refused = [a for a in answers if a.show_alert]
    assert refused[-1].text == f"Нельзя: арендатор {tenant_id} сейчас в статусе «приостановлен»."
    assert resumed.text is not None
    assert "Статус: активен" in resumed.text
    entry = await stack.directory_entry(tenant_id)
    assert entry is not None
    assert entry.status == "active"
    actions = [action for _, action in await stack.audit(tenant_id)]
    assert actions.count("console:extend") == 1
    assert "status:suspended" in actions
    assert "status:active" in actions


async def test_operator_deletes_after_confirming_and_gets_the_export(stack: Stack) -> None:
    tenant_id = await stack.make_tenant("Клиника Улыбка")
    await add_bookings(stack, tenant_id)
    tenant_bot = stack.tenant_bots[tenant_id]
    await stack.http.post(
        f"{stack.sandbox_url}/bot{tenant_bot.token}/setWebhook",
        json={"url": f"https://gateway.example/tg/{tenant_id}"},
    )
    card = await stack.ask(OPERATOR, f"/tenant {tenant_id}")

    confirm = await stack.tap(OPERATOR, card, "Удалить")
    assert confirm.text is not None
    assert confirm.text.startswith("Удалить «Клиника Улыбка»")
    assert confirm.button_texts == ["Да, удалить навсегда", "Отмена"]
    assert await stack.registry.get(tenant_id) is not None  # nothing happens before confirming

    data = confirm.button("Да, удалить навсегда").callback_data
    assert data == f"ot:delok:{tenant_id}"
    await stack.press(OPERATOR, confirm.message_id, data)
    done = await stack.wait_chat(
        OPERATOR,
        lambda view: "удалён" in (_message(view, confirm.message_id).text or ""),
        message_id=confirm.message_id,
    )
    assert done.buttons == []
    view = await stack.client.chat(stack.ops_bot, OPERATOR)
    (document,) = [m for m in view.messages if m.message_id > confirm.message_id]
    assert document.document is not None
    assert document.document.file_name == f"{tenant_id}-export.json"
    assert document.caption == f"Выгрузка данных {tenant_id}"
    export = json.loads(await stack.client.file(document.document.file_id))
    assert export["format"] == "bookbots.tenant-export"
    assert export["tenant"]["tenant_id"] == tenant_id
    assert "bot_token_sealed" not in export["tenant"]
    assert export["tables"]["business"][0]["name"] == "Клиника Улыбка"
    assert len(export["tables"]["bookings"]) == 3
    assert export["tables"]["customers"][0]["name"] == "Иван"
    assert {"services", "masters", "reviews", "working_hours"} <= set(export["tables"])
    assert export["payments"][0]["amount_kopecks"] == 290_000

    tenant = await stack.registry.get(tenant_id)
    assert tenant is not None
    assert tenant.status == "deleted"
    assert await stack.pool.fetchval("SELECT to_regnamespace($1)", f"t_{tenant_id}") is None
    assert (
        await stack.pool.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", f"t_{tenant_id}")
        is None
    )
    assert await stack.directory_entry(tenant_id) is None
    info = await stack.http.get(f"{stack.sandbox_url}/sandbox/bots/{tenant_bot.username}")
    assert msgspec.json.decode(info.content, type=BotInfo).webhook_url == ""
    sent = await stack.client.sent(tenant_bot)
    assert "deletewebhook" in [item.method.lower() for item in sent]
    event = await stack.runtime.js.get_last_msg("TENANT", f"tenant.deleted.{tenant_id}")
    assert decode(TenantDeleted, event.data or b"") == TenantDeleted(tenant_id=tenant_id)
    actions = await stack.audit(tenant_id)
    assert (f"tg:{OPERATOR}", "status:deleted") in actions
    assert (f"tg:{OPERATOR}", "console:delete") in actions

    # The card of a deleted tenant offers nothing, and a forged action is refused.
    gone = await stack.ask(OPERATOR, f"/tenant {tenant_id}")
    assert gone.text is not None
    assert "Статус: удалён" in gone.text
    assert "Записей: данных нет" in gone.text
    assert gone.button_texts == ["🔄 Обновить"]
    await stack.press(OPERATOR, gone.message_id, f"ot:ext:{tenant_id}", force=True)
    last = await stack.ask(OPERATOR, "/help")
    assert last.text is not None
    answers = await stack.client.callback_answers(stack.ops_bot, OPERATOR)
    assert answers[-1].text == f"Нельзя: арендатор {tenant_id} сейчас в статусе «удалён»."
    assert answers[-1].show_alert


async def test_a_delete_whose_export_cannot_be_sent_answers_and_destroys_nothing(
    stack: Stack,
) -> None:
    tenant_id = await stack.make_tenant("Студия «Без связи»")
    card = await stack.ask(OPERATOR, f"/tenant {tenant_id}")
    confirm = await stack.tap(OPERATOR, card, "Удалить")
    data = confirm.button("Да, удалить навсегда").callback_data
    assert data is not None
    answered = len(await stack.client.callback_answers(stack.ops_bot, OPERATOR))
    await stack.client.inject_fault(stack.ops_bot, "sendDocument")  # Telegram failing
    try:
        await stack.press(OPERATOR, confirm.message_id, data)
        answers = await stack.client.callback_answers(
            stack.ops_bot, OPERATOR, more_than=answered, timeout=WAIT
        )
    finally:
        await stack.client.clear_fault(stack.ops_bot, "sendDocument")
    assert answers[-1].text == (
        f"Не удалось отправить выгрузку данных {tenant_id}, поэтому арендатор не удалён."
        " Попробуйте ещё раз чуть позже."
    )
    assert answers[-1].show_alert
    tenant = await stack.registry.get(tenant_id)
    assert tenant is not None
    assert tenant.status == "active"
    assert await stack.pool.fetchval("SELECT to_regnamespace($1)", f"t_{tenant_id}") is not None
    assert await stack.directory_entry(tenant_id) is not None

    # Pressed again once Telegram is back: deleted, with exactly one export document.
    await stack.press(OPERATOR, confirm.message_id, data)
    await stack.wait_chat(
        OPERATOR,
        lambda view: "удалён" in (_message(view, confirm.message_id).text or ""),
        message_id=confirm.message_id,
    )
    view = await stack.client.chat(stack.ops_bot, OPERATOR)
    documents = [
        m for m in view.messages if m.document is not None and tenant_id in m.document.file_name
    ]
    assert len(documents) == 1
    tenant = await stack.registry.get(tenant_id)
    assert tenant is not None
    assert tenant.status == "deleted"


async def test_stats_in_the_bot_match_the_registry(stack: Stack) -> None:
    await stack.make_tenant("Салон Статистика", amount_kopecks=450_000)
    counts = await stack.pool.fetchrow(
        "SELECT count(*) FILTER (WHERE status = 'active') AS active,"
        " count(*) FILTER (WHERE status = 'deleted') AS deleted FROM platform.tenants"
    )
    revenue = await stack.pool.fetchval("SELECT sum(amount_kopecks) FROM platform.applied_payments")
    assert counts is not None

    stats = await stack.ask(OPERATOR, "/stats")

    assert stats.text is not None
    assert f"Активных: {counts['active']} (из них пробных: 0)" in stats.text
    assert f"Удалено: {counts['deleted']}" in stats.text
    whole = f"{revenue // 100:,}".replace(",", "\u00a0")
    assert f"Выручка за 30 дней: {whole} ₽" in stats.text
