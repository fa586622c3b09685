"""The `notifier.deliveries` table: idempotent inserts on the event side, leased claims on the
dispatcher side. Leases use database time (`clock_timestamp()`); `due_at` uses the service clock.

A row is held by whoever holds its `lease_token`. A claim writes a fresh token (to due rows and
to rows whose lease ran out); `begin` re-checks the token and extends the lease right before
each send; every outcome is written only under the same token. Details in `ports.DeliveryQueue`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from services.notifier.ports import PLATFORM, SCHEDULE_KINDS, Claimed, NewDelivery, Via, Visit
from shared.db import service_tx

_INSERT = """
INSERT INTO notifier.deliveries
    (dedup_key, tenant_id, via, chat_id, kind, text, reply_markup, due_at, ref, starts_at, late,
     photo)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[],
                     $7::jsonb[], $8::timestamptz[], $9::text[], $10::timestamptz[], $11::jsonb[],
                     $12::text[])
ON CONFLICT (dedup_key) DO NOTHING
"""

# A win-back stopped by a newer booking (`suppressed_by`) goes for good with its own booking:
# cancelling that newer booking later must not bring it back.
_CANCEL_SCHEDULE = """
UPDATE notifier.deliveries
SET status = 'cancelled', last_error = 'replaced or cancelled with the booking',
    suppressed_by = NULL
WHERE tenant_id = $1 AND ref = $2 AND kind = ANY($3::text[])
  AND (status = 'pending' OR suppressed_by IS NOT NULL)
  AND NOT (dedup_key = ANY($4::text[]))
"""

_CLAIM = """
WITH due AS (
    SELECT id FROM notifier.deliveries
    WHERE status = 'pending' AND due_at <= $1
    ORDER BY due_at, id
    LIMIT $2
    FOR UPDATE SKIP LOCKED
), stale AS (
    SELECT id FROM notifier.deliveries
    WHERE status = 'sending' AND lease_until < clock_timestamp()
    ORDER BY lease_until
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
UPDATE notifier.deliveries AS d
SET status = 'sending',
    lease_until = clock_timestamp() + make_interval(secs => $3),
    lease_token = $4
FROM (SELECT id FROM due UNION SELECT id FROM stale) AS picked
WHERE d.id = picked.id
RETURNING d.id, d.tenant_id, d.via, d.chat_id, d.kind, d.text, d.reply_markup, d.attempts,
    d.starts_at, d.late, d.photo, d.ref,
    EXISTS (
        SELECT 1 FROM notifier.blocked_chats AS b
        WHERE b.tenant_id = CASE WHEN d.via = 'sales' THEN $5 ELSE d.tenant_id END
          AND b.via = d.via AND b.chat_id = d.chat_id
    ) AS chat_blocked
"""

# Every outcome is conditional on still holding the lease (same token, still 'sending').
_HELD = "WHERE id = $1 AND lease_token = $2 AND status = 'sending'"


# The batched forms: one statement for many rows, each row still written only under its token.
_BEGIN_MANY = """
UPDATE notifier.deliveries AS d
SET attempts = d.attempts + 1, lease_until = clock_timestamp() + make_interval(secs => $3)
FROM unnest($1::bigint[], $2::uuid[]) AS held(id, token)
WHERE d.id = held.id AND d.lease_token = held.token AND d.status = 'sending'
RETURNING d.id
"""

_POSTPONE_MANY = """
UPDATE notifier.deliveries AS d
SET status = 'pending', due_at = held.due_at, lease_until = NULL, lease_token = NULL
FROM unnest($1::bigint[], $2::uuid[], $3::timestamptz[]) AS held(id, token, due_at)
WHERE d.id = held.id AND d.lease_token = held.token AND d.status = 'sending'
"""

_SENT_MANY = """
UPDATE notifier.deliveries AS d
SET status = 'sent', sent_at = $3, message_id = held.message_id, lease_until = NULL,
    last_error = NULL
FROM unnest($1::bigint[], $2::uuid[], $4::bigint[]) AS held(id, token, message_id)
WHERE d.id = held.id AND d.lease_token = held.token AND d.status = 'sending'
"""


def blocked_scope(tenant_id: str, via: Via) -> str:
    """Whose block list a chat goes on: the tenant's bot, or the one sales bot for everyone."""
    return PLATFORM if via == "sales" else tenant_id


class PgDeliveries:
    """Implements both `DeliveryStore` and `DeliveryQueue`."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    # --- the event side

    async def add(self, rows: Sequence[NewDelivery]) -> int:
        async with service_tx(self._pool) as conn:
            return await self.insert(conn, rows)

    async def add_schedule(
        self, tenant_id: str, ref: str, rows: Sequence[NewDelivery], *, replace: bool
    ) -> int:
        async with service_tx(self._pool) as conn:
            await conn.execute(
                "SELECT pg_advisory_xact_lock(hashtext($1))", f"notifier:{tenant_id}:{ref}"
            )
            if replace:
                await conn.execute(
                    _CANCEL_SCHEDULE,
                    tenant_id,
                    ref,
                    list(SCHEDULE_KINDS),
                    [r.dedup_key for r in rows],
                )
            else:
                exists = await conn.fetchval(
                    "SELECT EXISTS (SELECT 1 FROM notifier.deliveries "
                    "WHERE tenant_id = $1 AND ref = $2 AND kind = ANY($3::text[]))",
                    tenant_id,
                    ref,
                    list(SCHEDULE_KINDS),
                )
                if exists:
                    return 0
            return await self.insert(conn, rows)

    async def cancel_schedule(self, tenant_id: str, ref: str) -> int:
        async with service_tx(self._pool) as conn:
            await conn.execute(
                "SELECT pg_advisory_xact_lock(hashtext($1))", f"notifier:{tenant_id}:{ref}"
            )
            result = await conn.execute(_CANCEL_SCHEDULE, tenant_id, ref, list(SCHEDULE_KINDS), [])
        return int(result.split()[-1])

    async def unblock(self, tenant_id: str, via: Via, chat_id: int) -> None:
        await self._pool.execute(
            "DELETE FROM notifier.blocked_chats WHERE tenant_id = $1 AND via = $2 AND chat_id = $3",
            blocked_scope(tenant_id, via),
            via,
            chat_id,
        )

    async def pending_reminders(self, tenant_id: str) -> list[tuple[int, Visit]]:
        rows = await self._pool.fetch(
            "SELECT id, starts_at, late FROM notifier.deliveries WHERE tenant_id = $1"
            " AND kind = 'reminder' AND status = 'pending' AND late IS NOT NULL ORDER BY id",
            tenant_id,
        )
        found = [(row["id"], _visit(row["starts_at"], row["late"])) for row in rows]
        return [(delivery_id, visit) for delivery_id, visit in found if visit is not None]

    async def retext(self, delivery_id: int, text: str, visit: Visit) -> bool:
        result = await self._pool.execute(
            "UPDATE notifier.deliveries SET text = $2, late = $3::jsonb"
            " WHERE id = $1 AND status = 'pending'",
            delivery_id,
            text,
            _visit_json(visit),
        )
        return str(result).endswith(" 1")

    @staticmethod
    async def insert(conn: asyncpg.Connection, rows: Sequence[NewDelivery]) -> int:
        if not rows:
            return 0
        result = await conn.execute(
            _INSERT,
            [r.dedup_key for r in rows],
            [r.tenant_id for r in rows],
            [r.via for r in rows],
            [r.chat_id for r in rows],
            [r.kind for r in rows],
            [r.text for r in rows],
            [json.dumps(r.reply_markup) if r.reply_markup else None for r in rows],
            [r.due_at for r in rows],
            [r.ref for r in rows],
            [r.visit.starts_at if r.visit else None for r in rows],
            [_visit_json(r.visit) if r.visit else None for r in rows],
            [r.photo for r in rows],
        )
        return int(result.split()[-1])

    # --- the dispatcher side

    async def claim(self, now: datetime, limit: int, lease_seconds: float) -> list[Claimed]:
        token = uuid.uuid4()
        records = await self._pool.fetch(_CLAIM, now, limit, lease_seconds, token, PLATFORM)
        return [_claimed(record, str(token)) for record in records]

    async def begin(self, row: Claimed, lease_seconds: float) -> bool:
        result = await self._pool.execute(
            "UPDATE notifier.deliveries SET attempts = attempts + 1, "
            f"lease_until = clock_timestamp() + make_interval(secs => $3) {_HELD}",
            row.id,
            uuid.UUID(row.lease_token),
            lease_seconds,
        )
        return bool(result == "UPDATE 1")

    async def begin_many(self, rows: Sequence[Claimed], lease_seconds: float) -> set[int]:
        if not rows:
            return set()
        records = await self._pool.fetch(
            _BEGIN_MANY,
            [r.id for r in rows],
            _tokens([r.lease_token for r in rows]),
            lease_seconds,
        )
        return {int(record["id"]) for record in records}

    async def postpone_many(self, rows: Sequence[tuple[Claimed, datetime]]) -> None:
        if rows:
            await self._pool.execute(
                _POSTPONE_MANY,
                [r.id for r, _ in rows],
                _tokens([r.lease_token for r, _ in rows]),
                [due_at for _, due_at in rows],
            )

    async def mark_sent_many(self, sent: Sequence[tuple[Claimed, int]], at: datetime) -> None:
        if sent:
            await self._pool.execute(
                _SENT_MANY,
                [r.id for r, _ in sent],
                _tokens([r.lease_token for r, _ in sent]),
                at,
                [message_id for _, message_id in sent],
            )

    async def next_due(self, after: datetime) -> datetime | None:
        # From `after` on: the index's entries before it are mostly rows claimed or put off
        # since (dead until vacuumed), which a scan from the start would step over every time.
        value: datetime | None = await self._pool.fetchval(
            "SELECT min(due_at) FROM notifier.deliveries WHERE status = 'pending' AND due_at > $1",
            after,
        )
        return value

    async def postpone(self, row: Claimed, due_at: datetime) -> None:
        await self._pool.execute(
            "UPDATE notifier.deliveries SET status = 'pending', due_at = $3, lease_until = NULL, "
            f"lease_token = NULL {_HELD}",
            row.id,
            uuid.UUID(row.lease_token),
            due_at,
        )

    async def mark_sent(self, row: Claimed, message_id: int, at: datetime) -> None:
        await self._pool.execute(
            "UPDATE notifier.deliveries SET status = 'sent', sent_at = $3, message_id = $4, "
            f"lease_until = NULL, last_error = NULL {_HELD}",
            row.id,
            uuid.UUID(row.lease_token),
            at,
            message_id,
        )

    async def mark_blocked(self, row: Claimed, detail: str) -> None:
        async with service_tx(self._pool) as conn:
            await conn.execute(
                "UPDATE notifier.deliveries SET status = 'blocked', last_error = $3, "
                f"lease_until = NULL {_HELD}",
                row.id,
                uuid.UUID(row.lease_token),
                detail[:1000],
            )
            await conn.execute(
                "INSERT INTO notifier.blocked_chats (tenant_id, via, chat_id, detail) "
                "VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, via, chat_id) DO NOTHING",
                blocked_scope(row.tenant_id, row.via),
                row.via,
                row.chat_id,
                detail[:500],
            )

    async def retry_later(self, row: Claimed, due_at: datetime, error: str) -> None:
        await self._pool.execute(
            "UPDATE notifier.deliveries SET status = 'pending', due_at = $3, last_error = $4, "
            f"lease_until = NULL, lease_token = NULL {_HELD}",
            row.id,
            uuid.UUID(row.lease_token),
            due_at,
            error[:1000],
        )

    async def mark_failed(self, row: Claimed, error: str) -> None:
        await self._finish(row, "failed", error)

    async def mark_cancelled(self, row: Claimed, reason: str) -> None:
        await self._finish(row, "cancelled", reason)

    async def _finish(self, row: Claimed, status: str, error: str) -> None:
        await self._pool.execute(
            "UPDATE notifier.deliveries SET status = $3, last_error = $4, lease_until = NULL "
            f"{_HELD}",
            row.id,
            uuid.UUID(row.lease_token),
            status,
            error[:1000],
        )


def _tokens(tokens: list[str]) -> list[uuid.UUID]:
    """The rows' lease tokens as UUIDs, each distinct one parsed once (a batch shares one)."""
    parsed = {token: uuid.UUID(token) for token in set(tokens)}
    return [parsed[token] for token in tokens]


def _visit_json(visit: Visit) -> str:
    return json.dumps(
        {
            "offset_min": visit.offset_min,
            "locale": visit.locale,
            "timezone": visit.timezone,
            "service": visit.service,
            "master": visit.master,
            **(
                {
                    "template": visit.template,
                    "customer": visit.customer,
                    "business": visit.business,
                    "address": visit.address,
                }
                if visit.template
                else {}
            ),
        }
    )


def _visit(starts_at: datetime | None, late: str | None) -> Visit | None:
    if starts_at is None or not late:
        return None
    fields = json.loads(late)
    return Visit(
        starts_at=starts_at,
        offset_min=int(fields["offset_min"]),
        locale=str(fields["locale"]),
        timezone=str(fields["timezone"]),
        service=str(fields["service"]),
        master=str(fields["master"]),
        template=str(fields.get("template", "")),
        customer=str(fields.get("customer", "")),
        business=str(fields.get("business", "")),
        address=str(fields.get("address", "")),
    )


def _claimed(record: asyncpg.Record, token: str) -> Claimed:
    markup: Any = record["reply_markup"]
    return Claimed(
        id=record["id"],
        tenant_id=record["tenant_id"],
        via=record["via"],
        chat_id=record["chat_id"],
        kind=record["kind"],
        text=record["text"],
        reply_markup=json.loads(markup) if markup else None,
        attempts=record["attempts"],
        lease_token=token,
        chat_blocked=record["chat_blocked"],
        visit=_visit(record["starts_at"], record["late"]),
        photo=record["photo"],
        ref=record["ref"],
    )
