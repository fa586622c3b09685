"""Billing's sealed bot tokens (`billing.signups`), page by page, for re-sealing.

`replace` is a compare-and-set on the old sealed text: a concurrent change wins.
"""

from __future__ import annotations

import asyncpg


class PgSealedSignups:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def page(self, *, after: str, limit: int) -> list[tuple[str, str]]:
        """(signup id, sealed token) of signups holding a token, by id, after `after`."""
        rows = await self._pool.fetch(
            "SELECT signup_id, bot_token_sealed FROM billing.signups"
            " WHERE signup_id > $1 AND bot_token_sealed IS NOT NULL"
            " ORDER BY signup_id LIMIT $2",
            after,
            limit,
        )
        return [(row["signup_id"], row["bot_token_sealed"]) for row in rows]

    async def replace(self, signup_id: str, old: str, new: str) -> bool:
        status = await self._pool.execute(
            "UPDATE billing.signups SET bot_token_sealed = $3"
            " WHERE signup_id = $1 AND bot_token_sealed = $2",
            signup_id,
            old,
            new,
        )
        return str(status).endswith(" 1")
