"""The provisioner's settings, read once at start."""

from __future__ import annotations

from dataclasses import dataclass

from shared.settings import (
    BackupSettings,
    Env,
    HttpSettings,
    LogSettings,
    NatsSettings,
    PlatformSecrets,
    PostgresSettings,
    RetrySettings,
    Secret,
    TelegramSettings,
    controllable_clock,
)


@dataclass(frozen=True, slots=True)
class LifecycleSettings:
    warn_days: tuple[int, ...]
    grace_days: int
    sweep_seconds: int

    @classmethod
    def load(cls, env: Env) -> LifecycleSettings:
        return cls(
            warn_days=env.int_list("EXPIRY_WARN_DAYS", (7, 3, 1)),
            grace_days=env.int("GRACE_DAYS", 3),
            sweep_seconds=env.int("LIFECYCLE_SWEEP_SECONDS", 60, minimum=1),
        )


@dataclass(frozen=True, slots=True)
class SparePoolSettings:
    """Pre-created tenant schemas (`adapters/spares_pg`); a size of 0 turns the pool off."""

    size: int
    workers: int
    batch: int
    check_seconds: int

    @classmethod
    def load(cls, env: Env) -> SparePoolSettings:
        return cls(
            size=env.int("SPARE_POOL_SIZE", 20, minimum=0),
            workers=env.int("SPARE_POOL_WORKERS", 2, minimum=1),
            batch=env.int("SPARE_POOL_BATCH", 1, minimum=1),
            check_seconds=env.int("SPARE_POOL_CHECK_SECONDS", 2, minimum=1),
        )


@dataclass(frozen=True, slots=True)
class ProvisionerSettings:
    nats: NatsSettings
    retry: RetrySettings
    http: HttpSettings
    postgres: PostgresSettings
    telegram: TelegramSettings
    secrets: PlatformSecrets
    logs: LogSettings
    lifecycle: LifecycleSettings
    gateway_public_url: str | None
    ops_bot_token: Secret
    operator_ids: tuple[int, ...]
    controllable_clock: bool
    concurrency: int
    backups: BackupSettings
    spares: SparePoolSettings

    @classmethod
    def load(cls, env: Env) -> ProvisionerSettings:
        return cls(
            nats=NatsSettings.load(env),
            retry=RetrySettings.load(env),
            http=HttpSettings.load(env, default_port=8092),
            postgres=PostgresSettings.load(env),
            telegram=TelegramSettings.load(env),
            secrets=PlatformSecrets.load(env),
            logs=LogSettings.load(env),
            lifecycle=LifecycleSettings.load(env),
            gateway_public_url=(env.optional("GATEWAY_PUBLIC_URL") or "").rstrip("/") or None,
            ops_bot_token=env.optional_secret("OPS_BOT_TOKEN"),
            operator_ids=env.int_list("OPERATOR_IDS"),
            controllable_clock=controllable_clock(env),
            concurrency=env.int("PROVISIONER_CONCURRENCY", 8, minimum=1),
            backups=BackupSettings.load(env),
            spares=SparePoolSettings.load(env),
        )
