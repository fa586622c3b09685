"""What every chaos invariant shares: its result (`Check`) and where it reads (`Stores`).

A check counts what it looked at and what broke the rule: `lost` (fewer than one) and
`doubled` (more than one) apart, with a few examples. A check whose table does not exist in
this version is skipped with one line saying so, never passed silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from bench.chaos.journal import Journal
from sandbox.telegram import TelegramSandboxClient
from sandbox.yookassa import YooKassaSandboxClient

EXAMPLES = 5


@dataclass
class Check:
    name: str
    total: int = 0
    lost: int = 0
    doubled: int = 0
    skipped: str = ""
    examples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.skipped != "" or (self.lost == 0 and self.doubled == 0)

    def count(self, seen: int, example: str) -> None:
        """One thing that must exist exactly once was seen `seen` times."""
        self.total += 1
        if seen == 1:
            return
        if seen == 0:
            self.lost += 1
        else:
            self.doubled += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(f"{example}: {seen}")

    def stuck(self, example: str) -> None:
        """One of the `total` things looked at is stuck (counted as lost)."""
        self.lost += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(example)

    def line(self) -> str:
        if self.skipped:
            return f"SKIP  {self.name}: {self.skipped}"
        mark = "ok  " if self.ok else "FAIL"
        return (
            f"{mark}  {self.name}: {self.total} checked, {self.lost} lost, {self.doubled} doubled"
        )


@dataclass(frozen=True)
class Stores:
    pool: asyncpg.Pool
    js: JetStreamContext
    telegram: TelegramSandboxClient
    yookassa: YooKassaSandboxClient
    journal: Journal


async def table_exists(pool: asyncpg.Pool, name: str) -> bool:
    return bool(await pool.fetchval("SELECT to_regclass($1) IS NOT NULL", name))


async def stream_payloads(js: JetStreamContext, stream: str, subject: str) -> list[bytes]:
    """Every message of `subject` still in `stream`, read by a throwaway consumer."""
    info = await js.stream_info(stream)
    if info.state.messages == 0:
        return []
    sub = await js.pull_subscribe(
        subject,
        stream=stream,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, inactive_threshold=60),
    )
    payloads: list[bytes] = []
    try:
        while True:
            try:
                batch = await sub.fetch(256, timeout=1)
            except TimeoutError:
                return payloads
            for message in batch:
                payloads.append(message.data)
                await message.ack()
    finally:
        await sub.unsubscribe()
