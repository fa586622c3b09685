"""The shops' sealed keys kept with each prepayment (`billing.prepay_payments`, migration
0020), page by page, and replacing one re-sealed value (a compare-and-set on the old text).
Re-sealed at billing's start by `use_cases/reseal.py`, like the signups' tokens."""

from __future__ import annotations

import asyncpg


class PgSealedPrepayKeys:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def page(self, *, after: str, limit: int) -> list[tuple[str, str]]:
        """(payment id, sealed shop key), by payment id, after `after`."""
        rows = await self._pool.fetch(
            "SELECT payment_id, secret_sealed FROM billing.prepay_payments"
            " WHERE payment_id > $1 ORDER BY payment_id LIMIT $2",
            after,
            limit,
        )
        return [(row["payment_id"], row["secret_sealed"]) for row in rows]

    async def replace(self, payment_id: str, old: str, new: str) -> bool:
        status = await self._pool.execute(
            "UPDATE billing.prepay_payments SET secret_sealed = $3"
            " WHERE payment_id = $1 AND secret_sealed = $2",
            payment_id,
            old,
            new,
        )
        return str(status).endswith(" 1")
