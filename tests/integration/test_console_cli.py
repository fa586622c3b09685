"""Platform figures from known data, and the CLI run as a subprocess against the test stack.

A database of this module's own holds exactly the tenants made here, so every figure is known.
Tests run in file order: the figures first, the commands that change things after them.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import secrets
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio

from devstack.infra import LocalInfra
from sandbox.telegram import TelegramSandboxClient
from sandbox.telegram.testing import running_sandbox
from services.provisioner.adapters.registry_pg import PgTenantRegistry
from services.provisioner.cli import build_parser, run_cli
from services.provisioner.config import ProvisionerSettings
from services.provisioner.main import MIGRATIONS, compose
from services.provisioner.ports import Payment
from services.provisioner.subscribers import SERVICE
from services.provisioner.use_cases import Console
from shared.crypto import Sealer
from shared.messages import Signup
from shared.migrate import ensure_extensions, load_migrations, migrate_schema, shared_migrations
from shared.outbox import migrate_outbox
from shared.runtime import open_runtime
from shared.settings import Env
from shared.telegram import Bots, make_session
from tests.conftest import RUN_ID, create_database, drop_database, unique_tenant_id

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_SECRET = secrets.token_urlsafe(48)  # a fresh random key per run
MONTH, QUARTER = 290_000, 780_000


@dataclass
class World:
    env: dict[str, str]
    settings: ProvisionerSettings
    pool: asyncpg.Pool
    console: Console
    registry: PgTenantRegistry
    sealer: Sealer
    client: TelegramSandboxClient
    tenants: dict[str, str]  # label -> tenant id
    usernames: dict[str, str]

    async def make(
        self, label: str, name: str, *, kind: str = "new", amount: int = MONTH, days: int = 30
    ) -> str:
        bot = await self.client.create_bot(f"{unique_tenant_id()}_bot", name)
        signup = Signup(
            signup_id=uuid.uuid4().hex,
            business_name=name,
            timezone="Europe/Moscow",
            buyer_chat_id=4242,
            owner_chat_id=4242,
            bot_id=bot.id,
            bot_username=bot.username,
            bot_token_sealed=self.sealer.seal(bot.token),
        )
        applied = await self.registry.create_tenant(
            signup=signup,
            payment=Payment(
                payment_id=f"test:{uuid.uuid4().hex}",
                kind=kind,  # type: ignore[arg-type]
                plan_code="trial" if kind == "trial" else "plan",
                period_days=days,
                amount_kopecks=amount,
            ),
            delivery="polling",
            now=datetime.now(UTC),
        )
        self.tenants[label] = applied.tenant.tenant_id
        self.usernames[label] = bot.username
        return applied.tenant.tenant_id

    async def pay(self, label: str, amount: int, days: int, kind: str = "renewal") -> None:
        payment = Payment(
            payment_id=f"test:{uuid.uuid4().hex}",
            kind=kind,  # type: ignore[arg-type]
            plan_code="plan",
            period_days=days,
            amount_kopecks=amount,
        )
        await self.registry.apply_payment(self.tenants[label], payment, datetime.now(UTC))

    async def run(self, *argv: str) -> tuple[int, str, str]:
        """The CLI in this process (its parser, composition root and exit codes)."""
        out, err = io.StringIO(), io.StringIO()
        code = await run_cli(build_parser().parse_args(argv), self.settings, out, err)
        return code, out.getvalue(), err.getvalue()

    async def cli(self, *args: str, stdin: bytes = b"") -> tuple[int, str, str]:
        """The CLI as its own process, `python -m services.provisioner.cli ...`."""
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


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def console_database(database_server_url: str) -> AsyncIterator[str]:
    name = f"bookbots_test_{RUN_ID}_console"
    yield await create_database(database_server_url, name)
    await drop_database(database_server_url, name)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(infra: LocalInfra, console_database: str) -> AsyncIterator[World]:
    async with (
        running_sandbox(flood_limits=False) as sandbox_url,
        TelegramSandboxClient(sandbox_url) as client,
    ):
        env = {
            "NATS_URL": infra.nats_url,
            "DATABASE_URL": console_database,
            "DATABASE_POOL_MAX": "4",
            "TELEGRAM_API_BASE": sandbox_url,
            "PLATFORM_SECRET": PLATFORM_SECRET,
        }
        settings = ProvisionerSettings.load(Env(env))
        async with open_runtime(SERVICE, nats=settings.nats, postgres=settings.postgres) as runtime:
            pool = runtime.require_pool()
            await ensure_extensions(pool)
            await migrate_schema(pool, "platform", load_migrations(MIGRATIONS))
            await migrate_outbox(pool)
            sealer = Sealer(settings.secrets.key)
            bots = Bots(make_session(settings.telegram))
            use = await compose(settings, runtime, bots, sealer)
            child_env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
            made = World(
                env=child_env,
                settings=settings,
                pool=pool,
                console=use.console,
                registry=PgTenantRegistry(pool, shared_migrations("tenant")),
                sealer=sealer,
                client=client,
                tenants={},
                usernames={},
            )
            await populate(made)
            try:
                yield made
            finally:
                await bots.close()


async def populate(world: World) -> None:
    """Seven tenants in every state, with payments inside and outside the 30-day window."""
    await world.make("paid", "Салон Первый")
    await world.pay("paid", 0, 30, kind="manual")  # a free extension: not a plan price
    await world.make("quarterly", "Студия Квартал", amount=QUARTER, days=90)
    await world.pay("quarterly", QUARTER, 90)
    await world.make("trial", "Пробный Барбер", kind="trial", amount=0, days=7)
    grace = await world.make("grace", "Салон Льготный")
    suspended = await world.make("suspended", "Салон Спящий")
    old = await world.make("old", "Салон Старый")
    deleted = await world.make("deleted", "Салон Ушедший")
    long_ago = datetime.now(UTC) - timedelta(days=60)
    async with world.pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "UPDATE platform.tenants SET status = 'grace' WHERE tenant_id = $1", grace
        )
        await conn.execute(
            "UPDATE platform.tenants SET status = 'suspended' WHERE tenant_id = $1", suspended
        )
        await conn.execute(
            "UPDATE platform.tenants SET status = 'deleted' WHERE tenant_id = $1", deleted
        )
        await conn.execute(
            "UPDATE platform.tenants SET created_at = $2 WHERE tenant_id = $1", old, long_ago
        )
        await conn.execute(
            "UPDATE platform.applied_payments SET applied_at = $2 WHERE tenant_id = $1",
            old,
            long_ago + timedelta(days=15),
        )


EXPECTED = {
    "active": 4,  # paid, quarterly, trial, old
    "trials": 1,
    "grace": 1,
    "suspended": 1,
    "deleted": 1,
    "new_recently": 6,  # all but old
    "revenue_30d_kopecks": MONTH + 2 * QUARTER + MONTH * 3,  # paid, quarterly x2, grace, ...
    "mrr_kopecks": MONTH + QUARTER // 3 + MONTH,  # paid, quarterly, old
}


async def test_stats_match_the_data(world: World) -> None:
    stats = await world.console.stats("cli:test")

    counts = stats.counts
    assert (counts.active, counts.trials, counts.grace) == (4, 1, 1)
    assert (counts.suspended, counts.deleted, counts.new_recently) == (1, 1, 6)
    assert stats.revenue_kopecks == EXPECTED["revenue_30d_kopecks"]
    assert stats.mrr_kopecks == EXPECTED["mrr_kopecks"]


async def test_cli_stats(world: World) -> None:
    code, out, err = await world.cli("stats", "--json")
    assert code == 0, err
    figures = json.loads(out)
    assert {key: figures[key] for key in EXPECTED} == EXPECTED

    code, out, err = await world.run("stats")
    assert code == 0, err
    assert "MRR" in out
    assert "8\u00a0400 ₽" in out


async def test_cli_show_prints_the_tenant(world: World) -> None:
    tenant_id = world.tenants["paid"]

    code, out, err = await world.cli("show", tenant_id)

    assert code == 0, err
    assert tenant_id in out
    assert "Салон Первый" in out
    assert f"@{world.usernames['paid']}" in out
    assert "status      active" in out
    assert "bookings    0 (upcoming 0)" in out
    assert "MSK" in out
    actor = await world.pool.fetchval(
        "SELECT actor FROM platform.audit_log WHERE tenant_id = $1 AND action = 'console:show'"
        " ORDER BY id DESC LIMIT 1",
        tenant_id,
    )
    assert actor is not None
    assert actor.startswith("cli:")

    code, out, err = await world.run("--json", "show", tenant_id)
    assert code == 0, err
    card = json.loads(out)
    assert card["tenant"]["tenant_id"] == tenant_id
    assert "bot_token_sealed" not in card["tenant"]
    assert card["actions"] == ["extend", "suspend", "delete"]


async def test_cli_lists_and_finds(world: World) -> None:
    code, out, err = await world.run("tenants", "--status", "grace")
    assert code == 0, err
    assert world.tenants["grace"] in out
    assert world.tenants["paid"] not in out
    assert "1 tenants (grace), page 1 of 1" in out

    code, out, err = await world.run("find", "салон", "--json")
    assert code == 0, err
    found = {t["tenant_id"] for t in json.loads(out)}
    assert {world.tenants["paid"], world.tenants["grace"], world.tenants["old"]} <= found
    assert world.tenants["quarterly"] not in found


async def test_cli_exit_codes(world: World) -> None:
    code, _, err = await world.cli("show", "nobody_here_at_all")
    assert code == 1
    assert "not found" in err
    with pytest.raises(SystemExit) as usage:
        await world.run("tenants", "--status", "sleeping")
    assert usage.value.code == 2
    code, _, err = await world.run("extend", world.tenants["paid"], "0")
    assert code == 2
    assert "extend_days" in err
    code, _, err = await world.run("resume", world.tenants["paid"])
    assert code == 2
    assert "not_allowed" in err
    with pytest.raises(SystemExit) as usage:
        await world.run("frobnicate")
    assert usage.value.code == 2


async def test_cli_extend_records_a_manual_payment(world: World) -> None:
    tenant_id = world.tenants["suspended"]
    before = await world.registry.get(tenant_id)
    assert before is not None

    code, out, err = await world.run("extend", tenant_id, "30", "--amount", "1500.50", "--json")

    assert code == 0, err
    card = json.loads(out)
    assert card["tenant"]["status"] == "active"
    after = await world.registry.get(tenant_id)
    assert after is not None
    assert after.paid_until == before.paid_until + timedelta(days=30)  # it was still paid
    row = await world.pool.fetchrow(
        "SELECT kind, amount_kopecks, period_days FROM platform.applied_payments"
        " WHERE tenant_id = $1 AND payment_id LIKE 'manual:%'",
        tenant_id,
    )
    assert row is not None
    assert (row["kind"], row["amount_kopecks"], row["period_days"]) == ("manual", 150_050, 30)


async def test_cli_delete_needs_confirmation_then_exports(world: World, tmp_path: Path) -> None:
    tenant_id = await world.make("doomed", "Салон Под Снос")
    export = tmp_path / "export.json"

    code, _, err = await world.cli("delete", tenant_id, "--export", str(export))
    assert code == 2
    assert "--yes" in err
    assert not export.exists()
    still = await world.registry.get(tenant_id)
    assert still is not None
    assert still.status == "active"

    code, out, err = await world.run("delete", tenant_id, "--export", str(export), "--yes")

    assert code == 0, err
    assert f"{tenant_id} deleted" in out
    assert export.stat().st_mode & 0o777 == 0o600  # names and phones: the owner's eyes only
    document = json.loads(export.read_bytes())
    assert document["tables"]["business"][0]["name"] == "Салон Под Снос"
    gone = await world.registry.get(tenant_id)
    assert gone is not None
    assert gone.status == "deleted"
    assert await world.pool.fetchval("SELECT to_regnamespace($1)", f"t_{tenant_id}") is None

    code, out, err = await world.run("delete", tenant_id, "--export", str(export), "--yes")
    assert code == 0, err
    assert "no export" in out


async def test_cli_migrate_and_sweep(world: World) -> None:
    code, out, err = await world.run("migrate", "--json")
    assert code == 0, err
    migrated = json.loads(out)
    assert migrated["changed"] == 0
    assert migrated["tenants"] >= 6

    code, out, err = await world.run("sweep", "--json")
    assert code == 0, err
    # The 7-day trial is 7 days from its end, but a "7 days left" warning is not sent for a
    # period of 7 days (it would arrive with the welcome); nothing else is near its end.
    assert json.loads(out) == {
        "warned": [],
        "grace": [],
        "suspended": [],
    }
