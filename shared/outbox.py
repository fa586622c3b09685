"""The transactional outbox: an event is written in the transaction of the change it follows.

Contract:
- `enqueue(conn, subject, event, msg_id=...)` inserts one row into the shared table
  `outbox.events` on the caller's connection, inside the caller's transaction: the event exists
  if and only if the change committed. A trigger NOTIFYs `outbox_<stream>` at commit. Tenant
  roles may only INSERT there, and only their own `booking.<kind>.<tenant>` subjects.
- `Relay(pool, publisher, stream=...)` runs one per service process for the stream the service
  owns. It claims unsent rows in id order, in small batches, under a per-stream advisory
  transaction lock and `FOR UPDATE SKIP LOCKED` (one replica publishes a stream at a time, so
  order is kept and replicas never publish the same row concurrently), publishes each with
  `Nats-Msg-Id` = the row's `msg_id` (the caller's deterministic id, or `outbox:<id>`), waits
  for the stream's ack, and marks the rows sent in the same transaction. A crash between the
  publish and the mark republishes with the same id: the stream's duplicate window drops it.
- A batch is published together (written to the connection in row order, acks awaited
  together). A failed publish counts an attempt on its row, which stays unsent, and the relay
  backs off; rows are never given up. Only a row retried after a failure can overtake
  the rows after it. LISTEN wakes the relay at once; a slow poll
  is the fallback. Sent rows are kept for `history` and then purged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta

import asyncpg
import msgspec

from shared.bus import Publisher
from shared.messages import encode
from shared.migrate import migrate_schema, shared_migrations
from shared.subjects import STREAMS, StreamSpec

log = logging.getLogger(__name__)

SCHEMA = "outbox"
_INSERT = "INSERT INTO outbox.events (stream, subject, payload, msg_id) VALUES ($1, $2, $3, $4)"
_CLAIM = """
SELECT id, subject, payload, msg_id FROM outbox.events
WHERE stream = $1 AND sent_at IS NULL
ORDER BY id LIMIT $2
FOR UPDATE SKIP LOCKED
"""
_MARK_SENT = "UPDATE outbox.events SET sent_at = clock_timestamp() WHERE id = ANY($1::bigint[])"
_MARK_FAILED = "UPDATE outbox.events SET attempts = attempts + 1, last_error = $2 WHERE id = $1"
_PURGE = """
DELETE FROM outbox.events WHERE id IN (
    SELECT id FROM outbox.events
    WHERE sent_at IS NOT NULL AND sent_at < clock_timestamp() - $2::interval AND stream = $1
    LIMIT 5000)
"""


def stream_of(subject: str) -> StreamSpec:
    """The stream whose subjects include `subject` (by its first token)."""
    head = subject.split(".", 1)[0]
    for spec in STREAMS:
        if any(s.split(".", 1)[0] == head for s in spec.subjects):
            return spec
    raise ValueError(f"subject {subject} belongs to no stream")


def channel(stream: StreamSpec) -> str:
    return f"outbox_{stream.name.lower()}"


async def migrate_outbox(pool: asyncpg.Pool) -> int:
    """Create or update the shared outbox table; every service runs it on start."""
    return await migrate_schema(pool, SCHEMA, shared_migrations(SCHEMA))


async def enqueue(
    conn: asyncpg.Connection, subject: str, event: msgspec.Struct, *, msg_id: str | None
) -> None:
    """Write `event` for `subject` in the caller's open transaction."""
    await conn.execute(_INSERT, stream_of(subject).name, subject, encode(event), msg_id)


class Relay:
    """Publishes one stream's outbox rows; run `run()` as a background task."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        publisher: Publisher,
        *,
        stream: StreamSpec,
        batch: int = 100,
        poll_seconds: float = 2.0,
        max_backoff_seconds: float = 5.0,
        history: timedelta = timedelta(days=1),
    ) -> None:
        self._pool = pool
        self._publisher = publisher
        self._stream = stream
        self._batch = batch
        self._poll = poll_seconds
        self._max_backoff = max_backoff_seconds
        self._history = history
        self._wake = asyncio.Event()
        self._lock_key = f"outbox:{stream.name}"

    async def run(self) -> None:
        """Forever: listen, drain, sleep until woken or the poll; survive Postgres restarts."""
        while True:
            try:
                await self._listen_and_drain()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the relay must outlive any outage
                log.warning("outbox relay for %s lost its connection", self._stream.name)
                await asyncio.sleep(self._poll)

    async def drain(self) -> int:
        """Publish every unsent row now; returns how many were published."""
        total = 0
        while True:
            sent, complete = await self._publish_batch()
            total += sent
            if not complete or sent < self._batch:
                return total

    async def _listen_and_drain(self) -> None:
        name = channel(self._stream)

        def wake(*_: object) -> None:
            self._wake.set()

        async with self._pool.acquire() as listener:
            await listener.add_listener(name, wake)
            try:
                await self._loop(listener)
            finally:
                with contextlib.suppress(Exception):
                    await listener.remove_listener(name, wake)

    async def _loop(self, listener: asyncpg.Connection) -> None:
        backoff = 0.0
        last_purge = 0.0
        while not listener.is_closed():
            self._wake.clear()
            try:
                await self.drain()
                backoff = 0.0
            except PublishFailed:
                backoff = min(max(backoff * 2, 0.2), self._max_backoff)
                await asyncio.sleep(backoff)
                continue
            if time.monotonic() - last_purge > 60:
                await self._pool.execute(_PURGE, self._stream.name, self._history)
                last_purge = time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll)

    async def _publish_batch(self) -> tuple[int, bool]:
        """One claimed batch: (rows published, True unless a publish failed or a peer holds the
        stream's lock)."""
        async with self._pool.acquire() as conn, conn.transaction():
            mine = await conn.fetchval(
                "SELECT pg_try_advisory_xact_lock(hashtext($1))", self._lock_key
            )
            if not mine:
                return 0, False  # another replica is draining; its listener wakes it as well
            rows = await conn.fetch(_CLAIM, self._stream.name, self._batch)
            # Published together: the publishes start in row order on one connection (so the
            # stream stores them in that order in practice) and the acks are awaited together.
            # Consumers process concurrently and never relied on a strict order.
            results = await asyncio.gather(
                *(self._publish(row) for row in rows), return_exceptions=True
            )
            sent = [row["id"] for row, result in zip(rows, results, strict=True) if result is None]
            failed = [
                (row["id"], result)
                for row, result in zip(rows, results, strict=True)
                if isinstance(result, BaseException)
            ]
            for row_id, error in failed:
                await conn.execute(_MARK_FAILED, row_id, repr(error)[:500])
            if sent:
                await conn.execute(_MARK_SENT, sent)
        failure = failed[0][1] if failed else None
        if failure is not None:
            log.warning("outbox %s: publish failed, will retry: %r", self._stream.name, failure)
            raise PublishFailed(self._stream.name) from failure
        return len(sent), True

    async def _publish(self, row: asyncpg.Record) -> None:
        msg_id = row["msg_id"] or f"outbox:{row['id']}"
        await self._publisher.publish_raw(row["subject"], bytes(row["payload"]), msg_id=msg_id)


class PublishFailed(Exception):
    """A publish failed (NATS is away); what was published before it is marked sent."""


__all__ = ["PublishFailed", "Relay", "channel", "enqueue", "migrate_outbox", "stream_of"]
