"""Trusting a YooKassa notification, and recording it once.

YooKassa signs nothing, so a notification is believed only if (1) it comes from YooKassa's
documented networks (the real client address, read through configured trusted proxies only)
and (2) the payment fetched back by id from the API agrees with what billing created: status,
amount, currency and metadata. Then it is recorded once in the ledger and published. The
caller answers 200 only after that; any exception means "not recorded", and YooKassa retries.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from typing import Literal

import msgspec

from services.billing.adapters.yookassa_api import YooPayment
from services.billing.config import Network
from services.billing.ports import Events, Ledger, PaymentRecord, PaymentsApi
from shared.clock import Clock
from shared.errors import Forbidden
from shared.messages import PaymentCanceled, PaymentSucceeded, RefundSucceeded, Signup
from shared.subjects import PAYMENT_CANCELED, PAYMENT_SUCCEEDED, REFUND_SUCCEEDED

log = logging.getLogger(__name__)


class ForgedNotification(Forbidden):
    def __init__(self, why: str, payment_id: str = "") -> None:
        super().__init__(f"notification refused: {why}")
        self.why = why
        self.payment_id = payment_id


class NotificationSource:
    """Finds the real client address and checks it against YooKassa's networks."""

    def __init__(self, *, allowed: tuple[Network, ...], trusted_proxies: tuple[Network, ...]) -> None:
        self._allowed = allowed
        self._proxies = trusted_proxies

    def client_address(self, peer: str, forwarded_for: str | None) -> str:
        """The peer, or, when the peer is a trusted proxy, the nearest untrusted hop it reports."""
        address = peer
        if forwarded_for and self._trusted(address):
            for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
                address = hop
                if not self._trusted(hop):
                    break
        return address

    def allowed(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self._allowed)

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self._proxies)


class _Amount(msgspec.Struct):
    value: str
    currency: str


class _Object(msgspec.Struct):
    id: str
    payment_id: str | None = None
    status: str | None = None
    amount: _Amount | None = None


def _kopecks(amount: _Amount | None) -> int | None:
    if amount is None:
        return None
    rubles, _, cents = amount.value.partition(".")
    try:
        return int(rubles) * 100 + int((cents + "00")[:2])
    except ValueError:
        return None


class _Notification(msgspec.Struct):
    type: str
    event: str
    object: _Object


_decoder = msgspec.json.Decoder(_Notification)
Outcome = Literal["recorded", "duplicate", "ignored"]


class RecordNotification:
    def __init__(
        self, *, source: NotificationSource, api: PaymentsApi, ledger: Ledger, events: Events, clock: Clock
    ) -> None:
        self._source = source
        self._api = api
        self._ledger = ledger
        self._events = events
        self._clock = clock

    async def __call__(self, *, peer: str, forwarded_for: str | None, body: bytes) -> Outcome:
        address = self._source.client_address(peer, forwarded_for)
        if not self._source.allowed(address):
            raise ForgedNotification(f"source {address} is not YooKassa")
        try:
            note = _decoder.decode(body)
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            log.error("unparseable notification from an allowed source: %s", error)
            return "ignored"
        if note.event == "payment.succeeded":
            return await self._payment(note.object.id, "succeeded")
        if note.event == "payment.canceled":
            return await self._payment(note.object.id, "canceled")
        if note.event == "refund.succeeded" and note.object.payment_id:
            return await self._refund(
                note.object.id, note.object.payment_id, _kopecks(note.object.amount)
            )
        log.info("notification %s needs no action", note.event)
        return "ignored"

    async def _verified(self, payment_id: str, status: str) -> tuple[PaymentRecord, YooPayment]:
        local = await self._ledger.get_payment(payment_id)
        if local is None:
            raise ForgedNotification("billing never created this payment", payment_id)
        remote = await self._api.get_payment(payment_id)
        if remote is None:
            raise ForgedNotification("YooKassa does not know this payment", payment_id)
        expected = {"purpose": local.purpose, "plan": local.plan_code}
        if local.signup_id:
            expected["signup_id"] = local.signup_id
        if local.tenant_id:
            expected["tenant_id"] = local.tenant_id
        if remote.status != status:
            raise ForgedNotification(f"payment is {remote.status}, not {status}", payment_id)
        if remote.amount_kopecks != local.amount_kopecks or remote.currency != local.currency:
            raise ForgedNotification("amount or currency differ", payment_id)
        if any(remote.metadata.get(k) != v for k, v in expected.items()):
            raise ForgedNotification("metadata differ", payment_id)
        return local, remote

    async def _payment(self, payment_id: str, status: str) -> Outcome:
        local, remote = await self._verified(payment_id, status)
        fresh = await self._ledger.record_event(
            payment_id=payment_id,
            event=f"payment.{status}",
            object_id=payment_id,
            amount_kopecks=local.amount_kopecks,
            currency=local.currency,
            new_status=status,
            payment_method_id=remote.payment_method_id if remote.payment_method_saved else None,
        )
        if status == "succeeded":
            await self._events.publish(
                PAYMENT_SUCCEEDED,
                await self._succeeded_event(local, remote),
                msg_id=f"yookassa:{payment_id}:succeeded",
            )
        else:
            await self._events.publish(
                PAYMENT_CANCELED,
                PaymentCanceled(
                    payment_id=payment_id,
                    buyer_chat_id=local.buyer_chat_id,
                    reason="canceled",
                    tenant_id=local.tenant_id,
                ),
                msg_id=f"yookassa:{payment_id}:canceled",
            )
        return "recorded" if fresh else "duplicate"

    async def _succeeded_event(self, local: PaymentRecord, remote: YooPayment) -> PaymentSucceeded:
        signup: Signup | None = None
        if local.signup_id:
            record = await self._ledger.get_signup(local.signup_id)
            if record is None or record.bot_id is None or not record.bot_token_sealed:
                raise ForgedNotification("the signup of this payment is incomplete", local.payment_id)
            signup = Signup(
                signup_id=record.signup_id,
                business_name=record.business_name,
                timezone=record.timezone,
                buyer_chat_id=record.buyer_chat_id,
                owner_chat_id=record.owner_chat_id,
                bot_id=record.bot_id,
                bot_username=record.bot_username or "",
                bot_token_sealed=record.bot_token_sealed,
                city=record.city,
            )
        return PaymentSucceeded(
            payment_id=local.payment_id,
            purpose=local.purpose,
            plan_code=local.plan_code,
            period_days=local.period_days,
            amount_kopecks=local.amount_kopecks,
            currency=local.currency,
            paid_at=self._clock.now(),
            signup=signup,
            tenant_id=local.tenant_id,
            buyer_chat_id=local.buyer_chat_id,
            payment_method_id=remote.payment_method_id if remote.payment_method_saved else None,
        )

    async def _refund(self, refund_id: str, payment_id: str, amount: int | None) -> Outcome:
        local, _ = await self._verified(payment_id, "succeeded")
        refunded = amount if amount is not None and 0 < amount <= local.amount_kopecks else None
        if refunded is None:
            raise ForgedNotification("refund amount is not within the payment", payment_id)
        fresh = await self._ledger.record_event(
            payment_id=payment_id,
            event="refund.succeeded",
            object_id=refund_id,
            amount_kopecks=-refunded,
            currency=local.currency,
            new_status="refunded",
            payment_method_id=None,
        )
        await self._events.publish(
            REFUND_SUCCEEDED,
            RefundSucceeded(
                refund_id=refund_id,
                payment_id=payment_id,
                amount_kopecks=refunded,
                tenant_id=local.tenant_id,
            ),
            msg_id=f"yookassa:{refund_id}:refund",
        )
        return "recorded" if fresh else "duplicate"
