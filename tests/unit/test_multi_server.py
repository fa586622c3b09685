"""More than one database server, the logic without a database: the DATABASE_SERVERS setting,
least-tenants placement, the pools' refusal of a server nobody configured, and the order of a
tenant move (the fence is lifted when the copy fails; the directory hears of the new place
before the old schema goes)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from services.provisioner.adapters.placement_pg import least_loaded
from services.provisioner.use_cases.moves import TenantMoves
from shared.db_servers import ServerPools, UnknownServer
from shared.errors import RuleViolation, SettingsError, TenantUnknown
from shared.messages import TenantConfig
from shared.settings import Env, PostgresSettings, parse_database_servers
from tests.unit.test_console_use_cases import FakeClock, TenantRecord, tenant

pytestmark = pytest.mark.unit

NOW = datetime(2031, 6, 2, 6, 0, tzinfo=UTC)


def test_database_servers_are_read_by_name_and_never_echo_a_url() -> None:
    settings = PostgresSettings.load(
        Env({"DATABASE_SERVERS": "pg2=postgresql://u:secret@db2/b, pg3=postgresql://u:p@db3/b"})
    )
    assert [name for name, _ in settings.servers] == ["pg2", "pg3"]
    assert settings.servers[0][1].reveal() == "postgresql://u:secret@db2/b"
    assert "secret" not in repr(settings)
    assert PostgresSettings.load(Env({})).servers == ()


@pytest.mark.parametrize(
    "text",
    [
        "pg2",  # no URL
        "Pg2=postgresql://db2/b",  # not a lower-case name
        "pg2=db2",  # not a URL
        "main=postgresql://db2/b",  # main is DATABASE_URL
        "pg2=postgresql://db2/b,pg2=postgresql://db3/b",  # twice
    ],
)
def test_a_malformed_server_list_stops_with_one_clear_line(text: str) -> None:
    with pytest.raises(SettingsError) as error:
        parse_database_servers(text.replace("db2", "u:topsecret@db2"))
    assert "DATABASE_SERVERS" in str(error.value)
    assert "topsecret" not in str(error.value)


def test_a_new_tenant_goes_to_the_server_with_the_fewest_tenants() -> None:
    servers = ["main", "pg2", "pg3"]
    assert least_loaded(servers, {}) == "main"  # a tie goes to the first listed
    assert least_loaded(servers, {"main": 1}) == "pg2"
    assert least_loaded(servers, {"main": 5, "pg2": 3, "pg3": 4}) == "pg2"
    assert least_loaded(servers, {"main": 2, "pg2": 2, "pg3": 2}) == "main"
    with pytest.raises(ValueError, match="no database server"):
        least_loaded([], {})


@pytest.mark.asyncio
async def test_a_server_nobody_configured_is_refused_by_name() -> None:
    pools = ServerPools(object())
    assert pools.names() == ["main"]
    assert "pg2" not in pools
    with pytest.raises(UnknownServer, match="pg2"):
        await pools.pool("pg2")


class FakeMover:
    def __init__(self, log: list[str], *, fail_copy: bool = False) -> None:
        self.log = log
        self.fail_copy = fail_copy

    def knows(self, server: str) -> bool:
        return server in {"main", "pg2"}

    async def fence(self, tenant_id: str, server: str, *, writable: bool) -> None:
        self.log.append(f"{'unfence' if writable else 'fence'} {tenant_id} on {server}")

    async def copy_and_flip(
        self, tenant: TenantRecord, target: str, *, actor: str, now: datetime
    ) -> tuple[TenantRecord, int]:
        if self.fail_copy:
            self.log.append("copy failed")
            raise OSError("target went away")
        self.log.append(f"copy {tenant.tenant_id} to {target} by {actor} at {now:%H:%M}")
        return dataclasses.replace(tenant, db_server=target), 3

    async def drop_source(self, tenant_id: str, server: str) -> None:
        self.log.append(f"drop {tenant_id} on {server}")


class FakeRegistry:
    def __init__(self, *records: TenantRecord) -> None:
        self.records = {r.tenant_id: r for r in records}

    async def get(self, tenant_id: str) -> TenantRecord | None:
        return self.records.get(tenant_id)


class FakeDirectory:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def put(self, config: TenantConfig) -> None:
        self.log.append(f"directory {config.tenant_id} on {config.db_server}")


def moves(log: list[str], *records: TenantRecord, fail_copy: bool = False) -> TenantMoves:
    return TenantMoves(
        mover=FakeMover(log, fail_copy=fail_copy),
        registry=FakeRegistry(*records),
        directory=FakeDirectory(log),
        clock=FakeClock(NOW),
    )


@pytest.mark.asyncio
async def test_a_move_fences_copies_publishes_then_drops_the_source() -> None:
    log: list[str] = []
    report = await moves(log, tenant("salon_anna")).move("cli:op", "salon_anna", "pg2")
    assert (report.source, report.target, report.bookings) == ("main", "pg2", 3)
    assert log == [
        "fence salon_anna on main",
        "copy salon_anna to pg2 by cli:op at 06:00",
        "directory salon_anna on pg2",
        "drop salon_anna on main",
    ]


@pytest.mark.asyncio
async def test_a_failed_copy_lifts_the_fence_and_keeps_the_source() -> None:
    log: list[str] = []
    with pytest.raises(OSError, match="target went away"):
        await moves(log, tenant("salon_anna"), fail_copy=True).move("cli:op", "salon_anna", "pg2")
    assert log == ["fence salon_anna on main", "copy failed", "unfence salon_anna on main"]


@pytest.mark.parametrize(
    ("record", "target", "reason"),
    [
        (tenant("salon_anna", status="deleted"), "pg2", "move_deleted"),
        (tenant("salon_anna"), "main", "move_same_server"),
        (tenant("salon_anna"), "pg9", "move_unknown_server"),
    ],
)
@pytest.mark.asyncio
async def test_a_move_that_cannot_be_made_changes_nothing(
    record: TenantRecord, target: str, reason: str
) -> None:
    log: list[str] = []
    with pytest.raises(RuleViolation) as error:
        await moves(log, record).move("cli:op", "salon_anna", target)
    assert error.value.reason == reason
    assert log == []


@pytest.mark.asyncio
async def test_an_unknown_tenant_is_not_found() -> None:
    with pytest.raises(TenantUnknown):
        await moves([]).move("cli:op", "salon_nobody", "pg2")
