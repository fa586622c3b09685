"""Booking's settings, read once at start."""

from __future__ import annotations

from dataclasses import dataclass

from shared.settings import (
    Env,
    HttpSettings,
    LogSettings,
    NatsSettings,
    PlatformSecrets,
    PostgresSettings,
    RedisSettings,
    RetrySettings,
    TelegramSettings,
    controllable_clock,
)


@dataclass(frozen=True, slots=True)
class BookingSettings:
    nats: NatsSettings
    retry: RetrySettings
    http: HttpSettings
    postgres: PostgresSettings
    redis: RedisSettings
    telegram: TelegramSettings
    secrets: PlatformSecrets
    logs: LogSettings
    controllable_clock: bool
    max_concurrency: int
    yookassa_api_url: str = "https://api.yookassa.ru/v3"  # to check a shop's keys on save
    billing_public_url: str = "http://127.0.0.1:8090"  # the shops' webhook the owner sets

    @classmethod
    def load(cls, env: Env) -> BookingSettings:
        return cls(
            nats=NatsSettings.load(env),
            retry=RetrySettings.load(env),
            http=HttpSettings.load(env, default_port=8091),
            postgres=PostgresSettings.load(env),
            redis=RedisSettings.load(env),
            telegram=TelegramSettings.load(env),
            secrets=PlatformSecrets.load(env),
            logs=LogSettings.load(env),
            controllable_clock=controllable_clock(env),
            max_concurrency=env.int("BOOKING_CONCURRENCY", 32, minimum=1),
            yookassa_api_url=env.str("YOOKASSA_API_URL", "https://api.yookassa.ru/v3"),
            billing_public_url=env.str("BILLING_PUBLIC_URL", "http://127.0.0.1:8090"),
        )
