"""What every fuzz test shares: the run's counters, the subscribers' ack classification, the
emulator's raw updates, and table fingerprints to prove a refused action changed no row.

Counters are printed by `tests/fuzz/conftest.py` at the end of the run (`make fuzz`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import asyncpg
import httpx
from aiogram import Bot, Dispatcher
from aiogram.types import Update
from pydantic import ValidationError

from shared.updates import without_nul

Outcome = Literal["ok", "poison"]


@dataclass
class Counts:
    """Every case tried (Hypothesis's replays of a failing case included) and what went wrong."""

    updates: int = 0
    callbacks: int = 0
    http_posts: int = 0
    unhandled: int = 0
    dead_letters: int = 0
    poison: int = 0

    def line(self) -> str:
        return (
            f"fuzz: updates tried={self.updates} callbacks tried={self.callbacks} "
            f"(webhook posts={self.http_posts}) unhandled errors={self.unhandled} "
            f"dead letters (well-formed)={self.dead_letters} malformed dead-lettered "
            f"as poison={self.poison}"
        )


def is_update(body: Any) -> bool:
    """Whether aiogram reads `body` as an update (the fuzz's meaning of well-formed)."""
    try:
        Update.model_validate(body)
    except ValidationError:
        return False
    return True


async def feed_like_subscriber(
    counts: Counts, dispatcher: Dispatcher, bot: Bot, update: Any, **context: Any
) -> Outcome:
    """`dp.feed_raw_update(bot, update, **context)` as the booking and sales subscribers call
    it, classified as their `Consumer` would: an update aiogram cannot read is poison (dead
    letter at once); any other exception would be retried and dead-lettered, so it fails the
    case as an unhandled error."""
    update = without_nul(update)  # as both subscribers do after decoding
    try:
        await dispatcher.feed_raw_update(bot, update, **context)
    except ValidationError as error:
        if error.title != Update.__name__:
            counts.unhandled += 1
            raise
        counts.poison += 1
        return "poison"
    except BaseException:
        counts.unhandled += 1
        raise
    return "ok"


class RawUpdates:
    """A bot's updates from the emulator's `getUpdates`, as raw JSON (what the gateway carries)."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, token: str) -> None:
        self._http = http
        self._url = f"{base_url}/bot{token}/getUpdates"
        self._offset = 0

    async def take(self) -> list[dict[str, Any]]:
        answer = await self._http.post(self._url, json={"offset": self._offset, "timeout": 0})
        answer.raise_for_status()
        updates: list[dict[str, Any]] = answer.json()["result"]
        if updates:
            self._offset = updates[-1]["update_id"] + 1
        return updates

    async def one(self) -> dict[str, Any]:
        updates = await self.take()
        assert len(updates) == 1, updates
        return updates[0]


@dataclass(frozen=True)
class Part:
    """Rows of one table, optionally only those a `where` clause selects."""

    table: str
    where: str = "true"

    @property
    def name(self) -> str:
        return self.table.rsplit(".", 1)[-1].strip('"')


class Fingerprint:
    """One md5 per part, in one query: equal fingerprints, unchanged rows."""

    def __init__(self, schema: str, parts: Sequence[Part]) -> None:
        self.parts = tuple(Part(f'"{schema}"."{p.table}"', p.where) for p in parts)
        self._query = "SELECT " + ", ".join(
            f"(SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) "
            f"FROM {p.table} AS r WHERE {p.where})"
            for p in self.parts
        )

    def __add__(self, other: Fingerprint) -> Fingerprint:
        joined = Fingerprint("", ())
        joined.parts = self.parts + other.parts
        joined._query = self._query + ", " + other._query.removeprefix("SELECT ")
        return joined

    async def take(self, pool: asyncpg.Pool, *args: Any) -> dict[Part, str]:
        row = await pool.fetchrow(self._query, *args)
        return {part: row[i] for i, part in enumerate(self.parts)}


def changed(
    before: dict[Part, str], after: dict[Part, str], parts: Sequence[Part] | None = None
) -> list[str]:
    """The parts (all of `before`'s, or `parts`) whose rows differ."""
    return [f"{p.table} where {p.where}" for p in parts or before if before[p] != after[p]]


async def tables_of(pool: asyncpg.Pool, schema: str) -> list[str]:
    rows = await pool.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename", schema
    )
    return [r["tablename"] for r in rows]


class Snapshot:
    """A copy of a schema's tables, restored (in one transaction) after a case changed them."""

    def __init__(self, schema: str, tables: Sequence[str]) -> None:
        self.schema = schema
        self.copy = f"fz_{schema}"[:63]
        self.tables = tuple(tables)

    async def take(self, pool: asyncpg.Pool) -> None:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(f'DROP SCHEMA IF EXISTS "{self.copy}" CASCADE')
            await conn.execute(f'CREATE SCHEMA "{self.copy}"')
            for table in self.tables:
                await conn.execute(
                    f'CREATE TABLE "{self.copy}"."{table}" AS TABLE "{self.schema}"."{table}"'
                )

    async def restore(self, pool: asyncpg.Pool, tables: Sequence[str] | None = None) -> None:
        """Put `tables` (default: all) back as copied; foreign keys are not checked while
        doing it (replica mode), so any subset can be restored on its own."""
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SET LOCAL session_replication_role = replica")
            for table in tables or self.tables:
                await conn.execute(f'DELETE FROM "{self.schema}"."{table}"')
                await conn.execute(
                    f'INSERT INTO "{self.schema}"."{table}" SELECT * FROM "{self.copy}"."{table}"'
                )

    async def drop(self, pool: asyncpg.Pool) -> None:
        await pool.execute(f'DROP SCHEMA IF EXISTS "{self.copy}" CASCADE')
