"""Billing moves its signups' sealed tokens to the current platform key (at every start)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio
from cryptography.fernet import Fernet

from services.billing.adapters.sealed_prepay_pg import PgSealedPrepayKeys
from services.billing.adapters.sealed_signups_pg import PgSealedSignups
from services.billing.main import MIGRATIONS
from services.billing.use_cases.reseal import reseal_signups
from shared.crypto import Sealer, SealError
from shared.migrate import load_migrations, migrate_schema
from shared.settings import Secret
from tests.conftest import RUN_ID, create_database, drop_database

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

OLD_PASSPHRASE = "the-platform-passphrase-of-2025-before-hkdf"  # a legacy, typed key
OLD_KEY = secrets.token_urlsafe(48)
NEW_KEY = secrets.token_urlsafe(48)


@pytest_asyncio.fixture(loop_scope="session")
async def billing_pool(database_server_url: str) -> AsyncIterator[asyncpg.Pool]:
    name = f"bookbots_test_{RUN_ID}_reseal"
    url = await create_database(database_server_url, name)
    pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
    try:
        await migrate_schema(pool, "billing", load_migrations(MIGRATIONS))
        yield pool
    finally:
        await pool.close()
        await drop_database(database_server_url, name)


async def add_signup(pool: asyncpg.Pool, sealed: str | None) -> str:
    signup_id = uuid.uuid4().hex
    await pool.execute(
        "INSERT INTO billing.signups (signup_id, buyer_chat_id, owner_chat_id, bot_token_sealed)"
        " VALUES ($1, 1, 1, $2)",
        signup_id,
        sealed,
    )
    return signup_id


async def test_every_sealed_signup_token_moves_to_the_current_key(
    billing_pool: asyncpg.Pool,
) -> None:
    legacy_key = hashlib.sha256(b"seal:" + OLD_PASSPHRASE.encode()).digest()
    legacy = Fernet(base64.urlsafe_b64encode(legacy_key)).encrypt(b"1:legacy").decode()
    previous = Sealer(Secret(OLD_KEY)).seal("2:previous")
    foreign = Sealer(Secret(secrets.token_urlsafe(48))).seal("3:foreign")
    ids = [await add_signup(billing_pool, value) for value in (legacy, previous, foreign, None)]
    rotating = Sealer(Secret(NEW_KEY), [Secret(OLD_KEY), Secret(OLD_PASSPHRASE)])

    done = await reseal_signups(PgSealedSignups(billing_pool), rotating)

    assert (done.resealed, done.unreadable) == (2, 1)
    stored = {
        row["signup_id"]: row["bot_token_sealed"]
        for row in await billing_pool.fetch(
            "SELECT signup_id, bot_token_sealed FROM billing.signups"
        )
    }
    new_only = Sealer(Secret(NEW_KEY))
    assert new_only.unseal(stored[ids[0]]).reveal() == "1:legacy"
    assert new_only.unseal(stored[ids[1]]).reveal() == "2:previous"
    assert stored[ids[2]] == foreign  # left alone, and reported
    with pytest.raises(SealError):
        new_only.unseal(stored[ids[2]])
    assert stored[ids[3]] is None

    again = await reseal_signups(PgSealedSignups(billing_pool), rotating)
    assert (again.resealed, again.unreadable) == (0, 1)


async def test_the_shops_keys_kept_with_prepayments_move_to_the_current_key(
    billing_pool: asyncpg.Pool,
) -> None:
    payment_id = f"pp-{uuid.uuid4().hex}"
    await billing_pool.execute(
        "INSERT INTO billing.prepay_payments (payment_id, tenant_id, booking_id,"
        " idempotence_key, shop_id, secret_sealed, amount_kopecks, hold_until)"
        " VALUES ($1, 'reseal_t', 1, $1, '300001', $2, 50000, now())",
        payment_id,
        Sealer(Secret(OLD_KEY)).seal("test_shop_key"),
    )
    rotating = Sealer(Secret(NEW_KEY), [Secret(OLD_KEY)])

    done = await reseal_signups(PgSealedPrepayKeys(billing_pool), rotating, what="shop keys")

    assert (done.resealed, done.unreadable) == (1, 0)
    sealed = await billing_pool.fetchval(
        "SELECT secret_sealed FROM billing.prepay_payments WHERE payment_id = $1", payment_id
    )
    assert Sealer(Secret(NEW_KEY)).unseal(sealed).reveal() == "test_shop_key"
    again = await reseal_signups(PgSealedPrepayKeys(billing_pool), rotating, what="shop keys")
    assert again.resealed == 0
