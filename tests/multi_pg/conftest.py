"""The running stack on two Postgres servers: the run's server (`main`, with the platform's
schemas) and a second private cluster made here with `initdb` (`pg2`), both bootstrapped like
a deployment (`shared.bootstrap`). Booking, the provisioner and the notifier are given
`DATABASE_SERVERS=pg2=...` with their own login on the second server.

Its own NATS and Redis too, so this stack never competes with tests/e2e's for durable
consumers. The fixtures keep tests/e2e's names (`stack`, `endpoints`, `telegram`) so the
journey's steps (tests/e2e/test_booking_journey.py) run here unchanged.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from devstack.demo import Endpoints
from devstack.infra import InfraMissing, LocalInfra, prepare_database
from devstack.stack import SANDBOX_SHOP_ID, SANDBOX_SHOP_SECRET, SERVICES, Stack, StackConfig
from sandbox.telegram import TelegramSandboxClient
from tests.conftest import RUN_ID, create_database, drop_database

OPERATOR_ID = 4242
SECOND = "pg2"
TENANT_SERVICES = ("booking", "provisioner", "notifier")  # whatever reads DATABASE_SERVERS


@dataclass(frozen=True)
class Servers:
    main_url: str  # the owner's URL of the run's database on the main server
    second_url: str  # the owner's URL of the database on the second server
    main_logins: dict[str, str]
    second_logins: dict[str, str]


@pytest.fixture(scope="package")
def multi_infra(infra: LocalInfra) -> Iterator[LocalInfra]:
    own = LocalInfra()
    own.start_nats()
    try:
        own.start_redis()
    except InfraMissing:
        own.redis_url = infra.redis_url.rsplit("/", 1)[0] + "/13"
    try:
        own.start_another_postgres()
    except InfraMissing as error:
        own.close()
        pytest.skip(f"no second Postgres server: {error}")
    yield own
    own.close()


@pytest.fixture(scope="package")
def servers(multi_infra: LocalInfra, database_server_url: str) -> Iterator[Servers]:
    name = f"bookbots_multi_{RUN_ID}"
    second_server = multi_infra.others[0].postgres_url
    main_url = asyncio.run(create_database(database_server_url, name))
    second_url = asyncio.run(create_database(second_server, name))
    yield Servers(
        main_url=main_url,
        second_url=second_url,
        main_logins=prepare_database(main_url),
        second_logins=prepare_database(second_url),
    )
    asyncio.run(drop_database(database_server_url, name))
    asyncio.run(drop_database(second_server, name))


@pytest.fixture(scope="package")
def stack(
    multi_infra: LocalInfra, servers: Servers, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    log_dir = Path(tmp_path_factory.mktemp("multi-pg-logs"))
    running = Stack(
        StackConfig(
            nats_url=multi_infra.nats_url,
            nats_env={name: multi_infra.nats_env(name) for name in SERVICES},
            redis_url=multi_infra.redis_url,
            database_url=servers.main_url,
            database_urls=servers.main_logins,
            log_dir=log_dir,
            webhooks=True,
            controllable_clock=True,
            operator_ids=(OPERATOR_ID,),
            extra_env={
                "TRUSTED_PROXIES": "127.0.0.1/32",
                "NOTIFIER_POLL_SECONDS": "0.2",
                # no spare schemas: the migration test's own migration would reach them, and a
                # later purchase would carry a version the shipped code does not know
                "SPARE_POOL_SIZE": "0",
            },
            service_extra_env={
                service: {"DATABASE_SERVERS": f"{SECOND}={servers.second_logins[service]}"}
                for service in TENANT_SERVICES
            },
        )
    )
    try:
        running.start_sandbox()
        running.start_services()
    except Exception:
        running.stop()
        for name in SERVICES:
            log = running.log(name)
            if log.exists():
                print(f"--- {name} ---\n{log.read_text()[-3000:]}")  # noqa: T201
        raise
    yield running
    running.stop()
    refused = multi_infra.permission_violations()
    assert not refused, "NATS refused a service:\n" + "\n".join(refused[:20])


@pytest.fixture(scope="package")
def endpoints(stack: Stack) -> Endpoints:
    assert stack.bots is not None
    return Endpoints(
        database_url=stack.config.database_url,
        telegram_url=stack.config.url("telegram"),
        yookassa_url=stack.config.url("yookassa"),
        shop_id=SANDBOX_SHOP_ID,
        shop_secret=SANDBOX_SHOP_SECRET,
        platform_secret=stack.config.platform_secret,
        sales_bot=stack.bots.sales_username,
    )


@pytest_asyncio.fixture(loop_scope="session")
async def telegram(stack: Stack) -> AsyncIterator[TelegramSandboxClient]:
    async with TelegramSandboxClient(stack.config.url("telegram")) as client:
        yield client
