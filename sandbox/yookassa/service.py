"""The emulator as one object: the store, the notifier and the operations routes call."""

from __future__ import annotations

import hmac

from sandbox.yookassa.config import YooKassaSandboxConfig
from sandbox.yookassa.errors import invalid_request
from sandbox.yookassa.notifier import Notifier
from sandbox.yookassa.objects import NotificationAttempt, Payment, PayResult, Refund
from sandbox.yookassa.requests import (
    CaptureIn,
    CreatePaymentIn,
    RefundIn,
    check_payment,
    decode,
    fingerprint,
    money,
)
from sandbox.yookassa.store import PaymentRecord, Store

PAYMENT_EVENTS = frozenset({"payment.succeeded", "payment.waiting_for_capture", "payment.canceled"})
REFUND_EVENT = "refund.succeeded"


class YooKassaSandbox:
    """All state of one emulator app; created by ``create_app`` and handed to the routes."""

    def __init__(self, config: YooKassaSandboxConfig) -> None:
        self.config = config
        self.store = Store(config)
        self.notifier = Notifier(config.notification_url, config.retry)
        self.shops: dict[str, str] = dict(config.shops)
        self.shop_urls: dict[str, str] = {}

    def authenticate(self, shop_id: str, secret_key: str) -> bool:
        expected = self.shops.get(shop_id)
        return expected is not None and secrets_equal(expected, secret_key)

    def add_shop(self, shop_id: str, secret_key: str, notification_url: str | None) -> None:
        """Open (or change) a shop: its secret key and where its notifications go (the
        shop's own setting in YooKassa's dashboard; without one, the emulator's default)."""
        if not shop_id or not secret_key:
            raise invalid_request("shop_id and secret_key are required", "shop_id")
        self.shops[shop_id] = secret_key
        if notification_url:
            self.shop_urls[shop_id] = notification_url
        else:
            self.shop_urls.pop(shop_id, None)

    def url_of(self, shop_id: str) -> str | None:
        """The shop's notification URL, or None for the emulator's default."""
        return self.shop_urls.get(shop_id)

    # The YooKassa API (/v3), as one shop sees it.

    def create_payment(self, shop_id: str, key: str, body: bytes) -> Payment:
        canonical = fingerprint(body)
        known = self.store.replayed(shop_id, "payments", key, canonical)
        if known is not None:
            return self.store.get(shop_id, known).payment
        request = decode(body, CreatePaymentIn)
        value = check_payment(request)
        record = self.store.create(shop_id, request, value)
        self.store.remember(shop_id, "payments", key, canonical, record.payment.id)
        if record.payment.status != "pending":
            self.notifier.send_later(
                _event_of(record.payment), record.payment, self.url_of(shop_id)
            )
        return record.payment

    def get_payment(self, shop_id: str, payment_id: str) -> Payment:
        return self.store.get(shop_id, payment_id).payment

    def capture(self, shop_id: str, payment_id: str, body: bytes) -> Payment:
        record = self.store.get(shop_id, payment_id)
        request = decode(body, CaptureIn)
        value = money(request.amount, "amount") if request.amount is not None else None
        was = record.payment.status
        event = self.store.capture(record, value)
        if record.payment.status != was:
            self.notifier.send_later(event, record.payment, self.url_of(shop_id))
        return record.payment

    def cancel(self, shop_id: str, payment_id: str) -> Payment:
        record = self.store.get(shop_id, payment_id)
        if record.payment.status == "pending":
            raise invalid_request(
                "Only a payment waiting_for_capture can be canceled by the shop", "payment_id"
            )
        was = record.payment.status
        event = self.store.cancel(record, "merchant", "canceled_by_merchant")
        if record.payment.status != was:
            self.notifier.send_later(event, record.payment, self.url_of(shop_id))
        return record.payment

    def create_refund(self, shop_id: str, key: str, body: bytes) -> Refund:
        canonical = fingerprint(body)
        known = self.store.replayed(shop_id, "refunds", key, canonical)
        if known is not None:
            return self.store.get_refund(shop_id, known)
        request = decode(body, RefundIn)
        value = money(request.amount, "amount")
        record = self.store.get(shop_id, request.payment_id)
        refund = self.store.refund(record, value, request.description)
        self.store.remember(shop_id, "refunds", key, canonical, refund.id)
        self.notifier.send_later(REFUND_EVENT, refund, self.url_of(shop_id))
        return refund

    def get_refund(self, shop_id: str, refund_id: str) -> Refund:
        return self.store.get_refund(shop_id, refund_id)

    # The buyer (checkout page) and the control API (/sandbox).

    async def pay(self, payment_id: str) -> PayResult:
        record = self.store.get(None, payment_id)
        event = self.store.authorize(record)
        status = await self.notifier.send(event, record.payment, self.url_of(record.shop_id))
        return PayResult(payment=record.payment, notification_status=status)

    async def decline(self, payment_id: str, reason: str | None = None) -> PayResult:
        record = self.store.get(None, payment_id)
        if record.payment.status == "canceled":
            raise invalid_request("Payment is already canceled", "payment_id")
        event = self.store.cancel(record, "yoo_money", reason or "expired_on_confirmation")
        status = await self.notifier.send(event, record.payment, self.url_of(record.shop_id))
        return PayResult(payment=record.payment, notification_status=status)

    async def renotify(self, payment_id: str, event: str | None) -> PayResult:
        """Send a notification about the payment's current state again (a duplicate)."""
        record = self.store.get(None, payment_id)
        event = event or _event_of(record.payment)
        url = self.url_of(record.shop_id)
        if event == REFUND_EVENT:
            status = await self.notifier.send(event, self._last_refund(record), url)
        elif event in PAYMENT_EVENTS:
            status = await self.notifier.send(event, record.payment, url)
        else:
            raise invalid_request(f"Unknown event {event!r}", "event")
        return PayResult(payment=record.payment, notification_status=status)

    def _last_refund(self, record: PaymentRecord) -> Refund:
        if not record.refund_ids:
            raise invalid_request("The payment has no refunds", "event")
        return self.store.refunds[record.refund_ids[-1]][1]

    def payments(self) -> list[Payment]:
        return [record.payment for record in self.store.payments.values()]

    def notifications(self) -> list[NotificationAttempt]:
        return list(self.notifier.attempts)

    def checkout_target(self, payment_id: str) -> PaymentRecord:
        return self.store.get(None, payment_id)


def _event_of(payment: Payment) -> str:
    if payment.status == "pending":
        raise invalid_request("A pending payment has no notification event", "event")
    return f"payment.{payment.status}"


def secrets_equal(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())
