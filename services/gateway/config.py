"""The gateway's settings, read once at start."""

from __future__ import annotations

from dataclasses import dataclass

from shared.settings import (
    Env,
    HttpSettings,
    LogSettings,
    NatsSettings,
    PlatformSecrets,
    Secret,
    TelegramSettings,
)


@dataclass(frozen=True, slots=True)
class GatewaySettings:
    nats: NatsSettings
    http: HttpSettings
    telegram: TelegramSettings
    secrets: PlatformSecrets
    logs: LogSettings
    sales_bot_token: Secret
    ops_bot_token: Secret
    public_url: str | None
    max_body_bytes: int
    poll_timeout_seconds: int

    @classmethod
    def load(cls, env: Env) -> GatewaySettings:
        return cls(
            nats=NatsSettings.load(env),
            http=HttpSettings.load(env, default_port=8080),
            telegram=TelegramSettings.load(env),
            secrets=PlatformSecrets.load(env),
            logs=LogSettings.load(env),
            sales_bot_token=env.optional_secret("SALES_BOT_TOKEN"),
            ops_bot_token=env.optional_secret("OPS_BOT_TOKEN"),
            public_url=(env.optional("GATEWAY_PUBLIC_URL") or "").rstrip("/") or None,
            max_body_bytes=env.int("GATEWAY_MAX_BODY_BYTES", 1_048_576, minimum=1024),
            poll_timeout_seconds=env.int("GATEWAY_POLL_TIMEOUT", 25, minimum=0),
        )
