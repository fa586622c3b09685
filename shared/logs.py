"""Structured logging: one logger per module, JSON lines when not on a terminal.

Every line carries the service and, while a message is being handled, its tenant and
message/update id (bound with `log_context`). A filter scrubs anything shaped like a bot token
or a Basic/Bearer credential before a line is written, as a last line of defence.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from shared.settings import LogSettings

_tenant: ContextVar[str | None] = ContextVar("log_tenant", default=None)
_message_id: ContextVar[str | None] = ContextVar("log_message_id", default=None)

_SECRETS = re.compile(
    r"(\d{5,}:[A-Za-z0-9_-]{30,})"  # Telegram bot tokens
    r"|((?:Basic|Bearer)\s+[A-Za-z0-9+/=._-]{8,})"  # HTTP credentials
    r"|(test_[A-Za-z0-9_-]{20,}|live_[A-Za-z0-9_-]{20,})"  # YooKassa secret keys
)


def redact(text: str) -> str:
    return _SECRETS.sub("[redacted]", text)


@contextmanager
def log_context(*, tenant: str | None = None, message_id: str | None = None) -> Iterator[None]:
    tenant_token = _tenant.set(tenant)
    message_token = _message_id.set(message_id)
    try:
        yield
    finally:
        _tenant.reset(tenant_token)
        _message_id.reset(message_token)


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self._service
        record.tenant = _tenant.get()
        record.message_id = _message_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": getattr(record, "service", None),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        for field in ("tenant", "message_id"):
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        if record.exc_info:
            line["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        tenant = getattr(record, "tenant", None)
        message_id = getattr(record, "message_id", None)
        where = " ".join(
            part
            for part in (f"t={tenant}" if tenant else "", f"m={message_id}" if message_id else "")
            if part
        )
        text = f"{record.levelname[0]} {getattr(record, 'service', '')} {record.name}"
        text += f" [{where}]" if where else ""
        text += f": {redact(record.getMessage())}"
        if record.exc_info:
            text += "\n" + redact(self.formatException(record.exc_info))
        return text


def configure_logging(service: str, settings: LogSettings) -> None:
    as_json = settings.json if settings.json is not None else not sys.stderr.isatty()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if as_json else TextFormatter())
    handler.addFilter(_ContextFilter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.level)
    # Client libraries log request URLs, which for the Bot API contain the token.
    for noisy in ("httpx", "httpcore", "aiohttp.access", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
