"""`make run`: the whole product on this machine, with the sandbox standing in for Telegram and
YooKassa, and one demo business bought through the real path. Ctrl-C stops everything.

Sandbox mode uses a private NATS (and Redis when `redis-server` is installed) and a fresh demo
database on the configured Postgres, because the emulators keep their state in memory: the
demo's bots exist only while it runs. With real credentials (SALES_BOT_TOKEN and YooKassa keys
in the environment or `.env`), start the services with `docker compose` or one by one instead.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import asyncpg

from devstack.demo import Endpoints, buy_business
from devstack.infra import InfraMissing, LocalInfra, database_url
from devstack.stack import SANDBOX_SHOP_ID, SANDBOX_SHOP_SECRET, Stack, StackConfig
from sandbox.telegram import TelegramSandboxClient
from shared.settings import environment

RUN_DIR = Path(".run")
DEMO_DATABASE = "bookbots_demo"
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


async def fresh_database(server_url: str) -> str:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{DEMO_DATABASE}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{DEMO_DATABASE}"')
    finally:
        await admin.close()
    return database_url(server_url, DEMO_DATABASE)


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
        await telegram.send_text(DEMO_BOT, DEMO_CUSTOMER, "/start", first_name="Мария")
        reply = await telegram.wait_for_message(DEMO_BOT, DEMO_CUSTOMER, 0, 30)
        say(f"• The demo bot answers /start: {reply[-1].text!r}")


def main() -> None:
    values = environment(Path(".env"))
    if values.get("SALES_BOT_TOKEN") and not values.get("TELEGRAM_API_BASE"):
        say(
            "Real Telegram credentials are set: run the services with `docker compose -f "
            "deploy/compose.yml up` (see README, 'Real credentials'); `make run` is the sandbox."
        )
        raise SystemExit(2)
    infra = LocalInfra()
    stack: Stack | None = None
    try:
        nats_url = infra.start_nats()
        try:
            redis_url = infra.start_redis()
        except InfraMissing:
            redis_url = infra.use_or_start_redis(values.get("REDIS_URL"))
        server = infra.use_or_start_postgres(values.get("DATABASE_SERVER_URL"))
        database = asyncio.run(fresh_database(server))
        stack = Stack(
            StackConfig(
                nats_url=nats_url,
                redis_url=redis_url,
                database_url=database,
                log_dir=RUN_DIR / "logs",
                webhooks=False,
                operator_ids=tuple(int(i) for i in values.get("OPERATOR_IDS", "1").split(",") if i),
                ports=dict(PORTS),
            )
        )
        say("• Starting the sandbox (Telegram and YooKassa emulators)...")
        stack.start_sandbox()
        say("• Starting gateway, booking, billing, provisioner, notifier...")
        stack.start_services()
        asyncio.run(demo(stack))
        tg = stack.config.url("telegram")
        say()
        say("The product is up. Talk to it as a Telegram user, in your browser:")
        say(f"  demo business bot:  {tg}/chat/{DEMO_BOT}?user_id={DEMO_CUSTOMER}")
        say(f"  platform sales bot: {tg}/chat/{stack.bots.sales_username if stack.bots else ''}")
        say(f"  all sandbox bots:   {tg}/")
        say(f"  YooKassa emulator:  {stack.config.url('yookassa')}/sandbox/payments")
        say(f"  events:             nats sub -s {nats_url} '>'   (or: nats stream ls)")
        say(f"  logs:               {RUN_DIR / 'logs'}/")
        say("Ctrl-C stops everything.")
        stopped = asyncio.Event()

        async def wait() -> None:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stopped.set)
            await stopped.wait()

        asyncio.run(wait())
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
