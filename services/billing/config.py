"""Billing's settings, read once at start: YooKassa, the plans, the sales bot."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from shared.errors import SettingsError
from shared.settings import (
    Env,
    HttpSettings,
    LogSettings,
    NatsSettings,
    PlatformSecrets,
    PostgresSettings,
    RedisSettings,
    RetrySettings,
    Secret,
    TelegramSettings,
    controllable_clock,
)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# YooKassa's documented notification sources (https://yookassa.ru/developers/using-api/webhooks).
YOOKASSA_NETWORKS = (
    "185.71.76.0/27",
    "185.71.77.0/27",
    "77.75.153.0/25",
    "77.75.156.11/32",
    "77.75.156.35/32",
    "77.75.154.128/25",
    "2a02:5180::/32",
)


@dataclass(frozen=True, slots=True)
class Plan:
    code: str
    period_days: int
    price_kopecks: int
    title: str


DEFAULT_PLANS = (
    "m1:30:29900:1 месяц,m3:90:79900:3 месяца,m6:180:149900:6 месяцев,m12:365:249900:12 месяцев"
)


def parse_plans(raw: str) -> tuple[Plan, ...]:
    plans = []
    for item in raw.split(","):
        parts = item.strip().split(":")
        if len(parts) != 4:
            raise SettingsError(
                f"setting PLANS: {item.strip()!r} is not code:days:price_kopecks:title"
            )
        code, days, price, title = parts
        try:
            plans.append(Plan(code, int(days), int(price), title))
        except ValueError:
            raise SettingsError(
                f"setting PLANS: days and price must be integers in {item!r}"
            ) from None
    if len({p.code for p in plans}) != len(plans):
        raise SettingsError("setting PLANS has duplicate codes")
    return tuple(plans)


@dataclass(frozen=True, slots=True)
class YooKassaSettings:
    shop_id: str
    secret_key: Secret
    api_url: str
    allowed_networks: tuple[Network, ...]
    trusted_proxies: tuple[Network, ...]
    return_url: str
    receipts: bool
    vat_code: int
    autopayments: bool
    connect_timeout: float = 5.0
    read_timeout: float = 20.0

    @property
    def is_sandbox(self) -> bool:
        return not self.api_url.startswith("https://api.yookassa.ru")

    @classmethod
    def load(cls, env: Env) -> YooKassaSettings:
        return cls(
            shop_id=env.str("YOOKASSA_SHOP_ID"),
            secret_key=env.secret("YOOKASSA_SECRET_KEY"),
            api_url=env.str("YOOKASSA_API_URL", "https://api.yookassa.ru/v3").rstrip("/"),
            allowed_networks=env.networks("YOOKASSA_ALLOWED_NETWORKS", YOOKASSA_NETWORKS),
            trusted_proxies=env.networks("TRUSTED_PROXIES", ()),
            return_url=env.str("YOOKASSA_RETURN_URL", "https://t.me"),
            receipts=env.bool("YOOKASSA_RECEIPTS", False),
            vat_code=env.int("YOOKASSA_VAT_CODE", 1, minimum=1),
            autopayments=env.bool("YOOKASSA_AUTOPAYMENTS", False),
            connect_timeout=env.float("YOOKASSA_CONNECT_TIMEOUT", 5.0),
            read_timeout=env.float("YOOKASSA_READ_TIMEOUT", 20.0),
        )


@dataclass(frozen=True, slots=True)
class BillingSettings:
    nats: NatsSettings
    retry: RetrySettings
    http: HttpSettings
    postgres: PostgresSettings
    redis: RedisSettings
    telegram: TelegramSettings
    secrets: PlatformSecrets
    logs: LogSettings
    yookassa: YooKassaSettings
    plans: tuple[Plan, ...]
    trial_days: int
    sales_bot_token: Secret
    controllable_clock: bool
    sales_concurrency: int = 8
    sales_state_ttl_seconds: int = 7 * 24 * 3600
    prepay_sweep_seconds: float = 15.0  # how often unpaid prepayment holds are expired

    def plan(self, code: str) -> Plan | None:
        return next((p for p in self.plans if p.code == code), None)

    @classmethod
    def load(cls, env: Env) -> BillingSettings:
        return cls(
            nats=NatsSettings.load(env),
            retry=RetrySettings.load(env),
            http=HttpSettings.load(env, default_port=8090),
            postgres=PostgresSettings.load(env),
            redis=RedisSettings.load(env),
            telegram=TelegramSettings.load(env),
            secrets=PlatformSecrets.load(env),
            logs=LogSettings.load(env),
            yookassa=YooKassaSettings.load(env),
            plans=parse_plans(env.str("PLANS", DEFAULT_PLANS)),
            trial_days=env.int("TRIAL_DAYS", 7),
            sales_bot_token=env.optional_secret("SALES_BOT_TOKEN"),
            controllable_clock=controllable_clock(env),
            sales_concurrency=env.int("SALES_BOT_CONCURRENCY", 8, minimum=1),
            sales_state_ttl_seconds=env.int("SALES_STATE_TTL_SECONDS", 7 * 24 * 3600, minimum=60),
            prepay_sweep_seconds=env.float("PREPAY_SWEEP_SECONDS", 15.0),
        )
