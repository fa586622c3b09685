"""The bus's one-shot set-up, run as the NATS `admin` user: every stream and KV bucket.

Services may not create or change streams (their permissions deny it), so this runs before
they start: compose's `init` service, `make run` (devstack) and the tests. It is idempotent:
existing streams are updated to the declared configuration, existing buckets are kept.

    NATS_URL=nats://nats:4222 NATS_USER=admin NATS_PASSWORD=... python -m shared.bus_setup
    ... python -m shared.bus_setup --sandbox-clock   # also the sandbox's `clock` bucket

On a JetStream cluster (deploy/compose.cluster.yml) `NATS_STREAM_REPLICAS=3` keeps every stream
and bucket on three servers; `NATS_URL` then lists the nodes separated by commas.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

import nats
from nats.js import JetStreamContext

from shared.bus import clock_bucket, ensure_streams, tenants_bucket
from shared.errors import SettingsError
from shared.nats_permissions import inbox_prefix
from shared.settings import BusSetupSettings, Env, NatsSettings, environment
from shared.subjects import STREAMS

log = logging.getLogger(__name__)


async def set_up_bus(
    js: JetStreamContext, *, sandbox_clock: bool = False, replicas: int = 1
) -> None:
    """Create or update every stream and create the KV buckets, in `replicas` copies."""
    await ensure_streams(js, replicas=replicas)
    await tenants_bucket(js, replicas=replicas)
    if sandbox_clock:
        await clock_bucket(js, replicas=replicas)


async def run(settings: NatsSettings, *, sandbox_clock: bool, replicas: int = 1) -> None:
    credentials = {}
    if settings.user:
        credentials = {"user": settings.user, "password": settings.password.reveal()}
    connection = await nats.connect(
        settings.servers,
        inbox_prefix=inbox_prefix(settings.user),
        connect_timeout=5,
        max_reconnect_attempts=30,
        reconnect_time_wait=1,
        **credentials,
    )
    try:
        await set_up_bus(connection.jetstream(), sandbox_clock=sandbox_clock, replicas=replicas)
    finally:
        await connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Create NATS streams and KV buckets (admin).")
    parser.add_argument("--sandbox-clock", action="store_true", help="also the `clock` bucket")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        env = Env(environment(Path(".env")))
        settings = NatsSettings.load(env)
        replicas = BusSetupSettings.load(env).replicas
    except SettingsError as error:
        sys.stderr.write(f"bus set-up: {error}\n")
        return 2
    try:
        asyncio.run(run(settings, sandbox_clock=args.sandbox_clock, replicas=replicas))
    except (nats.errors.Error, OSError) as error:
        sys.stderr.write(
            f"bus set-up failed as NATS user {settings.user or '(none)'!r}: {error!r}; "
            "it needs the `admin` user of deploy/nats/nats.conf\n"
        )
        return 1
    log.info(
        "bus set-up: %d streams and the KV buckets are in place (%d replicas)",
        len(STREAMS),
        replicas,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
