"""Settings of the YooKassa API emulator."""

from __future__ import annotations

import msgspec


class NotificationRetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """Bounded redelivery of notifications that were not answered with 2xx.

    Attempt ``n`` (counting the first one as 1) waits ``first_delay * factor ** (n - 2)``
    seconds after the previous one: 1, 2, 4, 8, 16 s with the defaults. The real YooKassa keeps
    trying for 24 hours; the sandbox gives up after ``max_attempts`` so tests stay finite.
    """

    max_attempts: int = 6
    first_delay: float = 1.0
    factor: float = 2.0
    timeout: float = 5.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.first_delay < 0 or self.factor < 1:
            raise ValueError("first_delay must be >= 0 and factor >= 1")

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before ``attempt`` (2, 3, ...) after the previous one failed."""
        return float(self.first_delay * self.factor ** (attempt - 2))


class YooKassaSandboxConfig(msgspec.Struct, frozen=True, kw_only=True):
    """How the emulator behaves; one instance per app.

    ``shops`` maps each shop id (YooKassa's ``account_id``) to its secret key; requests
    authenticate with HTTP Basic ``shop_id:secret_key``. ``notification_url`` is where
    ``payment.*`` and ``refund.succeeded`` notifications are posted (billing's
    ``POST /webhooks/yookassa``); ``None`` sends none.

    Capture follows YooKassa per request: ``"capture": true`` makes a paid payment
    ``succeeded`` at once, ``false`` leaves it ``waiting_for_capture`` until
    ``POST /v3/payments/{id}/capture``. A request without ``capture`` gets
    ``default_capture`` (``False``, as the real API).
    """

    shops: dict[str, str]
    public_base_url: str
    notification_url: str | None = None
    retry: NotificationRetryPolicy = msgspec.field(default_factory=NotificationRetryPolicy)
    default_capture: bool = False
    gateway_id: str = "100700"
    commission_percent: str = "3.5"

    def __post_init__(self) -> None:
        if not self.shops:
            raise ValueError("at least one shop (shop_id: secret_key) is required")
        if not self.public_base_url.startswith(("http://", "https://")):
            raise ValueError("public_base_url must be an http(s) URL")

    @property
    def base_url(self) -> str:
        return self.public_base_url.rstrip("/")
