"""Sealing bot tokens at rest and deriving per-tenant webhook secrets from the platform key.

Contract:
- Every key is derived from `PLATFORM_SECRET` with HKDF-SHA256 and its own `info` label
  (one key per purpose: sealing, webhook secrets), never used directly.
- `seal` always uses the current secret. `unseal` opens a value sealed with the current
  secret or any of `PLATFORM_SECRET_PREVIOUS` (MultiFernet), and also values sealed before
  HKDF (the old single SHA-256 derivation), so upgrading and rotating never lose a token.
- `webhook_secret` is derived from the current secret; `check_webhook_secret` also accepts
  one derived from a previous secret while webhooks are being re-registered, and refuses
  (never raises on) a header that is empty, too long or not ASCII.
- `reseal` returns a value sealed with the current key, or None when it already is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shared.errors import AppError
from shared.settings import Secret, secret_key_material

SEAL_INFO = b"bookbots/v1/seal-bot-tokens"
WEBHOOK_INFO = b"bookbots/v1/webhook-secret"
MAX_WEBHOOK_SECRET = 256


class SealError(AppError):
    """A sealed value was not made with this platform key (or was tampered with)."""


def derive_key(platform_key: Secret, info: bytes) -> bytes:
    """32 bytes for one purpose (`info`), derived from the platform key with HKDF-SHA256."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info)
    return hkdf.derive(secret_key_material(platform_key.reveal()))


def _legacy(platform_key: Secret, label: bytes) -> bytes:
    """The derivation used before HKDF: only to open old seals and accept old webhooks."""
    return hashlib.sha256(label + platform_key.reveal().encode()).digest()


def _fernet(raw: bytes) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(raw))


class Sealer:
    """Encrypts and authenticates small secrets (bot tokens) with keys from the platform key."""

    def __init__(self, platform_key: Secret, previous: Sequence[Secret] = ()) -> None:
        keys = [platform_key, *previous]
        self._current = _fernet(derive_key(platform_key, SEAL_INFO))
        older = [_fernet(derive_key(key, SEAL_INFO)) for key in previous]
        legacy = [_fernet(_legacy(key, b"seal:")) for key in keys]
        self._all = MultiFernet([self._current, *older, *legacy])
        self._webhook_keys = [derive_key(key, WEBHOOK_INFO) for key in keys]
        self._webhook_keys += [_legacy(key, b"webhook:") for key in keys]

    def seal(self, value: str) -> str:
        return self._current.encrypt(value.encode()).decode()

    def unseal(self, sealed: str) -> Secret:
        try:
            return Secret(self._all.decrypt(sealed.encode()).decode())
        except InvalidToken:
            raise SealError("sealed value does not open with this platform key") from None

    def reseal(self, sealed: str) -> str | None:
        """The value sealed with the current key, or None when it already is.
        Raises SealError when no known key opens it."""
        try:
            self._current.decrypt(sealed.encode())
        except InvalidToken:
            pass
        else:
            return None
        return self.seal(self.unseal(sealed).reveal())

    def webhook_secret(self, bot_key: str) -> str:
        """The `X-Telegram-Bot-Api-Secret-Token` of one bot: 1-256 chars of [A-Za-z0-9_-]."""
        return _webhook_secret(self._webhook_keys[0], bot_key)

    def check_webhook_secret(self, bot_key: str, presented: str | None) -> bool:
        """True when `presented` is this bot's secret under the current or a previous key."""
        if not presented or len(presented) > MAX_WEBHOOK_SECRET or not presented.isascii():
            return False
        given = presented.encode("ascii")
        matches = [
            hmac.compare_digest(_webhook_secret(key, bot_key).encode("ascii"), given)
            for key in self._webhook_keys
        ]
        return any(matches)


def _webhook_secret(key: bytes, bot_key: str) -> str:
    mac = hmac.new(key, bot_key.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def token_fingerprint(token: str) -> str:
    """A short, non-reversible tag of a bot token, for uniqueness checks and logs.
    Independent of the platform key, so it survives rotation."""
    return hashlib.sha256(b"token:" + token.encode()).hexdigest()[:32]
