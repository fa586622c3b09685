"""The bus's one-shot set-up, run as the NATS `admin` user: every stream and KV bucket.

Services may not create or change streams (their permissions deny it), so this runs before
they start: compose's `init` service, `make run` (devstack) and the tests. It is idempotent:
existing streams are updated to the declared configuration, existing buckets are kept.

    NATS_URL=nats://nats:4222 NATS_USER=admin NATS_PASSWORD=... python -m shared.bus_setup
    ... python -m shared.bus_setup --sandbox-clock   # also the sandbox's `clock` bucket
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
from shared.settings import Env, NatsSettings, environment
from shared.subjects import STREAMS

log = logging.getLogger(__name__)


async def set_up_bus(js: JetStreamContext, *, sandbox_clock: bool = False) -> None:
    """Create or update every stream and create the KV buckets."""
    await ensure_streams(js)
    await tenants_bucket(js)
    if sandbox_clock:
        await clock_bucket(js)


async def run(settings: NatsSettings, *, sandbox_clock: bool) -> None:
    credentials = {}
    if settings.user:
        credentials = {"user": settings.user, "password": settings.password.reveal()}
    connection = await nats.connect(
        settings.url,
        inbox_prefix=inbox_prefix(settings.user),
        connect_timeout=5,
        max_reconnect_attempts=30,
        reconnect_time_wait=1,
        **credentials,
    )
    try:
        await set_up_bus(connection.jetstream(), sandbox_clock=sandbox_clock)
    finally:
        await connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Create NATS streams and KV buckets (admin).")
    parser.add_argument("--sandbox-clock", action="store_true", help="also the `clock` bucket")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        settings = NatsSettings.load(Env(environment(Path(".env"))))
    except SettingsError as error:
        sys.stderr.write(f"bus set-up: {error}\n")
        return 2
    try:
        asyncio.run(run(settings, sandbox_clock=args.sandbox_clock))
    except (nats.errors.Error, OSError) as error:
        sys.stderr.write(
            f"bus set-up failed as NATS user {settings.user or '(none)'!r}: {error!r}; "
            "it needs the `admin` user of deploy/nats/nats.conf\n"
        )
        return 1
    log.info("bus set-up: %d streams and the KV buckets are in place", len(STREAMS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
