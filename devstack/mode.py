"""Which world `make run` talks to, decided once from the user's settings (environment over
`.env`), and said in one line.

Telegram is real when `TELEGRAM_API_BASE` or a bot token is set, YooKassa when the shop is set;
whatever is real gets no emulator, and a value the user set is passed to the services as is,
never replaced by a sandbox one. Only the infrastructure `make run` starts for itself (NATS,
Redis, the database, ports) is its own, and it says so when the user had set one of those.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from shared.errors import SettingsError

TELEGRAM_KEYS = ("TELEGRAM_API_BASE", "SALES_BOT_TOKEN", "OPS_BOT_TOKEN")
YOOKASSA_KEYS = ("YOOKASSA_SHOP_ID", "YOOKASSA_SECRET_KEY")
# What `make run` owns: it starts these servers itself and gives each service its own login.
INFRA_KEYS = (
    "NATS_URL",
    "NATS_USER",
    "NATS_PASSWORD",
    "REDIS_URL",
    "DATABASE_URL",
    "DATABASE_POOL_MAX",
    "HTTP_PORT",
    "LOG_FORMAT",
)


@dataclass(frozen=True, slots=True)
class RunMode:
    real_telegram: bool
    real_yookassa: bool
    user_env: dict[str, str]  # what the user set, minus INFRA_KEYS: passed to services as is
    ignored: tuple[str, ...]  # INFRA_KEYS the user set, which `make run` does not use

    @property
    def sandbox(self) -> bool:
        return not self.real_telegram and not self.real_yookassa

    def line(self) -> str:
        telegram = (
            f"real Telegram ({self.user_env.get('TELEGRAM_API_BASE', 'https://api.telegram.org')})"
            if self.real_telegram
            else "Telegram emulator"
        )
        yookassa = (
            f"real YooKassa ({self.user_env.get('YOOKASSA_API_URL', 'https://api.yookassa.ru/v3')})"
            if self.real_yookassa
            else "YooKassa emulator"
        )
        if self.sandbox:
            name = "sandbox"
        elif self.real_telegram and self.real_yookassa:
            name = "real"
        else:
            name = "mixed"
        return f"mode: {name} — {telegram}, {yookassa}"


def detect(values: Mapping[str, str]) -> RunMode:
    """The run mode; raises SettingsError (one line) for a half-configured service."""
    given = {key: value for key, value in values.items() if value}
    real_telegram = any(key in given for key in TELEGRAM_KEYS)
    real_yookassa = any(key in given for key in YOOKASSA_KEYS)
    if real_telegram and "SALES_BOT_TOKEN" not in given:
        raise SettingsError("real Telegram is configured but SALES_BOT_TOKEN is not set")
    if real_yookassa and not all(key in given for key in YOOKASSA_KEYS):
        raise SettingsError("real YooKassa needs both YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY")
    if (real_telegram or real_yookassa) and "PLATFORM_SECRET" not in given:
        raise SettingsError(
            "with real credentials set PLATFORM_SECRET too (it seals the stored bot tokens): "
            "openssl rand -base64 48"
        )
    user_env = {key: value for key, value in given.items() if key not in INFRA_KEYS}
    # REDIS_URL is still used when redis-server is not installed
    ignored = tuple(key for key in INFRA_KEYS if key in given and key != "REDIS_URL")
    return RunMode(real_telegram, real_yookassa, user_env, ignored)
