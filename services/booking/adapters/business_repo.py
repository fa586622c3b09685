"""The business's own settings row, read inside the tenant's transaction."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True, slots=True)
class BusinessProfile:
    name: str
    address: str
    phone: str
    timezone: str
    locale: str


async def business_profile(conn: asyncpg.Connection) -> BusinessProfile:
    row = await conn.fetchrow(
        "SELECT name, address, phone, timezone, locale FROM business WHERE id = 1"
    )
    if row is None:
        raise LookupError("the tenant has no business row")
    return BusinessProfile(**dict(row))
