"""Typed settings read once from the environment, grouped by concern.

Every service builds its own settings from these groups in its `config.py`. A missing or
malformed value raises `SettingsError` with one line naming the variable; `main` prints it and
exits. Nothing else in the project reads the environment.
"""

from __future__ import annotations

import base64
import builtins
import ipaddress
import os
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from shared.errors import SettingsError


class Secret:
    """A secret string that never shows itself in reprs, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a simple `.env` file (KEY=VALUE lines, # comments)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def environment(env_file: Path | None = None) -> dict[str, str]:
    """The process environment, over the optional `.env` file (the environment wins)."""
    merged = read_env_file(env_file) if env_file else {}
    merged.update(os.environ)
    return merged


class Env:
    """Typed readers over an environment mapping; each raises one clear `SettingsError`."""

    def __init__(self, values: Mapping[builtins.str, str]) -> None:
        self._values = values

    def str(self, name: builtins.str, default: builtins.str | None = None) -> builtins.str:
        value = self._values.get(name)
        if value is None or value == "":
            if default is None:
                raise SettingsError(f"setting {name} is required but not set")
            return default
        return value

    def optional(self, name: builtins.str) -> builtins.str | None:
        value = self._values.get(name)
        return value or None

    def int(
        self, name: builtins.str, default: builtins.int, *, minimum: builtins.int = 0
    ) -> builtins.int:
        raw = self._values.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"setting {name} must be an integer, got {raw!r}") from None
        if value < minimum:
            raise SettingsError(f"setting {name} must be at least {minimum}, got {value}")
        return value

    def float(self, name: builtins.str, default: builtins.float) -> builtins.float:
        raw = self._values.get(name)
        if raw is None or raw == "":
            return default
        try:
            return float(raw)
        except ValueError:
            raise SettingsError(f"setting {name} must be a number, got {raw!r}") from None

    def bool(self, name: builtins.str, default: builtins.bool) -> builtins.bool:
        raw = self._values.get(name)
        if raw is None or raw == "":
            return default
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise SettingsError(f"setting {name} must be true or false, got {raw!r}")

    def list(
        self, name: builtins.str, default: tuple[builtins.str, ...] = ()
    ) -> tuple[builtins.str, ...]:
        raw = self._values.get(name)
        if raw is None or raw.strip() == "":
            return default
        return tuple(part.strip() for part in raw.split(",") if part.strip())

    def int_list(
        self, name: builtins.str, default: tuple[builtins.int, ...] = ()
    ) -> tuple[builtins.int, ...]:
        items = self.list(name)
        if not items:
            return default
        try:
            return tuple(int(item) for item in items)
        except ValueError:
            raise SettingsError(f"setting {name} must be integers separated by commas") from None

    def networks(
        self, name: builtins.str, default: tuple[builtins.str, ...]
    ) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        items = self.list(name, default)
        try:
            return tuple(ipaddress.ip_network(item, strict=False) for item in items)
        except ValueError as error:
            raise SettingsError(f"setting {name} has a bad address range: {error}") from None

    def secret(self, name: builtins.str, default: builtins.str | None = None) -> Secret:
        return Secret(self.str(name, default))

    def optional_secret(self, name: builtins.str) -> Secret:
        return Secret(self._values.get(name, ""))


@dataclass(frozen=True, slots=True)
class NatsSettings:
    """Where NATS is and who this process is on it.

    `NATS_USER` empty means a server without authentication (a plain development server);
    otherwise the user is one of deploy/nats/nats.conf (`booking`, `billing`, ..., `admin`).
    """

    url: str
    publish_timeout: float
    user: str = ""
    password: Secret = field(default_factory=lambda: Secret(""))

    @classmethod
    def load(cls, env: Env) -> NatsSettings:
        user = env.optional("NATS_USER") or ""
        password = env.optional_secret("NATS_PASSWORD")
        if user and not password:
            raise SettingsError("setting NATS_PASSWORD is required when NATS_USER is set")
        return cls(
            url=env.str("NATS_URL", "nats://127.0.0.1:4222"),
            publish_timeout=env.float("NATS_PUBLISH_TIMEOUT", 5.0),
            user=user,
            password=password,
        )

    @property
    def servers(self) -> list[str]:
        """`NATS_URL` may list a cluster's nodes separated by commas; clients try each."""
        return [part.strip() for part in self.url.split(",") if part.strip()]


@dataclass(frozen=True, slots=True)
class PostgresSettings:
    """The service's own login (`bookbots_<service>`, never a superuser in a deployment)."""

    dsn: Secret
    pool_min: int
    pool_max: int
    recycle_seconds: int
    # Further database servers that hold tenant schemas (`DATABASE_SERVERS`), by name; the
    # platform's own database (DATABASE_URL) is the server `main`. See shared/db_servers.py.
    servers: tuple[tuple[str, Secret], ...] = ()

    @classmethod
    def load(cls, env: Env) -> PostgresSettings:
        return cls(
            dsn=env.secret("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bookbots"),
            pool_min=env.int("DATABASE_POOL_MIN", 1),
            pool_max=env.int("DATABASE_POOL_MAX", 8, minimum=1),
            recycle_seconds=env.int("DATABASE_RECYCLE_SECONDS", 300, minimum=1),
            servers=parse_database_servers(env.optional_secret("DATABASE_SERVERS").reveal()),
        )


MAIN_DATABASE_SERVER = "main"
_SERVER_NAME = re.compile(r"^[a-z][a-z0-9_]{0,30}$")


def parse_database_servers(text: str) -> tuple[tuple[str, Secret], ...]:
    """`pg2=postgresql://...,pg3=postgresql://...` -> ((name, url), ...); one clear error for a
    malformed entry (the message never repeats a URL: it holds a password)."""
    servers: list[tuple[str, Secret]] = []
    for index, item in enumerate(part.strip() for part in text.split(",") if part.strip()):
        name, sep, url = item.partition("=")
        name = name.strip()
        if not sep or not _SERVER_NAME.fullmatch(name) or "://" not in url:
            raise SettingsError(
                f"setting DATABASE_SERVERS entry {index + 1} must be name=postgresql://...,"
                " with a name of lower-case letters, digits and _"
            )
        if name == MAIN_DATABASE_SERVER or name in dict(servers):
            raise SettingsError(
                f"setting DATABASE_SERVERS names {name!r} twice (`main` is DATABASE_URL)"
            )
        servers.append((name, Secret(url.strip())))
    return tuple(servers)


DATABASE_SERVICES = ("booking", "billing", "provisioner", "notifier")


def login_role(service: str) -> str:
    """The Postgres login of a service: `bookbots_booking`, ..."""
    return f"bookbots_{service}"


@dataclass(frozen=True, slots=True)
class BootstrapSettings:
    """The one-shot set-up (`python -m shared.bootstrap`): the owner's URL and each login's
    password (`DB_PASSWORD_BOOKING`, ...). An empty password gives a login with no password,
    which only a `trust` pg_hba (a development server) lets in."""

    admin_dsn: Secret
    passwords: dict[str, Secret]

    @classmethod
    def load(cls, env: Env) -> BootstrapSettings:
        return cls(
            admin_dsn=env.secret("DATABASE_ADMIN_URL"),
            passwords={
                service: env.optional_secret(f"DB_PASSWORD_{service.upper()}")
                for service in DATABASE_SERVICES
            },
        )


@dataclass(frozen=True, slots=True)
class RedisSettings:
    url: Secret

    @classmethod
    def load(cls, env: Env) -> RedisSettings:
        return cls(url=env.secret("REDIS_URL", "redis://127.0.0.1:6379/0"))


@dataclass(frozen=True, slots=True)
class HttpSettings:
    host: str
    port: int

    @classmethod
    def load(cls, env: Env, default_port: int) -> HttpSettings:
        return cls(
            host=env.str("HTTP_HOST", "127.0.0.1"),
            port=env.int("HTTP_PORT", default_port, minimum=1),
        )


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    """Where the Bot API lives: the real one, or the sandbox emulator."""

    api_base: str

    @property
    def is_sandbox(self) -> bool:
        return self.api_base != "https://api.telegram.org"

    @classmethod
    def load(cls, env: Env) -> TelegramSettings:
        return cls(api_base=env.str("TELEGRAM_API_BASE", "https://api.telegram.org").rstrip("/"))


MIN_SECRET_BYTES = 32
MAKE_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'  # noqa: S105 - a command
_HEX = frozenset("0123456789abcdefABCDEF")
_B64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/")


def decode_platform_secret(text: builtins.str) -> bytes | None:
    """The bytes of a hex or (urlsafe or standard) base64 secret; None when it is neither."""
    text = text.strip()
    if text and len(text) % 2 == 0 and set(text) <= _HEX:
        return bytes.fromhex(text)
    body = text.rstrip("=")
    if not body or not set(body) <= _B64 or len(body) % 4 == 1:
        return None
    padded = body.replace("+", "-").replace("/", "_") + "=" * (-len(body) % 4)
    try:
        return base64.urlsafe_b64decode(padded)
    except ValueError:
        return None


def secret_key_material(text: builtins.str) -> bytes:
    """What HKDF is fed: the decoded bytes of an encoded secret, else the text itself (only
    older secrets in PLATFORM_SECRET_PREVIOUS may be plain text)."""
    decoded = decode_platform_secret(text)
    return decoded if decoded is not None else text.encode()


def _looks_random(raw: bytes) -> builtins.bool:
    """False for obviously weak keys: repeated patterns or few distinct byte values."""
    expected_distinct = 256 * (1 - (255 / 256) ** len(raw))
    if len(set(raw)) < 0.6 * expected_distinct:
        return False
    return len(zlib.compress(raw, 9)) >= len(raw)


def check_platform_secret(name: builtins.str, text: builtins.str) -> None:
    """Raise one clear `SettingsError` unless `text` encodes >= 32 random-looking bytes."""
    how = f"make one with: {MAKE_SECRET}"
    raw = decode_platform_secret(text)
    if raw is None:
        raise SettingsError(f"setting {name} must be urlsafe base64 or hex; {how}")
    if len(raw) < MIN_SECRET_BYTES:
        raise SettingsError(
            f"setting {name} must encode at least {MIN_SECRET_BYTES} random bytes"
            f" (it has {len(raw)}); {how}"
        )
    is_hex = set(text.strip()) <= _HEX
    mixed_case = any(c.isupper() for c in text) and any(c.islower() for c in text)
    if not _looks_random(raw) or not (is_hex or mixed_case):
        raise SettingsError(f"setting {name} looks typed or repetitive, not random; {how}")


@dataclass(frozen=True, slots=True)
class PlatformSecrets:
    """The platform key: seals bot tokens at rest and derives per-tenant webhook secrets.

    `key` (PLATFORM_SECRET) must encode at least 32 random bytes (urlsafe base64 or hex).
    `previous` (PLATFORM_SECRET_PREVIOUS, comma separated) are older keys still accepted for
    opening seals and webhook secrets while `rotate-secrets` moves everything to `key`.
    """

    key: Secret
    previous: tuple[Secret, ...] = ()

    @classmethod
    def load(cls, env: Env) -> PlatformSecrets:
        key = env.secret("PLATFORM_SECRET")
        check_platform_secret("PLATFORM_SECRET", key.reveal())
        previous = tuple(
            Secret(item) for item in env.list("PLATFORM_SECRET_PREVIOUS") if item != key.reveal()
        )
        return cls(key=key, previous=previous)


@dataclass(frozen=True, slots=True)
class LogSettings:
    level: str
    json: bool | None

    @classmethod
    def load(cls, env: Env) -> LogSettings:
        fmt = env.str("LOG_FORMAT", "auto")
        if fmt not in {"auto", "json", "text"}:
            raise SettingsError(f"setting LOG_FORMAT must be auto, json or text, got {fmt!r}")
        return cls(
            level=env.str("LOG_LEVEL", "INFO").upper(),
            json=None if fmt == "auto" else fmt == "json",
        )


def controllable_clock(env: Env) -> bool:
    """`CLOCK=controllable` (tests, the sandbox) or `system` (the default)."""
    mode = env.str("CLOCK", "system")
    if mode not in {"system", "controllable"}:
        raise SettingsError(f"setting CLOCK must be system or controllable, got {mode!r}")
    return mode == "controllable"


@dataclass(frozen=True, slots=True)
class RetrySettings:
    """How long a person's update is retried before they are asked to try again."""

    interactive_max_age_seconds: float

    @classmethod
    def load(cls, env: Env) -> RetrySettings:
        seconds = env.float("INTERACTIVE_RETRY_SECONDS", 600.0)
        if seconds <= 0:
            raise SettingsError("setting INTERACTIVE_RETRY_SECONDS must be positive")
        return cls(interactive_max_age_seconds=seconds)


@dataclass(frozen=True, slots=True)
class BusSetupSettings:
    """The bus set-up's own setting: how many copies of each stream and KV bucket JetStream
    keeps (`NATS_STREAM_REPLICAS`: 1 on a single server, 3 on the compose cluster)."""

    replicas: int

    @classmethod
    def load(cls, env: Env) -> BusSetupSettings:
        replicas = env.int("NATS_STREAM_REPLICAS", 1, minimum=1)
        if replicas > 5:  # JetStream's limit
            raise SettingsError(f"setting NATS_STREAM_REPLICAS must be 1 to 5, got {replicas}")
        return cls(replicas=replicas)


@dataclass(frozen=True, slots=True)
class BackupSettings:
    """Tenant backups (`shared.backup_tenant`): where the files are kept and their key.

    `directory` (BACKUP_DIR, default `backups`) holds one file per backup, mode 0600.
    `key` (BACKUP_KEY, optional) encrypts them with AES-256-GCM; like PLATFORM_SECRET it must
    encode at least 32 random bytes. Keep it apart from the backups: without it they cannot be
    opened, and a file made with it is refused under any other key.
    """

    directory: Path
    key: Secret | None

    @classmethod
    def load(cls, env: Env) -> BackupSettings:
        key = env.optional_secret("BACKUP_KEY")
        if key:
            check_platform_secret("BACKUP_KEY", key.reveal())
        return cls(directory=Path(env.str("BACKUP_DIR", "backups")), key=key or None)
