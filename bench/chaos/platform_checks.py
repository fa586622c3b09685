"""Invariants of the platform's side: paid signups, the tenant directory, nothing stuck."""

from __future__ import annotations

import asyncio
import random

from nats.js.errors import NoKeysError

from bench.chaos.checks import Check, Stores, stream_payloads, table_exists
from sandbox.telegram.models import ChatMessage
from shared.messages import DeadLetter, TenantConfig, decode
from shared.subjects import KV_TENANTS, STREAM_DLQ, dead_letter

LIVE = "запущен"
PROBE_WAIT = 30.0


async def _answers_start(s: Stores, bot: str) -> bool:
    """A new customer's /start in the tenant's bot gets an answer."""
    user = random.randint(3 * 10**9, 4 * 10**9)
    try:
        await s.telegram.send_text(bot, user, "/start")
        await s.telegram.wait_for_message(bot, user, 0, PROBE_WAIT)
    except TimeoutError:
        return False
    return True


def _told(messages: list[ChatMessage], bot: str) -> int:
    return sum(
        1 for m in messages if m.from_bot and LIVE in (m.text or "") and f"@{bot}" in (m.text or "")
    )


async def paid_tenants(s: Stores, sales_bot: str) -> Check:
    """Each payment the YooKassa emulator holds as succeeded was applied once, made one active
    tenant whose bot answers /start, and its buyer was told «запущен» once."""
    check = Check("paid payment -> exactly one live tenant (applied, active, answers, buyer told)")
    paid = [p for p in await s.yookassa.payments() if p.status == "succeeded"]
    probes: list[tuple[str, asyncio.Task[bool]]] = []
    for payment in paid:
        applied = await s.pool.fetch(
            "SELECT a.tenant_id, t.status, t.bot_username, t.buyer_chat_id"
            " FROM platform.applied_payments a JOIN platform.tenants t USING (tenant_id)"
            " WHERE a.payment_id = $1",
            payment.id,
        )
        if len(applied) != 1:
            check.count(len(applied), f"payment {payment.id} applied")
            continue
        row = applied[0]
        if row["status"] != "active":
            check.count(0, f"payment {payment.id}: tenant {row['tenant_id']} is {row['status']}")
            continue
        view = await s.telegram.chat(sales_bot, row["buyer_chat_id"])
        told = _told(view.messages, row["bot_username"])
        if told != 1:
            check.count(told, f"payment {payment.id}: buyer told live")
            continue
        probes.append((payment.id, asyncio.create_task(_answers_start(s, row["bot_username"]))))
    for payment_id, probe in probes:
        check.count(int(await probe), f"payment {payment_id}: the new bot answers /start")
    return check


async def kv_matches_registry(s: Stores) -> Check:
    """The `tenants` KV entry of every tenant says what the registry says."""
    check = Check("tenants KV status == registry status")
    kv = await s.js.key_value(KV_TENANTS)
    try:
        keys = set(await kv.keys())
    except NoKeysError:
        keys = set()
    rows = await s.pool.fetch("SELECT tenant_id, status FROM platform.tenants")
    for row in rows:
        tenant_id, status = row["tenant_id"], row["status"]
        if tenant_id not in keys:
            check.count(0, f"{tenant_id} ({status}) has no KV entry")
            continue
        entry = await kv.get(tenant_id)
        seen = decode(TenantConfig, entry.value or b"").status
        check.count(1 if seen == status else 0, f"{tenant_id}: registry {status}, KV {seen}")
    for extra in keys - {row["tenant_id"] for row in rows}:
        check.count(2, f"{extra} is in the KV but not in the registry")
    return check


async def nothing_stuck(s: Stores) -> list[Check]:
    """Rows that should have moved on by now: deliveries mid-send or overdue, payments the
    emulator settled that billing still holds pending, outbox events never published."""
    deliveries = int(await s.pool.fetchval("SELECT count(*) FROM notifier.deliveries"))
    sending = Check("notifier rows stuck in 'sending'", total=deliveries)
    for row in await s.pool.fetch(
        "SELECT id, kind FROM notifier.deliveries WHERE status = 'sending'"
    ):
        sending.stuck(f"delivery {row['id']} ({row['kind']})")
    overdue = Check("notifier rows pending past their due time (> 60 s)", total=deliveries)
    for row in await s.pool.fetch(
        "SELECT id, kind FROM notifier.deliveries WHERE status = 'pending'"
        " AND due_at < now() - interval '60 seconds'"
    ):
        overdue.stuck(f"delivery {row['id']} ({row['kind']})")
    payments = int(await s.pool.fetchval("SELECT count(*) FROM billing.payments"))
    pending = Check("billing payments pending though YooKassa settled them", total=payments)
    settled = {
        p.id: p.status for p in await s.yookassa.payments() if p.status in {"succeeded", "canceled"}
    }
    for row in await s.pool.fetch(
        "SELECT payment_id FROM billing.payments WHERE status = 'pending'"
    ):
        if row["payment_id"] in settled:
            pending.stuck(f"payment {row['payment_id']} ({settled[row['payment_id']]})")
    return [sending, overdue, pending, await _outbox(s)]


async def _outbox(s: Stores) -> Check:
    check = Check("outbox events never published")
    if not await table_exists(s.pool, "outbox.events"):
        check.skipped = "no outbox.events table in this version"
        return check
    columns = {
        r["attname"]
        for r in await s.pool.fetch(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'outbox.events'::regclass"
            " AND attnum > 0 AND NOT attisdropped"
        )
    }
    marker = next((c for c in ("sent_at", "published_at") if c in columns), None)
    if marker is None:
        check.skipped = f"outbox.events has no sent_at/published_at column ({sorted(columns)})"
        return check
    check.total = int(await s.pool.fetchval("SELECT count(*) FROM outbox.events"))
    unsent = await s.pool.fetch(
        f"SELECT id, subject FROM outbox.events WHERE {marker} IS NULL ORDER BY id"
    )
    for row in unsent:
        check.stuck(f"outbox row {row['id']} ({row['subject']})")
    return check


async def dead_letters(s: Stores) -> Check:
    """Nothing ended in the DLQ (only poison belongs there, and the load sends none); the
    examples say which subject was given up on and why (never the payload)."""
    check = Check("nothing dead-lettered")
    letters = [
        decode(DeadLetter, payload)
        for payload in await stream_payloads(s.js, STREAM_DLQ.name, dead_letter("*"))
    ]
    check.total = len(letters)
    for letter in letters:
        check.stuck(
            f"{letter.service}: {letter.subject} after {letter.deliveries} deliveries,"
            f" {letter.error[:120]}"
        )
    return check
