"""What the emulator's routes are handed: the app's sandbox, the authenticated shop."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from litestar import Request
from litestar.di import NamedDependency
from litestar.params import HeaderParameter

from sandbox.yookassa.errors import invalid_credentials, invalid_request
from sandbox.yookassa.service import YooKassaSandbox

Sandbox = NamedDependency[YooKassaSandbox]
ShopId = NamedDependency[str]
IdempotenceKey = Annotated[str | None, HeaderParameter(name="Idempotence-Key", required=False)]
IDEMPOTENCE_KEY_MAX = 64


def authenticate(request: Request[Any, Any, Any], sandbox: Sandbox) -> str:
    """The shop id from HTTP Basic ``shop_id:secret_key``, or a 401 in YooKassa's shape."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        raise invalid_credentials()
    try:
        shop_id, _, secret = base64.b64decode(token, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise invalid_credentials() from exc
    if not sandbox.authenticate(shop_id, secret):
        raise invalid_credentials()
    return shop_id


def required_key(key: str | None) -> str:
    if not key:
        raise invalid_request("Idempotence-Key header is required", "Idempotence-Key")
    if len(key) > IDEMPOTENCE_KEY_MAX:
        raise invalid_request("Idempotence-Key is longer than 64 characters", "Idempotence-Key")
    return key
