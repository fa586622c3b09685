"""Sealing bot tokens at rest and deriving per-tenant webhook secrets from the platform key."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken

from shared.errors import AppError
from shared.settings import Secret


class SealError(AppError):
    """A sealed value was not made with this platform key (or was tampered with)."""


class Sealer:
    """Encrypts and authenticates small secrets (bot tokens) with a key from the platform key."""

    def __init__(self, platform_key: Secret) -> None:
        digest = hashlib.sha256(b"seal:" + platform_key.reveal().encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))
        self._webhook_key = hashlib.sha256(b"webhook:" + platform_key.reveal().encode()).digest()

    def seal(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def unseal(self, sealed: str) -> Secret:
        try:
            return Secret(self._fernet.decrypt(sealed.encode()).decode())
        except InvalidToken:
            raise SealError("sealed value does not open with this platform key") from None

    def webhook_secret(self, bot_key: str) -> str:
        """The `X-Telegram-Bot-Api-Secret-Token` of one bot: 1-256 chars of [A-Za-z0-9_-]."""
        mac = hmac.new(self._webhook_key, bot_key.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def check_webhook_secret(self, bot_key: str, presented: str | None) -> bool:
        if not presented:
            return False
        return hmac.compare_digest(self.webhook_secret(bot_key), presented)


def token_fingerprint(token: str) -> str:
    """A short, non-reversible tag of a bot token, for uniqueness checks and logs."""
    return hashlib.sha256(b"token:" + token.encode()).hexdigest()[:32]
