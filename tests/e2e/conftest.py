"""The running stack for end-to-end tests: the sandbox and all five services as processes,
on a NATS, a Redis and a database of their own (so their durable consumers and dispatchers never
compete with the integration tests'), with a controllable clock. It lives for this package only.

Each service runs as its own NATS user (deploy/nats/nats.conf) and its own Postgres login
(`bookbots_<service>`, made by `shared.bootstrap`), exactly as in a deployment; the tests' own
clients use the admin URLs. When the stack stops, the NATS log must show no permission refusal:
a service that needed a right the permission file does not give fails the run."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from devstack.demo import Endpoints
from devstack.infra import InfraMissing, LocalInfra, prepare_database
from devstack.stack import SANDBOX_SHOP_ID, SANDBOX_SHOP_SECRET, SERVICES, Stack, StackConfig
from sandbox.telegram import TelegramSandboxClient
from sandbox.yookassa import YooKassaSandboxClient
from tests.conftest import RUN_ID, create_database, drop_database

OPERATOR_ID = 4242


@pytest.fixture(scope="package")
def e2e_infra(infra: LocalInfra) -> Iterator[LocalInfra]:
    own = LocalInfra()
    own.start_nats()
    try:
        own.start_redis()
    except InfraMissing:
        own.redis_url = infra.redis_url.rsplit("/", 1)[0] + "/14"
    yield own
    own.close()


@pytest.fixture(scope="package")
def e2e_database(database_server_url: str) -> Iterator[tuple[str, dict[str, str]]]:
    """The owner's URL and each service's login URL."""
    name = f"bookbots_e2e_{RUN_ID}"
    url = asyncio.run(create_database(database_server_url, name))
    yield url, prepare_database(url)
    asyncio.run(drop_database(database_server_url, name))


@pytest.fixture(scope="package")
def e2e_database_url(e2e_database: tuple[str, dict[str, str]]) -> str:
    return e2e_database[0]


@pytest.fixture(scope="package")
def stack(
    e2e_infra: LocalInfra,
    e2e_database: tuple[str, dict[str, str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    log_dir = Path(tmp_path_factory.mktemp("stack-logs"))
    owner_url, logins = e2e_database
    running = Stack(
        StackConfig(
            nats_url=e2e_infra.nats_url,
            nats_env={name: e2e_infra.nats_env(name) for name in SERVICES},
            redis_url=e2e_infra.redis_url,
            database_url=owner_url,
            database_urls=logins,
            log_dir=log_dir,
            webhooks=True,
            controllable_clock=True,
            # a loaded shared machine may take minutes to import the services
            ready_timeout=float(os.environ.get("E2E_READY_TIMEOUT", "180")),
            operator_ids=(OPERATOR_ID,),
            extra_env={
                "TRUSTED_PROXIES": "127.0.0.1/32",
                "LIFECYCLE_SWEEP_SECONDS": "1",
                "NOTIFIER_POLL_SECONDS": "0.2",
                "PREPAY_SWEEP_SECONDS": "0.5",
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
    refused = e2e_infra.permission_violations()
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


@pytest_asyncio.fixture(loop_scope="session")
async def yookassa(stack: Stack) -> AsyncIterator[YooKassaSandboxClient]:
    async with YooKassaSandboxClient(stack.config.url("yookassa")) as client:
        yield client
