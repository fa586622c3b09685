"""The notifier's settings, read once at start."""

from __future__ import annotations

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
    Secret,
    TelegramSettings,
)


@dataclass(frozen=True, slots=True)
class DispatchSettings:
    """How fast and how stubbornly the dispatcher delivers."""

    per_bot_rate: float  # messages per second per bot (Telegram: about 30)
    per_chat_rate: float  # messages per second per chat (Telegram: 1)
    rate_margin: float  # extra fraction of each window, against clock and network jitter
    poll_seconds: float
    max_attempts: int
    batch_size: int
    concurrency: int
    lease_seconds: float  # a row is held this long from the moment its send begins
    send_timeout_seconds: float  # a Bot API call gives up after this; shorter than the lease
    late_after_minutes: int  # a reminder later than this is reworded ("today at 15:00")
    backoff_base_seconds: float
    backoff_max_seconds: float
    progress_seconds: float = 2.0  # a broadcast's progress message is edited at most this often
    broadcast_idle_seconds: float = 30.0  # no broadcast runs: look anyway this often

    @classmethod
    def load(cls, env: Env) -> DispatchSettings:
        per_bot = env.float("NOTIFIER_PER_BOT_RATE", 30.0)
        per_chat = env.float("NOTIFIER_PER_CHAT_RATE", 1.0)
        margin = env.float("NOTIFIER_RATE_MARGIN", 0.05)
        poll = env.float("NOTIFIER_POLL_SECONDS", 0.5)
        if per_bot <= 0 or per_chat <= 0:
            raise SettingsError("settings NOTIFIER_PER_BOT_RATE and _PER_CHAT_RATE must be > 0")
        if not 0 <= margin <= 1:
            raise SettingsError("setting NOTIFIER_RATE_MARGIN must be between 0 and 1")
        if poll <= 0:
            raise SettingsError("setting NOTIFIER_POLL_SECONDS must be > 0")
        lease = env.float("NOTIFIER_LEASE_SECONDS", 60.0)
        send_timeout = env.float("NOTIFIER_SEND_TIMEOUT_SECONDS", 15.0)
        if send_timeout <= 0 or lease < send_timeout + 5:
            raise SettingsError(
                "setting NOTIFIER_LEASE_SECONDS must be at least NOTIFIER_SEND_TIMEOUT_SECONDS"
                " + 5 (a row stays leased while it is being sent), and the timeout > 0"
            )
        return cls(
            per_bot_rate=per_bot,
            per_chat_rate=per_chat,
            rate_margin=margin,
            poll_seconds=poll,
            max_attempts=env.int("NOTIFIER_MAX_ATTEMPTS", 8, minimum=1),
            batch_size=env.int("NOTIFIER_BATCH_SIZE", 512, minimum=1),
            concurrency=env.int("NOTIFIER_CONCURRENCY", 512, minimum=1),
            lease_seconds=lease,
            send_timeout_seconds=send_timeout,
            late_after_minutes=env.int("NOTIFIER_LATE_AFTER_MINUTES", 15),
            backoff_base_seconds=env.float("NOTIFIER_BACKOFF_BASE_SECONDS", 2.0),
            backoff_max_seconds=env.float("NOTIFIER_BACKOFF_MAX_SECONDS", 600.0),
            progress_seconds=env.float("NOTIFIER_BROADCAST_PROGRESS_SECONDS", 2.0),
            broadcast_idle_seconds=env.float("NOTIFIER_BROADCAST_IDLE_SECONDS", 30.0),
        )


@dataclass(frozen=True, slots=True)
class RetentionSettings:
    """How long the delivery log (customers' names and phones in texts) is kept."""

    days: int
    interval_seconds: float
    batch: int

    @classmethod
    def load(cls, env: Env) -> RetentionSettings:
        interval = env.float("NOTIFIER_PURGE_INTERVAL_SECONDS", 3600.0)
        if interval <= 0:
            raise SettingsError("setting NOTIFIER_PURGE_INTERVAL_SECONDS must be > 0")
        return cls(
            days=env.int("NOTIFIER_RETENTION_DAYS", 90, minimum=1),
            interval_seconds=interval,
            batch=env.int("NOTIFIER_PURGE_BATCH", 1000, minimum=1),
        )


@dataclass(frozen=True, slots=True)
class NotifierSettings:
    nats: NatsSettings
    http: HttpSettings
    postgres: PostgresSettings
    redis: RedisSettings
    telegram: TelegramSettings
    secrets: PlatformSecrets
    logs: LogSettings
    dispatch: DispatchSettings
    retention: RetentionSettings
    sales_bot_token: Secret
    review_delay_minutes: int
    controllable_clock: bool

    @classmethod
    def load(cls, env: Env) -> NotifierSettings:
        clock = env.str("CLOCK", "system")
        if clock not in {"system", "controllable"}:
            raise SettingsError(f"setting CLOCK must be system or controllable, got {clock!r}")
        return cls(
            nats=NatsSettings.load(env),
            http=HttpSettings.load(env, default_port=8093),
            postgres=PostgresSettings.load(env),
            redis=RedisSettings.load(env),
            telegram=TelegramSettings.load(env),
            secrets=PlatformSecrets.load(env),
            logs=LogSettings.load(env),
            dispatch=DispatchSettings.load(env),
            retention=RetentionSettings.load(env),
            sales_bot_token=env.optional_secret("SALES_BOT_TOKEN"),
            review_delay_minutes=env.int("REVIEW_DELAY_MINUTES", 120),
            controllable_clock=clock == "controllable",
        )
