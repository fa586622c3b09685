"""Faults at random moments, one at a time, on the chaos run's private stack only.

Kinds: `kill` (SIGKILL of one service process, replicas included, started again by the
harness), `nats` (the private NATS stopped for a moment and started on the same store),
`redis` (the private Redis restarted; it keeps an append-only file) and `postgres` (the private
cluster stopped `fast` or `immediate`, i.e. crashed, and started again). The machine's shared
servers are never touched: every fault goes through the `LocalInfra` that started the run.

Between faults the supervisor starts again any service process that died on its own (as
`restart: always` would) and counts it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from devstack.infra import LocalInfra
from devstack.stack import Stack

logger = logging.getLogger(__name__)

KINDS = ("kill", "nats", "redis", "postgres")
WEIGHTS = (0.55, 0.15, 0.15, 0.15)


@dataclass
class Fault:
    kind: str
    target: str
    at: float  # seconds since the load started
    outage: float  # seconds the target was down, restart included
    error: str = ""


@dataclass
class FaultLog:
    faults: list[Fault] = field(default_factory=list)
    self_deaths: list[str] = field(default_factory=list)  # processes that died unprovoked

    def by_kind(self) -> dict[str, int]:
        return {kind: sum(1 for f in self.faults if f.kind == kind) for kind in KINDS}


def fault_kinds(count: int, rng: random.Random) -> list[str]:
    """`count` kinds, each kind at least once when there is room, the rest drawn by weight."""
    kinds = list(KINDS[:count])
    kinds += rng.choices(KINDS, weights=WEIGHTS, k=max(0, count - len(kinds)))
    rng.shuffle(kinds)
    return kinds


def fault_times(count: int, seconds: float, rng: random.Random, warmup: float) -> list[float]:
    """Random moments in (warmup, seconds), sorted: random intervals averaging seconds/count."""
    return sorted(rng.uniform(warmup, max(seconds, warmup + 1)) for _ in range(count))


class Injector:
    def __init__(
        self, infra: LocalInfra, stack: Stack, *, rng: random.Random, say: Callable[[str], None]
    ) -> None:
        self.say = say
        self.infra = infra
        self.stack = stack
        self.rng = rng
        self.log = FaultLog()

    async def run(self, *, count: int, seconds: float, warmup: float) -> FaultLog:
        started = time.monotonic()
        kinds = fault_kinds(count, self.rng)
        for moment, kind in zip(fault_times(count, seconds, self.rng, warmup), kinds, strict=True):
            await asyncio.sleep(max(0.0, started + moment - time.monotonic()))
            await asyncio.to_thread(self.supervise)
            fault = await asyncio.to_thread(self.inject, kind, time.monotonic() - started)
            self.log.faults.append(fault)
            self.say(
                f"  fault {len(self.log.faults)}/{count} at {fault.at:.0f}s: {kind} {fault.target},"
                f" back after {fault.outage:.1f}s {fault.error}".rstrip()
            )
        await asyncio.to_thread(self.supervise)
        return self.log

    def inject(self, kind: str, at: float) -> Fault:
        begun = time.monotonic()
        target = kind
        error = ""
        try:
            if kind == "kill":
                target = self.rng.choice(self.stack.service_instances())
                self.stack.kill_instance(target)
                self.stack.start_instance(target)
            elif kind == "nats":
                self.infra.stop_nats()
                time.sleep(self.rng.uniform(0.5, 3.0))  # the outage itself, not a wait for an event
                self.infra.restart_nats()
            elif kind == "redis":
                self.infra.restart_redis()
            else:
                mode = self.rng.choice(("fast", "immediate"))
                target = f"postgres ({mode})"
                self.infra.stop_postgres(mode)
                time.sleep(self.rng.uniform(0.5, 3.0))
                self.infra.start_postgres()
        except (RuntimeError, OSError) as failure:
            error = f"{type(failure).__name__}: {failure}"
        return Fault(kind=kind, target=target, at=at, outage=time.monotonic() - begun, error=error)

    def supervise(self) -> None:
        """Start again every service process that exited by itself since the last look."""
        for name in self.stack.service_instances():
            if self.stack.processes[name].poll() is not None:
                self.log.self_deaths.append(name)
                self.stack.processes.pop(name)
                try:
                    self.stack.start_instance(name)
                except RuntimeError as failure:
                    logger.warning("could not start %s again: %s", name, failure)
