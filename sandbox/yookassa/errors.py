"""YooKassa-shaped errors, translated to HTTP answers at the edge."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Request, Response

from sandbox.yookassa.objects import ErrorBody


class YooKassaError(Exception):
    """Answered as ``{"type": "error", "id", "code", "description", "parameter"}``."""

    def __init__(
        self, status: int, code: str, description: str, parameter: str | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.code = code
        self.description = description
        self.parameter = parameter

    def body(self) -> ErrorBody:
        return ErrorBody(
            type="error",
            id=str(uuid.uuid4()),
            code=self.code,
            description=self.description,
            parameter=self.parameter,
        )


def invalid_request(description: str, parameter: str | None = None) -> YooKassaError:
    return YooKassaError(400, "invalid_request", description, parameter)


def not_found(description: str, parameter: str | None = None) -> YooKassaError:
    return YooKassaError(404, "not_found", description, parameter)


def invalid_credentials() -> YooKassaError:
    return YooKassaError(
        401,
        "invalid_credentials",
        "Authentication by given credentials failed. Check the shop ID and the secret key.",
        "Authorization",
    )


def error_response(_: Request[Any, Any, Any], exc: YooKassaError) -> Response[bytes]:
    headers = {"WWW-Authenticate": 'Basic realm="YooKassa"'} if exc.status == 401 else None
    return Response(
        msgspec.json.encode(exc.body()),
        status_code=exc.status,
        media_type="application/json",
        headers=headers,
    )
