"""The operator CLI's secret commands against real NATS, Postgres, the Telegram emulator and a
real gateway: `create-tenant` from a bot token (a manual sale) and `rotate-secrets`.

The gateway here knows only the *new* platform key, so an update Telegram (the emulator) posts
with a webhook secret of the old key is refused with 401 until `rotate-secrets` has
re-registered the webhook.
"""

from __future__ import annotations

import asyncio
import io
import os
import secrets
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import msgspec
import nats
import pytest
import pytest_asyncio
from nats.aio.client import Client as NatsClient

from devstack.infra import LocalInfra
from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.models import SandboxBot
from sandbox.telegram.testing import running_sandbox, serve_asgi
from services.gateway.config import GatewaySettings
from services.gateway.main import create_app as create_gateway
from services.provisioner.adapters.bot_setup import TelegramBotSetup
from services.provisioner.adapters.registry_pg import PgTenantRegistry
from services.provisioner.cli import build_parser, run_cli
from services.provisioner.config import ProvisionerSettings
from services.provisioner.main import MIGRATIONS
from services.provisioner.ports import Payment
from services.provisioner.subscribers import SERVICE
from shared.bus import tenants_bucket
from shared.crypto import Sealer, SealError
from shared.db import tenant_schema
from shared.messages import Signup, TenantConfig, TenantProvisioned
from shared.migrate import ensure_extensions, load_migrations, migrate_schema, shared_migrations
from shared.outbox import migrate_outbox
from shared.runtime import open_runtime
from shared.settings import Env, Secret
from shared.subjects import tenant_event
from shared.telegram import Bots, make_session
from shared.tenants import TenantDirectory
from tests.conftest import RUN_ID, create_database, drop_database, unique_tenant_id

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

ROOT = Path(__file__).resolve().parents[2]
OLD_KEY = secrets.token_urlsafe(48)  # the key the tenants were made with
NEW_KEY = secrets.token_hex(32)  # the key after rotation
OWNER = 4242


@dataclass
class World:
    env: dict[str, str]
    pool: asyncpg.Pool
    nc: NatsClient
    directory: TenantDirectory
    registry: PgTenantRegistry
    client: TelegramSandboxClient
    gateway_url: str
    bots: Bots
    settings: ProvisionerSettings

    async def cli(self, *args: str, stdin: bytes = b"") -> tuple[int, str, str]:
        """`python -m services.provisioner.cli ...` as its own process."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "services.provisioner.cli",
            *args,
            cwd=ROOT,
            env=self.env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(stdin), timeout=60)
        assert process.returncode is not None
        return process.returncode, out.decode(), err.decode()

    async def run(self, *argv: str) -> tuple[int, str, str]:
        """The CLI in this process (its parser, composition root and exit codes)."""
        out, err = io.StringIO(), io.StringIO()
        code = await run_cli(build_parser().parse_args(argv), self.settings, out, err)
        return code, out.getvalue(), err.getvalue()

    async def old_tenant(self, name: str, *, delivery: str = "webhook") -> tuple[str, SandboxBot]:
        """A tenant as the platform made it under the old key: row, KV entry, webhook."""
        old = Sealer(Secret(OLD_KEY))
        bot = await self.client.create_bot(f"{unique_tenant_id()}_bot", name)
        signup = Signup(
            signup_id=uuid.uuid4().hex,
            business_name=name,
            timezone="Europe/Moscow",
            buyer_chat_id=OWNER,
            owner_chat_id=OWNER,
            bot_id=bot.id,
            bot_username=bot.username,
            bot_token_sealed=old.seal(bot.token),
        )
        applied = await self.registry.create_tenant(
            signup=signup,
            payment=Payment(
                payment_id=f"test:{uuid.uuid4().hex}",
                kind="new",
                plan_code="plan",
                period_days=30,
                amount_kopecks=100,
            ),
            delivery=delivery,
            now=datetime.now(UTC),
        )
        tenant = applied.tenant
        await self.directory.put(tenant.config())
        setup = TelegramBotSetup(self.bots, old, gateway_public_url=self.gateway_url)
        await setup.configure(tenant, Secret(bot.token))
        return tenant.tenant_id, bot

    async def sealed_in_registry(self, tenant_id: str) -> str:
        return str(
            await self.pool.fetchval(
                "SELECT bot_token_sealed FROM platform.tenants WHERE tenant_id = $1", tenant_id
            )
        )

    async def sealed_in_kv(self, tenant_id: str) -> str:
        kv = await tenants_bucket(self.nc.jetstream())
        entry = await kv.get(tenant_id)
        assert entry.value is not None
        return msgspec.json.decode(entry.value, type=TenantConfig).bot_token_sealed

    async def say(self, bot: SandboxBot, text: str = "/start") -> int | None:
        """A customer writes to the bot; the status the gateway gave the emulator's POST."""
        user = int(uuid.uuid4().int % 10**9) + 10**9
        return (await self.client.send_text(bot, user, text)).webhook_status


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def secrets_database(database_server_url: str) -> AsyncIterator[str]:
    name = f"bookbots_test_{RUN_ID}_secrets"
    yield await create_database(database_server_url, name)
    await drop_database(database_server_url, name)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(infra: LocalInfra, secrets_database: str) -> AsyncIterator[World]:
    async with (
        running_sandbox(flood_limits=False) as sandbox_url,
        TelegramSandboxClient(sandbox_url) as client,
    ):
        gateway_env = {
            "NATS_URL": infra.nats_url,
            "PLATFORM_SECRET": NEW_KEY,  # no previous key: old webhook secrets are refused
            "TELEGRAM_API_BASE": sandbox_url,
            "GATEWAY_PUBLIC_URL": "http://127.0.0.1:9",  # no platform bots to poll
        }
        gateway_settings = GatewaySettings.load(Env(gateway_env))
        async with serve_asgi(lambda _url: create_gateway(gateway_settings)) as gateway_url:
            env = {
                "NATS_URL": infra.nats_url,
                "DATABASE_URL": secrets_database,
                "DATABASE_POOL_MAX": "4",
                "TELEGRAM_API_BASE": sandbox_url,
                "GATEWAY_PUBLIC_URL": gateway_url,
                "PLATFORM_SECRET": NEW_KEY,
                "PLATFORM_SECRET_PREVIOUS": OLD_KEY,
            }
            settings = ProvisionerSettings.load(Env(env))
            async with open_runtime(
                SERVICE, nats=settings.nats, postgres=settings.postgres
            ) as runtime:
                pool = runtime.require_pool()
                await ensure_extensions(pool)
                await migrate_schema(pool, "platform", load_migrations(MIGRATIONS))
                await migrate_outbox(pool)  # shared.bootstrap makes it in a deployment
                nc = await nats.connect(infra.nats_url)
                bots = Bots(make_session(settings.telegram))
                try:
                    yield World(
                        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
                        pool=pool,
                        nc=nc,
                        directory=TenantDirectory(await tenants_bucket(runtime.js)),
                        registry=PgTenantRegistry(pool, shared_migrations("tenant")),
                        client=client,
                        gateway_url=gateway_url,
                        bots=bots,
                        settings=settings,
                    )
                finally:
                    await bots.close()
                    await nc.close()


async def test_rotate_secrets_reseals_every_token_and_reregisters_webhooks(world: World) -> None:
    live, live_bot = await world.old_tenant("Салон Живой")
    _, witness_bot = await world.old_tenant("Салон Свидетель")
    polled, _ = await world.old_tenant("Салон Опрос", delivery="polling")
    gone, _ = await world.old_tenant("Салон Ушедший")
    await world.pool.execute(
        "UPDATE platform.tenants SET status = 'deleted' WHERE tenant_id = $1", gone
    )
    # Telegram still presents the old key's secret (the emulator keeps retrying this update,
    # and a bot's updates wait in order: so this is another bot than the one checked below).
    assert await world.say(witness_bot) == 401

    code, out, err = await world.cli("rotate-secrets")

    assert code == 0, err
    assert "re-sealed" in out
    new_only = Sealer(Secret(NEW_KEY))
    for tenant_id in (live, polled, gone):
        assert new_only.unseal(await world.sealed_in_registry(tenant_id)).reveal()
    for tenant_id in (live, polled):
        assert new_only.unseal(await world.sealed_in_kv(tenant_id)).reveal()
    with pytest.raises(SealError):
        Sealer(Secret(OLD_KEY)).unseal(await world.sealed_in_registry(live))
    assert await world.say(live_bot) == 200  # the webhook now carries the new key's secret
    audit = await world.pool.fetchval(
        "SELECT actor FROM platform.audit_log WHERE action = 'console:rotate-secrets'"
    )
    assert str(audit).startswith("cli:")

    before = await world.sealed_in_registry(live)
    code, out, err = await world.cli("rotate-secrets", "--json")
    assert code == 0, err
    assert msgspec.json.decode(out)["resealed"] == 0  # nothing left to move
    assert await world.sealed_in_registry(live) == before


async def test_create_tenant_from_a_token_file(world: World, tmp_path: Path) -> None:
    bot = await world.client.create_bot(f"{unique_tenant_id()}_bot", "Барбершоп Перенос")
    token_file = tmp_path / "token"
    token_file.write_text(bot.token + "\n")
    code, out, err = await world.run(
        "create-tenant",
        "--token-file",
        str(token_file),
        "--owner-id",
        str(OWNER + 1),
        "--name",
        "Барбершоп «Перенос»",
        "--days",
        "45",
    )
    assert code == 0, err
    assert bot.token not in out + err
    tenant = await world.registry.find_by_bot(bot.id)
    assert tenant is not None
    assert tenant.tenant_id in out
    assert (tenant.status, tenant.business_name, tenant.owner_chat_id) == (
        "active",
        "Барбершоп «Перенос»",
        OWNER + 1,
    )
    # `tenant.provisioned` is committed to the outbox with the tenant; the provisioner
    # service's relay publishes it (shared/outbox.py)
    payload = await world.pool.fetchval(
        "SELECT payload FROM outbox.events WHERE subject = $1",
        tenant_event("provisioned", tenant.tenant_id),
    )
    assert payload is not None
    event = msgspec.json.decode(payload, type=TenantProvisioned)
    assert (event.tenant_id, event.owner_chat_id) == (tenant.tenant_id, OWNER + 1)
    assert Sealer(Secret(NEW_KEY)).unseal(tenant.bot_token_sealed).reveal() == bot.token
    assert Sealer(Secret(NEW_KEY)).unseal(await world.sealed_in_kv(tenant.tenant_id))
    assert tenant.delivery == "webhook"
    assert await world.say(bot) == 200  # live behind the gateway
    payment = await world.pool.fetchrow(
        "SELECT kind, period_days FROM platform.applied_payments WHERE tenant_id = $1",
        tenant.tenant_id,
    )
    assert payment is not None
    assert (payment["kind"], payment["period_days"]) == ("manual", 45)
    audit = await world.pool.fetchval(
        "SELECT details FROM platform.audit_log WHERE action = 'console:create' AND tenant_id = $1",
        tenant.tenant_id,
    )
    assert audit is not None
    assert bot.token not in str(audit)

    code, _, err = await world.run(
        "create-tenant", "--token-file", str(token_file), "--owner-id", "1"
    )
    assert code == 2
    assert "bot_taken" in err


async def test_create_tenant_refuses_a_token_telegram_does_not_know(world: World) -> None:
    """Read from stdin (`--token-file -`), in a process of its own."""
    unknown = f"{secrets.randbelow(10**9)}:{secrets.token_urlsafe(26)}"
    code, out, err = await world.cli(
        "create-tenant", "--token-file", "-", "--owner-id", "7", stdin=unknown.encode()
    )
    assert code == 2
    assert "bad_token" in err
    assert unknown not in out + err


async def test_create_tenant_never_takes_the_token_on_the_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as usage:
        build_parser().parse_args(["create-tenant", "--token", "1:abc", "--owner-id", "7"])
    assert usage.value.code == 2
    assert "--token-file" in capsys.readouterr().err


async def test_rotate_secrets_reseals_the_businesses_shop_keys(world: World) -> None:
    """A business's YooKassa key (prepayment) sealed in its schema under the old key opens
    with the new key alone after `rotate-secrets`; a second run leaves it as it is."""
    tenant_id, _ = await world.old_tenant("Салон Предоплата", delivery="polling")
    schema = tenant_schema(tenant_id)
    shop_key = "test_shop_secret_" + secrets.token_hex(8)
    await world.pool.execute(
        f'INSERT INTO "{schema}".prepay_shop (shop_id, secret_sealed, connected_at)'
        " VALUES ('300001', $1, now())",
        Sealer(Secret(OLD_KEY)).seal(shop_key),
    )

    code, out, err = await world.run("rotate-secrets", "--json")

    assert code == 0, err
    report = msgspec.json.decode(out)
    assert report["shop_keys"] >= 1
    assert report["unreadable_shop_keys"] == []
    sealed = str(await world.pool.fetchval(f'SELECT secret_sealed FROM "{schema}".prepay_shop'))
    assert Sealer(Secret(NEW_KEY)).unseal(sealed).reveal() == shop_key
    with pytest.raises(SealError):
        Sealer(Secret(OLD_KEY)).unseal(sealed)

    code, out, err = await world.run("rotate-secrets", "--json")
    assert code == 0, err
    assert msgspec.json.decode(out)["shop_keys"] == 0
    assert await world.pool.fetchval(f'SELECT secret_sealed FROM "{schema}".prepay_shop') == sealed
