"""`make run`: the whole product on this machine. Ctrl-C stops everything.

It says in its first line which mode it runs (devstack.mode). In sandbox mode (no real
credentials set) the emulators stand in for Telegram and YooKassa and one demo business is
bought through the real path, on a private NATS and a fresh demo database, since the emulators
keep their state in memory. With real credentials (bot tokens, `TELEGRAM_API_BASE`, a YooKassa
shop, in the environment or `.env`) no emulator starts for what is real, every value the user
set reaches the services unchanged, and the database (`bookbots_local`) and the NATS store
(`.run/nats`) are kept between runs. Either way each service logs into NATS and Postgres as its
own user, as in a deployment.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import asyncpg

from devstack.catalog import give_catalog_to_every_empty_tenant
from devstack.demo import Endpoints, buy_business
from devstack.infra import InfraMissing, LocalInfra, database_url, prepare_database
from devstack.mode import RunMode, detect
from devstack.stack import (
    SANDBOX_SHOP_ID,
    SANDBOX_SHOP_SECRET,
    SERVICES,
    Stack,
    StackConfig,
    booking_workers,
)
from sandbox.telegram import TelegramSandboxClient
from shared.errors import SettingsError
from shared.settings import environment

RUN_DIR = Path(".run")
DEMO_DATABASE = "bookbots_demo"
LOCAL_DATABASE = "bookbots_local"  # with real credentials: kept between runs
DEMO_BOT = "demo_salon_anna_bot"
DEMO_CUSTOMER = 100001
DEMO_BUYER = 777000
PORTS = {
    "gateway": 8080,
    "telegram": 8081,
    "yookassa": 8082,
    "billing": 8090,
    "booking": 8091,
    "provisioner": 8092,
    "notifier": 8093,
}


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def open_database(server_url: str, name: str, *, fresh: bool) -> str:
    """The demo database made afresh, or the local one created once and kept."""
    admin = await asyncpg.connect(server_url)
    try:
        if fresh:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return database_url(server_url, name)


async def demo(stack: Stack) -> None:
    cfg = stack.config
    assert stack.bots is not None
    endpoints = Endpoints(
        database_url=cfg.database_url,
        telegram_url=cfg.url("telegram"),
        yookassa_url=cfg.url("yookassa"),
        shop_id=SANDBOX_SHOP_ID,
        shop_secret=SANDBOX_SHOP_SECRET,
        platform_secret=cfg.platform_secret,
        sales_bot=stack.bots.sales_username,
    )
    say("• Buying a demo business: payment in the YooKassa emulator...")
    purchase = await buy_business(
        endpoints,
        business_name="Салон красоты «Анна»",
        bot_username=DEMO_BOT,
        buyer_chat_id=DEMO_BUYER,
    )
    say(f"  paid {purchase.payment_id}; billing answered {purchase.notification_status}")
    async with TelegramSandboxClient(cfg.url("telegram")) as telegram:
        seen = 0
        while True:  # the sales bot's greeting comes first, then "your bot is live"
            found = await telegram.wait_for_message(stack.bots.sales_username, DEMO_BUYER, seen, 30)
            seen = max(m.message_id for m in found)
            live = [m for m in found if f"@{DEMO_BOT}" in (m.text or "")]
            if live:
                break
        say(f"• The buyer was told: {(live[-1].text or '').splitlines()[0]!r}")
        # A new business starts empty (its owner sets it up in the bot); the demo's is
        # filled with a salon catalog so customers can book at once.
        await give_catalog_to_every_empty_tenant(cfg.database_url)
        await telegram.send_text(DEMO_BOT, DEMO_CUSTOMER, "/start", first_name="Мария")
        reply = await telegram.wait_for_message(DEMO_BOT, DEMO_CUSTOMER, 0, 30)
        say(f"• The demo bot answers /start: {reply[-1].text!r}")


def say_urls(stack: Stack, mode: RunMode, infra: LocalInfra) -> None:
    say()
    if mode.real_telegram:
        say("The product is up and talks to Telegram: write to your sales bot in Telegram.")
    else:
        tg = stack.config.url("telegram")
        sales = stack.bots.sales_username if stack.bots else ""
        say("The product is up. Talk to it as a Telegram user, in your browser:")
        if mode.sandbox:
            say(f"  demo business bot:  {tg}/chat/{DEMO_BOT}?user_id={DEMO_CUSTOMER}")
        say(f"  platform sales bot: {tg}/chat/{sales}")
        say(f"  all sandbox bots:   {tg}/")
    if not mode.real_yookassa:
        say(f"  YooKassa emulator:  {stack.config.url('yookassa')}/sandbox/payments")
    inspector = infra.nats_url_for("inspector")
    say(f"  events (read-only): nats sub -s {inspector} '>'   (or: nats stream ls)")
    say(f"  logs:               {RUN_DIR / 'logs'}/")
    say("Ctrl-C stops everything.")


def wait_for_ctrl_c() -> None:
    stopped = asyncio.Event()

    async def wait() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopped.set)
        await stopped.wait()

    asyncio.run(wait())


def main() -> None:
    values = environment(Path(".env"))
    try:
        mode = detect(values)
    except SettingsError as error:
        say(f"make run: {error}")
        raise SystemExit(2) from None
    say(mode.line())
    if mode.ignored:
        say(
            "  make run starts its own NATS and database, so it does not use your "
            + ", ".join(mode.ignored)
            + " (choose the Postgres server with DATABASE_SERVER_URL)"
        )
    infra = LocalInfra()
    stack: Stack | None = None
    try:
        nats_store = None if mode.sandbox else RUN_DIR / "nats"
        infra.start_nats(store=nats_store)
        try:
            redis_url = infra.start_redis()
        except InfraMissing:
            redis_url = infra.use_or_start_redis(values.get("REDIS_URL"))
        server = infra.use_or_start_postgres(values.get("DATABASE_SERVER_URL"))
        name = DEMO_DATABASE if mode.sandbox else LOCAL_DATABASE
        database = asyncio.run(open_database(server, name, fresh=mode.sandbox))
        stack = Stack(
            StackConfig(
                nats_url=infra.nats_url,
                nats_env={service: infra.nats_env(service) for service in SERVICES},
                redis_url=redis_url,
                database_url=database,
                database_urls=prepare_database(database),
                log_dir=RUN_DIR / "logs",
                webhooks=False,
                operator_ids=tuple(int(i) for i in values.get("OPERATOR_IDS", "1").split(",") if i),
                ports=dict(PORTS),
                user_env=mode.user_env,
                telegram_emulator=not mode.real_telegram,
                yookassa_emulator=not mode.real_yookassa,
                replicas={"booking": booking_workers(values)},
            )
        )
        if not mode.real_telegram or not mode.real_yookassa:
            say("• Starting the sandbox emulators...")
            stack.start_sandbox()
        say("• Starting gateway, booking, billing, provisioner, notifier...")
        stack.start_services()
        if mode.sandbox:
            asyncio.run(demo(stack))
        say_urls(stack, mode, infra)
        wait_for_ctrl_c()
    except InfraMissing as error:
        say(f"make run: {error}")
        raise SystemExit(2) from None
    finally:
        say("Stopping...")
        if stack is not None:
            stack.stop()
        infra.close()


if __name__ == "__main__":
    main()
