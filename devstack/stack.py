"""The whole product as processes: the sandbox (Telegram and YooKassa emulators) and the five
services, configured through the same environment variables a deployment uses.

Used by `make run` (devstack/__main__.py) and by the end-to-end tests, so both exercise exactly
the same start-up path as `docker compose up`.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from devstack.infra import free_port, wait_for_port

SERVICES = ("gateway", "booking", "billing", "provisioner", "notifier")
SANDBOX_SHOP_ID = "100500"
SANDBOX_SHOP_SECRET = "test_sandbox_secret_key_not_real"  # noqa: S105 - the emulator's fake shop


def service_of(instance: str) -> str:
    """The service a process name belongs to: `booking-2` -> `booking`."""
    return instance.split("-", 1)[0]


@dataclass
class StackConfig:
    """How the stack reaches its infrastructure.

    `nats_url` and `database_url` are the owner's (admin) URLs, for the demo and for tests'
    own clients; `nats_env` and `database_urls` give each service its own NATS user and
    Postgres login (a service missing from them gets the owner's).
    """

    nats_url: str = field(repr=False)  # secrets stay out of reprs (test failures print them)
    redis_url: str
    database_url: str
    log_dir: Path
    nats_env: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    database_urls: dict[str, str] = field(default_factory=dict, repr=False)
    platform_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    webhooks: bool = True  # False: tenant and platform bots are long-polled by the gateway
    controllable_clock: bool = False
    flood_limits: bool = True
    operator_ids: tuple[int, ...] = ()
    extra_env: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    replicas: dict[str, int] = field(default_factory=dict)  # e.g. {"booking": 2}; default 1
    yookassa_retry_attempts: int | None = None  # the emulator's notification attempts
    ready_timeout: float = 180.0  # how long a service may take to answer /readyz
    # per service, after extra_env (e.g. DATABASE_SERVERS with each service's own login)
    service_extra_env: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    def instances(self, service: str) -> list[str]:
        """Process names of a service: `booking`, then `booking-2`, ... (each its own port)."""
        count = max(1, self.replicas.get(service, 1))
        return [service, *(f"{service}-{n}" for n in range(2, count + 1))]

    # what the user set (devstack.mode): wins over every value the stack would choose
    user_env: dict[str, str] = field(default_factory=dict, repr=False)
    telegram_emulator: bool = True
    yookassa_emulator: bool = True

    def port(self, name: str) -> int:
        if name not in self.ports:
            self.ports[name] = free_port()
        return self.ports[name]

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port(name)}"


@dataclass
class PlatformBots:
    sales_token: str
    sales_username: str
    ops_token: str
    ops_username: str


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.bots: PlatformBots | None = None
        config.log_dir.mkdir(parents=True, exist_ok=True)

    # --- processes -------------------------------------------------------------------------
    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> None:
        log = (self.config.log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603 - our own modules
            [sys.executable, "-m", *args],
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parent.parent,
        )
        self.processes[name] = process

    def start_sandbox(self) -> None:
        """The emulators the config asks for (both, for tests and the sandbox demo)."""
        cfg = self.config
        if cfg.telegram_emulator:
            tg_args = ["sandbox.telegram", "--port", str(cfg.port("telegram"))]
            if not cfg.flood_limits:
                tg_args.append("--no-flood-limits")
            self._spawn("telegram-sandbox", tg_args, {})
        if cfg.yookassa_emulator:
            self._spawn(
                "yookassa-sandbox",
                [
                    "sandbox.yookassa",
                    "--port",
                    str(cfg.port("yookassa")),
                    "--shop",
                    f"{SANDBOX_SHOP_ID}:{SANDBOX_SHOP_SECRET}",
                    "--notification-url",
                    f"{cfg.url('billing')}/webhooks/yookassa",
                    *(
                        ["--retry-attempts", str(cfg.yookassa_retry_attempts)]
                        if cfg.yookassa_retry_attempts
                        else []
                    ),
                ],
                {},
            )
        if cfg.telegram_emulator:
            wait_for_port(
                "127.0.0.1",
                cfg.port("telegram"),
                timeout=min(120, cfg.ready_timeout),
                what="Telegram sandbox",
            )
            self.bots = self._platform_bots()
        if cfg.yookassa_emulator:
            wait_for_port(
                "127.0.0.1",
                cfg.port("yookassa"),
                timeout=min(120, cfg.ready_timeout),
                what="YooKassa sandbox",
            )

    def _platform_bots(self) -> PlatformBots:
        base = self.config.url("telegram")
        made = {}
        for role, username in (("sales", "bookbots_sales_bot"), ("ops", "bookbots_ops_bot")):
            response = httpx.post(
                f"{base}/sandbox/bots",
                json={"username": username, "first_name": f"BookBots {role}"},
                timeout=10,
            )
            response.raise_for_status()
            made[role] = response.json()
        return PlatformBots(
            sales_token=made["sales"]["token"],
            sales_username=made["sales"]["username"],
            ops_token=made["ops"]["token"],
            ops_username=made["ops"]["username"],
        )

    def service_env(self, service: str) -> dict[str, str]:
        """The service's environment: infrastructure, then the emulators' values where an
        emulator runs, then the config's extras; a value the user set always wins."""
        cfg = self.config
        env = {
            "NATS_URL": cfg.nats_url,
            **cfg.nats_env.get(service, {}),
            "REDIS_URL": cfg.redis_url,
            "DATABASE_URL": cfg.database_urls.get(service, cfg.database_url),
            "DATABASE_POOL_MAX": "6",
            "PLATFORM_SECRET": cfg.platform_secret,
            "OPERATOR_IDS": ",".join(str(i) for i in cfg.operator_ids),
            "HTTP_PORT": str(cfg.port(service)),
            "LOG_FORMAT": "json",
            "CLOCK": "controllable" if cfg.controllable_clock else "system",
            "BILLING_PUBLIC_URL": cfg.url("billing"),  # the shops' webhook the owners are shown
        }
        if self.bots is not None:
            env |= {
                "TELEGRAM_API_BASE": cfg.url("telegram"),
                "SALES_BOT_TOKEN": self.bots.sales_token,
                "OPS_BOT_TOKEN": self.bots.ops_token,
                "YOOKASSA_RETURN_URL": f"https://t.me/{self.bots.sales_username}",
            }
        if cfg.yookassa_emulator:
            env |= {
                "YOOKASSA_SHOP_ID": SANDBOX_SHOP_ID,
                "YOOKASSA_SECRET_KEY": SANDBOX_SHOP_SECRET,
                "YOOKASSA_API_URL": f"{cfg.url('yookassa')}/v3",
                "YOOKASSA_ALLOWED_NETWORKS": "127.0.0.1/32,::1/128",
            }
        if cfg.webhooks:
            env["GATEWAY_PUBLIC_URL"] = cfg.url("gateway")
        env.update(cfg.extra_env)
        env.update(cfg.service_extra_env.get(service, {}))
        env.update(cfg.user_env)
        return env

    def start_services(self, names: tuple[str, ...] = SERVICES) -> None:
        started = [i for name in names for i in self.config.instances(name)]
        for instance in started:
            self._spawn_instance(instance)
        for instance in started:
            self.wait_ready(instance)

    def _spawn_instance(self, instance: str) -> None:
        """One service process; a replica (`booking-2`) gets its own HTTP port and log."""
        service = service_of(instance)
        env = {**self.service_env(service), "HTTP_PORT": str(self.config.port(instance))}
        self._spawn(instance, [f"services.{service}"], env)

    def service_instances(self) -> list[str]:
        """The service processes running now (replicas included), in start order."""
        return [n for n in self.processes if service_of(n) in SERVICES]

    def kill_instance(self, instance: str) -> None:
        """`kill -9` one service process: no shutdown, no acks, no closing of anything."""
        process = self.processes.pop(instance)
        process.kill()
        process.wait()

    def start_instance(self, instance: str) -> None:
        """Start a service process again (after `kill_instance`) and wait until it is ready."""
        self._spawn_instance(instance)
        self.wait_ready(instance)

    def wait_ready(self, name: str, timeout: float | None = None) -> None:
        timeout = self.config.ready_timeout if timeout is None else timeout
        url = f"{self.config.url(name)}/readyz"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            process = self.processes[name]
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}; see {self.log(name)}")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{name} not ready within {timeout:.0f}s; see {self.log(name)}")

    def stop_service(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def restart_service(self, name: str) -> None:
        self.stop_service(name)
        self._spawn_instance(name)
        self.wait_ready(name)

    def log(self, name: str) -> Path:
        return self.config.log_dir / f"{name}.log"

    def stop(self) -> None:
        """The services first, then the emulators: each group is told to stop at once and then
        waited for, so a stop costs the slowest process's shutdown, not the sum of them."""
        self._stop_together(self.service_instances())
        self._stop_together(list(self.processes))

    def _stop_together(self, names: list[str]) -> None:
        stopping = [self.processes.pop(name) for name in names if name in self.processes]
        for process in stopping:
            process.terminate()
        deadline = time.monotonic() + 20
        for process in stopping:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def booking_workers(values: Mapping[str, str]) -> int:
    """`BOOKING_WORKERS` (default 2, one per core here): booking processes sharing the durable."""
    raw = values.get("BOOKING_WORKERS", "") or "2"
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"BOOKING_WORKERS must be a whole number >= 1, not {raw!r}")
    return int(raw)
