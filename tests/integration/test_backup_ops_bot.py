"""Tenant backups in the operator's bot: /backup, /backups and /restore <name> <id>, through
the Telegram emulator, NATS and the provisioner's real ops consumer (the harness of
test_ops_bot, composed here with backups in a folder of this test's own)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from test_ops_bot import (  # the shared harness (pytest's rootdir import)
    OPERATOR,
    PLATFORM_SECRET,
    TEXTS,
    Stack,
    add_bookings,
)

from devstack.infra import LocalInfra
from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.testing import running_sandbox
from services.provisioner.adapters.registry_pg import PgTenantRegistry
from services.provisioner.bot import OpsDeps, build_ops_dispatcher
from services.provisioner.config import ProvisionerSettings
from services.provisioner.main import MIGRATIONS, compose
from services.provisioner.subscribers import SERVICE, ops_router
from shared.bus import RetryPolicy, tenants_bucket
from shared.crypto import Sealer
from shared.metrics import Metrics
from shared.migrate import ensure_extensions, load_migrations, migrate_schema, shared_migrations
from shared.outbox import migrate_outbox
from shared.runtime import open_runtime
from shared.settings import Env
from shared.telegram import Bots, make_session
from tests.conftest import RUN_ID, create_database, drop_database

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def backup_stack(
    infra: LocalInfra, database_server_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Stack, Path]]:
    name = f"bookbots_test_{RUN_ID}_opsbackup"
    database = await create_database(database_server_url, name)
    folder = tmp_path_factory.mktemp("ops-backups")
    try:
        async with (
            running_sandbox(flood_limits=False) as sandbox_url,
            TelegramSandboxClient(sandbox_url) as client,
            httpx.AsyncClient(timeout=httpx.Timeout(30.0, read=60.0)) as http,
        ):
            ops_bot = await client.create_bot(f"opsbk_{RUN_ID}_bot", "Платформа: операторы")
            settings = ProvisionerSettings.load(
                Env(
                    {
                        "NATS_URL": infra.nats_url,
                        "DATABASE_URL": database,
                        "DATABASE_POOL_MAX": "4",
                        "TELEGRAM_API_BASE": sandbox_url,
                        "PLATFORM_SECRET": PLATFORM_SECRET,
                        "OPS_BOT_TOKEN": ops_bot.token,
                        "OPERATOR_IDS": f"{OPERATOR}",
                        "BACKUP_DIR": str(folder),
                        "BACKUP_KEY": secrets.token_urlsafe(32),
                    }
                )
            )
            async with open_runtime(
                SERVICE, nats=settings.nats, postgres=settings.postgres
            ) as runtime:
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
                            backups=use.backups,
                        ),
                        publisher=runtime.publisher,
                        metrics=Metrics(SERVICE),
                        policy=RetryPolicy(max_deliver=2, backoff_seconds=(0.2,)),
                    )
                )
                await runtime.broker.start()
                try:
                    yield (
                        Stack(
                            client=client,
                            http=http,
                            sandbox_url=sandbox_url,
                            ops_bot=ops_bot,
                            runtime=runtime,
                            registry=PgTenantRegistry(pool, shared_migrations("tenant")),
                            kv=await tenants_bucket(runtime.js),
                            sealer=sealer,
                        ),
                        folder,
                    )
                finally:
                    await bots.close()
    finally:
        await drop_database(database_server_url, name)


async def confirmed_bookings(stack: Stack, tenant_id: str) -> int:
    return int(
        await stack.pool.fetchval(
            f"SELECT count(*) FROM \"t_{tenant_id}\".bookings WHERE status = 'confirmed'"
        )
    )


async def test_operator_backs_up_lists_and_restores_a_tenant(
    backup_stack: tuple[Stack, Path],
) -> None:
    stack, folder = backup_stack
    tenant_id = await stack.make_tenant("Салон Копия")
    schema = f'"t_{tenant_id}"'
    async with stack.pool.acquire() as conn:  # an explicit catalogue (new tenants may be empty)
        master = await conn.fetchval(
            f"INSERT INTO {schema}.masters (name) VALUES ('Ольга') RETURNING id"
        )
        service = await conn.fetchval(
            f"INSERT INTO {schema}.services (name, duration_min)"
            " VALUES ('Стрижка', 60) RETURNING id"
        )
        await conn.execute(f"INSERT INTO {schema}.master_services VALUES ($1, $2)", master, service)
    await add_bookings(stack, tenant_id)

    made = await stack.ask(OPERATOR, f"/backup {tenant_id}")
    assert (made.text or "").startswith("Резервная копия готова: ")
    assert "Файл зашифрован ключом BACKUP_KEY." in (made.text or "")
    (path,) = folder.glob(f"{tenant_id}--*.bkbt")
    assert path.stat().st_mode & 0o777 == 0o600

    listed = await stack.ask(OPERATOR, f"/backups {tenant_id}")
    assert (listed.text or "").startswith("Резервные копии (1), новые сверху:")
    assert path.name in (listed.text or "")

    async with stack.pool.acquire() as conn:  # the mistake
        await conn.execute(f"DELETE FROM {schema}.booking_history; DELETE FROM {schema}.bookings")
    assert await confirmed_bookings(stack, tenant_id) == 0

    usage = await stack.ask(OPERATOR, f"/restore {path.name}")
    assert (usage.text or "").startswith("Напишите так: /restore")
    assert await confirmed_bookings(stack, tenant_id) == 0

    done = await stack.ask(OPERATOR, f"/restore {path.name} {tenant_id}")
    assert (done.text or "").startswith(f"Арендатор {tenant_id} восстановлен из копии {tenant_id}")
    assert await confirmed_bookings(stack, tenant_id) == 1
    assert ("tg:910001", "console:restore") in await stack.audit(tenant_id)

    missing = await stack.ask(OPERATOR, f"/restore nope--20310101T000000Z.bkbt {tenant_id}")
    assert (missing.text or "").startswith("Не получилось: backup 'nope--20310101T000000Z.bkbt'")
