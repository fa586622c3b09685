"""`rotate-secrets` with hand-written fakes: what is re-sealed, re-published, re-registered."""

# ruff: noqa: ARG002 - the fakes take the ports' arguments whether they use them or not

from __future__ import annotations

import dataclasses
import secrets
from datetime import UTC, datetime, timedelta

import pytest

from services.provisioner.ports import TenantRecord
from services.provisioner.use_cases import SecretRotation
from shared.crypto import Sealer
from shared.messages import TenantConfig
from shared.settings import Secret

pytestmark = [pytest.mark.unit, pytest.mark.asyncio]

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
OLD_KEY = secrets.token_urlsafe(48)
OLD = Sealer(Secret(OLD_KEY))
NEW_KEY = secrets.token_urlsafe(48)


def tenant(tenant_id: str, sealed: str, **changes: object) -> TenantRecord:
    record = TenantRecord(
        tenant_id=tenant_id,
        signup_id=f"signup-{tenant_id}",
        business_name="Салон",
        timezone="Europe/Moscow",
        owner_chat_id=777,
        buyer_chat_id=777,
        bot_id=1,
        bot_username=f"{tenant_id}_bot",
        bot_token_sealed=sealed,
        delivery="webhook",
        status="active",
        plan_code="month",
        trial=False,
        paid_until=NOW + timedelta(days=5),
        warned_days=(),
        created_at=NOW,
    )
    return dataclasses.replace(record, **changes)  # type: ignore[arg-type]


class Tokens:
    def __init__(self, rows: list[TenantRecord], *, changed_meanwhile: str = "") -> None:
        self.rows = {row.tenant_id: row for row in rows}
        self.changed_meanwhile = changed_meanwhile

    async def page(self, *, after: str, limit: int) -> list[TenantRecord]:
        ids = sorted(i for i in self.rows if i > after)[:limit]
        return [self.rows[i] for i in ids]

    async def replace(self, tenant_id: str, old: str, new: str) -> TenantRecord | None:
        if tenant_id == self.changed_meanwhile:
            return None
        row = self.rows[tenant_id]
        assert row.bot_token_sealed == old
        self.rows[tenant_id] = dataclasses.replace(row, bot_token_sealed=new)
        return self.rows[tenant_id]


class Directory:
    def __init__(self) -> None:
        self.put_configs: list[TenantConfig] = []

    async def put(self, config: TenantConfig) -> None:
        self.put_configs.append(config)


class Bots:
    def __init__(self) -> None:
        self.configured: list[tuple[str, str]] = []

    async def configure(self, tenant: TenantRecord, token: Secret) -> None:
        self.configured.append((tenant.tenant_id, token.reveal()))


class NoShopKeys:
    async def sealed(self, tenant_id: str, db_server: str) -> str | None:
        return None

    async def replace(self, tenant_id: str, db_server: str, old: str, new: str) -> bool:
        raise AssertionError("no shop key to replace")


class Store:
    def __init__(self) -> None:
        self.audits: list[tuple[str, str, dict[str, object]]] = []

    async def audit(
        self, actor: str, action: str, tenant_id: str | None, details: dict[str, object]
    ) -> None:
        self.audits.append((actor, action, details))


async def test_rotation_moves_tokens_to_the_new_key_and_skips_what_it_must() -> None:
    stranger = Sealer(Secret(secrets.token_urlsafe(48)))
    tokens = Tokens(
        [
            tenant("a_live", OLD.seal("1:a")),
            tenant("b_polled", OLD.seal("2:b"), delivery="polling"),
            tenant("c_deleted", OLD.seal("3:c"), status="deleted"),
            tenant("d_lost", stranger.seal("4:d")),
            tenant("e_raced", OLD.seal("5:e")),
        ],
        changed_meanwhile="e_raced",
    )
    directory, bots, store = Directory(), Bots(), Store()
    sealer = Sealer(Secret(NEW_KEY), [Secret(OLD_KEY)])
    rotation = SecretRotation(
        tokens=tokens,
        directory=directory,
        bots=bots,
        store=store,
        sealer=sealer,
        shop_keys=NoShopKeys(),
    )

    done = await rotation.rotate("cli:ops")

    assert (done.tenants, done.resealed, done.webhooks) == (5, 3, 1)
    assert done.unreadable == ["d_lost"]
    new_only = Sealer(Secret(NEW_KEY))
    for tenant_id, token in (("a_live", "1:a"), ("b_polled", "2:b"), ("c_deleted", "3:c")):
        assert new_only.unseal(tokens.rows[tenant_id].bot_token_sealed).reveal() == token
    assert [c.tenant_id for c in directory.put_configs] == ["a_live", "b_polled"]
    assert all(new_only.unseal(c.bot_token_sealed) for c in directory.put_configs)
    assert bots.configured == [("a_live", "1:a")]  # webhook tenants only, not deleted
    assert store.audits[0][:2] == ("cli:ops", "console:rotate-secrets")

    again = await rotation.rotate("cli:ops")
    assert (again.resealed, again.webhooks) == (0, 1)  # nothing to re-seal; webhook re-set
